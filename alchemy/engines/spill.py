"""Sorted run files on disk and their k-way merge: how the Python engine sorts any amount of
records by id in bounded memory.

A worker sorts what it parsed, up to ``spill_bytes`` at a time, and writes it as a run of
pickled chunks. The driver merges all runs with ``heapq.merge`` (one chunk per run in
memory); more than ``fan_in`` runs are first merged in groups, so open files stay bounded.
"""

from __future__ import annotations

import heapq
import pickle
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from alchemy.engines.units import Entry
from alchemy.records import Quarantine

CHUNK = 1024  # entries per pickled chunk


def write_run(path: Path, entries: Iterable[Any], presorted: bool = False) -> Path:
    """Write entries (sorted here unless ``presorted``) as one run file."""
    items = entries if presorted else sorted(entries)
    with open(path, "wb") as fh:
        chunk: list[Any] = []
        for e in items:
            chunk.append(e)
            if len(chunk) >= CHUNK:
                pickle.dump(chunk, fh, protocol=pickle.HIGHEST_PROTOCOL)
                chunk = []
        if chunk:
            pickle.dump(chunk, fh, protocol=pickle.HIGHEST_PROTOCOL)
    return path


def read_run(path: Path) -> Iterator[Any]:
    with open(path, "rb") as fh:
        while True:
            try:
                chunk = pickle.load(fh)
            except EOFError:
                return
            yield from chunk


class RunWriter:
    """Buffer entries; every ``limit`` bytes, sort them and write a run."""

    def __init__(self, folder: Path, prefix: str, limit: int) -> None:
        self.folder, self.prefix, self.limit = folder, prefix, limit
        self.buf: list[Entry] = []
        self.size = 0
        self.runs: list[str] = []

    def add(self, entry: Entry) -> None:
        self.buf.append(entry)
        self.size += len(entry[3]) + 100
        if self.size >= self.limit:
            self.flush()

    def flush(self) -> list[str]:
        if self.buf:
            path = self.folder / f"{self.prefix}-{len(self.runs):04d}.run"
            self.runs.append(str(write_run(path, self.buf)))
            self.buf, self.size = [], 0
        return self.runs


def merge_runs(paths: list[str], folder: Path, fan_in: int = 128) -> Iterator[Any]:
    """All entries of all runs in sorted order; at most ``fan_in`` files open at once."""
    level = 0
    while len(paths) > fan_in:
        merged = []
        for g in range(0, len(paths), fan_in):
            out = folder / f"merge-{level}-{g // fan_in:05d}.run"
            group = paths[g : g + fan_in]
            write_run(out, heapq.merge(*(read_run(Path(p)) for p in group)), presorted=True)
            for p in group:
                Path(p).unlink()
            merged.append(str(out))
        paths, level = merged, level + 1
    return heapq.merge(*(read_run(Path(p)) for p in paths))


def collapse(entries: Iterable[Entry], quarantine: list[dict[str, Any]]) -> Iterator[Entry]:
    """One entry per id: the first (fullest) copy; the others are quarantined as superseded."""
    winner: Entry | None = None
    for e in entries:
        if winner is not None and e[0] == winner[0]:
            quarantine.append(Quarantine(e[4], e[2], f"superseded by a fuller copy of the same id in "
                                         f"{winner[2]}", e[0]).to_dict())
            continue
        if winner is not None:
            yield winner
        winner = e
    if winner is not None:
        yield winner
