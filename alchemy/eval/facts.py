"""Ask the fact questions in every mode and grade the replies.

Modes: closed-book (the question alone) and, with an index, grounded (the question after its
``retrieval.k`` best passages, rendered by :mod:`alchemy.retrieval.prompt`), each for the base
model and base + adapter, so the table shows what the adapter adds with and without sources.
Retrieval is run once per question and shared by both sides. Also measured: recall@k (do the
passages hold the answer's key terms at all), abstention on questions put with passages that
do not hold their answer (the best passages of a *different* question), and a forgetting
guard of general questions the base model answers. With ``abstain``, a grounded question whose
passages never name what it names gets the refusal of :mod:`alchemy.retrieval.abstain` as its
reply on both sides, as infer and serve would answer it, and the model is not run on it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from alchemy.eval.questions import Question
from alchemy.eval.scoring import declines, grade, holds, summarise

GENERAL = Path(__file__).with_name("general.jsonl")


def general_questions() -> list[Question]:
    """The forgetting guard: everyday facts a small instruct model knows."""
    from alchemy.eval.questions import load_questions

    return load_questions(GENERAL)


@dataclass
class Prompts:
    """Every conversation one side answers, built once (retrieval included)."""

    questions: list[Question]
    general: list[Question]
    closed: list[list[dict]]
    grounded: list[list[dict]] = field(default_factory=list)
    unanswerable: list[list[dict]] = field(default_factory=list)
    unanswerable_ids: list[int] = field(default_factory=list)
    sources: list[list[str]] = field(default_factory=list)
    recall: list[bool] = field(default_factory=list)
    in_corpus: list[bool] = field(default_factory=list)  # does the corpus hold the answer at all
    read: list[bool] = field(default_factory=list)  # ... the prompt, after evidence and trimming
    # mode (grounded | unanswerable) -> per conversation, the refusal given instead of a reply
    refusals: dict[str, list[str | None]] = field(default_factory=dict)

    def recall_figures(self) -> dict[str, Any]:
        """recall@k over all questions, and over those whose answer the indexed corpus holds.

        A reference term that is nowhere in the corpus (a person's name the sanitizer masked,
        a fact no document states) makes its question unanswerable in every mode: counted and
        reported apart, so a retriever is not blamed for it and nobody mistakes the ceiling.
        """
        if not self.recall:
            return {}
        found = [r for r, c in zip(self.recall, self.in_corpus, strict=True) if c]
        return {"recall_at_k": round(sum(self.recall) / len(self.recall), 4),
                "answer_in_corpus": sum(self.in_corpus),
                "recall_at_k_in_corpus": round(sum(found) / len(found), 4) if found else None,
                "context_recall": round(sum(self.read) / len(self.read), 4) if self.read else None}


def _user(text: str) -> list[dict]:
    return [{"role": "user", "content": text}]


def build_prompts(questions: list[Question], general: list[Question], index: Any, k: int,
                  max_context_tokens: int, n_unanswerable: int, rrf_k: int = 60,
                  evidence_sentences: int = 0, abstain: bool = False) -> Prompts:
    """Closed-book and (with ``index``) grounded conversations for every question.

    The grounded ones are rendered as infer and serve render them: passages cut to their
    ``evidence_sentences`` best sentences (0: whole), then trimmed to ``max_context_tokens``;
    with ``abstain``, the refusal is decided on the whole retrieved passages, as there.
    """
    from alchemy.retrieval.abstain import refusal
    from alchemy.retrieval.prompt import compose

    p = Prompts(questions, general, [_user(q.question) for q in questions])
    if index is None:
        return p
    hits = [index.search(q.question, k, rrf_k) for q in questions]
    corpus = "\n".join(x.text for x in index.passages)
    p.in_corpus = [holds(corpus, q.answer, q.question) for q in questions]
    p.refusals = {"grounded": [], "unanswerable": []}

    def refuse(question: str, passages: list) -> str | None:
        return refusal(question, passages) if abstain else None

    for q, found in zip(questions, hits, strict=True):
        passages = [h.passage for h in found]
        message = compose(index, q.question, passages, evidence_sentences, max_context_tokens)
        p.grounded.append(_user(message))
        p.refusals["grounded"].append(refuse(q.question, passages))
        p.sources.append([h.passage.id for h in found])
        joined = "\n".join(x.text for x in passages)
        p.recall.append(holds(joined, q.answer, q.question))
        p.read.append(holds(message, q.answer, q.question))
    # Unanswerable: the passages of the next question whose passages lack this answer, for
    # questions spread evenly over the file (its first ones are often all of one kind).
    n = len(questions)
    m = min(n_unanswerable, n)
    for i in dict.fromkeys(t * n // m for t in range(m)) if m else []:
        for j in range(1, n):
            other = hits[(i + j) % n]
            joined = "\n".join(h.passage.text for h in other)
            if other and not grade(joined, questions[i].answer).matched:
                given = [h.passage for h in other]
                p.unanswerable.append(_user(compose(index, questions[i].question, given,
                                                    evidence_sentences, max_context_tokens)))
                p.unanswerable_ids.append(i)
                p.refusals["unanswerable"].append(refuse(questions[i].question, given))
                break
    return p


def answer_side(generate: Any, p: Prompts) -> dict[str, list[str]]:
    """All replies of one side; ``generate(conversations, grounded) -> replies``."""
    out = {"closed": generate(p.closed, False), "general": generate(general_prompts(p), False)}
    for mode in ("grounded", "unanswerable"):
        convs = getattr(p, mode)
        if convs:
            out[mode] = _answer_or_refuse(generate, convs, p.refusals[mode])
    return out


def _answer_or_refuse(generate: Any, convs: list[list[dict]],
                      refusals: list[str | None]) -> list[str]:
    """The model answers the conversations without a refusal; the rest get their refusal."""
    asked = [c for c, r in zip(convs, refusals, strict=True) if r is None]
    replies = iter(generate(asked, True) if asked else [])
    return [r if r is not None else next(replies) for r in refusals]


def general_prompts(p: Prompts) -> list[list[dict]]:
    """The forgetting guard's conversations."""
    return [_user(q.question) for q in p.general]


def score_side(p: Prompts, replies: Mapping[str, list[str]]) -> tuple[dict, list[list[str]]]:
    """Figures of one side, and the verdict of every fact reply per mode."""
    verdicts = {mode: [grade(r, q.answer, q.question).verdict
                       for r, q in zip(replies[mode], p.questions, strict=True)]
                for mode in ("closed", "grounded") if mode in replies}
    fig: dict[str, Any] = {mode: summarise(v) for mode, v in verdicts.items()}
    general = [grade(r, q.answer, q.question).verdict
               for r, q in zip(replies["general"], p.general, strict=True)]
    fig["general"] = summarise(general)
    if "unanswerable" in replies:
        said = [declines(r) for r in replies["unanswerable"]]
        fig["abstention"] = round(sum(said) / len(said), 4) if said else 0.0
    return fig, [verdicts.get("closed", []), verdicts.get("grounded", [])]


def samples(p: Prompts, replies: dict[str, dict[str, list[str]]],
            verdicts: dict[str, list[list[str]]]) -> list[dict[str, Any]]:
    """One row per fact question: the reference, every mode's reply and verdict, its sources."""
    rows = []
    for i, q in enumerate(p.questions):
        row: dict[str, Any] = {"id": q.id, "question": q.question, "reference": q.answer}
        for side in replies:
            row[f"{side}_closed"] = replies[side]["closed"][i]
            row[f"{side}_closed_verdict"] = verdicts[side][0][i]
            if p.grounded:
                row[f"{side}_grounded"] = replies[side]["grounded"][i]
                row[f"{side}_grounded_verdict"] = verdicts[side][1][i]
        if p.grounded:
            row["sources"], row["recall"] = p.sources[i], p.recall[i]
            row["answer_in_corpus"] = p.in_corpus[i]
            row["declined_by_rule"] = p.refusals["grounded"][i] is not None
        rows.append(row)
    return rows


def write_samples(path: Path, rows: list[dict[str, Any]]) -> None:
    with path.open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
