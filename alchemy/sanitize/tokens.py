"""Opaque tokens (phase 1) and their deterministic numbering into placeholders (phase 2).

Phase 1 replaces a value by ``\\ue000TYPE:digest\\ue001``, where digest is a keyed HMAC of
(type, value): the same value gives the same token in any process, on any Spark executor, and
a phone number cannot be brute-forced back from it without the run's key. Phase 2 walks the
records in id order and turns each new digest of a type into the next ``<TYPE_n>``, so the
numbering depends only on the sorted output, never on which worker saw a value first. The
final output holds no digest at all, and no raw value is kept anywhere.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Iterable, Iterator
from typing import Any

from alchemy.records import Record

OPEN, CLOSE = "\ue000", "\ue001"  # private-use characters: never meaningful in real text
TOKEN_RE = re.compile("\ue000([A-Z][A-Z0-9_]*):([0-9a-f]{32})\ue001")


def digest(key: bytes, kind: str, value: str) -> str:
    """Keyed HMAC-SHA256 of (type, value), 128 bits in hex."""
    return hmac.new(key, f"{kind}\0{value}".encode("utf-8", "surrogatepass"), hashlib.sha256).hexdigest()[:32]


def token(key: bytes, kind: str, value: str) -> str:
    return f"{OPEN}{kind}:{digest(key, kind, value)}{CLOSE}"


def scrub(text: str) -> str:
    """Input must not forge tokens: stray sentinel characters become U+FFFD."""
    if OPEN in text or CLOSE in text:
        return text.replace(OPEN, "\ufffd").replace(CLOSE, "\ufffd")
    return text


def render(text: str) -> str:
    """Tokens as bare ``<TYPE>`` placeholders (for redact mode and for the leak gate)."""
    return TOKEN_RE.sub(lambda m: f"<{m.group(1)}>", text) if OPEN in text else text


class Numberer:
    """Phase 2: feed records in id order; each new digest of a type gets the next number.

    One instance per run, used sequentially (it is the only stateful step). It holds digests,
    never values. In ``redact`` mode every token becomes ``<TYPE>``.
    """

    def __init__(self, mode: str = "mask", prior: dict[str, dict[str, int]] | None = None) -> None:
        self.mode = mode
        # prior: numbers given by earlier runs (pseudonyms.Book); new digests continue after them
        self.tables: dict[str, dict[str, int]] = {k: dict(v) for k, v in (prior or {}).items()}
        self.frozen = False  # True: a complete table, so record() is a pure lookup (parallel-safe)

    @staticmethod
    def tokens_in_order(rec: Record) -> list[tuple[str, str]]:
        """(type, digest) of a phase-1 record's tokens in the order ``record`` numbers them."""
        walk = [rec.id, rec.title, rec.text, rec.url, *_strings(rec.meta)]
        return [tok for s in walk if OPEN in s for tok in TOKEN_RE.findall(s)]

    def learn(self, tokens: Iterable[tuple[str, str]]) -> Numberer:
        """Number tokens given in global first-appearance order (id order, then walk order), then
        freeze: the distributed form of phase 2 (collect, order, broadcast, map in parallel)."""
        for kind, dig in tokens:
            table = self.tables.setdefault(kind, {})
            if dig not in table:
                table[dig] = len(table) + 1
        self.frozen = True
        return self

    def _sub(self, m: re.Match[str]) -> str:
        kind, dig = m.group(1), m.group(2)
        if self.mode == "redact":
            return f"<{kind}>"
        table = self.tables.setdefault(kind, {})
        n = table.get(dig)
        if n is None:
            if self.frozen:
                raise KeyError(f"token of type {kind} missing from the learned table")
            n = table[dig] = len(table) + 1
        return f"<{kind}_{n}>"

    def text(self, s: str) -> str:
        return TOKEN_RE.sub(self._sub, s) if OPEN in s else s

    def value(self, obj: Any) -> Any:
        """Any JSON-like value, walked in order (dicts in insertion order, as JSON writes them)."""
        if isinstance(obj, str):
            return self.text(obj)
        if isinstance(obj, list):
            return [self.value(v) for v in obj]
        if isinstance(obj, dict):
            return {k: self.value(v) for k, v in obj.items()}
        return obj

    def record(self, rec: Record) -> Record:
        """Number one record's fields in the order ``Record.to_dict`` writes them."""
        rid = self.text(rec.id)  # an id masked in phase 1 (a file named like a token)
        title, text, url = self.text(rec.title), self.text(rec.text), self.text(rec.url)
        meta = self.value(rec.meta)
        if isinstance(meta.get("people"), list):  # the same person listed twice is listed once
            meta["people"] = list(dict.fromkeys(meta["people"]))
        return Record(rid, rec.source, rec.kind, title, text, url, rec.created_at, meta)


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)
    elif isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)
