"""Placeholders that stay put between runs: a persistent, keyed numbering in the cache.

A value's placeholder number is decided the first time any run sees it and kept from then on,
so one new commit (or a new source) adds placeholders without renumbering every record and
every pair downstream. What is stored, under ``<paths.cache_dir>/sanitizer/``:

- never the key: it comes only from ``ALCHEMY_SANITIZER_KEY`` (the ``sanitizer.key_env``
  variable). A key beside the book would let anyone with the cache confirm a guessed name or
  phone number by hashing it, so without the variable each run uses a random key, numbers
  afresh and keeps no book (a log line says how to get stable placeholders).
- ``placeholders-<key id>.json``: ``{type: {digest: number}}``. A digest is the keyed HMAC of
  (type, value), so the book holds no raw value, and a book only ever pairs with its own key
  (a new key starts a new book).

``sanitizer.stable_placeholders=false`` numbers each run afresh even when the variable is set.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
from pathlib import Path
from typing import Any

BOOK_DIR = "sanitizer"
log = logging.getLogger(__name__)


def _env_key(cfg: Any) -> bytes | None:
    value = os.environ.get(cfg.sanitizer.key_env or "", "")
    return value.encode() if value else None


def book_dir(cfg: Any) -> Path | None:
    """Where the numbering lives, or None when placeholders are per run (no key variable)."""
    if not cfg.sanitizer.stable_placeholders or not cfg.sanitizer.enabled:
        return None
    if _env_key(cfg) is None:
        return None
    return Path(cfg.paths.cache_dir).expanduser().resolve() / BOOK_DIR


def run_key(cfg: Any) -> bytes | None:
    """The HMAC key from the key variable, else None (a random per-run key, never stored)."""
    key = _env_key(cfg)
    if key is None and cfg.sanitizer.stable_placeholders:
        log.info("sanitizer: %s is not set, so placeholders are numbered per run; set it to a "
                 "secret of your own for stable placeholders across runs",
                 cfg.sanitizer.key_env or "the sanitizer.key_env variable")
    return key


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
    if folder is None or cfg.sanitizer.mode != "mask":
        return None
    return Book(folder, key)
