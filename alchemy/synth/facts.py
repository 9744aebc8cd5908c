"""Atomic facts from a cleaned record, each a sentence that names what it is about.

Knowledge sticks when each fact is seen many times, in different words, with its entity
named (Physics of LMs 3.1; Knowledge-Instruct): "It listens on 8443" teaches nothing once it
is cut from its page. The rules read structure any company's text has:

- table rows: one fact per cell, "The <column> of <row key> is <cell>.";
- ``Key: value`` lines and list items: "The <key> of <entity> is <value>.";
- prose sentences that hold a *value* (a number, an identifier such as ``ledger-service`` or
  ``LP_DB_URL``, a product name such as ``PostgreSQL``): a leading pronoun ("It", "This
  service") is replaced by the entity, and a sentence that does not name its entity is
  prefixed with it ("ledger-service: ...").

The entity is the section heading's identifier, else the record title's, else the heading or
title itself. Each fact keeps its value and an *aspect* (the noun the value answers for, such
as "port" or "pool size"), from which :mod:`alchemy.synth.knowledge` writes its questions.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from alchemy.synth.offline_rules import plain, sections, tables

_SENT = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9`\"'(<])")
_IDENT = re.compile(r"`?\b(?:[A-Za-z][A-Za-z0-9]*(?:[-_.][A-Za-z0-9]+)+|[A-Z]{2,}[a-z]*[A-Z]\w*"
                    r"|[A-Z][a-z]+[A-Z]\w*)\b`?")
_NUMBER = re.compile(r"(?<![\w.\-/#])\d+(?:[.,:]\d+)*(?:\s?%|\s?(?:ms|s|GB|MB|TB|h)\b)?(?![\w\-]|\.\w)")
_SUBJECT = re.compile(r"`?\b(?:[a-z][a-z0-9]*(?:[-_][a-z0-9]+)+|[A-Z][A-Z0-9]+-\d+)\b`?")
_CAP = re.compile(r"(?<=\s)(?:[A-Z][\w.+#-]*)(?:\s+[A-Z][\w.+#-]*)*")
_KV = re.compile(r"^\s*(?:[-*]\s+)?\**([A-Z][\w /'-]{1,40}?)\**\s*:\s+\**(.{2,200}?)\**\s*$")
_PLACEHOLDER = re.compile(r"(?:<[A-Z][A-Z0-9_]*>[,; ]*)+")
_NOT_PROSE = ("|", "+", "@@", "diff --git", "index ", "--- ", "$ ", ">>>")
_PRONOUN = re.compile(r"^(It|This|These|They|The service|This service|The system|The team)\b"
                      r"(?!\s+(?:is\s+)?(?:a|an|the)\s+\w+\s+(?:of|for)\b)", re.I)
_META = re.compile(r"^(Path|Labels|Type|Status|State|Branches|Author|Date|Version|Links|Resolution|"
                   r"Fix versions|Components|Deciders|Created|Updated|Priority|Reporter|Assignee)$",
                   re.I)
_STOP = set("""a an the and or of for to in on at by with from as is are was were be been it its
this that these those which who what when where how via per into over under than then there
their they them we our you your not no do does did has have had can could should would will
may might must all any each every both also only if so such""".split())
RULES = 2  # bump when the rules write other facts or pairs: synth reruns (2: no metadata glue)
QUESTION_WORDS = frozenset("what when where which who whom whose why how".split())


@dataclass(frozen=True)
class Fact:
    entity: str  # what the fact is about; named in the statement
    aspect: str  # the noun the value answers for ("port", "owner"); "" when none is found
    value: str  # the key value the questions ask for
    statement: str  # one self-contained sentence
    source_id: str
    section: str
    kind: str = "prose"  # table | kv | prose: how far the aspect can be trusted as a noun


def entity_of(text: str) -> str | None:
    """The first identifier-like name in ``text`` (``ledger-service``, ``PAY-227``, ``PgBouncer``)."""
    m = _IDENT.search(_PLACEHOLDER.sub(" ", text))  # a masked person is never the entity
    return m.group(0).strip("`") if m else None


def _clean(text: str) -> str:
    text = re.sub(r"\[([^\]]+)\]\([^)]+\)", r"\1", text)  # links: keep the words
    text = re.sub(r"(\*\*|__)(.+?)\1", r"\2", text)
    text = re.sub(r"^\s*[-*]?\s*\[[ xX]\]\s*", "", text)  # a checklist box
    text = re.sub(r"^\s*<[A-Z][A-Z0-9_]*>\s*(\([^)]*\))?\s*(replied)?:\s*", "", text)  # "<PERSON_1> (date):"
    return re.sub(r"\s+", " ", text).lstrip(" -*>\t").rstrip(" -*\t")  # never a placeholder's ">"


def _values(sentence: str, entity: str) -> list[str]:
    """Values a question can ask for: numbers, identifiers, product names; not the entity."""
    found: list[str] = []
    for rx in (_NUMBER, _IDENT, _CAP):
        for m in rx.finditer(" " + sentence):
            v = m.group(0).strip("` ")
            before = (" " + sentence)[: m.start()].rstrip()
            if rx is _CAP and (not before or before.endswith((":", ".", "!", "?"))):
                continue  # a capital that only starts a sentence names nothing
            low = v.lower()
            if (len(v) < 2 and not v.isdigit()) or low in _STOP or low == entity.lower() \
                    or f"<{v}>" in sentence or any(v in f or f in v for f in found):
                continue
            found.append(v)
    return found[:3]


def aspect_of(sentence: str, value: str) -> str:
    """The one or two words before ``value`` that say what it is ("port", "pool size")."""
    head = sentence[: sentence.find(value)] if value in sentence else ""
    head = re.split(r"[,;:()]", head)[-1]
    tail: list[str] = []
    for word in reversed(re.findall(r"[A-Za-z][A-Za-z_-]*", head)[-3:]):
        # a capitalised word is part of a name ("Amazon DynamoDB", "uses PostgreSQL 15"), not
        # the common noun that says what the value is
        if word.lower() in _STOP or len(tail) == 2 or word != word.lower():
            break
        tail.insert(0, word)
    return " ".join(tail).lower() if tail and len(" ".join(tail)) <= 30 else ""


def _named(sentence: str, entity: str) -> str:
    """The sentence with its entity named: pronoun replaced, or the entity as a prefix."""
    if entity.lower() in sentence.lower():
        return sentence
    if _PRONOUN.match(sentence):
        return _PRONOUN.sub(entity, sentence, count=1)
    return f"{entity}: {sentence}"


def _prose_units(body: str) -> Iterator[str]:
    """Sentences and list items; a ``Key: value`` line is a unit of its own (never glued to the
    title above it: "PR #66: ... Branches: main Labels: python"), a metadata line none."""
    body = re.sub(r"```.*?```", " ", body, flags=re.S)
    for para in re.split(r"\n\s*\n", body):
        lines = [ln for ln in para.splitlines()
                 if not ln.lstrip().startswith(_NOT_PROSE) and " | " not in ln and "~~" not in ln]
        kv = {ln: m.group(1).strip() for ln in lines if (m := _KV.match(ln))}
        yield from (ln for ln, key in kv.items() if not _META.match(key))
        lines = [ln for ln in lines if ln not in kv]
        items = [ln for ln in lines if re.match(r"^\s*(?:[-*]|\d+[.)])\s+", ln)]
        if items:  # a list: every item is its own unit
            yield from (re.sub(r"^\s*(?:[-*]|\d+[.)])\s+", "", ln) for ln in items)
            lines = [ln for ln in lines if ln not in items]
        yield from _SENT.split(" ".join(ln.strip() for ln in lines))


def _cell(key: str, header: str, cell: str, sid: str) -> Fact:
    """A table cell as a fact; a column named by a question word ("Where") is no noun."""
    if header.lower() in QUESTION_WORDS:
        return Fact(key, "", cell, f"{key} - {header}: {cell}.", sid, key, "table")
    return Fact(key, header.lower(), cell, f"The {header.lower()} of {key} is {cell}.", sid, key,
                "table")


def _kv(line: str, entity: str, sid: str, where: str) -> Fact | None:
    m = _KV.match(line)
    if not m or _META.match(m.group(1).strip()) or len(m.group(1).split()) > 3 or " | " in line:
        return None
    key, value = _clean(m.group(1)), _clean(m.group(2))
    if not re.search(r"\w", value) or len(value.split()) > 20 or value.endswith(":") \
            or _SUBJECT.search(key) or key.lower() == entity.lower():
        return None
    return Fact(entity, key.lower(), value, f"{entity} - {key}: {value}.", sid, where, "kv")


def extract(rec: dict[str, Any], max_facts: int = 60) -> list[Fact]:
    """The atomic facts of one record, in text order, at most ``max_facts``."""
    sid, title, meta = rec["id"], rec.get("title", ""), rec.get("meta") or {}
    handle = meta.get("key") or (f"PR #{meta['number']}" if meta.get("number") else None)
    record_entity = str(handle or entity_of(title) or title.strip() or sid)
    facts: list[Fact] = []
    seen: set[str] = set()

    def add(f: Fact | None) -> None:
        if f is None or _PLACEHOLDER.fullmatch(f.entity.strip("<>") and f.entity) \
                or _PLACEHOLDER.fullmatch(f.value):
            return  # a masked person or value is no fact to learn
        if f.statement.lower() not in seen and len(facts) < max_facts:
            seen.add(f.statement.lower())
            facts.append(f)

    for header, rows in tables(rec.get("text", "")):
        for row in rows[:40]:
            key = plain(row[0])
            if not re.search(r"[^\W\d_]", key):
                continue
            for h, c in zip(header[1:], row[1:], strict=False):
                h, c = plain(h), plain(c)
                if h and re.search(r"\w", c):
                    add(_cell(key, h, c, sid))
    for path, body in sections(rec.get("text", "")):
        heading = path[-1] if path else ""
        entity = entity_of(heading) or record_entity
        where = " > ".join(path) or title
        for line in body.splitlines():
            if not line.lstrip().startswith("|"):
                add(_kv(line, entity, sid, where))
        for unit in _prose_units(body):
            sent = _clean(unit)
            n = len(sent.split())
            if n < 5 or n > 40 or _KV.match(unit) or sent.endswith(":"):
                continue
            m = _SUBJECT.search(_PLACEHOLDER.sub(" ", " ".join(sent.split()[:5])))
            subject = entity if entity.lower() in sent.lower() or not m else m.group(0).strip("`")
            named = _named(sent, subject)
            for value in _values(named, subject)[:1]:
                add(Fact(subject, aspect_of(named, value), value, named, sid, where))
    return facts
