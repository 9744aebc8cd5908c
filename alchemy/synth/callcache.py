"""The per-call result cache: every paid reply is stored the moment it arrives.

SQLite (stdlib) in WAL mode, one autocommitted row per reply, under
``<paths.cache_dir>/synth_calls/calls.sqlite``, outside any stage artifact, so it survives a
failed or killed stage and is shared by every synth fingerprint (changing ``eval_fraction``
re-splits without a single call). Why SQLite rather than an append-only JSONL file: a commit is
atomic (no torn last line to detect), a lookup is an indexed read rather than loading every
past reply into memory, and several processes (a parallel sweep, two runs on one cache) can
write at once under SQLite's own locking. ``synchronous=NORMAL`` in WAL mode means a committed
row is in the OS before ``put`` returns, so ``kill -9`` loses nothing; after a power cut the
last few rows may be lost (never corrupted), which only means paying for those calls again.

The key is a hash of the chunk's hash, the model, the exact messages (so the prompt and the
chunk's text) and the parameters that shape a reply, plus the attempt's role (first call, a
retry with feedback, a JSON repair, a judge call).
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import time
from pathlib import Path
from typing import Any

_SCHEMA = """CREATE TABLE IF NOT EXISTS calls (
    key TEXT PRIMARY KEY, chunk_hash TEXT, chunk_id TEXT, model TEXT, role TEXT,
    content TEXT NOT NULL, prompt_tokens INTEGER, completion_tokens INTEGER, cost REAL,
    created REAL)"""


def call_key(chunk_hash: str, model: str, messages: list[dict[str, Any]], params: dict[str, Any],
             role: str) -> str:
    """A stable key for one request: same inputs, same key, in any process."""
    blob = json.dumps([chunk_hash, model, messages, params, role], sort_keys=True,
                      ensure_ascii=False)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


class CallCache:
    """Replies by call key; ``put`` is durable against a process kill when it returns."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(str(self.path), timeout=60, isolation_level=None,
                                  check_same_thread=False)
        self._setup()

    def _setup(self, patience_s: float = 60.0) -> None:
        """WAL mode and the table, retried: two processes opening a new database at once can
        get "database is locked" from the journal-mode switch, which SQLite does not route
        through its busy handler (so ``timeout=`` alone does not cover it)."""
        deadline = time.monotonic() + patience_s
        delay = 0.01
        while True:
            try:
                if self.db.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
                    self.db.execute("PRAGMA journal_mode=WAL")
                self.db.execute("PRAGMA synchronous=NORMAL")
                self.db.execute(_SCHEMA)
                return
            except sqlite3.OperationalError as e:
                if "locked" not in str(e) and "busy" not in str(e) or time.monotonic() > deadline:
                    raise
                time.sleep(delay)
                delay = min(delay * 2, 0.5)

    def get(self, key: str) -> dict[str, Any] | None:
        row = self.db.execute("SELECT content, prompt_tokens, completion_tokens, cost FROM calls "
                              "WHERE key = ?", (key,)).fetchone()
        if row is None:
            return None
        return {"content": row[0], "prompt_tokens": row[1] or 0, "completion_tokens": row[2] or 0,
                "cost": row[3]}

    def put(self, key: str, content: str, *, chunk_hash: str = "", chunk_id: str = "",
            model: str = "", role: str = "", prompt_tokens: int = 0, completion_tokens: int = 0,
            cost: float | None = None) -> None:
        self.db.execute("INSERT OR REPLACE INTO calls VALUES (?,?,?,?,?,?,?,?,?,?)",
                        (key, chunk_hash, chunk_id, model, role, content, prompt_tokens,
                         completion_tokens, cost, time.time()))

    def __len__(self) -> int:
        return self.db.execute("SELECT COUNT(*) FROM calls").fetchone()[0]

    def close(self) -> None:
        self.db.close()
