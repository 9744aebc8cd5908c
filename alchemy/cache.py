"""Content-addressed artifact store with atomic completion.

An artifact lives in ``<cache_dir>/<stage>/<fingerprint>/``. It is built in a temporary
sibling folder, renamed into place, and only then gets ``MANIFEST.json`` (written atomically,
last). A folder without a manifest is incomplete by definition, so a killed or failing stage
can never leave something that looks complete, and the rest of the cache is untouched.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

MANIFEST = "MANIFEST.json"


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
        h.update(name.encode("utf-8") + b"\0" + hash_file(p).encode() + b"\n")
    return h.hexdigest()[:20]


class ArtifactStore:
    """Stage artifacts keyed by (stage, fingerprint)."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root).resolve()

    def path(self, stage: str, fp: str) -> Path:
        return self.root / stage / fp

    def is_complete(self, stage: str, fp: str) -> bool:
        return (self.path(stage, fp) / MANIFEST).is_file()

    def manifest(self, stage: str, fp: str) -> dict[str, Any]:
        return json.loads((self.path(stage, fp) / MANIFEST).read_text(encoding="utf-8"))

    def complete(self, stage: str) -> list[Path]:
        """Complete artifacts of a stage, oldest first (by completion time)."""
        found = [p.parent for p in (self.root / stage).glob(f"*/{MANIFEST}")]
        return sorted(found, key=lambda p: (p / MANIFEST).stat().st_mtime)

    @contextmanager
    def building(self, stage: str, fp: str, info: dict[str, Any]) -> Iterator[tuple[Path, dict]]:
        """Yield (tmp_dir, metrics); on success rename into place and write the manifest.

        The caller fills ``metrics`` while it works; they are stored in the manifest so a
        later cache hit can report them. On any exception the temporary folder is removed
        and the exception propagates.
        """
        final = self.path(stage, fp)
        tmp = final.parent / f".tmp-{fp}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        tmp.mkdir(parents=True)
        metrics: dict[str, Any] = {}
        try:
            yield tmp, metrics
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
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
