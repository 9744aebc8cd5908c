"""Quality filters: a record is dropped, with a reason, when its text is not worth training on.

All checks read the rendered phase-1 text (masked values shown as ``<TYPE>``), so a record's
verdict never depends on the run's HMAC key or on which worker saw it. Each returns the first
failing reason, in a fixed order, so both engines count drops the same way.
"""

from __future__ import annotations

import re
import string
from typing import Any

_ALNUM = (string.ascii_letters + string.digits).encode()
_SPACE = string.whitespace.encode()
_NON_ASCII = re.compile(r"[^\x00-\x7f]+")

# the most frequent function words of each language: enough to tell prose languages apart
STOPWORDS: dict[str, frozenset[str]] = {
    "en": frozenset("the and of to is in that it for with as was on be are this by not or have from".split()),
    "de": frozenset("der die und das ist nicht mit den von zu ein eine sich auf für im dem des auch".split()),
    "fr": frozenset("le la les et est des une un du que pour dans pas sur au avec ce qui sont".split()),
    "es": frozenset("el la los las y es en que del por una un para con no se su al lo como".split()),
    "it": frozenset("il la di che e è per un una non sono del della con gli le si anche nel".split()),
    "nl": frozenset("de het een en van is dat niet op te zijn voor met die er maar ook als bij".split()),
    "pt": frozenset("o a os as e de do da que em um uma para com não por mais se no na".split()),
    "sv": frozenset("och att det som en är på för av med till den inte har ett om men var".split()),
}


def char_counts(text: str) -> tuple[int, int]:
    """(letters and digits, whitespace) characters of any script; ASCII counted at C speed."""
    raw = text.encode("utf-8", "surrogatepass")
    rest = raw.translate(None, _ALNUM)  # whitespace is counted in what is left: a shorter pass
    alnum = len(raw) - len(rest)
    space = len(rest) - len(rest.translate(None, _SPACE))
    if not text.isascii():
        other = "".join(_NON_ASCII.findall(text))
        alnum += sum(map(str.isalnum, other))
        space += sum(map(str.isspace, other))
    return alnum, space


def repeated_line_ratio(text: str) -> float:
    """Share of lines (4+ characters) that repeat an earlier line of the same text."""
    if text.count("\n") < 3:  # fewer than 4 lines
        return 0.0
    lines = [x for x in map(str.strip, text.split("\n")) if len(x) >= 4]
    if len(lines) < 4:
        return 0.0
    return (len(lines) - len(set(lines))) / len(lines)  # each repeat counts once per extra copy


def language(text: str, max_words: int = 2000) -> str | None:
    """The best-matching language by function words, or None when too few words say (code)."""
    return word_language(text.lower().split(), max_words)


def word_language(words: list[str], max_words: int = 2000) -> str | None:
    """``language`` of a text already lower-cased and split."""
    words = words[:max_words]
    scores = {lang: sum(w in stop for w in words) for lang, stop in STOPWORDS.items()}
    best = max(sorted(scores), key=lambda k: scores[k])
    if scores[best] < 5 or scores[best] < 0.04 * len(words):
        return None
    return best


def quality_reason(text: str, opts: Any, words: list[str] | None = None) -> str | None:
    """Why this text should be dropped (None: keep). ``opts`` is a CleanOptions.

    ``words``: ``text.lower().split()`` when the caller has it, so a record is split once
    (lower-casing never turns a character into whitespace or back: same word count).
    """
    if len(text) < opts.min_chars:
        return "too_short"
    if (len(text.split()) if words is None else len(words)) < opts.min_words:
        return "too_few_words"
    alnum, space = char_counts(text)
    symbols = len(text) - alnum - space
    if symbols > opts.max_symbol_ratio * max(alnum, 1):
        return "symbols"
    if repeated_line_ratio(text) > opts.max_repeated_line_ratio:
        return "repeated_lines"
    if opts.languages:
        lang = language(text) if words is None else word_language(words)
        if lang is not None and lang not in opts.languages:
            return "language"
    return None
