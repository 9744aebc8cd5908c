"""Masking with run-wide consistent, typed pseudonyms.

The same value gets the same placeholder (``<EMAIL_3>``) in every record of a run, so
relations survive masking. Values are identified by a keyed HMAC (per-run key, or the key in
``sanitizer.key_env``), never stored: a plain hash of a phone number could be brute-forced.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
from collections import Counter
from collections.abc import Iterable
from typing import Any

from alchemy.records import Record
from alchemy.sanitize.detectors import find_spans

_NAME_STOP = {"The", "And", "For", "Will", "May", "June", "April", "Bot", "Team", "Admin", "User"}


class Sanitizer:
    """Masks secrets, PII and known person names; counts what it did by type."""

    def __init__(self, cfg: Any) -> None:
        self.enabled = bool(cfg.get("enabled", True))
        self.mode = cfg.get("mode", "mask")
        if self.mode not in ("mask", "redact", "drop_record"):
            raise ValueError(f"sanitizer.mode must be mask, redact or drop_record, not {self.mode!r}")
        self.families = {f for f in ("secret", "pii") if cfg.get(f + "s" if f == "secret" else f)}
        self.names = bool(cfg.get("names", True))
        self.allow = [re.compile(p) for p in cfg.get("allowlist", []) or []]
        key = os.environ.get(cfg.get("key_env") or "", "")
        self._key = key.encode() if key else secrets.token_bytes(32)
        self._ids: dict[str, dict[bytes, int]] = {}
        self.counts: Counter[str] = Counter()
        self._known: set[str] = set()
        self._names_re: tuple[re.Pattern[str] | None, dict[str, str]] | None = None

    def placeholder(self, kind: str, value: str) -> str:
        if self.mode == "redact":
            return f"<{kind}>"
        digest = hmac.new(self._key, f"{kind}\0{value}".encode(), hashlib.sha256).digest()
        table = self._ids.setdefault(kind, {})
        n = table.setdefault(digest, len(table) + 1)
        return f"<{kind}_{n}>"

    def mask_text(self, text: str, people: Iterable[str] = ()) -> tuple[str, int]:
        """Mask one text; return it and the number of masks applied."""
        if not self.enabled or not text:
            return text, 0
        spans = find_spans(text, self.families, self.allow)
        out, pos, n = [], 0, 0
        for start, end, kind in spans:
            out.append(text[pos:start])
            out.append(self.placeholder(kind, text[start:end]))
            self.counts[kind] += 1
            pos, n = end, n + 1
        out.append(text[pos:])
        masked = "".join(out)
        if self.names:
            masked, k = self._mask_names(masked, people)
            n += k
        return masked, n

    def learn_people(self, people: Iterable[str]) -> None:
        """Names known run-wide: a person named by one record is masked in every record."""
        self._known.update(p.strip() for p in people if p and len(p.strip()) >= 3)
        self._names_re = None

    def _name_pattern(self, extra: frozenset[str]) -> tuple[re.Pattern[str] | None, dict[str, str]]:
        """One alternation over full names and their parts, longest first."""
        names = self._known | extra
        owner: dict[str, str] = {}
        for full in sorted(names):
            owner.setdefault(full, full)
            if " " in full:
                for part in re.split(r"[\s._-]+", full):
                    if len(part) >= 3 and part[0].isupper() and part not in _NAME_STOP:
                        owner.setdefault(part, full)
        if not owner:
            return None, owner
        alt = "|".join(re.escape(k) for k in sorted(owner, key=len, reverse=True))
        return re.compile(rf"(?<![\w<-])(?:{alt})(?![\w>-])"), owner

    def _mask_names(self, text: str, people: Iterable[str]) -> tuple[str, int]:
        extra = frozenset(p.strip() for p in people if p and len(p.strip()) >= 3) - self._known
        if extra:
            pattern, owner = self._name_pattern(extra)
        else:
            if self._names_re is None:
                self._names_re = self._name_pattern(frozenset())
            pattern, owner = self._names_re
        if pattern is None:
            return text, 0
        masked, n = pattern.subn(lambda m: self.placeholder("PERSON", owner[m.group(0)]), text)
        self.counts["PERSON"] += n
        return masked, n

    def mask_record(self, rec: Record) -> tuple[Record | None, int]:
        """Mask a record's text, title and person-bearing meta; None when mode drops it."""
        if not self.enabled:
            return rec, 0
        people = list(rec.meta.get("people", []) or [])
        for key in ("author", "assignee", "reporter"):
            if isinstance(rec.meta.get(key), str):
                people.append(rec.meta[key])
        text, n = self.mask_text(rec.text, people)
        title, k = self.mask_text(rec.title, people)
        n += k
        if n and self.mode == "drop_record":
            return None, n
        meta = dict(rec.meta)
        for key in ("author", "assignee", "reporter"):
            if isinstance(meta.get(key), str) and meta[key]:
                meta[key] = self.placeholder("PERSON", meta[key].strip())
        if "people" in meta:
            meta["people"] = sorted({self.placeholder("PERSON", p.strip()) for p in people if p})
        meta.pop("emails", None)
        url, k = self.mask_text(rec.url)
        n += k
        return Record(rec.id, rec.source, rec.kind, title, text, url, rec.created_at, meta), n

    def leaks(self, text: str) -> list[str]:
        """Types of anything a detector still finds in already-masked text (the leak gate)."""
        return [kind for _, _, kind in find_spans(text, self.families, self.allow)]
