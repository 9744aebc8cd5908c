"""The grounded prompt: the passages, then the question; one template for every use.

Training (RAFT pairs in synth), the eval's retrieval modes, infer and serve all render the
same messages, so an adapter trained on grounded pairs sees at answer time exactly the layout
it learnt. With ``retrieval.evidence_sentences`` the passages are first cut to the sentences
that bear on the question (:mod:`alchemy.retrieval.evidence`), then trimmed best-first to
``max_context_tokens``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

from alchemy.retrieval.passages import Passage, trim


class Grounded(NamedTuple):
    """A question made ready to answer from the index."""

    message: str  # the user message: passages, then the question
    passages: list[Passage]  # what it cites
    refusal: str | None  # the reply when no passage names the question's subject (no model run)


# (question, its passages or None to retrieve them) -> Grounded
Ground = Callable[..., Grounded]

NOT_FOUND = "The sources do not say."
# Passages, then the question, nothing else: on SmolLM2-135M an instruction before the
# passages ("answer from the sources below...") made the model talk about "the source" instead
# of answering (1-4 of 12 own check questions right, against 6 of 12 like this). Declining
# when the passages lack the answer is taught by the grounded training pairs instead.
TEMPLATE = "{sources}\n\n{question}"


def render(question: str, passages: list[Passage] | list[str], max_context_tokens: int) -> str:
    """The user message for ``question`` grounded in ``passages`` (best first)."""
    texts = [p.text if isinstance(p, Passage) else p for p in passages]
    texts = trim(texts, max_context_tokens)
    return TEMPLATE.format(sources="\n\n".join(texts), question=question)


def compose(index: Any, question: str, passages: list[Passage], evidence_sentences: int,
            max_context_tokens: int) -> str:
    """The grounded user message as every use renders it: evidence sentences, then trimmed."""
    return render(question, index.evidence(question, passages, evidence_sentences),
                  max_context_tokens)


def cite(passages: list[Passage]) -> list[dict[str, str]]:
    """The sources a grounded answer came from, as shown to the user and in answer.json."""
    return [{"n": str(i), "id": p.id, "source": p.source, "title": p.title,
             "section": p.section, "url": p.url} for i, p in enumerate(passages, 1)]


def grounding(retrieval: Any, mode: str, index_dir: Path, cache_dir: Path) -> Ground | None:
    """``ground(question) -> Grounded``, or None when answering closed-book.

    ``retrieval`` is the run's retrieval settings, ``mode`` infer.retrieval or serve.retrieval:
    auto grounds in the index at ``index_dir`` unless retrieval.method=none. With
    ``retrieval.abstain`` the refusal is set when the passages never name what the question
    names (:mod:`alchemy.retrieval.abstain`); the passages are still cited, to show what was
    searched.
    """
    r = retrieval
    if mode == "none" or r.method == "none":
        return None
    from alchemy.retrieval.abstain import refusal
    from alchemy.retrieval.index import Index

    index = Index(index_dir, cache_dir)

    def ground(question: str, passages: list[Passage] | None = None) -> Grounded:
        if passages is None:
            passages = [h.passage for h in index.search(question, r.k, r.rrf_k)]
        message = compose(index, question, passages, r.evidence_sentences, r.max_context_tokens)
        return Grounded(message, passages, refusal(question, passages) if r.abstain else None)

    return ground
