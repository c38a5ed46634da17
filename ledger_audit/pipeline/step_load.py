"""The load step: landing files with dt <= D that are new -> the lake (transforms/landing/)."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import replace
from pathlib import Path

import duckdb

from core.config import Config
from core.errors import AuditError, BadFileError
from ledger_audit.pipeline.handover import published_entries_of
from ledger_audit.pipeline.progress import Progress
from ledger_audit.publish import WarehousePaths, out_of_space, remove_db
from transforms.landing import (
    LakeEntry,
    check_typing_settings,
    discover,
    load_file,
    read_entry,
    sha256_of,
    signature,
    stem_of,
    write_atomic,
)


def load(landing: str | Path, warehouse: str | Path, business_date: dt.date,
         config: Config | None = None, progress: Progress | None = None) -> dict:
    """Type every landing file with dt <= business_date that is not in the lake yet.

    A file already loaded (same path, same sha256) is not read again; one whose content changed
    since it was published raises BadFileError naming it. Files published earlier but since
    deleted from the landing zone stay (the published manifest is the record)."""
    config = config or Config()
    paths = WarehousePaths(Path(warehouse))
    landing = Path(landing)
    with paths.locked():
        remove_db(paths.next)  # a new load makes any build waiting to be published stale
        check_typing_settings(paths.lake, config.platform.timezone)
        published = {(e.source, e.dt, e.file): e for e in published_entries_of(paths)}
        files, warnings = discover(landing, business_date)
        entries: list[LakeEntry] = []
        new: list[str] = []  # not in the published warehouse yet
        read = 0  # typed into the lake by this call (the others were there from a crashed run)
        con = duckdb.connect(":memory:")
        # bounded memory: a day larger than memory spills beside the warehouse instead of dying
        con.execute("SET memory_limit = $m", {"m": config.duckdb.memory_limit})
        con.execute("SET temp_directory = $t", {"t": config.duckdb.temp_directory
                                                 or str(paths.warehouse) + ".tmp"})
        try:
            for i, lf in enumerate(files):
                if progress:
                    progress(f"loading {lf.file}", i, len(files))
                before = published.pop((lf.source, lf.dt.isoformat(), lf.file), None)
                st = lf.path.stat()
                if before and (before.size, before.mtime_ns, before.ctime_ns,
                               before.inode) == signature(st):
                    entries.append(before)  # unchanged since published: no need to hash it again
                    continue
                sha = sha256_of(lf.path)
                if before and before.sha256 != sha:
                    raise BadFileError(
                        f"{lf.source}: {lf.file} changed after it was loaded on {before.loaded_at}"
                        f" (sha256 was {before.sha256[:16]}, now {sha[:16]}); restore it or move the"
                        " new content to a new file")
                if before:  # same bytes, new stat (copied, chmod): hashed once, not every night
                    entries.append(replace(before, size=st.st_size, mtime_ns=st.st_mtime_ns,
                                           ctime_ns=st.st_ctime_ns, inode=st.st_ino))
                    continue
                in_lake = read_entry(paths.lake / lf.source / f"dt={lf.dt}"
                                     / f"{stem_of(lf.file, sha)}.json")
                entry = in_lake or load_file(con, lf, paths.lake, sha, config.platform.timezone,
                                             stat=st)
                read += in_lake is None
                entries.append(entry)
                new.append(entry.file)
        except OSError as exc:
            if (full := out_of_space(exc, paths.lake)) is not None:
                raise full from None
            raise
        finally:
            con.close()
        if progress:
            progress("loaded", len(files), len(files))
        # published earlier, gone from the landing zone now: the lake still has the rows
        carried = []
        for e in published.values():
            (entries if e.dt <= business_date.isoformat() else carried).append(e)
        for e in entries:
            for f in (e.parquet(paths.lake), e.quarantine(paths.lake)):
                if f is not None and not f.exists():
                    raise AuditError(f"{e.source}: lake file {f} of {e.file} is missing")
        state = {"business_date": business_date.isoformat(), "landing": str(landing.absolute()),
                 "entries": [e.to_dict() for e in entries], "new": new,
                 "carried": [e.to_dict() for e in carried], "warnings": warnings}
        paths.load_state(business_date).parent.mkdir(parents=True, exist_ok=True)
        write_atomic(paths.load_state(business_date), json.dumps(state, indent=1))
    added = [e for e in entries if e.file in set(new)]
    return {"business_date": business_date.isoformat(), "files": len(entries),
            "new_files": len(new), "files_read": read, "new_rows_read": sum(e.rows_read for e in added),
            "new_rows_bad": sum(e.rows_bad for e in added), "warnings": warnings}
