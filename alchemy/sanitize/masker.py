"""The one-process path over the two-phase API, and the run's statistics for report.json.

``Sanitizer`` is phase 1 and phase 2 in one object, for tests, notebooks and the sequential
engine: ``mask_text``/``mask_record`` number placeholders in call order. A parallel engine uses
``SanitizeContext`` and ``Numberer`` directly (see the package docstring).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any

from alchemy.records import Record
from alchemy.sanitize.context import Phase1, SanitizeContext
from alchemy.sanitize.gate import describe
from alchemy.sanitize.names import people_of
from alchemy.sanitize.tokens import Numberer, render


class SanitizeStats:
    """Masks by type and by source, leak-gate findings by type with record ids; mergeable."""

    def __init__(self) -> None:
        self.masks: Counter[str] = Counter()
        self.by_source: dict[str, Counter[str]] = {}
        self.leaks: Counter[str] = Counter()
        self.leak_ids: list[str] = []
        self.dropped = 0

    def add(self, source: str, rid: str, result: Phase1) -> None:
        self.masks.update(result.counts)
        self.by_source.setdefault(source, Counter()).update(result.counts)
        if result.record is None:
            self.dropped += 1
        if result.leaks:
            self.leaks.update(result.leaks)
            self.leak_ids.append(rid)

    def merge(self, other: SanitizeStats) -> SanitizeStats:
        self.masks.update(other.masks)
        for src, c in other.by_source.items():
            self.by_source.setdefault(src, Counter()).update(c)
        self.leaks.update(other.leaks)
        self.leak_ids += other.leak_ids
        self.dropped += other.dropped
        return self

    def metrics(self, ctx: SanitizeContext) -> dict[str, Any]:
        """The clean stage's sanitizer figures (types and counts only, never a value)."""
        return {
            "masks": dict(sorted(self.masks.items())),
            "masks_total": sum(self.masks.values()),
            "masks_by_source": {s: dict(sorted(c.items())) for s, c in sorted(self.by_source.items())},
            "leaks": dict(sorted(self.leaks.items())),
            "leak_records": sorted(self.leak_ids)[:50],
            "leak_gate": describe(ctx.gate),
            "sanitizer_mode": ctx.mode if ctx.enabled else "off",
        }

    def check(self, fail: bool) -> None:
        """Fail the run on any leak-gate finding when configured to (values withheld)."""
        if self.leaks and fail:
            raise RuntimeError(
                f"leak gate: {dict(self.leaks)} found after masking in records "
                f"{sorted(self.leak_ids)[:10]} (values withheld)"
            )


class Sanitizer:
    """Phase 1 + phase 2 in one process; numbering follows call order."""

    def __init__(self, cfg: Any, people: Iterable[str] = ()) -> None:
        self.ctx = SanitizeContext(cfg, people)
        self.numberer = Numberer(self.ctx.mode)
        self.counts: Counter[str] = Counter()

    @property
    def enabled(self) -> bool:
        return self.ctx.enabled

    def learn_people(self, people: Iterable[str]) -> None:
        """Names known run-wide: a person named by one record is masked in every record."""
        self.ctx = self.ctx.with_people(people)

    def mask_text(self, text: str, people: Iterable[str] = ()) -> tuple[str, int]:
        """Mask one text; return it and the number of masks applied."""
        counts: Counter[str] = Counter()
        known = self.ctx.people
        extra = tuple(sorted(set(known) | {p.strip() for p in people})) if people else known
        out = self.numberer.text(self.ctx.mask_text(text, counts, extra))
        self.counts.update(counts)
        return out, sum(counts.values())

    def mask_record(self, rec: Record) -> tuple[Record | None, int]:
        """Mask a record's text, title, url and meta; None when the mode drops it."""
        result = self.ctx.sanitize_record(rec)
        self.counts.update(result.counts)
        n = sum(result.counts.values())
        return (self.numberer.record(result.record) if result.record else None), n

    def leaks(self, text: str) -> list[str]:
        """The leak gate on already-masked text: rule/type names of anything it still finds."""
        from alchemy.sanitize.gate import scanner

        return scanner(self.ctx.gate, self.ctx._self_scan, self.ctx._keep)(render(text))


__all__ = ["Sanitizer", "SanitizeStats", "people_of"]
