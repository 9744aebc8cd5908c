"""Content-addressed artifact store with atomic completion.

An artifact lives in ``<cache_dir>/<stage>/<fingerprint>/``. It is built in a temporary
sibling folder, renamed into place, and only then gets ``MANIFEST.json`` (written atomically,
last). A folder without a manifest is incomplete by definition, so a killed or failing stage
can never leave something that looks complete, and the rest of the cache is untouched.

Each artifact has an inter-process lock (``<stage>/.<fingerprint>.lock``, ``filelock``): a
second run that wants the same artifact waits for the first and then reuses it. The lock also
tells a killed run's ``.tmp-*`` build folder (nobody holds its lock) from a live one, so stale
build folders are removed on the next build. Folders are created owner-only (0700): the cache
holds raw exports (ingest) and, while clean runs, unmasked spill files.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from filelock import FileLock, Timeout

MANIFEST = "MANIFEST.json"
log = logging.getLogger("alchemy")


def private_dir(path: Path) -> Path:
    """``mkdir -p`` where every folder this call creates is owner-only (0700)."""
    missing = []
    p = Path(path)
    while not p.exists() and p != p.parent:
        missing.append(p)
        p = p.parent
    for folder in reversed(missing):
        folder.mkdir(mode=0o700, exist_ok=True)
    return Path(path)


@contextmanager
def held(lock: FileLock | Path, what: str) -> Iterator[None]:
    """Acquire an inter-process lock, saying so in the log when another run holds it."""
    lock = lock if isinstance(lock, FileLock) else FileLock(private_dir(lock.parent) / lock.name)
    try:
        lock.acquire(timeout=0)
    except Timeout:
        log.info("another run is working on %s; waiting for it (lock %s)", what, lock.lock_file)
        lock.acquire()
    try:
        yield
    finally:
        lock.release()


def remove_unless_locked(folder: Path, lock_path: Path) -> bool:
    """Remove ``folder`` unless a live process holds ``lock_path``; True if it was removed."""
    lock = FileLock(lock_path)
    try:
        lock.acquire(timeout=0)
    except Timeout:
        return False
    try:
        shutil.rmtree(folder, ignore_errors=True)
    finally:
        lock.release()
    return True


def fingerprint(payload: Any) -> str:
    """A stable short hash of any JSON-serialisable payload."""
    blob = json.dumps(payload, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:20]


def hash_file(path: Path, h: Any = None) -> str:
    """sha256 of a file's bytes, streamed."""
    h = h or hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def hash_tree(paths: list[Path], root: Path | None = None) -> str:
    """One hash over the names and contents of many files (order-independent)."""
    h = hashlib.sha256()
    for p in sorted(paths, key=lambda q: str(q)):
        name = str(p.relative_to(root)) if root else str(p)
        try:
            digest = hash_file(p)
        except OSError:  # unreadable: clean quarantines it; hashed as such, so a fix is a change
            digest = "unreadable"
        h.update(name.encode("utf-8") + b"\0" + digest.encode() + b"\n")
    return h.hexdigest()[:20]


class ArtifactStore:
    """Stage artifacts keyed by (stage, fingerprint)."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root).resolve()
        self._locks: dict[Path, FileLock] = {}

    def lock_path(self, stage: str, fp: str) -> Path:
        return self.root / stage / f".{fp}.lock"

    @contextmanager
    def lock(self, stage: str, fp: str, hold: bool = True) -> Iterator[None]:
        """Hold the artifact's inter-process lock (re-entrant in this process); wait if another
        run holds it. ``hold=False``: no lock (a live stage, which runs until stopped)."""
        path = self.lock_path(stage, fp)
        private_dir(path.parent)
        if not hold:
            yield
            return
        with held(self._locks.setdefault(path, FileLock(path)), f"{stage} {fp}"):
            yield

    def tmp_lock(self, tmp: Path) -> Path:
        """The lock that says whether a build folder is live: its own (a live stage's), else
        its fingerprint's."""
        own = tmp.parent / f"{tmp.name}.lock"
        return own if own.exists() else self.lock_path(tmp.parent.name, tmp.name[5:].split("-", 1)[0])

    def sweep(self, stage: str) -> list[Path]:
        """Remove the build folders of killed runs: ``.tmp-<fp>-*`` whose lock nobody holds."""
        removed = []
        for tmp in sorted(p for p in (self.root / stage).glob(".tmp-*") if p.is_dir()):
            path = self.tmp_lock(tmp)
            mine = path in self._locks and self._locks[path].is_locked
            if mine:  # this process builds that fingerprint: only its own current folder is live
                continue
            if remove_unless_locked(tmp, path):
                removed.append(tmp)
                if path.name.startswith(".tmp-"):
                    path.unlink(missing_ok=True)
        if removed:
            log.info("%s: removed %d build folder(s) left by killed runs", stage, len(removed))
        return removed

    def path(self, stage: str, fp: str) -> Path:
        return self.root / stage / fp

    def is_complete(self, stage: str, fp: str) -> bool:
        return (self.path(stage, fp) / MANIFEST).is_file()

    def manifest(self, stage: str, fp: str) -> dict[str, Any]:
        return self.manifest_at(self.path(stage, fp))

    @staticmethod
    def manifest_at(artifact: Path) -> dict[str, Any]:
        """A complete artifact's manifest (config, inputs, files, metrics), by its folder."""
        return json.loads((Path(artifact) / MANIFEST).read_text(encoding="utf-8"))

    def complete(self, stage: str) -> list[Path]:
        """Complete artifacts of a stage, oldest first (by completion time)."""
        found = [p.parent for p in (self.root / stage).glob(f"*/{MANIFEST}")]
        return sorted(found, key=lambda p: (p / MANIFEST).stat().st_mtime)

    @contextmanager
    def building(self, stage: str, fp: str, info: dict[str, Any],
                 lock: bool = True) -> Iterator[tuple[Path, dict]]:
        """Yield (tmp_dir, metrics); on success rename into place and write the manifest.

        The caller fills ``metrics`` while it works; they are stored in the manifest so a
        later cache hit can report them. On any exception the temporary folder is removed
        and the exception propagates. The artifact's lock is held throughout; build folders
        of killed runs are removed first.
        """
        with self.lock(stage, fp, hold=lock):
            self.sweep(stage)
            final = self.path(stage, fp)
            for stale in sorted(final.parent.glob(f".tmp-{fp}-*")) if lock else []:  # ours: we hold the lock
                if stale.is_dir():
                    shutil.rmtree(stale, ignore_errors=True)
            tmp = final.parent / f".tmp-{fp}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
            own = None if lock else FileLock(tmp.parent / f"{tmp.name}.lock")  # a live stage's
            if own is not None:
                own.acquire()
            tmp.mkdir(mode=0o700)
            metrics: dict[str, Any] = {}
            try:
                yield tmp, metrics
            except BaseException:
                shutil.rmtree(tmp, ignore_errors=True)
                raise
            finally:
                if own is not None:
                    own.release()
                    Path(own.lock_file).unlink(missing_ok=True)
            self._complete(stage, fp, info, tmp, metrics)

    def _complete(self, stage: str, fp: str, info: dict[str, Any], tmp: Path, metrics: dict) -> None:
        final = self.path(stage, fp)
        if final.exists():  # stale, incomplete leftover (it has no manifest, or we'd not be here)
            shutil.rmtree(final)
        os.replace(tmp, final)
        files = {
            str(p.relative_to(final)): p.stat().st_size
            for p in sorted(final.rglob("*"))
            if p.is_file()
        }
        manifest = {**info, "stage": stage, "fingerprint": fp, "files": files,
                    "metrics": metrics, "completed_at": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
        part = final / (MANIFEST + ".part")
        part.write_text(json.dumps(manifest, indent=2, default=str), encoding="utf-8")
        os.replace(part, final / MANIFEST)
