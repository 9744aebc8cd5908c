"""Structure- and token-aware chunking of cleaned records, with provenance.

A chunk is one contiguous slice of a record's text: a section under its heading (an issue's
description, a PR's review comments, a page's subsection). A section longer than
``max_tokens`` is packed from whole paragraphs (code blocks and tables stay whole), then lines,
sentences and words, and each later piece repeats about ``overlap_tokens`` of the previous
one's tail. Neighbouring pieces below ``min_tokens`` are merged. Token counts are a fast,
deterministic estimate (about four characters a token, one per symbol or CJK character), so
chunk boundaries never depend on which model or tokenizer is installed.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from typing import Any

_TOKEN = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]|[^\W\u3040-\u30ff\u3400-\u9fff"
                    r"\uac00-\ud7af]+|[^\w\s]")
_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*$")
_SENTENCE_END = re.compile(r"(?<=[.!?。！？])\s+")


def count_tokens(text: str) -> int:
    """Approximate BPE tokens: long words count a token per four characters."""
    return sum(1 if len(t) <= 4 else (len(t) + 3) // 4 for t in _TOKEN.findall(text))


@dataclass(frozen=True)
class Chunk:
    """A slice ``[start, end)`` of one record's text and where it came from."""

    source_id: str
    index: int
    text: str
    start: int
    end: int
    tokens: int
    section: str = ""
    title: str = ""
    source: str = ""
    kind: str = ""
    url: str = ""
    context: str = ""  # the heading (and table header) a mid-section chunk continues under
    meta: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    @property
    def id(self) -> str:
        return f"{self.source_id}#{self.index}"

    @property
    def document(self) -> str:
        """What the generator sees: the context lines, then the chunk itself."""
        return f"{self.context}\n{self.text}" if self.context else self.text

    @property
    def hash(self) -> str:
        blob = "\0".join([self.source_id, self.title, self.section, self.context, self.text])
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:24]

    def provenance(self) -> dict[str, Any]:
        return {"source_id": self.source_id, "chunk_id": self.id, "section": self.section,
                "span": [self.start, self.end], "url": self.url, "kind": self.kind}


def _sections(text: str) -> list[tuple[str, int, int]]:
    """(heading path, start, end) per section; a section starts at its heading line."""
    out: list[tuple[str, int, int]] = []
    path: list[tuple[int, str]] = []
    start, pos, in_code = 0, 0, False
    label = ""
    for line in text.splitlines(keepends=True):
        if line.lstrip().startswith("```"):
            in_code = not in_code
        m = None if in_code else _HEADING.match(line.rstrip("\n"))
        if m:
            out.append((label, start, pos))
            level = len(m.group(1))
            path = [p for p in path if p[0] < level] + [(level, m.group(2).strip())]
            label, start = " > ".join(p[1] for p in path), pos
        pos += len(line)
    out.append((label, start, pos))
    return [s for s in out if text[s[1]:s[2]].strip()]


def _units(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Paragraph spans in ``text[start:end]``; a code block is one unit however long."""
    units, ustart, pos, in_code = [], start, start, False
    for line in text[start:end].splitlines(keepends=True):
        if line.lstrip().startswith("```"):
            in_code = not in_code
        pos += len(line)
        if not in_code and not line.strip():
            if text[ustart:pos].strip():
                units.append((ustart, pos))
            ustart = pos
    if text[ustart:end].strip():
        units.append((ustart, end))
    return units


def _split(text: str, start: int, end: int, limit: int) -> list[tuple[int, int]]:
    """Split one oversized unit at lines, then sentence ends, then spaces, then anywhere."""
    for pattern in (re.compile(r"\n"), _SENTENCE_END, re.compile(r"\s+")):
        cuts = [m.end() + start for m in pattern.finditer(text[start:end])]
        if cuts:
            spans = list(zip([start, *cuts], [*cuts, end], strict=True))
            spans = [s for s in spans if text[s[0]:s[1]].strip()]
            if len(spans) > 1:
                return [p for s in spans for p in _fit(text, s[0], s[1], limit)]
    step = max(1, limit * 4)  # no break anywhere (a blob): cut by characters
    while step > 1 and count_tokens(text[start:start + step]) > limit:
        step //= 2
    return [(i, min(i + step, end)) for i in range(start, end, step)]


def _fit(text: str, start: int, end: int, limit: int) -> list[tuple[int, int]]:
    return [(start, end)] if count_tokens(text[start:end]) <= limit else _split(text, start, end,
                                                                                 limit)


def _overlap_start(text: str, start: int, end: int, budget: int) -> int:
    """Where a tail of ``text[start:end]`` of at most ``budget`` tokens begins (sentence-aligned)."""
    if budget <= 0:
        return end
    cuts = [start] + [m.end() + start for m in _SENTENCE_END.finditer(text[start:end])]
    for cut in cuts:  # earliest cut whose tail fits
        if count_tokens(text[cut:end]) <= budget:
            return cut
    return end


def _pack(text: str, units: list[tuple[int, int]], limit: int, overlap: int) -> list[tuple]:
    pieces: list[tuple[int, int]] = []
    spans = [p for u in units for p in _fit(text, u[0], u[1], limit)]
    cur: list[tuple[int, int]] = []
    for span in spans:
        if cur and count_tokens(text[cur[0][0]:span[1]]) > limit:
            pieces.append((cur[0][0], cur[-1][1]))
            tail = _overlap_start(text, cur[-1][0], cur[-1][1], min(overlap, limit // 2))
            cur = [(tail, cur[-1][1])] if tail < cur[-1][1] else []
            if cur and count_tokens(text[cur[0][0]:span[1]]) > limit:
                cur = []
        cur.append(span)
    if cur:
        pieces.append((cur[0][0], cur[-1][1]))
    return pieces


def _label(labels: list[str]) -> str:
    """'A > B' and 'A > C' merged read 'A > B, C'."""
    labels = [x for i, x in enumerate(labels) if x and x not in labels[:i]]
    labels = [x for x in labels if not any(y.startswith(x + " > ") for y in labels)]  # ancestors
    if len(labels) < 2:
        return labels[0] if labels else ""
    parts = [x.split(" > ") for x in labels]
    common = 0
    while all(len(p) > common + 1 and p[common] == parts[0][common] for p in parts):
        common += 1
    head = " > ".join(parts[0][:common])
    tails = ", ".join(" > ".join(p[common:]) for p in parts)
    return f"{head} > {tails}" if head else tails


def _context(text: str, sec_start: int, start: int) -> str:
    """The heading line of the section, plus a table's header when ``start`` is inside it."""
    lines = []
    first = text[sec_start:text.find("\n", sec_start) if "\n" in text[sec_start:] else len(text)]
    if start > sec_start and _HEADING.match(first):
        lines.append(first)
    before = text[sec_start:start].rstrip("\n").split("\n")
    if before and before[-1].lstrip().startswith("|"):
        rows = []
        for line in reversed(before):
            if not line.lstrip().startswith("|"):
                break
            rows.append(line)
        rows.reverse()
        if len(rows) >= 2 and set(rows[1].replace("|", "").strip()) <= set("-: "):
            lines += rows[:2]
    return "\n".join(lines)


def chunk_record(rec: dict[str, Any], max_tokens: int = 512, overlap_tokens: int = 48,
                 min_tokens: int = 64) -> list[Chunk]:
    """The chunks of one cleaned record, in text order."""
    text = rec.get("text") or ""
    pieces: list[tuple[list[str], int, int, int]] = []
    for label, s, e in _sections(text):
        pieces += [([label], s, a, b) for a, b in _pack(text, _units(text, s, e), max_tokens,
                                                        overlap_tokens)]
    merged: list[tuple[list[str], int, int, int]] = []
    for labels, sec, s, e in pieces:  # merge small neighbours while the result still fits
        if merged:
            plabels, psec, ps, pe = merged[-1]
            small = count_tokens(text[s:e]) < min_tokens or count_tokens(text[ps:pe]) < min_tokens
            if small and s >= pe and count_tokens(text[ps:e]) <= max_tokens:
                merged[-1] = (plabels + labels, psec, ps, e)
                continue
        merged.append((labels, sec, s, e))
    chunks = []
    for labels, sec, s, e in merged:
        body = text[s:e]
        lead = len(body) - len(body.lstrip())
        body = body.strip()
        chunks.append(Chunk(source_id=rec["id"], index=len(chunks), text=body, start=s + lead,
                            end=s + lead + len(body), tokens=count_tokens(body), section=_label(labels),
                            context=_context(text, sec, s + lead),
                            title=rec.get("title", ""), source=rec.get("source", ""),
                            kind=rec.get("kind", ""), url=rec.get("url", ""),
                            meta={"created_at": rec.get("created_at", "")}))
    return chunks


def skip_reason(chunk: Chunk) -> str | None:
    """Why a chunk is not worth a call (too little text, or a blob such as base64), else None."""
    words = re.findall(r"\b[^\W\d_]{2,30}\b", chunk.text)
    compact = len(re.sub(r"\s", "", chunk.text))
    if compact >= 100 and sum(len(w) for w in words) < 0.3 * compact:
        return "chunk_not_text"
    if len(words) < 5:
        return "chunk_too_small"
    return None
