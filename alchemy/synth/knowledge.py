"""Fact pairs: several questions per atomic fact, both directions, and grounded (RAFT) pairs.

Each fact from :mod:`alchemy.synth.facts` becomes ``synth.questions_per_fact`` questions in
different forms, all answered by the fact's own entity-named sentence, so the adapter sees
one fact in many wordings (Physics of LMs 3.1, Knowledge-Instruct). Where the value is an
identifier or a number, a reverse question asks which entity it belongs to ("What has port
8443?"). One form per fact is held back for ``sft_eval.jsonl``: the eval's answer loss then
asks about trained facts in words training never used.

Grounded pairs (RAFT, Zhang et al. 2024) teach reading: a share of the questions is put
after the passages retrieval finds for it, the passage that holds the answer (the oracle)
mixed with distractors; in some the oracle is removed and the answer is the prompt's
"not in the sources" reply, so the adapter learns to say so instead of inventing.
"""

from __future__ import annotations

import hashlib
import random
import re
from collections.abc import Iterator
from typing import Any

from alchemy.synth.facts import QUESTION_WORDS, Fact

_ID_VALUE = re.compile(r"^(?:[\w.]+[-_/:.][\w./:-]+|\d[\d.,:]*\s?\w{0,3}|[A-Z][A-Za-z0-9]+[A-Z0-9]\w*)$")


def _h(*parts: str) -> int:
    return int(hashlib.sha1("\0".join(parts).encode()).hexdigest()[:12], 16)


def _echo(f: Fact) -> str | None:
    """The statement turned into a question: the value replaced by "which <aspect>"/"what"."""
    s = f.statement.rstrip(".!")
    at = s.find(f.value)
    if at < 0 or len(s.split()) > 30 or len(s[:at].split()) < 2 \
            or not re.match(r"[\s.,;:)]|$", s[at + len(f.value):at + len(f.value) + 1]):
        return None
    if f.aspect and f"{f.aspect} {f.value}" in s.lower():
        i = s.lower().index(f"{f.aspect} {f.value}".lower())
        q = s[:i] + f"which {f.aspect}" + s[i + len(f.aspect) + 1 + len(f.value):]
    else:
        q = s.replace(f.value, "what", 1)
    q = q.strip()
    return q[0].upper() + q[1:] + "?" if len(q.split()) >= 3 else None


_DETERMINER = frozenset("the a an its their our his her this that each every default on at of "
                        "with per in to by from".split())


def _noun_phrase(f: Fact) -> bool:
    """Whether a prose fact's aspect reads as a noun naming its value ("listens on port 8443",
    "the pool size 120"): a determiner or preposition stands right before it. Without one the
    words before a value are as often a verb or an adverb ("usually within 7 days", "we run
    1.22"), and "What is the usually within of ..." teaches nothing."""
    m = re.search(rf"(\w+)\s+{re.escape(f.aspect)}\s+{re.escape(f.value)}", f.statement,
                  flags=re.I)
    return bool(f.aspect) and m is not None and m.group(1).lower() in _DETERMINER


def questions(f: Fact, n: int) -> list[str]:
    """Up to ``n`` different questions about fact ``f``, in a stable per-fact order."""
    forms: list[str] = []
    # a column or key named by a question word ("Where", "When") is no noun to ask for:
    # "What is the where of ...?" teaches nothing
    trusted = (f.kind != "prose" or _noun_phrase(f)) and f.aspect not in QUESTION_WORDS
    if f.aspect and trusted:
        forms += [f"What is the {f.aspect} of {f.entity}?",
                  f"For {f.entity}, what is the {f.aspect}?",
                  f"Which {f.aspect} does {f.entity} have?",
                  f"Tell me the {f.aspect} of {f.entity}."]
    if f.kind == "prose" and (echo := _echo(f)) is not None:  # table/kv: "X - Key: what?"
        forms.append(echo)
    if not forms:
        forms.append(f"What do our documents say about {f.entity} and {f.value}?")
    forms = list(dict.fromkeys(forms))
    random.Random(_h(f.statement)).shuffle(forms)
    if _ID_VALUE.match(f.value) and f.aspect and trusted and f.entity.lower() not in f.value.lower():
        forms.insert(1, f"What has the {f.aspect} {f.value}?")  # the reverse direction
    return forms[:n]


def fact_pairs(facts: list[Fact], per_fact: int) -> Iterator[tuple[Fact, str, bool]]:
    """(fact, question, held_out) for every question; the last form of each fact is held out."""
    for f in facts:
        qs = questions(f, per_fact + 1)
        held = qs[-1] if len(qs) > 1 else None
        for q in qs:
            yield f, q, q == held


def grounded(question: str, answer: str, source_id: str, index: Any, k: int,
             max_context_tokens: int, no_oracle: bool,
             evidence_sentences: int = 0) -> tuple[str, str] | None:
    """A RAFT pair: (user message with passages, answer), or None without a usable oracle.

    The passages are rendered as at answer time (cut to ``evidence_sentences`` sentences,
    then trimmed); a pair whose rendered context lost the answer is not written, since it
    would teach the adapter to answer what it was not shown.
    """
    from alchemy.eval.scoring import holds
    from alchemy.retrieval.prompt import NOT_FOUND, compose

    hits = [h.passage for h in index.search(question, 3 * k)]
    value_in = [p for p in hits if holds(p.text, answer, question)]
    oracle = next((p for p in value_in if p.source_id == source_id), None)
    if oracle is None:
        oracle = next((p for p in index.passages if p.source_id == source_id
                       and holds(p.text, answer, question)), None)
    if oracle is None:
        return None
    distractors = [p for p in hits if p not in value_in and p.id != oracle.id]
    rng = random.Random(_h(question, answer))
    pool = index.passages
    for _ in range(4 * k):  # too few near misses: fill up with random passages
        if len(distractors) >= k or not pool:
            break
        p = pool[rng.randrange(len(pool))]
        if p not in distractors and p.id != oracle.id and not holds(p.text, answer, question):
            distractors.append(p)
    if no_oracle:
        if len(distractors) < k:
            return None
        return compose(index, question, distractors[:k], evidence_sentences,
                       max_context_tokens), NOT_FOUND
    chosen = distractors[: k - 1] + [oracle]
    rng.shuffle(chosen)
    message = compose(index, question, chosen, evidence_sentences, max_context_tokens)
    return (message, answer) if holds(message, answer, question) else None


def augmentation(statements: list[dict[str, str]], repeats: int, seed: int = 0,
                 per_text: int = 12) -> list[str]:
    """Knowledge text for CPT: each entity's facts as short passages, shuffled anew each repeat.

    The same fact appears ``repeats`` times, each time beside other facts of its entity and in
    another order (Physics of LMs 3.1: varied order and context is what makes it extractable).
    """
    by_entity: dict[str, list[str]] = {}
    for f in statements:
        by_entity.setdefault(f["entity"], []).append(f["statement"])
    rng = random.Random(seed)
    texts = []
    for r in range(repeats):
        for entity in sorted(by_entity):
            facts = list(by_entity[entity])
            rng.shuffle(facts)
            for i in range(0, len(facts), per_text):
                lead = ("About {e}:", "{e}, in short:", "What we know about {e}:")[r % 3]
                texts.append(lead.format(e=entity) + " " + " ".join(facts[i:i + per_text]))
    rng.shuffle(texts)
    return texts
