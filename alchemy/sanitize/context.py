"""Phase 1: a picklable context whose ``sanitize_record`` runs anywhere, in any order.

The context holds only plain data (options, the HMAC key, the run-wide people list); the
compiled detectors and the leak-gate scanner are built lazily, once per process, so the
context can be pickled to multiprocessing workers or broadcast to Spark executors.
"""

from __future__ import annotations

import ipaddress
import os
import re
import secrets as _secrets
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from alchemy.records import Record
from alchemy.sanitize import gate, ids
from alchemy.sanitize.checks import is_placeholder
from alchemy.sanitize.detectors import find_spans, resolve
from alchemy.sanitize.name_index import index_for
from alchemy.sanitize.names import PERSON_KEYS, find_names, is_person, ner_available, ner_names, people_of
from alchemy.sanitize.registry import compiled, detectors, normal
from alchemy.sanitize.rules_tokens import pem_without_key
from alchemy.sanitize.tokens import _strings, render, scrub, token

MODES = ("mask", "redact", "drop_record")
PERSON_FIELDS = frozenset(PERSON_KEYS + ("people",))
PRIVATE = ("emails", "aliases")  # meta that feeds phase 0 and never reaches the output
_TYPE = re.compile(r"[A-Z][A-Z0-9_]*")


@dataclass(frozen=True)
class Phase1:
    """One record after phase 1: tokens in place of values (None when the mode dropped it)."""

    record: Record | None
    counts: dict[str, int] = field(default_factory=dict)  # masks by type
    leaks: list[str] = field(default_factory=list)  # leak-gate findings by rule/type, never values


@lru_cache(maxsize=16)
def _networks(cidrs: tuple[str, ...]) -> tuple[Any, ...]:
    return tuple(ipaddress.ip_network(c, strict=False) for c in cidrs)


def _in_networks(value: str, cidrs: tuple[str, ...]) -> bool:
    """Inside one of ``sanitizer.ip_allow``'s networks (e.g. the private 10.0.0.0/8)."""
    try:
        addr = ipaddress.ip_address(value)
    except ValueError:
        return False
    return any(addr.version == n.version and addr in n for n in _networks(cidrs))


class SanitizeContext:
    """Config, key and run-wide names for phase 1; cheap to pickle, safe to share."""

    def __init__(self, cfg: Any, people: Iterable[str] = (), key: bytes | None = None) -> None:
        """``cfg``: the sanitizer section (cfg.sanitizer, or schema_dict(SanitizerConfig, ...)),
        every key read as is. A run checked its values before any stage (alchemy/validate.py);
        the checks here guard other callers."""
        self.enabled = bool(cfg["enabled"])
        self.mode = cfg["mode"]
        if self.mode not in MODES:
            raise ValueError(f"sanitizer.mode must be mask, redact or drop_record, not {self.mode!r}")
        self.families = tuple(f for f, k in (("secret", "secrets"), ("pii", "pii")) if cfg[k])
        self.names = bool(cfg["names"])
        self.strict = bool(cfg["strict"])
        self.entropy = float(cfg["entropy"])
        self.skip = tuple(sorted(cfg["skip_types"]))
        self.allow_patterns = tuple(str(p) for p in cfg["allowlist"])
        self.allow_values = frozenset(str(v) for v in cfg["allow_values"])
        self.ip_allow = tuple(str(n) for n in cfg["ip_allow"])
        for n in self.ip_allow:
            ipaddress.ip_network(n, strict=False)  # a bad CIDR fails at start, not mid-run
        self.rules = tuple(self._rule(r) for r in cfg["rules"])
        for p in self.allow_patterns:
            re.compile(p)  # a bad regex fails at start, not mid-run
        self.ner_model = str(cfg["ner_model"])
        self.ner = bool(cfg["ner"]) and self.enabled and ner_available(self.ner_model)
        self.gate = gate.resolve_backend(str(cfg["leak_gate"])) if self.enabled else "none"
        env = os.environ.get(cfg["key_env"] or "", "")
        self.key = key or (env.encode() if env else _secrets.token_bytes(32))
        self.people = tuple(sorted({p.strip() for p in people if is_person(p)}))
        self._known = frozenset(self.people)  # a record's own names are looked up, not re-hashed
        self._person_memo: dict[str, str] = {}

    @staticmethod
    def _rule(rule: Any) -> tuple[str, str, str, int]:
        kind, pattern = str(rule["type"]), str(rule["pattern"])
        if not _TYPE.fullmatch(kind):
            raise ValueError(f"sanitizer.rules: type {kind!r} must be UPPER_CASE")
        re.compile(pattern)
        return kind, str(rule["family"]), pattern, int(rule["group"])

    def with_people(self, people: Iterable[str]) -> SanitizeContext:
        """A copy that also knows these names (collected run-wide before phase 1)."""
        new = object.__new__(SanitizeContext)
        new.__dict__.update(self.__dict__)
        new.people = tuple(sorted(set(self.people) | {p.strip() for p in people if is_person(p)}))
        new._known = frozenset(new.people)
        return new

    def without_key(self) -> SanitizeContext:
        """A copy without the HMAC key, for a file the workers read (``with_key`` restores it)."""
        return self.with_key(b"")

    def with_key(self, key: bytes) -> SanitizeContext:
        new = object.__new__(SanitizeContext)
        new.__dict__.update(self.__dict__)
        new.key = key
        new._person_memo = {}  # tokens of the old key
        return new

    def _allowed(self, value: str, kind: str = "") -> bool:
        if kind == "IP" and self.ip_allow and _in_networks(value, self.ip_allow):
            return True
        return value in self.allow_values or any(compiled(p).fullmatch(value) for p in self.allow_patterns)

    def spans(self, text: str, people: tuple[str, ...] = ()) -> list[tuple[int, int, str, str]]:
        """(start, end, type, identity) of everything to mask; identity is what the HMAC keys on."""
        found = [
            (a, b, k, 5)
            for a, b, k in find_spans(
                text,
                detectors(self.families, self.skip, self.rules),
                entropy=self.entropy,
                strict=self.strict,
            )
        ]
        owners: dict[tuple[int, int], str] = {}
        if self.names and "PERSON" not in self.skip:
            names = people or self.people
            for a, b, ident in find_names(text, names, self.strict):
                found.append((a, b, "PERSON", 1))
                owners[a, b] = ident
            if self.ner:
                index = index_for(names)
                for a, b, name in ner_names(text, self.ner_model):
                    found.append((a, b, "PERSON", 0))
                    owners.setdefault((a, b), index.ident(name))
        out = []
        for a, b, kind, _ in resolve(found):
            value = text[a:b]
            if not self._allowed(value, kind):
                out.append(
                    (a, b, kind, owners.get((a, b), value) if kind == "PERSON" else normal(kind, value))
                )
        return out

    def mask_text(self, text: str, counts: Counter[str], people: tuple[str, ...] = ()) -> str:
        """Phase 1 for one string: each finding becomes an opaque (type, HMAC) token."""
        return self.mask_many([text], counts, people)[0]

    def mask_many(self, texts: list[str], counts: Counter[str], people: tuple[str, ...] = ()) -> list[str]:
        """Phase 1 for several strings in one detection pass (joined by newlines).

        A finding that crosses from one string into the next is masked in both, with the same
        token: joining never lets a value escape.
        """
        if not self.enabled or not any(texts):
            return texts
        texts = [scrub(t) for t in texts]
        joined = "\n".join(texts)
        bounds, pos = [], 0
        for t in texts:
            bounds.append((pos, pos + len(t)))
            pos += len(t) + 1
        pieces: list[list[str]] = [[] for _ in texts]
        cursor = [a for a, _ in bounds]
        i = 0
        for a, b, kind, ident in self.spans(joined, people):
            counts[kind] += 1
            tok = self._person_token(ident) if kind == "PERSON" else token(self.key, kind, ident)
            while bounds[i][1] < a:
                i += 1
            j = i
            while j < len(texts) and bounds[j][0] < b:
                lo, hi = max(a, bounds[j][0]), min(b, bounds[j][1])
                if lo < hi:
                    pieces[j] += (joined[cursor[j] : lo], tok)
                    cursor[j] = hi
                j += 1
        return ["".join(pieces[k]) + joined[cursor[k] : bounds[k][1]] for k in range(len(texts))]

    def _collect(self, value: Any, key: str, out: list[str]) -> None:
        """Meta strings that need a detection pass, in walk order."""
        if isinstance(value, str):
            if not self._person_field(key, value):
                out.append(value)
        elif isinstance(value, list):
            for v in value:
                self._collect(v, key, out)
        elif isinstance(value, dict):
            for k, v in value.items():
                if k not in PRIVATE:
                    self._collect(v, k, out)

    def _rebuild(
        self, value: Any, key: str, masked: Iterator[str], counts: Counter[str], people: tuple[str, ...]
    ) -> Any:
        if isinstance(value, str):
            if self._person_field(key, value):
                counts["PERSON"] += 1
                return self._person_token(index_for(people).ident(value))
            return next(masked)
        if isinstance(value, list):
            return [self._rebuild(v, key, masked, counts, people) for v in value]
        if isinstance(value, dict):
            return {
                k: self._rebuild(v, k, masked, counts, people) for k, v in value.items() if k not in PRIVATE
            }
        return value

    def _person_token(self, name: str) -> str:
        """The token of a person's identity (see name_index). Names recur in nearly every record
        (authors, mentions): their HMAC is worth keeping; the context holds those names anyway."""
        memo = self._person_memo
        tok = memo.get(name)
        if tok is None:
            tok = token(self.key, "PERSON", name)
            if len(memo) < 100_000:
                memo[name] = tok
        return tok

    def _person_field(self, key: str, value: str) -> bool:
        return self.names and key in PERSON_FIELDS and is_person(value)

    def sanitize_record(self, rec: Record) -> Phase1:
        """Phase 1 for one record: pure, picklable, order-free. Then the leak gate on the result."""
        if not self.enabled:
            return Phase1(rec)
        extra = set(people_of(rec.meta)) - self._known
        people = tuple(sorted(self._known | extra)) if extra else self.people
        counts: Counter[str] = Counter()
        strings = [rec.title, rec.text, rec.url]
        meta_in = {k: v for k, v in rec.meta.items() if k not in PRIVATE}
        path = meta_in.get("path")
        if isinstance(path, str):  # masked piece by piece (ids.py), like the id
            meta_in["path"] = ""
        self._collect(meta_in, "", strings)
        n_rec = len(strings)
        strings += ids.strings(rec.id) + (ids.strings(path) if isinstance(path, str) else [])
        masked = self.mask_many(strings, counts, people)
        title, text, url = masked[:3]
        meta = self._rebuild(meta_in, "", iter(masked[3:n_rec]), counts, people)
        rest = iter(masked[n_rec:])
        rid = ids.assemble(rec.id, rest)
        if isinstance(path, str):
            meta["path"] = ids.assemble(path, rest)
        # a piece was masked whole and without its suffix: count what the id and path kept
        counts -= ids.tokens(masked[n_rec:]) - ids.tokens([rid, meta.get("path") or ""])
        if self.mode == "drop_record" and any(n for k, n in counts.items() if k != "PERSON"):
            return Phase1(None, dict(counts))
        out = Record(rid, rec.source, rec.kind, title, text, url, rec.created_at, meta)
        return Phase1(out, dict(counts), self.scan(out))

    def scan(self, rec: Record) -> list[str]:
        """The leak gate on one phase-1 record (placeholders rendered, so they never trip it)."""
        if self.gate == "none":
            return []
        strings = [rec.id, rec.title, rec.text, rec.url] + [v for v in _strings(rec.meta)]
        return gate.scanner(self.gate, self._self_scan, self._keep)(render("\n".join(strings)))

    def _keep(self, value: str) -> bool:
        return is_placeholder(value) or self._allowed(value) or pem_without_key(value)

    def _self_scan(self, text: str) -> list[str]:
        return [kind for _, _, kind, _ in self.spans(text, ())]

