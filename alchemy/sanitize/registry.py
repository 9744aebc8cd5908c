"""The detector registry: which detectors a configuration runs, and how a value is identified.

Built lazily and cached per process, so a pickled SanitizeContext never carries compiled
regexes or lambdas across a process boundary.
"""

from __future__ import annotations

import re
from functools import lru_cache

from alchemy.sanitize.detectors import Detector, DetectorSet
from alchemy.sanitize.rules_context import context_detectors
from alchemy.sanitize.rules_pii import pii_detectors
from alchemy.sanitize.rules_tokens import token_detectors
from alchemy.sanitize.unicode import Folded


@lru_cache(maxsize=16)
def detectors(
    families: tuple[str, ...], skip: tuple[str, ...], rules: tuple[tuple[str, str, str, int], ...]
) -> DetectorSet:
    """The compiled detector set for a configuration (cached per process)."""
    found: list[Detector] = []
    if "secret" in families:
        found += token_detectors() + context_detectors()
    if "pii" in families:
        found += pii_detectors()
    for kind, family, pattern, group in rules:
        if family in families:
            found.append(Detector(kind, family, re.compile(pattern), group=group, bound=None, priority=9))
    return DetectorSet(d for d in found if d.type not in skip)


@lru_cache(maxsize=256)
def compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


_NOT_ALNUM_PLUS = re.compile(r"[^0-9A-Za-z+]")


def normal(kind: str, value: str) -> str:
    """The form a value is identified by: case- and format-insensitive where that is meaningful."""
    v = Folded(value).text
    if kind == "EMAIL":
        return v.lower()
    if kind in ("PHONE", "CARD", "SSN", "IBAN"):
        return _NOT_ALNUM_PLUS.sub("", v).upper()
    return v
