"""Where a known spelling really names the person: the context rules for name matches.

- A full name (two words or more) is masked wherever it stands as words.
- A single name part or one-word name is never masked inside a path, a file name, an
  identifier or a call (``.travis.yml``, ``Max(``, ``max_retries``, ``github.com/x``), and:
  - a rare capitalised word ("Reitz") is masked wherever it stands as a word;
  - a common word ("Max", "Can", "Jan", "New") only in person context: after ``Author:``,
    ``by``, ``thanks``, ``cc``, ``@``...; before ``<mail@...>``, ``(@login``, ``'s``,
    ``wrote``; or right next to a rare capitalised word ("Daniel Greenfeld");
  - a lower-case word ("travis", "unknown") only in person context; a handle that is no word
    at all ("daftshady", "tom.okafor") wherever it stands.
- An accepted capitalised match takes in the rare capitalised words next to it, so
  "Matthew Daley" is one person, never "<PERSON> Daley"; the run is a known person when it holds
  two of their name parts, else a person of its own.
- GitHub logins in "Merge pull request #N from login/branch" are people, known or not.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterator

from alchemy.sanitize.name_index import SURNAME_ZIPF, WORD_ZIPF, NameIndex, Spelling, common_word, zipf

_BEFORE = re.compile(
    r"(?:\b(?:author|authors|authored|committer|reporter|assignee|reviewers?|maintainers?|owner"
    r"|contributors?|by|cc|thanks|thank you|thx|kudos|credits?|ping|hi|hello|hey|dear|welcome|co-authored"
    r"|signed-off|assigned to|courtesy of|according to|mr|mrs|ms|dr|prof)(?:[ \t]+to)?\.?)"
    r"[ \t]*[:,]?[ \t]*[*_`'\"(\[]{0,3}$"
    r"|(?<![\w@])@$",  # a mention, not "@@ -1 +1 @@" nor an e-mail
    re.I,
)
_AFTER = re.compile(
    r"[*_`'\"\])]{0,3}(?:[ \t]*<[^<>\s@]*@|[ \t]*\(?`?@[A-Za-z0-9]|\]?\(?<?mailto:"
    r"|[ \t]+(?:wrote|said|says|commented|replied|approved|reviewed)\b|\*\* \(\d{4}-)"
)
_POSSESSIVE = re.compile(r"['’]s\b")
_MERGE = re.compile(r"[Mm]erge pull request #\d+ from ([A-Za-z0-9](?:[A-Za-z0-9-]{0,38}))/")
_UP = re.escape("".join(c for c in map(chr, range(0x41, 0x530)) if c.isupper()))  # Latin, Greek, Cyrillic
_WORDPART = rf"[{_UP}][^\W\d_{_UP}]+"
_NAME = rf"{_WORDPART}(?:[-'’]{_WORDPART})?"  # Reitz, O'Brien, Smith-Jones, Гебру; not ReadTimeout
_RIGHT = re.compile(rf"[ \t]({_NAME})(?![\w/@-]|\.\w)")
_LEFT = re.compile(rf"(?<![\w./@#-])({_NAME})[ \t]$")
_MAILED = re.compile(rf"((?:[ \t]{_NAME}){{1,3}})[ \t]*<[^<>\s@]*@")  # "Justin Barber <j@x.io>"
_MENTION = re.compile(r"(?<![\w@./])@([A-Za-z0-9](?:[A-Za-z0-9-]{0,38}))(?![\w.(-])")
_PROFILE = re.compile(r"(?<![\w.-])(?:github|gitlab|twitter|x|linkedin)\.com/(?:in/)?"
                      r"([A-Za-z0-9](?:[A-Za-z0-9-]{0,38}))(?![\w.-])")
# mid-sentence: "... for Kenneth", "this Kenneth guy"; not after an article or a preposition of
# place, which go with things ("the Ruby side", "in Ruby land")
_LOWER_BEFORE = re.compile(r"(?<![\w'’.-])(?!(?:the|a|an|in|on|at|into|onto|of|over)\b)[a-z]{2,},?"
                           r"[ \t]{1,3}$")
_CALENDAR = frozenset(
    w for w in (*calendar.month_name, *calendar.month_abbr, *calendar.day_name, *calendar.day_abbr) if w
)
_CODE_AFTER = frozenset("(=[{\\/_>-")
_APOSTROPHES = re.compile(r"['’-]")


def _free(text: str, a: int, b: int) -> bool:
    """Stands as a word: not inside a longer word, a path, an identifier, a call or a placeholder."""
    before = text[a - 1] if a else " "
    after = text[b] if b < len(text) else " "
    if before == "-" and (a == 1 or text[a - 2] == "\n"):
        before = " "  # a removed line of a diff: "-Kenneth Reitz"
    if after == "@" and text[max(0, a - 3) : a] == "://":
        return True  # a URL's user name: https://kmatsuda@bitbucket.org/...
    if before.isalnum() or before in "_<-./\\$#=" or after.isalnum() or after in _CODE_AFTER:
        return False
    nxt = text[b + 1 : b + 2]
    return not (after in ".:" and (nxt.isalnum() or nxt == "_"))  # travis.yml, Max.value, a::b


def _context(text: str, a: int, b: int, capital: bool) -> bool:
    """The words around a match say it is a person."""
    line = text.rfind("\n", max(0, a - 60), a) + 1
    if _BEFORE.search(text, max(line, a - 60), a) or _AFTER.match(text, b):
        return True
    return capital and bool(_POSSESSIVE.match(text, b))  # "Kelly's talk"; not "travis's build"


def _rare(word: str) -> bool:
    """Rare enough to be a surname next to a name ("Daley", "Greenfeld"; not "Folders")."""
    w = _APOSTROPHES.sub("", word)
    return not common_word(w) and zipf(w) < SURNAME_ZIPF


def _neighbour(text: str, a: int, b: int) -> bool:
    """A rare capitalised word right next to the match: "Daniel Greenfeld", "Issac Kelly"."""
    m = _RIGHT.match(text, b)
    if m and _rare(m.group(1)):
        return True
    m = _LEFT.search(text, max(0, a - 40), a)
    return bool(m and _rare(m.group(1)))


def _extend(text: str, a: int, b: int) -> tuple[int, int]:
    """Take in up to three rare capitalised words on either side of an accepted name."""
    for _ in range(3):
        m = _RIGHT.match(text, b)
        if not (m and _rare(m.group(1))):
            break
        b = m.end()
    for _ in range(3):
        m = _LEFT.search(text, max(0, a - 40), a)
        if not (m and _rare(m.group(1))):
            break
        a = m.start()
    return a, b


def _who(index: NameIndex, run: str, ident: str) -> str:
    """Whom an extended run names: a known person with two of their parts in it, else itself."""
    words = {w.casefold() for w in run.split()}
    if len(words & index.parts.get(ident, frozenset())) >= 2:
        return ident
    candidates = sorted({o for w in words for o in index.owners.get(w, ())})
    for other in candidates:
        if len(words & index.parts[other]) >= 2:
            return other
    return index.ident(run)


def _mid_sentence(text: str, a: int, b: int) -> bool:
    """A capitalised word after a lower-case one, not starting a Title Case run: a proper noun."""
    word = text[a:b]
    return (
        word not in _CALENDAR
        and bool(_LOWER_BEFORE.search(text, max(0, a - 30), a))
        and not _RIGHT.match(text, b)
        and not text.startswith(("'t", "’t"), b)
    )


def _accept(text: str, a: int, b: int, sp: Spelling) -> bool:
    if sp.full:
        return True
    capital = text[a].isupper()
    if sp.handle:
        return not sp.common or _context(text, a, b, capital)
    if sp.common:
        return (
            _context(text, a, b, capital)
            or bool(_MAILED.match(text, b))
            or _neighbour(text, a, b)
            or _mid_sentence(text, a, b)
        )
    return True


_LISTED = re.compile(rf"(?m)(?<![\w.@/-])({_NAME}(?:[ \t]{_NAME}){{1,3}})(?=[ \t]*(?:<[^<>\s@]*@|\(?`?@\w))")


_LOGIN_AFTER = re.compile(r"[ \t]*(?:<[^<>\s]{1,254}>[ \t]*)?\(?`?@([A-Za-z0-9](?:[A-Za-z0-9-]{0,38}))")


def listed_names(text: str) -> Iterator[tuple[int, int, str]]:
    """Names nobody's metadata gives, in the shape contributor lists write them: two to four
    capitalised words right before ``<mail@...>`` or ``(@login``: AUTHORS files, changelogs.
    The login after the name, and its profile link on that line, are the same person."""
    if "@" not in text:
        return
    for m in _LISTED.finditer(text):
        name = m.group(1)
        yield m.start(1), m.end(1), name
        login = _LOGIN_AFTER.match(text, m.end(1))
        if login:
            yield login.start(1), login.end(1), name
            eol = text.find("\n", login.end())
            for p in _PROFILE.finditer(text, login.end(), eol if eol >= 0 else len(text)):
                if p.group(1) == login.group(1):
                    yield p.start(1), p.end(1), name


def find_names(text: str, index: NameIndex, strict: bool = False) -> Iterator[tuple[int, int, str]]:
    """(start, end, identity) of every person the text names, in order, never overlapping;
    ``strict`` adds the names that contributor lists hold (``listed_names``)."""
    found: list[tuple[int, int, str]] = []
    if strict:
        found += [(a, b, index.ident(name)) for a, b, name in listed_names(text)]
    if "erge pull request" in text:  # any login, unless a plain word no known person goes by
        found += [(m.start(1), m.end(1), index.ident(m.group(1))) for m in _MERGE.finditer(text)
                  if m.group(1) in index.spellings or not zipf(m.group(1)) >= WORD_ZIPF]
    for pattern, trigger in ((_PROFILE, ".com/"), (_MENTION, "@")):  # github.com/<login>, @login, ...
        if trigger in text:
            for m in pattern.finditer(text):
                who = index.login_owner(m.group(1))
                if who is not None:
                    found.append((m.start(1), m.end(1), who))
    taken = {(a, b) for a, b, _ in found}
    last = -1
    for a, b, sp in index.matches(text):
        if a < last or (a, b) in taken or not _free(text, a, b) or not _accept(text, a, b, sp):
            continue
        ident = sp.ident
        if text[a].isupper():
            mailed = _MAILED.match(text, b)
            a2, b2 = _extend(text, a, mailed.end(1) if mailed else b)
            if (a2, b2) != (a, b):
                a, b = a2, b2
                ident = _who(index, text[a:b], ident)
        found.append((a, b, ident))
        last = b
    found.sort(key=lambda f: (f[0], -f[1]))  # by start, the longest first
    end = -1
    for a, b, ident in found:
        if a >= end:
            yield a, b, ident
            end = b
