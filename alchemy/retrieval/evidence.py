"""Evidence selection: the sentences of the retrieved passages that bear on the question.

A 135M reader given three whole passages (~250 tokens) often copies a neighbouring sentence,
and more passages (better recall) only add noise. Cutting the passages down to the
``retrieval.evidence_sentences`` sentences that share the most informative terms with the
question (BM25's idf over the whole index, so "service" weighs little and "payout-scheduler"
much) lets the reader see more passages in fewer tokens. Each kept sentence stays under its
passage's heading line and in its passage's order, so the sources a reply cites are still
the passages it read.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping

from alchemy.retrieval.passages import Passage
from alchemy.retrieval.text import STOPWORDS, tokenize

_SPLIT = re.compile(r"(?<=[.!?])\s+(?=\S)|\n+")


def idf_table(passages: list[Passage]) -> dict[str, float]:
    """BM25's idf of every index term (computed once per loaded index)."""
    df: dict[str, int] = {}
    for p in passages:
        for t in set(tokenize(p.text)):
            df[t] = df.get(t, 0) + 1
    n = len(passages)
    return {t: math.log(1 + (n - d + 0.5) / (d + 0.5)) for t, d in df.items()}


def _split(passage: Passage) -> tuple[str, list[str]]:
    """(heading line or "", sentences and lines of the body)."""
    lines = passage.text.split("\n")
    head = lines[0] if lines and lines[0].lstrip().startswith("#") else ""
    body = "\n".join(lines[1:]) if head else passage.text
    return head, [s.strip() for s in _SPLIT.split(body) if s.strip()]


def select(question: str, passages: list[Passage], n_sentences: int,
           idf: Mapping[str, float]) -> list[str]:
    """Passage texts cut to the ``n_sentences`` best sentences over all of them, best passage first.

    A passage none of whose sentences is kept is left out; when no sentence shares a term
    with the question, the passages are returned whole (there is nothing to choose by).
    """
    terms = {t for t in tokenize(question) if t not in STOPWORDS}
    scored: list[tuple[float, int, int, str]] = []
    heads: list[str] = []
    for r, p in enumerate(passages):
        head, sentences = _split(p)
        heads.append(head)
        for i, s in enumerate(sentences):
            score = sum(idf.get(t, 0.0) for t in set(tokenize(s)) & terms)
            scored.append((score, r, i, s))
    if not scored or max(s[0] for s in scored) <= 0:
        return [p.text for p in passages]
    best = sorted(scored, key=lambda s: (-s[0], s[1], s[2]))[:n_sentences]
    kept: dict[int, list[tuple[int, str]]] = {}
    for _, r, i, s in best:
        kept.setdefault(r, []).append((i, s))
    out = []
    for r in sorted(kept):
        body = " ".join(s for _, s in sorted(kept[r]))
        out.append(f"{heads[r]}\n{body}" if heads[r] else body)
    return out
