"""What a Python-engine worker runs (importable, so the forkserver can preload it).

``parse_task``: parse a group of units, prepare the records, spill them as sorted runs.
``phase1_task``: phase 1 + filters + keys for one batch of id-ordered records; the records
go to a batch file on disk, only the small per-record figures go back to the driver.
``final_task``: phase 2 for one batch with the run's learned (frozen) placeholder numbers,
so train.jsonl lines are made and encoded in parallel; the driver only appends the batch
files in order.
"""

from __future__ import annotations

import pickle
from pathlib import Path
from typing import Any

from alchemy.cleaning.options import CleanOptions
from alchemy.cleaning.pipeline import Batch, final_line, phase1_batch
from alchemy.engines.spill import RunWriter
from alchemy.engines.units import Unit, entries
from alchemy.sanitize import Numberer, SanitizeContext

_CTX: dict[str, SanitizeContext] = {}
_NUMBERS: dict[str, Numberer] = {}


def parse_task(task_no: int, units: list[Unit], scfgs: dict[str, dict[str, Any]], opts: CleanOptions,
               work: str, spill_bytes: int) -> dict[str, Any]:
    """Parse units into sorted run files; return run paths, quarantine, names and counts."""
    writer = RunWriter(Path(work), f"parse-{task_no:05d}", spill_bytes)
    quarantine: list[dict[str, Any]] = []
    people: set[str] = set()
    counts: dict[str, int] = {}
    for unit in units:
        for e in entries(unit, scfgs[unit.source], opts, people):
            if isinstance(e, dict):
                quarantine.append(e)
            else:
                writer.add(e)
                counts[unit.source] = counts.get(unit.source, 0) + 1
    return {"runs": writer.flush(), "quarantine": quarantine, "people": people, "counts": counts}


def load_ctx(path: str, key: bytes) -> SanitizeContext:
    """The run's sanitizer context, unpickled once per process; its HMAC key comes with the
    task (through the pool's pipe), never from the file."""
    if path not in _CTX:
        _CTX.clear()
        with open(path, "rb") as fh:
            _CTX[path] = pickle.load(fh).with_key(key)
    return _CTX[path]


def batch_path(work: str, batch_no: int) -> Path:
    return Path(work) / f"p1-{batch_no:07d}.pkl"


def phase1_task(ctx_path: str, key: bytes, opts: CleanOptions, work: str, batch_no: int,
                rows: list[str]) -> Batch:
    """Phase 1 for one batch; the records are written to disk, the figures returned."""
    batch = phase1_batch(load_ctx(ctx_path, key), opts, rows)
    with open(batch_path(work, batch_no), "wb") as fh:
        pickle.dump((batch.ids, batch.sources, batch.paths, batch.reasons, batch.p1), fh,
                    protocol=pickle.HIGHEST_PROTOCOL)
    with open(tokens_path(work, batch_no), "wb") as fh:
        pickle.dump(batch.tokens, fh, protocol=pickle.HIGHEST_PROTOCOL)
    batch.ids, batch.sources, batch.paths, batch.p1, batch.tokens = [], [], [], [], []
    return batch


def tokens_path(work: str, batch_no: int) -> Path:
    return Path(work) / f"tok-{batch_no:07d}.pkl"


def read_tokens(work: str, batch_no: int) -> list[list[tuple[str, str]]]:
    with open(tokens_path(work, batch_no), "rb") as fh:
        return pickle.load(fh)


def final_task(numbers: str, work: str, batch_no: int, keep: list[bool]) -> tuple[list[Any], ...]:
    """Phase 2 for one batch: its kept records' train.jsonl lines go to a file of their own
    (``final_path``; the driver appends the files in order), the rest comes back: ids,
    sources and paths of every record, and the phase-1 line of each dropped one."""
    if numbers not in _NUMBERS:
        _NUMBERS.clear()
        with open(numbers, "rb") as fh:
            _NUMBERS[numbers] = pickle.load(fh)
    numberer = _NUMBERS[numbers]
    ids, srcs, paths, _, p1s = read_batch(work, batch_no)
    with open(final_path(work, batch_no), "w", encoding="utf-8") as fh:
        fh.writelines(final_line(numberer, p1) + "\n" for p1, k in zip(p1s, keep, strict=True) if k)
    return ids, srcs, paths, [None if k else p1 for p1, k in zip(p1s, keep, strict=True)]


def final_path(work: str, batch_no: int) -> Path:
    return Path(work) / f"final-{batch_no:07d}.jsonl"


def read_batch(work: str, batch_no: int) -> tuple[list[str], list[str], list[str], list[Any], list[Any]]:
    with open(batch_path(work, batch_no), "rb") as fh:
        return pickle.load(fh)
