"""Grade a reply against a reference answer: correct, incorrect or not attempted.

The key terms of a reference are what a right answer cannot do without: numbers, identifiers
(``ledger-service``, ``node.js``, ``webhook_deliveries``) and names or product words (any
capital letter: ``FastAPI``, ``gRPC``, ``PostgreSQL``), taken outside parentheses (a
parenthesis adds detail, not the fact) and minus the words of the question itself. A reply is
*correct* when it holds the first key term (the headline of the answer) and at least half of
them, compared after lower-casing and stripping accents. A reply that sprays numbers the
reference does not hold (three or more, when the answer is a number) is not given credit
for the one it happened to include. A reply that declines ("not in the sources", "I don't
know") is *not attempted*; anything else is *incorrect*, a hallucination when attempted.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

CORRECT, INCORRECT, NOT_ATTEMPTED = "correct", "incorrect", "not_attempted"
_STOP = set("""a an the and or of for to in on at by with from as is are was were be been it its
this that these those which who whom what when where why how via per into over under than then
there their they them he she his her we our you your i me my not no yes also only each all any
both more most other some such do does did done has have had can could should would will may
might must shall about after before between through during using used use uses within every
once always never""".split())
_TERM = re.compile(r"[^\W_]+(?:[.\-_/:][^\W_]+)*_?")
_NUM = re.compile(r"\d+(?:[.,:]\d+)*")
_ABSTAIN = re.compile(
    r"\b(i\s+(do\s+not|don't|dont)\s+know|not\s+sure|no\s+information|"
    r"not\s+(in|mentioned\s+in|found\s+in|given\s+in|stated\s+in|covered\s+by)\s+the\s+"
    r"(sources?|context|documents?|passages?|provided)|"
    r"(cannot|can't|can\s+not|unable\s+to)\s+(find|answer|determine|tell|say)|"
    r"(do|does)\s+not\s+(mention|say|contain|specify|state|provide|hold))\b", re.I)


def normalise(text: str) -> str:
    """Lower case without accents (NFKD), so "Fernández" matches "Fernandez"."""
    text = unicodedata.normalize("NFKD", text)
    return "".join(c for c in text if not unicodedata.combining(c)).lower()


def _outside_parentheses(text: str) -> str:
    prev = None
    while prev != text:  # nested parentheses, innermost first
        prev, text = text, re.sub(r"\([^()]*\)", " ", text)
    return text


def key_terms(reference: str, question: str = "") -> list[str]:
    """The normalised terms a right answer must hold, in the reference's order."""
    asked = {normalise(t) for t in _TERM.findall(question)}
    terms: list[str] = []
    words = _TERM.findall(_outside_parentheses(reference))
    for word in words:
        key = any(c.isdigit() for c in word) or any(c.isupper() for c in word) \
            or re.search(r"\w[.\-_/]\w", word)
        low = normalise(word)
        if key and low not in _STOP and low not in asked and low not in terms:
            terms.append(low)
    if not terms:  # a plain-words answer: its content words
        terms = [w for w in dict.fromkeys(normalise(w) for w in words)
                 if len(w) > 2 and w not in _STOP and w not in asked]
    return terms


def _has(reply: str, term: str) -> bool:
    if term.endswith("_"):  # a prefix such as LP_ matches LP_DB_URL
        return re.search(rf"(?<![\w.\-]){re.escape(term)}", reply) is not None
    return re.search(rf"(?<![\w.\-]){re.escape(term)}(?![\w\-]|\.\w)", reply) is not None


@dataclass(frozen=True)
class Grade:
    verdict: str
    matched: tuple[str, ...]
    terms: tuple[str, ...]


def holds(text: str, reference: str, question: str = "") -> bool:
    """Whether ``text`` (retrieved passages) holds the answer: the key-term rule, no spray guard."""
    terms = key_terms(reference, question)
    norm = normalise(text or "")
    matched = [t for t in terms if _has(norm, t)]
    return bool(terms) and terms[0] in matched and 2 * len(matched) >= len(terms)


def grade(reply: str, reference: str, question: str = "") -> Grade:
    """The verdict for one reply (see the module docstring for the rule)."""
    terms = key_terms(reference, question)
    norm = normalise(reply or "")
    matched = tuple(t for t in terms if _has(norm, t))
    ok = bool(terms) and terms[0] in matched and 2 * len(matched) >= len(terms)
    if ok and any(_NUM.fullmatch(t) for t in terms):
        allowed = {t for t in terms if _NUM.fullmatch(t)} | set(_NUM.findall(normalise(question)))
        allowed |= set(_NUM.findall(normalise(reference)))
        stray = set(_NUM.findall(norm)) - allowed
        ok = len(stray) < 3
    if ok:
        return Grade(CORRECT, matched, tuple(terms))
    if declines(norm):
        return Grade(NOT_ATTEMPTED, matched, tuple(terms))
    return Grade(INCORRECT, matched, tuple(terms))


def declines(reply: str) -> bool:
    """Whether a reply says it does not know (or that its sources do not say)."""
    norm = normalise(reply or "")
    return not norm.strip() or _ABSTAIN.search(norm) is not None


def summarise(verdicts: list[str]) -> dict[str, float | int]:
    """Accuracy over all questions and hallucination rate among the attempted ones."""
    n = len(verdicts)
    right = verdicts.count(CORRECT)
    wrong = verdicts.count(INCORRECT)
    attempted = right + wrong
    return {"questions": n, "correct": right, "incorrect": wrong,
            "not_attempted": n - attempted,
            "accuracy": round(right / n, 4) if n else 0.0,
            "hallucination_rate": round(wrong / attempted, 4) if attempted else 0.0}
