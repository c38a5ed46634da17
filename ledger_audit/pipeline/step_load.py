"""The load step: landing files with dt <= D that are new -> the lake (transforms/landing/)."""

from __future__ import annotations

import datetime as dt
import json
import re
import threading
from concurrent.futures import ThreadPoolExecutor
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
    load_jsonl_files,
    read_entry,
    sha256_of,
    signature,
    stem_of,
    write_atomic,
)

LOAD_WORKERS = 2  # files typed at once: the machine's cores; DuckDB spreads a big file itself
BATCH_FILES, BATCH_BYTES = 16, 16 << 20  # JSONL files typed in one pass: at most so many, or bytes


def _chunks(group: list) -> list[list]:
    """A source's JSONL files in batches of consecutive files, each at most BATCH_FILES files
    or, past its first file, BATCH_BYTES bytes."""
    out, size = [[]], 0
    for item in group:
        if out[-1] and (len(out[-1]) == BATCH_FILES or size + item[2].st_size > BATCH_BYTES):
            out.append([])
            size = 0
        out[-1].append(item)
        size += item[2].st_size
    return out


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
        pool = ThreadPoolExecutor(LOAD_WORKERS, thread_name_prefix="load")
        local = threading.local()
        cursors: list[duckdb.DuckDBPyConnection] = []
        lock = threading.Lock()

        def cursor() -> duckdb.DuckDBPyConnection:
            # each worker types its files on its own cursor (a connection of the same database:
            # one memory limit), so two small files are typed at once and DuckDB's planning of
            # one overlaps the reading of the other
            if (cur := getattr(local, "con", None)) is None:
                cur = local.con = con.cursor()
                with lock:
                    cursors.append(cur)
            return cur

        def type_one(lf, sha, st):
            return load_file(cursor(), lf, paths.lake, sha, config.platform.timezone, stat=st)

        def type_batch(batch):
            return load_jsonl_files(cursor(), [b[0] for b in batch], paths.lake,
                                    [b[1] for b in batch], config.platform.timezone,
                                    [b[2] for b in batch])

        # [index in entries, landing file, future, index in its batch or None, sha, stat],
        # in file order
        pending: list[list] = []
        batchable: dict[str, list] = {}  # source -> its JSONL files, typed several at a time
        fresh: list[int] = []  # indexes in entries of the files not published yet
        try:
            for lf in files:
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
                fresh.append(len(entries))
                if in_lake is not None:  # typed by a run that stopped before publishing
                    entries.append(in_lake)
                    continue
                if lf.fmt in (".jsonl", ".jsonl.gz") and st.st_size and not re.search(r"[\[*?]", str(lf.path)):
                    batchable.setdefault(lf.source, []).append((lf, sha, st, len(pending)))
                    pending.append([len(entries), lf, None, None, sha, st])
                else:
                    pending.append([len(entries), lf, pool.submit(type_one, lf, sha, st), None, sha, st])
                entries.append(None)
            for group in batchable.values():
                for batch in _chunks(group):
                    fut = pool.submit(type_batch, batch)
                    for k, (_, _, _, j) in enumerate(batch):
                        pending[j][2:4] = [fut, k]
            # the results in file order: the first file that fails is the one reported, as when
            # the files were loaded one by one (the files typed beside it stay in the lake)
            for i, (at, lf, fut, k, sha, st) in enumerate(pending):
                if progress:
                    progress(f"loading {lf.file}", i, len(pending))
                got = fut.result()
                if k is not None:  # typed in a batch; None: that pass could not vouch for it
                    got = got[k] or type_one(lf, sha, st)
                entries[at] = got
                read += 1
        except OSError as exc:
            if (full := out_of_space(exc, paths.lake)) is not None:
                raise full from None
            raise
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
            for cur in cursors:
                cur.close()
            con.close()
        new.extend(entries[i].file for i in fresh)
        if progress:
            progress("loaded", len(pending), len(pending))
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
