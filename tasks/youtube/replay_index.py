"""A recording's responses indexed on disk (SQLite), so a replay holds none of them in memory.

`responses.jsonl.gz` is read once into `<cache>/<name>-<hash>.sqlite` (the hash covers the file's
path, size and modification time; a changed recording gets a new index). Lookups open the index
read-only, one connection per thread; bodies are stored zlib-compressed. The cache folder is `$YT_LAKEHOUSE_CACHE`, else
`$XDG_CACHE_HOME/youtube-lakehouse/replay`, else `~/.cache/youtube-lakehouse/replay`.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import sqlite3
import tempfile
import threading
import zlib
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

BATCH = 5000


def cache_dir() -> Path:
    explicit = os.environ.get("YT_LAKEHOUSE_CACHE")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "youtube-lakehouse" / "replay"


def index_path(responses_file: Path) -> Path:
    stat = responses_file.stat()
    stamp = f"{responses_file.resolve()}|{stat.st_size}|{stat.st_mtime_ns}"
    return cache_dir() / f"{responses_file.parent.name}-{hashlib.sha256(stamp.encode()).hexdigest()[:16]}.sqlite"


def build_index(responses_file: Path, target: Path) -> Path:
    """Write the index of `responses_file` to `target` (atomically: built aside, then renamed)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, scratch = tempfile.mkstemp(prefix=target.name + ".", suffix=".tmp", dir=target.parent)
    os.close(fd)
    try:
        db = sqlite3.connect(scratch)
        db.executescript(
            "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;"
            "CREATE TABLE responses (as_of TEXT NOT NULL, key TEXT NOT NULL, status INTEGER NOT NULL,"
            " content_type TEXT NOT NULL, body BLOB NOT NULL, PRIMARY KEY (as_of, key)) WITHOUT ROWID;"
        )
        rows: list[tuple[Any, ...]] = []
        with gzip.open(responses_file, "rt", encoding="utf-8") as lines:
            for line in lines:
                if not line.strip():
                    continue
                doc = json.loads(line)
                rows.append(
                    (
                        doc.get("as_of") or "",
                        doc["key"],
                        int(doc["status"]),
                        doc.get("content_type", "application/json"),
                        zlib.compress(doc["body"].encode("utf-8"), 1),
                    )
                )
                if len(rows) >= BATCH:
                    db.executemany("INSERT OR REPLACE INTO responses VALUES (?, ?, ?, ?, ?)", rows)
                    rows.clear()
        db.executemany("INSERT OR REPLACE INTO responses VALUES (?, ?, ?, ?, ?)", rows)
        db.commit()
        db.close()
        os.replace(scratch, target)
    except BaseException:
        Path(scratch).unlink(missing_ok=True)
        raise
    return target


class ResponseIndex(Mapping):
    """(as_of, key) -> RecordedResponse, read from the SQLite index (as_of None for undated responses)."""

    def __init__(self, path: Path):
        self.path = path
        self._local = threading.local()

    @classmethod
    def for_file(cls, responses_file: Path) -> ResponseIndex:
        target = index_path(responses_file)
        if not target.is_file():
            build_index(responses_file, target)
        return cls(target)

    def _db(self) -> sqlite3.Connection:
        db = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, check_same_thread=False)
            self._local.db = db
        return db

    def __getitem__(self, item: tuple[str | None, str]) -> Any:
        from tasks.youtube.recorded import RecordedResponse

        as_of, key = item
        row = (
            self._db()
            .execute("SELECT status, content_type, body FROM responses WHERE as_of = ? AND key = ?", (as_of or "", key))
            .fetchone()
        )
        if row is None:
            raise KeyError(item)
        return RecordedResponse(key, int(row[0]), zlib.decompress(row[2]), row[1], as_of)

    def __iter__(self) -> Iterator[tuple[str | None, str]]:
        for as_of, key in self._db().execute("SELECT as_of, key FROM responses ORDER BY as_of, key"):
            yield (as_of or None, key)

    def __len__(self) -> int:
        return int(self._db().execute("SELECT count(*) FROM responses").fetchone()[0])
