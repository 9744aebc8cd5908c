"""Identifiers and paths through the sanitizer: a file named like a token never leaves raw.

A record id (``documents:manuals/ghp_....txt``) and a path are masked piece by piece: the
pieces between ``/``, ``\\`` and ``:`` are each masked on their own, and a piece with a file
suffix (``jane.doe@corp.com.txt``) is also tried without it, because a detector that sees
``.txt`` as a top-level domain would miss the e-mail. The masked id keeps its separators, its
suffix and every unmasked piece, so provenance (``source_id``, ``chunk_id``) still works; in
phase 2 its tokens are numbered like any other (``documents:<AWS_KEY_1>.md``).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

from alchemy.sanitize.tokens import OPEN, TOKEN_RE, render

_SPLIT = re.compile(r"([/\\:])")
_SUFFIX = re.compile(r"^(.+)(\.[A-Za-z0-9]{1,8}\W*)$")  # a file suffix, and any quote after it


def strings(value: str) -> list[str]:
    """What to hand the detectors for one id or path: every piece, and its stem if it has a
    file suffix (in that order; ``assemble`` consumes the masked list in the same order)."""
    out: list[str] = []
    for piece in _SPLIT.split(value)[::2]:
        out.append(piece)
        m = _SUFFIX.match(piece)
        if m:
            out.append(m.group(1))
    return out


def assemble(value: str, masked: Iterator[str]) -> str:
    """The id rebuilt from ``masked`` (the detectors' output for ``strings(value)``)."""
    parts = _SPLIT.split(value)
    for i in range(0, len(parts), 2):
        whole = next(masked)
        m = _SUFFIX.match(parts[i])
        if m:
            stem = next(masked)
            parts[i] = stem + m.group(2) if OPEN in stem else whole
        else:
            parts[i] = whole
    return "".join(parts)


def tokens(masked: list[str]) -> Counter[str]:
    """Tokens by type in phase-1 strings (to count an id's masks once, not once per variant)."""
    return Counter(kind for s in masked if OPEN in s for kind, _ in TOKEN_RE.findall(s))


def mask_id(ctx: Any, value: str, counts: Counter[str] | None = None) -> str:
    """One id or path in phase-1 form (tokens in place of what the detectors found)."""
    if not value or not ctx.enabled:
        return value
    pieces = strings(value)
    masked = ctx.mask_many(pieces, Counter() if counts is None else counts)
    return assemble(value, iter(masked))


def shown_id(ctx: Any, memo: dict[str, str] | None = None) -> Callable[[Any], Any]:
    """A function giving the shareable form of an id, path or message (``<TYPE>`` shown) for
    the files beside train.jsonl: quarantine, dropped lists, samples, report ids."""
    memo = {} if memo is None else memo

    def show(value: Any) -> Any:
        if not isinstance(value, str) or not value:
            return value
        out = memo.get(value)
        if out is None:
            out = render(mask_id(ctx, value))
            if len(memo) < 200_000:
                memo[value] = out
        return out

    return show
