"""``alchemy cache gc|purge-raw``: clear what a killed run left, and the raw data at rest.

``gc`` removes build folders of killed runs (``.tmp-*``: they can hold unmasked spill files),
artifact folders without a manifest (incomplete by definition), and with ``--older-than DAYS``
complete artifacts and training checkpoints not touched for that long. ``purge-raw`` removes
every copy of raw, unmasked input the cache keeps: the live-pull and git mirrors
(``ingest_state/``) and the ingest artifacts (mirrored exports are hard-linked into them); the
next run pulls again (incrementally from nothing) and reuses every later stage whose input did
not change. Anything a live run holds a lock on is skipped and named.
"""

from __future__ import annotations

import argparse
import shutil
import time
from pathlib import Path

from alchemy.cache import MANIFEST, ArtifactStore, remove_unless_locked

RAW_STATE = "ingest_state"
CHECKPOINTS = "train_checkpoints"
NOT_STAGES = {RAW_STATE, CHECKPOINTS, "models", "synth_calls"}


def _fp(name: str) -> str:
    """The fingerprint an artifact folder or a build folder (``.tmp-<fp>-<pid>-<id>``) is for."""
    return name[len(".tmp-"):].split("-", 1)[0] if name.startswith(".tmp-") else name


def _size(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


class Cleaner:
    """Removes folders unless their lock is held; remembers what it did."""

    def __init__(self, root: Path, dry_run: bool = False) -> None:
        self.root, self.dry_run = root, dry_run
        self.removed: list[tuple[Path, int]] = []
        self.busy: list[Path] = []

    def remove(self, folder: Path, lock: Path) -> None:
        size = _size(folder)
        if self.dry_run:
            self.removed.append((folder, size))
        elif remove_unless_locked(folder, lock):
            self.removed.append((folder, size))
        else:
            self.busy.append(folder)

    def stages(self) -> list[Path]:
        return sorted(p for p in self.root.iterdir() if p.is_dir() and p.name not in NOT_STAGES)


def gc(root: Path, older_than_days: float | None = None, dry_run: bool = False) -> Cleaner:
    store, c = ArtifactStore(root), Cleaner(root, dry_run)
    cutoff = time.time() - older_than_days * 86400 if older_than_days is not None else None
    for stage in c.stages():
        for folder in sorted(stage.iterdir()):
            if not folder.is_dir():
                continue
            if folder.name.startswith(".tmp-"):
                c.remove(folder, store.tmp_lock(folder))
            elif not (folder / MANIFEST).is_file():
                c.remove(folder, store.lock_path(stage.name, folder.name))
            elif cutoff is not None and (folder / MANIFEST).stat().st_mtime < cutoff:
                c.remove(folder, store.lock_path(stage.name, folder.name))
    checkpoints = root / CHECKPOINTS
    if cutoff is not None and checkpoints.is_dir():
        for folder in sorted(p for p in checkpoints.iterdir() if p.is_dir()):
            if folder.stat().st_mtime < cutoff:
                c.remove(folder, checkpoints / f".{folder.name}.lock")
    return c


def purge_raw(root: Path, dry_run: bool = False) -> Cleaner:
    store, c = ArtifactStore(root), Cleaner(root, dry_run)
    state = root / RAW_STATE
    if state.is_dir():
        for mirror in sorted({lock.parent for lock in state.rglob(".lock")}):
            c.remove(mirror, mirror / ".lock")  # the lock a live pull holds on its mirror
        if not c.busy:  # cursors and anything else: the next pull starts from nothing
            c.removed = [(state, sum(size for _, size in c.removed) + _size(state))]
            if not dry_run:
                shutil.rmtree(state, ignore_errors=True)
    ingest = root / "ingest"
    if ingest.is_dir():
        for folder in sorted(p for p in ingest.iterdir() if p.is_dir()):
            c.remove(folder, store.lock_path("ingest", _fp(folder.name)))
    for stage in c.stages():  # build folders of killed runs: clean's hold unmasked spill files
        for folder in sorted(p for p in stage.glob(".tmp-*") if p.is_dir() and stage.name != "ingest"):
            c.remove(folder, store.tmp_lock(folder))
    return c


def main(argv: list[str]) -> int:
    """Entry point of ``alchemy cache ...``; returns the exit code."""
    parser = argparse.ArgumentParser(prog="alchemy cache", description=(
        "Clear what killed runs left (gc), or every raw copy of the input the cache keeps (purge-raw)."))
    parser.add_argument("command", choices=["gc", "purge-raw"])
    parser.add_argument("--cache-dir", default=None, help="the cache (default: outputs/cache)")
    parser.add_argument("--older-than", type=float, default=None, metavar="DAYS",
                        help="gc: also remove complete artifacts and checkpoints older than DAYS")
    parser.add_argument("--dry-run", action="store_true", help="list what would go, remove nothing")
    args, rest = parser.parse_known_args(argv)
    cache_dir = args.cache_dir
    for item in rest:  # the run's own override spelling works too: paths.cache_dir=DIR
        if item.startswith("paths.cache_dir="):
            cache_dir = item.split("=", 1)[1]
        else:
            parser.error(f"unrecognized argument: {item}")
    root = Path(cache_dir or "outputs/cache").expanduser().resolve()
    if not root.is_dir():
        print(f"alchemy cache: {root} does not exist; nothing to do")
        return 0
    if args.command == "gc":
        c = gc(root, args.older_than, args.dry_run)
    else:
        c = purge_raw(root, args.dry_run)
    verb = "would remove" if args.dry_run else "removed"
    for folder, size in c.removed:
        print(f"{verb} {folder.relative_to(root)} ({size / 1e6:.1f} MB)")
    for folder in c.busy:
        print(f"skipped {folder.relative_to(root)}: a running alchemy holds its lock")
    total = sum(size for _, size in c.removed)
    print(f"alchemy cache {args.command}: {verb} {len(c.removed)} folder(s), {total / 1e6:.1f} MB; "
          f"{len(c.busy)} in use")
    return 1 if c.busy else 0
