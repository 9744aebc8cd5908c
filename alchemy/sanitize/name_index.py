"""The run's index of people: every spelling of every known person, and whom each one names.

A person is known by a full name ("Kenji Matsuda"), a one-word name ("travis", "Kwpolska") or a
handle (a login, an e-mail local part). Every spelling maps to one identity, the case-folded,
NFC, trimmed full name ("☿ Kenneth Reitz" and "Kenneth Reitz" are one person); a handle that
structured data ties to a display name (``login\\x1fFull Name`` entries, see ``names.ALIAS``),
or that is spelt from that name (``kmatsuda``, ``kennethreitz``), maps to the display name's
identity, so one person gets one placeholder whichever form names them.

Whether a single word may be masked on its own is decided here from a real word-frequency
list (``wordfreq``, English): a common word ("Max", "Can", "Jan", "New") is a name only where
the context says so; a rare one ("Reitz") is a name wherever it stands as a word.
"""

from __future__ import annotations

import calendar
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

ALIAS = "\x1f"  # "handle\x1fFull Name": a handle that structured data ties to a person
COMMON_ZIPF = 3.5  # a word at least this frequent (Zipf scale: ~30 per million) is a common word
SURNAME_ZIPF = 3.5  # a capitalised word next to a name is taken in below this ("Daley", not "Folders")
WORD_ZIPF = 2.0  # a lower-case handle at least this frequent is a word ("travis", "unknown")
_EDGE = re.compile(r"^[^\w]+|[^\w.]+$")
_SUFFIX = re.compile(r"(?:[IVX]{1,4}|Jr|Sr|Jnr|Snr|Esq|PhD|MD)\.?")  # generational suffixes, degrees
_ALNUM = re.compile(r"[^0-9a-z]+")
_PLAIN = re.compile(r"[-'’.]")


def canonical(name: str) -> str:
    """NFC, no symbols at either end, single spaces: "☿ Kenneth  Reitz" -> "Kenneth Reitz"."""
    n = unicodedata.normalize("NFC", name)
    return " ".join(_EDGE.sub("", n).split())


def identity(name: str) -> str:
    """What a person's placeholder is keyed on: the canonical name, case-folded."""
    return canonical(name).casefold()


@lru_cache(maxsize=65536)
def zipf(word: str) -> float:
    """English Zipf frequency of a word (0 for unknown words and for anything not a plain word)."""
    if not word.isalpha():
        return 0.0
    from wordfreq import zipf_frequency

    return float(zipf_frequency(word.lower(), "en"))


_CALENDAR = frozenset(
    w.lower()
    for w in (*calendar.month_name, *calendar.month_abbr, *calendar.day_name, *calendar.day_abbr)
    if w
)


def common_word(word: str) -> bool:
    """A common English word, or a month or day name ("Jan", "May", "Wed")."""
    return word.lower() in _CALENDAR or zipf(word) >= COMMON_ZIPF


def _ascii(s: str) -> str:
    return unicodedata.normalize("NFKD", s).encode("ascii", "ignore").decode()


@dataclass(frozen=True)
class Spelling:
    """One matchable spelling: whom it names and how sure a bare match of it is."""

    ident: str  # the person's identity
    full: bool  # a name of two or more words: masked wherever it stands
    handle: bool  # lower-case or not a plain word (a login): "@x", "Author: x", or not a word at all
    common: bool  # a common word: a name only in person context


def _forms(parts: list[str]) -> set[str]:
    """Logins people derive from their name: kmatsuda, kenjim, kenjimatsuda, matsudak, ..."""
    first, last = parts[0], parts[-1]
    return {first + last, first[0] + last, first + last[0], last + first, last + first[0], last[0] + first}


class NameIndex:
    """Every spelling of every known person; built once per run (cached by the names tuple)."""

    def __init__(self, names: tuple[str, ...]) -> None:
        self.alias: dict[str, str] = {}
        fulls: dict[str, str] = {}  # identity -> canonical display form
        handles: list[str] = []
        for entry in names:
            handle, sep, full = entry.partition(ALIAS)
            if sep:
                if canonical(full) and canonical(handle):
                    self.alias[identity(handle)] = identity(full)
                    fulls.setdefault(identity(full), canonical(full))
                    handles.append(canonical(handle))
                continue
            name = canonical(entry)
            if len(name) >= 3:
                fulls.setdefault(identity(name), name)
        derived: dict[str, set[str]] = {}
        for ident, name in fulls.items():
            parts = [_ALNUM.sub("", _ascii(p).lower()) for p in name.split()]
            parts = [p for p in parts if p]
            if len(parts) >= 2:
                for form in _forms(parts):
                    derived.setdefault(form, set()).add(ident)
        # "kmatsuda" spelt from exactly one person's name, and no word: that person's login
        self.derived = {f: next(iter(o)) for f, o in derived.items() if len(o) == 1 and zipf(f) < WORD_ZIPF}
        for ident, name in list(fulls.items()):
            form = _ALNUM.sub("", _ascii(ident))
            if " " not in name and ident not in self.alias and self.derived.get(form, ident) != ident:
                self.alias[ident] = self.derived[form]
        self.spellings: dict[str, Spelling] = {}
        for ident, name in sorted(fulls.items()):
            self._add(name, self.alias.get(ident, ident))
        for h in sorted(handles):
            self._add(h, self.alias[identity(h)])
        self.parts: dict[str, frozenset[str]] = {}  # identity -> its name parts, case-folded
        self.owners: dict[str, set[str]] = {}  # a name part, case-folded -> who has it
        for ident, name in fulls.items():
            if " " in name:
                self.parts[ident] = frozenset(p.casefold() for p in name.split())
                for p in self.parts[ident]:
                    self.owners.setdefault(p, set()).add(ident)
        self._matcher: Any = None

    def _add(self, name: str, ident: str) -> None:
        variants = dict.fromkeys(
            v for form in (name, unicodedata.normalize("NFD", name), _ascii(name)) if (v := form.strip())
        )
        for v in variants:
            words = v.split()
            if len(words) >= 2:
                self.spellings.setdefault(v, Spelling(ident, True, False, False))
                for w in words:
                    plain = _PLAIN.sub("", w).isalpha() and not _SUFFIX.fullmatch(w)
                    if len(w) >= 3 and w[0].isupper() and plain:
                        self._part(w, Spelling(ident, False, False, common_word(w)))
            elif len(v) >= 3:
                handle = not v[0].isupper() or not v.isalpha()
                plain = v.isalpha() and zipf(v) >= (WORD_ZIPF if handle else COMMON_ZIPF)
                self.spellings.setdefault(v, Spelling(ident, False, handle, plain))

    def _part(self, word: str, spelling: Spelling) -> None:
        """A name part; one that several people share ("Daniel") names nobody in particular: it
        gets an identity of its own rather than one of them at random."""
        have = self.spellings.get(word)
        if have is None:
            self.spellings[word] = spelling
        elif not have.full and have.ident != spelling.ident:
            self.spellings[word] = Spelling(identity(word), False, have.handle, have.common)

    def login_owner(self, login: str) -> str | None:
        """The identity a login names: a known spelling, or a login spelt from a known name."""
        if login in self.spellings:
            return self.spellings[login].ident
        return self.derived.get(_ALNUM.sub("", _ascii(login).lower()))

    def ident(self, name: str) -> str:
        """The identity of any spelling of a person (an alias resolves to its display name)."""
        i = identity(name)
        return self.alias.get(i, i)

    def matches(self, text: str) -> list[tuple[int, int, Spelling]]:
        """Every occurrence of a known spelling (overlapping), by start, the longest first."""
        if not self.spellings:
            return []
        if self._matcher is None:
            self._matcher = _build(list(self.spellings))
        kind, m, keys = self._matcher
        found: list[tuple[int, int, str]]
        if kind == "ac":
            found = [(a, b, keys[i]) for i, a, b in m.find_matches_as_indexes(text, overlapping=True)]
        else:
            found = [(x.start(), x.end(), x.group(1)) for x in m.finditer(text)]
        found.sort(key=lambda f: (f[0], -f[1]))
        return [(a, b, self.spellings[k]) for a, b, k in found]


def _build(keys: list[str]) -> tuple[str, Any, list[str]]:
    try:
        import ahocorasick_rs
    except ImportError:  # correct without it, only slower: one regex alternation
        alt = "|".join(re.escape(k) for k in sorted(keys, key=len, reverse=True))
        return "re", re.compile(rf"(?=({alt}))"), keys
    return "ac", ahocorasick_rs.AhoCorasick(keys), keys


_LAST: list[Any] = [None, None]  # the run's names tuple and its index, found by identity: hashing
# a tuple of thousands of names for an lru_cache costs more than a record's scan


def index_for(names: tuple[str, ...]) -> NameIndex:
    """The index of a names tuple (the last one kept by identity, a few more by value)."""
    if _LAST[0] is names:
        return _LAST[1]
    idx = _cached(names)
    _LAST[:] = [names, idx]
    return idx


@lru_cache(maxsize=8)
def _cached(names: tuple[str, ...]) -> NameIndex:
    return NameIndex(names)
