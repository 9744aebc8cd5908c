"""Passages: the clean corpus cut into retrievable pieces that remember where they came from.

The synth chunker does the cutting (sections under their headings, long sections packed from
whole paragraphs with a small overlap), with smaller pieces than synthesis uses: a small model
reads three passages of ~160 tokens better than one of 512.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from typing import Any

from alchemy.synth.chunker import chunk_record, count_tokens, skip_reason
from alchemy.synth.offline_rules import plain, tables

FORMAT = 2  # bump when a corpus gets other passages (2: every row of a long table)


@dataclass(frozen=True)
class Passage:
    id: str  # <record id>#<chunk index>
    source_id: str
    source: str
    kind: str
    title: str
    section: str
    url: str
    text: str  # the heading context line(s), then the chunk

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def label(self) -> str:
        """How a source is cited to the user: title, section, url."""
        head = self.title or self.source_id
        if self.section and self.section != self.title:
            head += f" > {self.section}"
        return f"{head} ({self.url})" if self.url else head


def passages(records: Iterable[dict[str, Any]], max_tokens: int, overlap_tokens: int,
             min_tokens: int, skipped: dict[str, int] | None = None) -> Iterator[Passage]:
    """Every passage of the corpus, in record order; skipped blobs are counted by reason."""
    for rec in records:
        if not rec.get("text"):
            continue
        seen: set[str] = set()
        for c in chunk_record(rec, max_tokens, overlap_tokens, min_tokens):
            if (why := skip_reason(c)) is not None:
                if skipped is not None:
                    skipped[why] = skipped.get(why, 0) + 1
                continue
            yield Passage(c.id, c.source_id, c.source, c.kind, c.title, c.section, c.url,
                          c.document)
            # c.document, not c.text: a table continued from the last chunk has its header in
            # the context, and without it the rows of every later chunk would get no passage
            rows = [t for t in _row_texts(c.document, c.context) if t not in seen]
            seen.update(rows)  # overlapping chunks repeat a row: one passage for it
            for n, text in enumerate(rows):
                yield Passage(f"{c.id}.r{n}", c.source_id, c.source, c.kind, c.title, c.section,
                              c.url, text)


def _row_texts(text: str, context: str) -> Iterator[str]:
    """A table row as its own passage, each cell beside its column name ("Port: 7070").

    A question names one row (a service, a team) and one column ("which port"); in the whole
    table that row is one line among many and the column name is far away, so BM25 ranks
    prose that repeats the row's name above it, and a small model reading the table picks a
    neighbouring row's cell. The heading line keeps what the table is about.
    """
    heading = next((ln for ln in context.splitlines() if ln.lstrip().startswith("#")), "")
    if not heading:
        heading = next((ln for ln in text.splitlines() if ln.lstrip().startswith("#")), "")
    for header, rows in tables(text):
        names = [plain(h) for h in header]
        for row in rows:
            cells = [f"{h}: {plain(c)}" for h, c in zip(names, row, strict=False)
                     if h and plain(c)]
            if len(cells) >= 2:
                yield "\n".join(x for x in (heading, "; ".join(cells) + ".") if x)


def trim(texts: list[str], budget: int) -> list[str]:
    """Cut passages (best first) so that together they fit ``budget`` estimated tokens."""
    out: list[str] = []
    left = budget
    for text in texts:
        if left <= 16:
            break
        if count_tokens(text) > left:
            kept, used = [], 0
            for word in text.split(" "):
                used += count_tokens(word)
                if used > left - 1:
                    break
                kept.append(word)
            text = " ".join(kept) + " ..."
        out.append(text)
        left -= count_tokens(text)
    return out
