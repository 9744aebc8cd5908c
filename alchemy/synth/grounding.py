"""Is an answer grounded in its chunk, and are masked values still masked?

Grounding is lexical on purpose (fast, deterministic, no model): most of the answer's content
words must occur in the chunk, and every number in it must too. Masking is checked both
ways: a placeholder (``<EMAIL_1>``, or ``<EMAIL>`` in redact mode) in a pair must exist in the
chunk, must not be rewritten (``EMAIL_1``, ``[EMAIL_1]``), and the pair must not contain an
e-mail, phone number, IP, URL with credentials or key-looking token that the chunk does not,
which is what a model filling in a placeholder produces.
"""

from __future__ import annotations

import re

from alchemy.synth.prompts import STOPWORDS

_WORD = re.compile(r"[^\W_]+")
_NUMBER = re.compile(r"\d{2,}")
_HEX = re.compile(r"\b[0-9a-f]{7,64}\b")
_THOUSANDS = re.compile(r"(?<=\d)[,_\u202f\u00a0](?=\d{3}\b)")
PLACEHOLDER = re.compile(r"<([A-Z][A-Z0-9]*(?:_[A-Z][A-Z0-9]*)*)(?:_(\d+))?>")
_VALUES = {  # what an invented replacement for a masked value looks like
    "email": re.compile(r"\b[\w.%+-]+@[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,}\b"),
    "phone": re.compile(r"(?<![\w+])\+\d{1,3}(?:[ .-]?\(?\d{1,4}\)?){2,5}\d(?![\w-])"
                       r"|(?<![\w.-])\(?\d{3}\)?[ .-]\d{3}[ .-]\d{4}(?![\w-])"),
    "ip": re.compile(r"(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?![\w.])"),
    "url_credentials": re.compile(r"\b[a-z][a-z0-9+.-]*://[^\s:/@]+:[^\s@/]+@"),
    "key": re.compile(r"\b(?:AKIA[A-Z0-9]{16}|gh[pousr]_[A-Za-z0-9]{20,}|xox[abposr]-[\w-]{10,}"
                      r"|sk-[\w-]{16,}|sk_(?:live|test)_\w{12,}|eyJ[\w-]{8,}\.[\w-]{8,}\.[\w-]{8,})"),
}
_EXTRA_STOP = set("""what which who does about also into than then there their they them these those
when where while will would should could can has have had its our your you were been being such
only other some any each more most very just like used use uses how why yes""".split())
_STOP = set().union(*STOPWORDS.values()) | _EXTRA_STOP


def content_words(text: str) -> list[str]:
    """Lower-cased words that carry meaning: no function words, nothing shorter than 3."""
    return [w for w in (m.lower() for m in _WORD.findall(text))
            if (len(w) >= 3 or any(c.isdigit() for c in w)) and w not in _STOP]


def _known(word: str, vocab: set[str], stems: set[str]) -> bool:
    return word in vocab or (len(word) >= 6 and word[:6] in stems) or word.rstrip("s") in vocab


def overlap(answer: str, document: str) -> float:
    """Share of the answer's content words found in the document (1.0 for a bare value)."""
    words = content_words(answer)
    if len(words) < 3:
        return 1.0
    vocab = {w.lower() for w in _WORD.findall(document)}
    stems = {w[:6] for w in vocab if len(w) >= 6}
    return sum(_known(w, vocab, stems) for w in words) / len(words)


def placeholder_problem(text: str, document: str) -> str | None:
    """A placeholder that the chunk lacks, one rewritten, or a value invented in its place."""
    known = {m.group(0) for m in PLACEHOLDER.finditer(document)}
    for m in PLACEHOLDER.finditer(text):
        if m.group(0) not in known:
            return "placeholder_invented"
    kinds = {m.group(1) for m in PLACEHOLDER.finditer(document)}
    if kinds:
        bare = re.compile(r"(?<!<)\b(?:" + "|".join(map(re.escape, sorted(kinds))) + r")_\d+\b(?!>)")
        if bare.search(text):
            return "placeholder_altered"
    for kind, pattern in _VALUES.items():
        for m in pattern.finditer(text):
            digits = sum(c.isdigit() for c in m.group(0))
            if kind == "phone" and not 9 <= digits <= 15:
                continue
            if m.group(0) not in document:
                return "invented_value"
    return None


def grounding_problem(question: str, answer: str, document: str, min_overlap: float) -> str | None:
    """Why a pair is not grounded in ``document``, or None."""
    problem = placeholder_problem(question, document) or placeholder_problem(answer, document)
    if problem:
        return problem
    plain = _THOUSANDS.sub("", document)
    digits = set(_NUMBER.findall(plain))
    said = _HEX.sub(lambda m: "" if m.group(0) in document else m.group(0), answer)  # shas
    if any(n not in digits and not (len(n) >= 5 and n in plain)
           for n in _NUMBER.findall(_THOUSANDS.sub("", said))):
        return "ungrounded_number"
    if overlap(answer, document) < min_overlap:
        return "ungrounded"
    return None
