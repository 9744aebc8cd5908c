"""A source's pulled raw files and its incremental cursor, kept between runs.

A live pull only fetches what changed since the last one, but the clean stage needs the whole
corpus, so every pulled item lives in a mirror folder under
``<cache_dir>/ingest_state/<source>/<scope>/``: ``raw/`` holds the files in the shapes an export
has, ``state.json`` the cursor and a sha256 per file. The mirror's digest (a hash of that file
map) is what the ingest fingerprint covers. Files are always replaced, never rewritten in
place, so an ingest artifact can hard-link them safely.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from alchemy.cache import fingerprint, hash_file

STATE = "state.json"


def scope_key(**scope: Any) -> str:
    """A folder name for what a pull covers: another URL, query or repo is another mirror."""
    return fingerprint(scope)[:16]


class Mirror:
    """raw/ files plus state.json of one source scope; call save() to commit the state."""

    def __init__(self, root: Path, secrets: tuple[str, ...] = ()) -> None:
        self.root = Path(root)
        self.raw = self.root / "raw"
        self.raw.mkdir(parents=True, exist_ok=True)
        self._secrets = tuple(s for s in secrets if s)
        try:
            self.state: dict[str, Any] = json.loads((self.root / STATE).read_text("utf-8"))
        except (OSError, ValueError):
            self.state = {}
        self.state.setdefault("files", {})
        self.written = 0

    @property
    def cursor(self) -> dict[str, Any]:
        return self.state.setdefault("cursor", {})

    def reset(self) -> None:
        """Forget everything (a full re-pull): deleted upstream items disappear too."""
        shutil.rmtree(self.raw, ignore_errors=True)
        self.raw.mkdir(parents=True)
        self.state = {"files": {}, "cursor": {}}

    def write_json(self, rel: str, obj: Any) -> bool:
        return self.write_bytes(rel, json.dumps(obj, ensure_ascii=False, indent=1).encode("utf-8"))

    def read_json(self, rel: str, default: Any = None) -> Any:
        try:
            return json.loads((self.raw / rel).read_text("utf-8"))
        except (OSError, ValueError):
            return default

    def write_bytes(self, rel: str, data: bytes) -> bool:
        """Store data as raw/rel; False when the file already had exactly these bytes."""
        for secret in self._secrets:  # a server echoing a credential must not put it on disk
            data = data.replace(secret.encode("utf-8"), b"[REDACTED]")
        digest = hashlib.sha256(data).hexdigest()
        if self.state["files"].get(rel) == digest and (self.raw / rel).is_file():
            return False
        path = self.raw / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".part")
        tmp.write_bytes(data)
        os.replace(tmp, path)  # a new inode: artifacts that hard-linked the old one keep it
        self.state["files"][rel] = digest
        self.written += 1
        return True

    def adopt(self, rel: str, src: Path) -> None:
        """Move a finished file (made under self.root, e.g. a git dump) into raw/rel."""
        digest = hash_file(src)
        path = self.raw / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        os.replace(src, path)
        self.state["files"][rel] = digest
        self.written += 1

    def digest(self) -> str:
        return fingerprint(sorted(self.state["files"].items()))

    def files(self) -> list[Path]:
        return [self.raw / rel for rel in sorted(self.state["files"])]

    def save(self) -> None:
        tmp = self.root / (STATE + ".part")
        tmp.write_text(json.dumps(self.state, indent=1, sort_keys=True), encoding="utf-8")
        os.replace(tmp, self.root / STATE)

    def export_to(self, dest: Path) -> list[Path]:
        """Hard-link (or copy) every mirrored file into dest; returns the new paths."""
        out = []
        for rel in sorted(self.state["files"]):
            src, dst = self.raw / rel, Path(dest) / rel
            dst.parent.mkdir(parents=True, exist_ok=True)
            try:
                os.link(src, dst)
            except OSError:
                shutil.copy2(src, dst)
            out.append(dst)
        return out


@contextlib.contextmanager
def locked(root: Path) -> Iterator[None]:
    """One sync of a mirror at a time (two runs at once would interleave cursors)."""
    root.mkdir(parents=True, exist_ok=True)
    try:
        import fcntl
    except ImportError:  # Windows: no lock, the atomic writes still keep files whole
        yield
        return
    with open(root / ".lock", "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)
