"""Person names: from structured data (run-wide), and optionally from an offline NER model.

Sources put the people a record names (authors, assignees, reporters, mentions, DOCX/PDF
metadata) in ``meta``. The engine collects those names from *all* records before phase 1, so a
person named in one record's metadata is also masked where another record's free text names
them. Every full name matches, and so does each capitalised part of it ("Raman", "Priya").
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Iterable, Iterator
from functools import lru_cache
from typing import Any

log = logging.getLogger("alchemy")

PERSON_KEYS = ("author", "assignee", "reporter", "creator", "last_modified_by", "committer", "merged_by")
_STOP = {
    "The",
    "And",
    "For",
    "Will",
    "May",
    "June",
    "April",
    "August",
    "Bot",
    "Team",
    "Admin",
    "User",
    "Mark",
    "Page",
    "Grant",
    "Bill",
    "Rose",
    "Van",
    "Von",
    "Der",
    "Den",
    "Del",
    "Dos",
    "Das",
    "Mac",
    "Jr",
    "Sr",
    "Ops",
    "Dev",
    "Lead",
    "Service",
    "Support",
    "Noreply",
    "Github",
    "Jira",
    "Confluence",
    "Build",
    "Release",
}


def people_of(meta: dict[str, Any]) -> list[str]:
    """The person names one record's metadata gives."""
    names = [p for p in meta.get("people", []) or [] if isinstance(p, str)]
    names += [meta[k] for k in PERSON_KEYS if isinstance(meta.get(k), str)]
    return [n.strip() for n in names if is_person(n)]


def is_person(name: str) -> bool:
    n = name.strip()
    return (
        len(n) >= 3
        and "[bot]" not in n
        and not n.lower().endswith(("-bot", "_bot", " bot"))
        and not n.startswith("<")
        and "@" not in n
    )


def collect_people(metas: Iterable[dict[str, Any]]) -> list[str]:
    """Run-wide name list, sorted: collect it before phase 1 and hand it to the context."""
    return sorted({n for meta in metas for n in people_of(meta)})


def _ascii(s: str) -> str:
    return unicodedata.normalize("NFKD", s).encode("ascii", "ignore").decode()


@lru_cache(maxsize=8)
def name_matcher(names: tuple[str, ...]) -> tuple[re.Pattern[str] | None, dict[str, str]]:
    """One alternation over every full name, its accent-free spelling and its parts; longest first.

    Returns the pattern and a map from each matchable string to the full name it stands for,
    so "Priya", "Raman" and "Priya Raman" all become the same person's token.
    """
    owner: dict[str, str] = {}
    for full in sorted(names):
        for variant in dict.fromkeys((full, _ascii(full))):
            if len(variant) >= 3:
                owner.setdefault(variant, full)
            if " " in variant:
                for part in re.split(r"[\s._-]+", variant):
                    if len(part) >= 3 and part[0].isupper() and part not in _STOP:
                        owner.setdefault(part, full)
    if not owner:
        return None, owner
    alt = "|".join(re.escape(k) for k in sorted(owner, key=len, reverse=True))
    return re.compile(rf"(?:{alt})(?![\w>-])"), owner


_LAST: list[Any] = [None, None]  # the run's names tuple and its automaton: found by identity,
# since hashing a tuple of thousands of names for the lru_cache costs more than a record's scan


@lru_cache(maxsize=8)
def _automaton(names: tuple[str, ...]) -> Any:
    """Aho-Corasick over every matchable spelling (ahocorasick_rs), with the full name of each;
    None without the package."""
    try:
        import ahocorasick_rs
    except ImportError:
        return None
    _, owner = name_matcher(names)
    if not owner:
        return None
    spellings = list(owner)
    return ahocorasick_rs.AhoCorasick(spellings), [owner[s] for s in spellings]


def _free(text: str, a: int, b: int) -> bool:
    """Not inside a longer word, a placeholder or a hyphenated name."""
    before = text[a - 1] if a else " "
    after = text[b] if b < len(text) else " "
    return not (before.isalnum() or before in "_<-" or after.isalnum() or after in "_>-")


def find_names(text: str, names: tuple[str, ...]) -> Iterator[tuple[int, int, str]]:
    """(start, end, full name) of every known person in the text; longest match wins."""
    auto = _LAST[1] if _LAST[0] is names else _automaton(names)
    _LAST[:] = [names, auto]
    if auto is None:
        pattern, owner = name_matcher(names)
        for m in pattern.finditer(text) if pattern is not None else ():
            if _free(text, m.start(), m.end()):
                yield m.start(), m.end(), owner[m.group()]
        return
    matcher, fulls = auto
    # by start, the longest first: (a, -b) sorts natively, no key function per hit
    found = sorted((a, -b, i) for i, a, b in matcher.find_matches_as_indexes(text, overlapping=True))
    last = -1
    for a, nb, i in found:
        if a >= last and _free(text, a, -nb):
            yield a, -nb, fulls[i]
            last = -nb


@lru_cache(maxsize=2)
def _ner_model(model: str) -> Any:
    import spacy  # optional: only sanitizer.ner=true with an installed spaCy pipeline package

    return spacy.load(model, disable=["parser", "lemmatizer", "tagger", "attribute_ruler"])


def ner_names(text: str, model: str, max_chars: int = 100_000) -> Iterator[tuple[int, int, str]]:
    """PERSON entities from a spaCy pipeline that ships inside an installed package (offline)."""
    nlp = _ner_model(model)
    for offset in range(0, len(text), max_chars):
        doc = nlp(text[offset : offset + max_chars])
        for ent in doc.ents:
            if ent.label_ == "PERSON" and len(ent.text) >= 3 and ent.text[0].isupper():
                yield offset + ent.start_char, offset + ent.end_char, ent.text


def ner_available(model: str) -> bool:
    """True when the NER pipeline loads without any download."""
    try:
        _ner_model(model)
    except Exception as exc:  # ImportError, OSError (model missing): strict mode runs without NER
        log.warning("sanitizer: NER names off, %s cannot be loaded offline (%s)", model, exc)
        return False
    return True
