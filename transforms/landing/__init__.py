"""Landing zone -> lake (one module per concern: discover, fingerprint, jsonl, read, typed,
commit, entry): read every landing file once, type it per the contract, keep it immutable.

    <landing>/<source>/dt=YYYY-MM-DD/<name>.<csv|csv.gz|jsonl|jsonl.gz|parquet>
      -> <lake>/<source>/dt=YYYY-MM-DD/<stem>.parquet             typed, row-valid rows
         <lake>/<source>/dt=YYYY-MM-DD/<stem>.quarantine.parquet  bad rows with their reason
         <lake>/<source>/dt=YYYY-MM-DD/<stem>.json                the entry: counts, sha256, loaded_at

`stem` is the first 16 hex digits of sha256(file path + content sha256), so one landing file at
one content always maps to the same lake files, and a byte-identical copy under another name gets
its own (its rows are then duplicates, counted per file). Every lake file is written under a
temporary name and renamed; the `.json` entry is written last and marks the load complete, so a
run that crashed half-way just finds what it had finished.

JSONL is read by DuckDB's own JSON reader with every contract column as JSON text, so a value
written as a JSON string is exact at the reader's speed; a file with a JSON number (which that
reader would turn into a double), a repeated key, a byte order mark or any read error is read
again by an exact Python reader (numbers as written), streamed in batches (jsonl.py).

The JSONL files of a source are typed several at a time, in one DuckDB pass (planning the
typing SELECT costs about as much as typing a small file); a file that pass cannot vouch for is
loaded alone (commit.load_jsonl_files). The load step types two files or batches at once.

Every value is read as text and typed in one DuckDB pass under the platform time zone (naive
timestamps are platform time); the same pass names each bad row's first failing check
(rules.md §6 "Bad rows and bad files"). Duplicates across files are resolved later, over all
loaded files of a source (transforms/staging/lake.py).
"""

from __future__ import annotations

from transforms.landing.commit import load_file, load_jsonl_files, signature
from transforms.landing.discover import LandingFile, discover
from transforms.landing.entry import LakeEntry, check_typing_settings, read_entry, write_atomic
from transforms.landing.fingerprint import sha256_of, stem_of

__all__ = ["LakeEntry", "LandingFile", "check_typing_settings", "discover", "load_file",
           "load_jsonl_files",
           "read_entry", "sha256_of", "signature", "stem_of", "write_atomic"]
