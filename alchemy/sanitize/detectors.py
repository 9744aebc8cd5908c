"""The detector engine: one trigger pass, anchored or windowed regexes, validators, overlaps.

Each detector yields spans of the value to mask, not of its context: in ``password: hunter2``
only ``hunter2`` is a secret, the key name stays as knowledge. The time per record stays linear
even on hostile input (1 MB lines, binary noise, backtracking bait), and small:

- one Aho-Corasick pass over the lower-cased text finds every trigger word (``ghp_``, ``eyj``,
  ``password``, ``://``...); a token format is then matched only where its prefix occurs
  (``anchors``), a context rule only near its keyword, anything else only if triggered;
- numeric PII (cards, phones, SSNs, IPv4) is matched only inside digit clusters found by one
  cheap regex pass (``numeric``);
- every regex uses bounded repeats, so no match attempt reads more than a few hundred characters;
- detection runs on a folded copy (``unicode.py``) so split or disguised tokens still match.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import accumulate
from typing import Any

from alchemy.sanitize.checks import boundary
from alchemy.sanitize.unicode import Folded

Span = tuple[int, int, str, int]  # start, end, type, priority
_CLUSTER = re.compile(r"[0-9][0-9 ().+/-]{5,200}[0-9]")  # starts with a digit: sre skips ahead fast
_EXTENSION = re.compile(r"x[0-9]{1,5}(?![A-Za-z0-9])")


@dataclass
class Scan:
    """One text being scanned: folded text, lower-case twin, trigger hits, options."""

    text: str
    entropy: float = 3.5
    strict: bool = False
    low: str = field(init=False)
    hits: dict[str, list[int]] = field(default_factory=dict)  # trigger -> start offsets
    memo: dict = field(default_factory=dict)  # per-text results rules share (keyword starts)
    found: list[Span] = field(default_factory=list)  # spans of the detectors that already ran
    _windows: list[tuple[int, int]] | None = field(default=None, init=False)

    def __post_init__(self) -> None:
        low = self.text.lower()
        if len(low) != len(self.text):  # "İ".lower() is two characters: keep offsets aligned
            low = "".join(c.lower() if len(c.lower()) == 1 else c for c in self.text)
        self.low = low

    def covered(self, start: int, end: int) -> bool:
        """Inside a span an earlier detector found: overlap resolution would drop a lower-priority
        finding there anyway, so the costly checks for it can be skipped."""
        idx = self.memo.get("cover")
        if idx is None:  # starts, and the furthest end so far, of what earlier detectors found
            spans = sorted(self.found)
            idx = self.memo["cover"] = ([s[0] for s in spans], list(accumulate((s[1] for s in spans), max)))
        starts, ends = idx
        i = bisect_right(starts, start)
        return i > 0 and ends[i - 1] >= end

    def windows(self) -> list[tuple[int, int]]:
        """Digit clusters (with a leading '+' or '('), where numeric PII can be."""
        if self._windows is None:
            t, out = self.text, []
            for m in _CLUSTER.finditer(t):
                a, b = m.span()
                if a and t[a - 1] in "+(":  # up to two leading "+" or "(": +1 555..., (+44) ...
                    a -= 2 if a > 1 and t[a - 2] in "+(" else 1
                ext = _EXTENSION.match(t, b) if t[b : b + 1] == "x" else None  # 555-0142x12
                out.append((a, ext.end() if ext else b))
            self._windows = out
        return self._windows


@dataclass(frozen=True)
class Detector:
    """One secret or PII type: where to look, what to match, how to validate."""

    type: str
    family: str  # "secret" or "pii"
    pattern: re.Pattern[str] | None = None
    group: int | str = 0  # the group that holds the value
    triggers: tuple[str, ...] = ()  # lower-case words; none present -> the detector is skipped
    anchors: bool = False  # match only where a trigger starts (minus offset), not everywhere
    offset: int = 0
    numeric: bool = False  # match only inside digit clusters
    check: Callable[[str], bool] | None = None  # value -> is it really one?
    context: Callable[[Scan, int, int], bool] | None = None  # (scan, start, end) -> keep?
    retype: Callable[[str], str] | None = None  # value -> a more precise type
    finder: Callable[[Scan], Iterable[tuple[int, int, str]]] | None = None  # custom search
    bound: str | None = "A-Za-z0-9"  # characters that may not touch the value on either side
    lower: bool = False  # match on the lower-cased text (pattern written in lower case)
    priority: int = 5  # on overlap: longer wins, then the higher priority

    def applies(self, scan: Scan) -> bool:
        return not self.triggers or any(t in scan.hits for t in self.triggers)

    def _matches(self, scan: Scan) -> Iterator[re.Match[str]]:
        assert self.pattern is not None
        src = scan.low if self.lower else scan.text
        if self.anchors:
            starts = sorted({p - self.offset for t in self.triggers for p in scan.hits.get(t, ())})
            end = -1
            for p in starts:
                if p >= max(end, 0):
                    m = self.pattern.match(src, p)
                    if m:
                        end = m.end()
                        yield m
        elif self.numeric:
            for a, b in scan.windows():
                yield from self.pattern.finditer(src, a, b)
        else:
            yield from self.pattern.finditer(src)

    def find(self, scan: Scan) -> Iterator[Span]:
        if self.finder is not None:
            for start, end, kind in self.finder(scan):
                yield start, end, kind, self.priority
            return
        for m in self._matches(scan):
            start, end = m.span(self.group)
            if start < 0 or start == end:
                continue
            value = scan.text[start:end]
            if self.bound and not boundary(scan.text, start, end, self.bound):
                continue
            if self.check is not None and not self.check(value):
                continue
            if self.context is not None and not self.context(scan, start, end):
                continue
            yield start, end, self.retype(value) if self.retype else self.type, self.priority


class DetectorSet:
    """Detectors plus the Aho-Corasick automaton over all their trigger words."""

    def __init__(self, detectors: Iterable[Detector]) -> None:
        self.detectors = tuple(detectors)
        words = sorted({t for d in self.detectors for t in d.triggers})
        self.chars = tuple(w for w in words if len(w) == 1)
        self.words = tuple(w for w in words if len(w) > 1)
        # detectors as bits of an int: OR-ing the hit words' masks picks the active ones cheaply
        # (one pass over each detector's own words: thousands of IBAN prefixes times every detector
        # cost 0.3 s in every process)
        self.masks: dict[str, int] = dict.fromkeys(words, 0)
        for i, d in enumerate(self.detectors):
            for t in set(d.triggers):
                self.masks[t] |= 1 << i
        self.always = sum(1 << i for i, d in enumerate(self.detectors) if not d.triggers and not d.numeric)
        self.numeric = sum(1 << i for i, d in enumerate(self.detectors) if not d.triggers and d.numeric)
        self._automaton: Any = None
        try:  # ahocorasick_rs (Rust): about twice as fast as pyahocorasick on this pass
            import ahocorasick_rs

            if self.words:
                self._automaton = ahocorasick_rs.AhoCorasick(list(self.words))
        except ImportError:  # correct without it, only slower: one substring search per word
            self._automaton = None

    def hits(self, low: str) -> dict[str, list[int]]:
        out: dict[str, list[int]] = {c: [] for c in self.chars if c in low}
        if self._automaton is not None:
            words = self.words
            for i, start, _ in self._automaton.find_matches_as_indexes(low, overlapping=True):
                w = words[i]
                if w in out:
                    out[w].append(start)
                else:
                    out[w] = [start]
        else:
            for w in self.words:
                i = low.find(w)
                while i >= 0:
                    out.setdefault(w, []).append(i)
                    i = low.find(w, i + 1)
        return out

    def active(self, scan: Scan) -> list[Detector]:
        """The detectors worth running on this text, in their declared order."""
        bits = self.always
        if self.numeric and scan.windows():
            bits |= self.numeric
        masks = self.masks
        for w in scan.hits:
            bits |= masks.get(w, 0)
        return [d for i, d in enumerate(self.detectors) if bits >> i & 1]

    def __iter__(self) -> Iterator[Detector]:
        return iter(self.detectors)


def resolve(spans: list[Span]) -> list[Span]:
    """Non-overlapping spans, earliest first; on overlap the longer (then higher-priority) wins."""
    spans.sort(key=lambda s: (s[0], -(s[1] - s[0]), -s[3]))
    kept: list[Span] = []
    for s in spans:
        if kept and s[0] < kept[-1][1]:
            last = kept[-1]
            # a provider format inside a generic finding ("token: ghp_..." + quotes) names its type
            if s[3] > last[3] and s[1] <= last[1] and (s[1] - s[0]) * 5 >= (last[1] - last[0]) * 3:
                kept[-1] = (last[0], last[1], s[2], s[3])
            continue
        kept.append(s)
    return kept


def find_spans(
    text: str,
    detectors: DetectorSet,
    *,
    entropy: float = 3.5,
    strict: bool = False,
    allow: Callable[[str], bool] | None = None,
) -> list[tuple[int, int, str]]:
    """All findings in the original text's offsets, non-overlapping and sorted."""
    if len(text) < 7:
        return []  # nothing a detector knows fits in fewer characters
    folded = Folded(text)
    scan = Scan(folded.text, entropy=entropy, strict=strict)
    scan.hits = detectors.hits(scan.low)
    spans: list[Span] = []
    scan.found = spans  # grows as detectors run: generic rules skip what a format already took
    for d in detectors.active(scan):
        scan.memo.pop("cover", None)
        spans.extend(d.find(scan))
    out = []
    for start, end, kind, _ in resolve(spans):
        a, b = folded.span(start, end)
        if allow is None or not allow(text[a:b]):
            out.append((a, b, kind))
    return out
