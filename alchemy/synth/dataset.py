"""From accepted pairs to ``sft_train.jsonl`` / ``sft_eval.jsonl``: split, dedup, messages.

The split is by source document (a record's pairs all land on one side), so eval questions
are about documents the adapter never saw in training. Near-duplicate questions are dropped
with a Jaccard test on content words; train pairs are kept first, so an eval question that
repeats a train question is the one dropped (no leakage through the back door).
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from typing import Any

from alchemy.synth.grounding import content_words


def in_eval(source_id: str, fraction: float, seed: int) -> bool:
    """Stable per-document coin flip: the same document is always on the same side."""
    h = int(hashlib.sha256(f"{seed}:{source_id}".encode()).hexdigest()[:12], 16)
    return h / float(1 << 48) < fraction


def eval_documents(ids: list[str], fraction: float, seed: int) -> set[str]:
    """The held-out documents; a tiny corpus still gets one when ``fraction`` > 0."""
    chosen = {i for i in ids if in_eval(i, fraction, seed)}
    if ids and not chosen and fraction > 0:
        chosen = {min(ids, key=lambda i: hashlib.sha256(i.encode()).hexdigest())}
    if len(chosen) == len(set(ids)) >= 1:  # never hold out everything, not even a lone document
        chosen.discard(max(chosen, key=lambda i: hashlib.sha256(i.encode()).hexdigest()))
    return chosen


class NearDuplicates:
    """Remembers questions; ``seen`` is True for one too similar to an earlier one.

    Prefix filtering keeps it fast: if two word sets have Jaccard >= t, the second must contain
    at least one of any ``floor((1 - t) * |A|) + 1`` words of the first, so only questions that
    share one of the rarest such words are compared.
    """

    def __init__(self, threshold: float) -> None:
        self.threshold = threshold
        self.index: dict[str, list[int]] = defaultdict(list)
        self.kept: list[frozenset[str]] = []
        self.exact: set[str] = set()

    def seen(self, question: str) -> bool:
        words = frozenset(content_words(question))
        norm = " ".join(question.lower().split())
        if norm in self.exact:
            return True
        if words and self.threshold < 1.0:
            probe = sorted(words, key=lambda w: (len(self.index[w]), w))
            probe = probe[: int((1 - self.threshold) * len(words)) + 1]
            for i in {i for w in probe for i in self.index[w]}:
                other = self.kept[i]
                if len(words & other) / len(words | other) >= self.threshold:
                    return True
        self.exact.add(norm)
        for w in words:
            self.index[w].append(len(self.kept))
        self.kept.append(words)
        return False


def row(question: str, answer: str, meta: dict[str, Any], system_prompt: str | None) -> dict:
    """A chat-format training row; the system message only when one is configured."""
    messages = [{"role": "user", "content": question}, {"role": "assistant", "content": answer}]
    if system_prompt:
        messages.insert(0, {"role": "system", "content": system_prompt})
    return {"messages": messages, "meta": meta}


def split_and_dedup(rows: list[dict[str, Any]], eval_ids: set[str],
                    threshold: float) -> tuple[list[dict], list[dict], int]:
    """(train rows, eval rows, near-duplicates dropped), each side in input order.

    Documents in ``eval_ids`` go to eval whole; a row marked ``held_out`` (a fact's held-back
    question form) goes to eval too. Fact and grounded rows ask the same kind of question of
    many entities by design, so they lose exact repeats of the question only (the first
    answer wins); other rows near-duplicates too.
    """
    def to_eval(r: dict[str, Any]) -> bool:
        return r["meta"]["source_id"] in eval_ids or bool(r["meta"].get("held_out"))

    dedup, exact = NearDuplicates(threshold), set()

    def repeat(r: dict[str, Any]) -> bool:
        key = " ".join(_question(r).lower().split())
        if key in exact:
            return True
        exact.add(key)
        return r["meta"].get("pair") not in ("fact", "grounded") and dedup.seen(_question(r))

    kept_train = [r for r in rows if not to_eval(r) and not repeat(r)]
    kept_eval = [r for r in rows if to_eval(r) and not repeat(r)]
    return kept_train, kept_eval, len(rows) - len(kept_train) - len(kept_eval)


def _question(r: dict[str, Any]) -> str:
    return next(m["content"] for m in r["messages"] if m["role"] == "user")
