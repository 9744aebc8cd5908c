"""Placeholders that stay put between runs: a persistent, keyed numbering in the cache.

A value's placeholder number is decided the first time any run sees it and kept from then on,
so one new commit (or a new source) adds placeholders without renumbering every record and
every pair downstream. What is stored, under ``<paths.cache_dir>/sanitizer/``:

- ``key``: the HMAC key, 32 random bytes (mode 0600), only when ``ALCHEMY_SANITIZER_KEY`` (the
  ``sanitizer.key_env`` variable) is not set. Set that variable to the same secret on every
  machine to get the same pseudonyms everywhere; without it each cache has its own key.
- ``placeholders-<key id>.json``: ``{type: {digest: number}}``. A digest is the keyed HMAC of
  (type, value), so the book holds no raw value, and a book only ever pairs with its own key
  (a new key starts a new book).

``sanitizer.stable_placeholders=false`` numbers each run afresh with a random per-run key
(unless the variable is set), as before.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
from pathlib import Path
from typing import Any

BOOK_DIR = "sanitizer"


def book_dir(cfg: Any) -> Path | None:
    """Where the key and the numbering live, or None when placeholders are per run."""
    if not bool(cfg.sanitizer.get("stable_placeholders", True)) or not cfg.sanitizer.get("enabled", True):
        return None
    return Path(cfg.paths.cache_dir).expanduser().resolve() / BOOK_DIR


def run_key(cfg: Any) -> bytes | None:
    """The HMAC key: the key variable's value, else the cache's persisted key (created once),
    else None (a random per-run key, chosen by the context)."""
    env = os.environ.get(cfg.sanitizer.get("key_env") or "", "")
    if env:
        return env.encode()
    folder = book_dir(cfg)
    if folder is None:
        return None
    path = folder / "key"
    if not path.exists():
        folder.mkdir(parents=True, exist_ok=True)
        tmp = folder / f".key-{os.getpid()}"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(secrets.token_bytes(32))
        try:
            os.link(tmp, path)  # first writer wins; a concurrent run reads the same key
        except FileExistsError:
            pass
        tmp.unlink()
    return path.read_bytes()


class Book:
    """The persisted ``{type: {digest: number}}`` numbering of one key."""

    def __init__(self, folder: Path, key: bytes) -> None:
        kid = hmac.new(key, b"alchemy placeholder book", hashlib.sha256).hexdigest()[:16]
        self.path = folder / f"placeholders-{kid}.json"
        self.tables: dict[str, dict[str, int]] = {}
        if self.path.exists():
            data = json.loads(self.path.read_text(encoding="utf-8"))
            self.tables = {str(k): {str(d): int(n) for d, n in v.items()} for k, v in data.items()}

    def save(self, tables: dict[str, dict[str, int]]) -> None:
        """Write the numbering back (atomically), keeping every number already given."""
        merged = {k: dict(v) for k, v in self.tables.items()}
        for kind, table in tables.items():
            merged.setdefault(kind, {}).update(table)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}")
        tmp.write_text(json.dumps(merged, sort_keys=True), encoding="utf-8")
        tmp.replace(self.path)
        self.tables = merged


def open_book(cfg: Any, key: bytes) -> Book | None:
    """The run's book, or None when placeholders are numbered per run (or only typed)."""
    folder = book_dir(cfg)
    if folder is None or cfg.sanitizer.get("mode", "mask") != "mask":
        return None
    return Book(folder, key)
