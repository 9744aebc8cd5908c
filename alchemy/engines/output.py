"""The clean stage's files and figures, written the same way by every engine.

Records arrive in id order with their fate. Kept ones arrive as files of train.jsonl lines
whose placeholders the engine numbered (phase 2) in parallel; dropped ones are listed in
dropped.jsonl (id, reason, path) and the first ``clean.dropped_sample`` of each reason go,
sanitized, to dropped_sample.jsonl next to quarantine.jsonl. Nothing unmasked is ever written.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from alchemy.cleaning.pipeline import REASONS, sample_entry
from alchemy.records import write_jsonl
from alchemy.sanitize import SanitizeContext, SanitizeStats

log = logging.getLogger("alchemy")
CORPUS, QUARANTINE = "train.jsonl", "quarantine.jsonl"  # the clean corpus keeps its file name
DROPPED, SAMPLE = "dropped.jsonl", "dropped_sample.jsonl"


class Outputs:
    """Streaming writer of the corpus (train.jsonl or its parts), dropped.jsonl and
    dropped_sample.jsonl. ``corpus=False``: the engine writes the corpus itself (Spark)."""

    def __init__(self, out: Path, mode: str, sample: int, corpus: bool = True,
                 parts: Path | None = None, part_bytes: int = 128_000_000,
                 show: Callable[[Any], Any] = lambda s: s) -> None:
        self.mode = mode  # the sanitizer's: phase 2 numbers (mask) or only types (redact)
        self.book: Any = None  # pseudonyms.Book: numbers earlier runs gave (Spark's phase 2)
        self.show = show  # ids and paths as they may be shown (sanitize/ids.py: shown_id)
        self.parts, self.part_bytes, self.part_no, self.written = parts, part_bytes, 0, 0
        if parts is not None:
            parts.mkdir(parents=True, exist_ok=True)
        self.corpus: Any = open(self._next_name(out), "wb", buffering=0) if corpus else None
        self.dropped = open(out / DROPPED, "w", encoding="utf-8")
        self.sample_path = out / SAMPLE
        self.sample = sample
        self.samples: list[dict[str, Any]] = []
        self.reasons: Counter[str] = Counter()
        self.kept = 0

    def _next_name(self, out: Path) -> Path:
        if self.parts is None:
            return out / CORPUS
        self.part_no += 1
        return self.parts / f"part-{self.part_no - 1:05d}.jsonl"

    def keep_file(self, path: Path, lines: int) -> None:
        """Kept records already numbered and written as train.jsonl lines (a batch's file)."""
        if self.corpus is not None:
            self._roll()
            with open(path, "rb", buffering=0) as src:
                self.written += append_file(src, self.corpus)
        self.kept += lines

    def _roll(self) -> None:
        """Partitioned output starts a new part once this one holds ``part_bytes``."""
        if self.parts is not None and self.written >= self.part_bytes:
            self.corpus.close()
            self.corpus, self.written = open(self._next_name(self.parts), "wb", buffering=0), 0

    def drop(self, rid: str, reason: str, source: str, path: str, p1: str | None,
             duplicate_of: str | None = None, similarity: float | None = None) -> None:
        self.reasons[reason] += 1
        rid, path, duplicate_of = self.show(rid), self.show(path), self.show(duplicate_of)
        row: dict[str, Any] = {"id": rid, "reason": reason, "path": path}
        if duplicate_of is not None:
            row["duplicate_of"] = duplicate_of
        self.dropped.write(json.dumps(row, ensure_ascii=False) + "\n")
        if self.reasons[reason] <= self.sample:
            self.samples.append(sample_entry(rid, reason, source, path, p1, duplicate_of, similarity))

    def close(self) -> None:
        if self.corpus is not None:
            self.corpus.close()
        self.dropped.close()
        write_jsonl(self.sample_path, self.samples)


def append_file(src: Any, dst: Any) -> int:
    """Copy the rest of ``src`` to ``dst`` (files with nothing buffered), in the kernel where it
    can; return the bytes copied."""
    left = size = os.fstat(src.fileno()).st_size - src.tell()
    try:
        while left > 0:
            n = os.copy_file_range(src.fileno(), dst.fileno(), left)
            if n == 0:
                break
            left -= n
    except (OSError, AttributeError):  # not on this OS, file system or kernel: copy through Python
        pass
    if left > 0:
        shutil.copyfileobj(src, dst, 1 << 22)
    return size


def quarantine_order(q: dict[str, Any]) -> tuple[str, str, str, str]:
    return (str(q.get("source", "")), str(q.get("path", "")), str(q.get("id", "")), str(q.get("reason", "")))


def write_quarantine(out: Path, entries: list[dict[str, Any]],
                     show: Callable[[Any], Any] = lambda s: s) -> None:
    """quarantine.jsonl; ``show`` masks ids, paths and reasons (a message may quote a path)."""
    shown = [{k: v if k == "source" else show(v) for k, v in q.items()} for q in entries]
    write_jsonl(out / QUARANTINE, sorted(shown, key=quarantine_order))


def figures(n_in: int, per_source: dict[str, int], kept: int, reasons: Counter[str], quarantined: int,
            stats: SanitizeStats, ctx: SanitizeContext, truncated: int = 0) -> dict[str, Any]:
    """The figures report.json gets for the clean stage (identical keys on every engine)."""
    dropped = {r: reasons[r] for r in REASONS if reasons.get(r)}
    if truncated:
        log.warning("clean: %d record(s) cut at clean.max_chars (meta.truncated in train.jsonl)", truncated)
    return {"records_in": n_in, "records_out": kept, "quarantined": quarantined, "dropped": dropped,
            "dropped_total": sum(dropped.values()), "by_source": dict(sorted(per_source.items())),
            "truncated": truncated, **stats.metrics(ctx)}
