"""The grounded prompt: numbered passages, then the question; one template for every use.

Training (RAFT pairs in synth), the eval's retrieval modes, infer and serve all render the
same messages, so an adapter trained on grounded pairs sees at answer time exactly the layout
it learnt. Passages are trimmed best-first to ``max_context_tokens``.
"""

from __future__ import annotations

from alchemy.retrieval.passages import Passage, trim

NOT_FOUND = "The sources do not say."
TEMPLATE = ("Answer the question from the sources below. Answer briefly and name the thing "
            "you answer about. If the sources do not hold the answer, reply: {not_found}\n\n"
            "{sources}\n\nQuestion: {question}")


def render(question: str, passages: list[Passage] | list[str], max_context_tokens: int) -> str:
    """The user message for ``question`` grounded in ``passages`` (best first)."""
    texts = [p.text if isinstance(p, Passage) else p for p in passages]
    texts = trim(texts, max_context_tokens)
    sources = "\n\n".join(f"[{i}] {t}" for i, t in enumerate(texts, 1))
    return TEMPLATE.format(not_found=NOT_FOUND, sources=sources, question=question)


def cite(passages: list[Passage]) -> list[dict[str, str]]:
    """The sources a grounded answer came from, as shown to the user and in answer.json."""
    return [{"n": str(i), "id": p.id, "source": p.source, "title": p.title,
             "section": p.section, "url": p.url} for i, p in enumerate(passages, 1)]
