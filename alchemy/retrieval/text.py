"""The one tokenizer of the index and its queries: identifier-aware, accent-blind, no stemmer.

Company text is full of identifiers (``ledger-service``, ``LP_DB_POOL_SIZE``, ``OPS-139``,
``v2.27.0``). A compound is indexed whole *and* by its parts, so "ledger service", "ledger-service"
and "the ledger" all reach it; a trailing plural "s" is dropped so "ports" finds "port".
"""

from __future__ import annotations

import re
import unicodedata

VERSION = 1  # bump when tokens change: an index built with another version is rebuilt
TERM = re.compile(r"[^\W_]+(?:[.\-_/:][^\W_]+)*")
PART = re.compile(r"[^\W_]+")
STOPWORDS = frozenset("""a an the and or of for to in on at by with from as is are was were be
been being it its this that these those which who whom what when where why how via per into
over under than then there their they them he she his her we our you your i me my not no do
does did done has have had can could should would will may might must shall about after before
between through during if so such also only each all any both other some own same too very just
""".split())


def fold(text: str) -> str:
    """Accents off, lower case: how every term is compared."""
    text = unicodedata.normalize("NFKD", text)
    return "".join(c for c in text if not unicodedata.combining(c)).lower()


def _stem(word: str) -> str:
    if len(word) > 3 and word.isalpha() and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def tokenize(text: str) -> list[str]:
    """Index terms of ``text`` in order; compounds give the whole term, then their parts."""
    out: list[str] = []
    for term in TERM.findall(fold(text)):
        parts = PART.findall(term)
        if len(parts) > 1:
            out.append(term)
        out += [_stem(p) for p in parts
                if p not in STOPWORDS and (len(p) > 1 or p.isdigit())]
    return out
