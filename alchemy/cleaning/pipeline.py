"""The clean pass's record functions: what both engines run on every record, in this order.

1. ``prepare``: normalise title and text, cut over-long texts (right after parsing).
2. ``phase1_batch``: sanitize phase 1, strip boilerplate, quality filters, exact-duplicate
   key, MinHash signature and LSH band keys, for a batch of records at once.
3. (engine) same-id copies, exact and near duplicates are resolved across the whole corpus.
4. ``final_line``: number the placeholders (phase 2, id order) and write the JSON line.

Records travel between steps as JSON strings, on either engine, so both serialise the same
bytes. A record that makes any step raise becomes a quarantine entry, never a failed run.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from alchemy.cleaning.boilerplate import strip_boilerplate
from alchemy.cleaning.minhash import band_keys, word_signatures
from alchemy.cleaning.options import CleanOptions
from alchemy.cleaning.quality import quality_reason
from alchemy.cleaning.text import canonical_key, exact_key, normalise, truncate
from alchemy.records import Quarantine, Record
from alchemy.sanitize import Numberer, SanitizeContext, SanitizeStats
from alchemy.sanitize.tokens import TOKEN_RE, render

FILTER_REASONS = ("too_short", "too_few_words", "symbols", "repeated_lines", "language", "boilerplate")
REASONS = ("has_sensitive_data", *FILTER_REASONS, "exact_duplicate", "near_duplicate")
ERROR = "error"  # not a drop: the record is quarantined
_FIELDS = tuple(Record.__dataclass_fields__)
_SURROGATE = re.compile("[\ud800-\udfff]")
_RENDERED = re.compile("<[a-z0-9_]*>")  # a token as render() shows it, lower-cased


def _fix(value: Any) -> Any:
    """Lone surrogates (half an emoji in a truncated export) become U+FFFD: they cannot be written."""
    if isinstance(value, str):  # isascii is O(1): most values need no scan
        return value if value.isascii() or not _SURROGATE.search(value) else _SURROGATE.sub("\ufffd", value)
    if isinstance(value, list):
        return [_fix(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _fix(v) for k, v in value.items()}
    return value


def prepare(rec: Record, opts: CleanOptions) -> Record:
    """Normalise text and title, cut an over-long text at a paragraph break (meta.truncated)."""
    rec.title, rec.url, rec.created_at = normalise(_fix(rec.title)), _fix(rec.url), _fix(rec.created_at)
    rec.meta = _fix(rec.meta)
    rec.text, cut = truncate(normalise(_fix(rec.text)), opts.max_chars)
    if cut:
        rec.meta["truncated"] = True
    return rec


_ASCII_JSON = json.JSONEncoder()
_JSON = json.JSONEncoder(ensure_ascii=False)


def encode(rec: Record) -> str:
    """The record as a JSON line, as ``Record.to_dict`` orders it (without its deep copy).

    Same string as ``json.dumps(..., ensure_ascii=False)``. A record with an ASCII text goes
    through the ASCII encoder, about twice as fast: where it wrote no ``\\u`` escape, both
    encoders write the same string.
    """
    d = {f: getattr(rec, f) for f in _FIELDS}
    if rec.text.isascii():
        line = _ASCII_JSON.encode(d)
        if "\\u" not in line:
            return line
    return _JSON.encode(d)


def decode(line: str) -> Record:
    return Record.from_dict(json.loads(line))


@dataclass
class Batch:
    """Phase-1 results for consecutive records, in input order (plain data: picklable)."""

    ids: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    paths: list[str] = field(default_factory=list)
    p1: list[str | None] = field(default_factory=list)  # phase-1 record JSON, tokens in place
    tokens: list[list[tuple[str, str]]] = field(default_factory=list)  # (type, digest) in walk order
    reasons: list[str | None] = field(default_factory=list)  # drop reason, ERROR, or None
    keys: np.ndarray = field(default_factory=lambda: np.zeros((0, 2), np.int64))
    sigs: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), np.uint32))
    bands: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), np.int64))
    stats: SanitizeStats = field(default_factory=SanitizeStats)
    quarantine: list[dict[str, Any]] = field(default_factory=list)
    truncated: int = 0  # records cut at clean.max_chars (prepare marked them in meta)


def phase1_batch(ctx: SanitizeContext, opts: CleanOptions, rows: list[str]) -> Batch:
    """Sanitize (phase 1), strip boilerplate, filter, and key a batch of prepared records."""
    out = Batch(stats=SanitizeStats())
    keys: list[tuple[int, int]] = []
    words_for_sig: list[list[str]] = []
    sig_rows: list[int] = []
    for i, row in enumerate(rows):
        rid, source, path = "", "", ""
        try:
            rec = decode(row)
            rid, source, path = rec.id, rec.source, str(rec.meta.get("path") or "")
            out.truncated += bool(rec.meta.get("truncated"))
            result = ctx.sanitize_record(rec)
            out.stats.add(source, render(result.record.id) if result.record else rid, result)
            if result.record is None:
                p1, reason, key = None, "has_sensitive_data", (0, 0)
            else:
                masked = result.record
                removed = 0
                if opts.boilerplate:
                    masked.text, removed = strip_boilerplate(masked.text)
                shown = render(masked.text)
                words = shown.lower().split()  # shared by the filters, the exact key and MinHash
                reason = quality_reason(shown, opts, words)
                if removed and reason in ("too_short", "too_few_words"):
                    reason = "boilerplate"
                p1 = encode(masked)
                key = _masked_key(masked.text, shown, " ".join(words))
                if reason is None and opts.near_dup:
                    words_for_sig.append(words)
                    sig_rows.append(i)
        except Exception as exc:  # one poisoned record never fails the pass
            p1, reason, key = None, ERROR, (0, 0)
            where = path or ""
            out.quarantine.append(Quarantine(source or rid.partition(":")[0], where,
                                             f"clean error: {type(exc).__name__}", rid).to_dict())
        out.ids.append(rid)
        out.sources.append(source)
        out.paths.append(path)
        out.p1.append(p1)
        out.tokens.append(Numberer.tokens_in_order(masked) if p1 is not None else [])
        out.reasons.append(reason)
        keys.append(key)
    n = len(rows)
    out.keys = np.array(keys, dtype=np.int64).reshape(n, 2)
    width = opts.num_perm if opts.near_dup else 0
    out.sigs = np.full((n, width), 0xFFFFFFFF, dtype=np.uint32)
    out.bands = np.zeros((n, opts.bands if opts.near_dup else 0), dtype=np.int64)
    if sig_rows:
        a, b = opts.permutations()
        sig = word_signatures(words_for_sig, opts.shingle, a, b)
        out.sigs[sig_rows] = sig
        out.bands[sig_rows] = band_keys(sig, opts.bands, opts.rows)
    return out


def _masked_key(masked: str, shown: str, shown_canonical: str) -> tuple[int, int]:
    """``exact_key(masked)`` from the canonical form of ``shown = render(masked)``, split once.

    Tokens and their renderings hold no whitespace, and lower-casing treats both alike (neither
    end is cased or case-ignorable), so the two canonical forms differ only where each token's
    ``<type>`` stands. When the text has no other ``<type>``-like part, the lower-cased tokens
    are put back in order; otherwise the masked text is canonicalised on its own.
    """
    if shown is masked:
        return canonical_key(shown_canonical)
    tokens = [m.group(0).lower() for m in TOKEN_RE.finditer(masked)]
    parts = _RENDERED.split(shown_canonical)
    if len(parts) != len(tokens) + 1:
        return exact_key(masked)
    out = [parts[0]]
    for tok, part in zip(tokens, parts[1:], strict=True):
        out += (tok, part)
    return canonical_key("".join(out))


def final_line(numberer: Numberer, p1: str) -> str:
    """Phase 2 for one kept record: placeholders numbered, the line train.jsonl gets."""
    return encode(numberer.record(decode(p1)))


def sample_entry(rid: str, reason: str, source: str, path: str, p1: str | None,
                 duplicate_of: str | None = None, similarity: float | None = None,
                 max_chars: int = 2000) -> dict[str, Any]:
    """A dropped record for dropped_sample.jsonl: sanitized, placeholders shown as ``<TYPE>``."""
    entry: dict[str, Any] = {"id": rid, "reason": reason, "source": source, "path": path}
    if duplicate_of is not None:
        entry["duplicate_of"] = duplicate_of
    if similarity is not None:
        entry["similarity"] = round(similarity, 4)
    if p1 is not None:
        rec = decode(p1)
        entry["title"] = render(rec.title)
        entry["text"] = render(rec.text)[:max_chars]
    return entry
