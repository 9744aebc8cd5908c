"""Abstain before generating: the passages never name what the question is about.

A 135M reader given passages answers from them whatever they say, so a question about
``billing-service`` put before passages about ``ledger-service`` gets ledger-service's port
(measured: abstention 0 of 20 on the eval's questions put with another question's passages,
even after RAFT pairs that teach "not in the sources"). Company questions name their subject
with an identifier (``ledger-service``, ``OPS-139``, ``LP_DB_URL``, ``PgBouncer``), and when no
retrieved passage names it at all, nothing the reader could write would come from the sources.
Then the answer is a refusal that says which name was not found, and no model runs.

A name counts as present when it appears with any separator between its parts ("ledger
service", "ledger_service") and in any case. Plain words, all-capital acronyms (often spelt
out in the text: "PR", "pull request") and bare numbers are never required, with one
exception: when not a single content word of the question (the index's tokens, stopwords
left out) is in any passage, the passages are about something else entirely.
"""

from __future__ import annotations

import re

from alchemy.retrieval.passages import Passage
from alchemy.retrieval.text import PART, STOPWORDS, TERM, fold, tokenize


def _is_name(word: str) -> bool:
    """An identifier: parts joined by - _ . / :, letters mixed with digits, or camel case."""
    if word.isdigit() or (word.isupper() and word.isalpha()):
        return False
    letters, digits = any(c.isalpha() for c in word), any(c.isdigit() for c in word)
    joined = len(PART.findall(word)) > 1 and letters
    camel = re.search(r"[a-z][A-Z]", word) is not None
    return joined or (letters and digits) or camel


def names(question: str) -> list[str]:
    """The identifiers ``question`` names, in order, without a possessive "'s"."""
    text = re.sub(r"['’]s\b", "", question)
    return list(dict.fromkeys(w for w in TERM.findall(text) if _is_name(w)))


def _present(name: str, text: str) -> bool:
    parts = [re.escape(p) for p in PART.findall(fold(name))]
    pattern = r"(?<![^\W_])" + r"[\s\-_./:]?".join(parts) + r"(?![^\W_])"
    return re.search(pattern, text) is not None


def _joined(passages: list[Passage] | list[str]) -> str:
    return "\n".join(p.text if isinstance(p, Passage) else p for p in passages)


def missing(question: str, passages: list[Passage] | list[str]) -> list[str]:
    """The names of ``question`` that no passage mentions."""
    text = fold(_joined(passages))
    return [n for n in names(question) if not _present(n, text)]


def unrelated(question: str, passages: list[Passage] | list[str]) -> bool:
    """Whether no content word of ``question`` occurs in any passage (none: nothing to judge)."""
    terms = set(tokenize(question)) - STOPWORDS  # "owns" is stemmed to the stopword "own"
    return bool(terms) and not terms & set(tokenize(_joined(passages)))


def refusal(question: str, passages: list[Passage] | list[str]) -> str | None:
    """The reply when the passages cannot hold the answer, else None (let the model answer)."""
    gone = missing(question, passages)
    if gone:
        return f"The sources do not mention {', '.join(gone)}."
    if unrelated(question, passages):
        return "The sources do not mention anything this question asks about."
    return None
