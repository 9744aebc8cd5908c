"""Person names: from structured data (run-wide), and optionally from an offline NER model.

Sources put the people a record names (authors, assignees, reporters, mentions, DOCX/PDF
metadata) in ``meta``. The engine collects those names from *all* records before phase 1, so a
person named in one record's metadata is also masked where another record's free text names
them. Where a match really names the person is decided in name_rules.py; every spelling of a
person maps to one identity in name_index.py.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Iterator
from functools import lru_cache
from typing import Any

from alchemy.sanitize.name_index import ALIAS, WORD_ZIPF, identity, index_for, zipf
from alchemy.sanitize.name_rules import find_names as _find

log = logging.getLogger("alchemy")

PERSON_KEYS = ("author", "assignee", "reporter", "creator", "last_modified_by", "committer", "merged_by")


def people_of(meta: dict[str, Any]) -> list[str]:
    """The person names one record's metadata gives, and ``handle\x1fFull Name`` for each handle
    that ``meta["aliases"]`` ties to a person (a login, an e-mail local part)."""
    names = [p for p in meta.get("people", []) or [] if isinstance(p, str)]
    names += [meta[k] for k in PERSON_KEYS if isinstance(meta.get(k), str)]
    out = [n.strip() for n in names if is_person(n)]
    aliases = meta.get("aliases")
    if isinstance(aliases, dict):
        out += [f"{h.strip()}{ALIAS}{n.strip()}" for h, n in aliases.items()
                if isinstance(h, str) and isinstance(n, str) and is_person(h) and is_person(n)]
    return out


_NOREPLY = re.compile(r"(?:\d+\+)?([A-Za-z0-9](?:[A-Za-z0-9-]{0,38}))@users\.noreply\.github\.com", re.I)


def handle_aliases(pairs: Iterable[tuple[Any, Any]]) -> dict[str, str]:
    """{handle: name} from (name, e-mail) pairs: the GitHub login of a noreply address, or a local
    part that is no plain word ("kmatsuda@acme.io"; not "info@", "me@"), for ``meta["aliases"]``."""
    out: dict[str, str] = {}
    for name, email in pairs:
        if not (isinstance(name, str) and isinstance(email, str) and is_person(name)):
            continue
        m = _NOREPLY.fullmatch(email.strip())
        local = m.group(1) if m else email.strip().partition("@")[0]
        if m or (len(local) >= 3 and not zipf(local) >= WORD_ZIPF and identity(local) != identity(name)):
            out.setdefault(local, name.strip())
    return out


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


def find_names(text: str, names: tuple[str, ...], strict: bool = False) -> Iterator[tuple[int, int, str]]:
    """(start, end, identity) of every known person the text names (see name_rules)."""
    return _find(text, index_for(names), strict)


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
