"""Building blocks of the offline generator: structure, tables, definitions, phrasing.

Everything here reads only the record's own text, so every answer it helps build is copied
from the source. Question wording is picked by a hash of the record id, so the same corpus
always gives the same pairs, and there are templates for the languages sources often use.
"""

from __future__ import annotations

import hashlib
import re

_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*$")
_ROW = re.compile(r"^\s*\|(.+)\|\s*$")
_RULE = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")
_DEFINITION = re.compile(r"(?:^|(?<=[.!?]\s))(`[^`]{2,40}`|[a-z][a-z0-9]*(?:-[a-z0-9]+)+|[A-Z][A-Za-z0-9]+"
                         r"(?:[ -][A-Z][A-Za-z0-9]+){0,2}) (?:is|are) (?:the|a|an|our|\w+'s) "
                         r"[^.\n]{10,240}\.", re.M)

Section = tuple[tuple[str, ...], str]  # (heading path, body without its subsections)

TEMPLATES: dict[str, dict[str, list[str]]] = {
    "English": {
        "overview": ["What is the '{title}' {where} about?", "Give an overview of '{title}'."],
        "section": ["According to '{title}', what should I know about {heading}?",
                    "What does the '{title}' {where} say about {heading}?",
                    "Explain '{heading}' from our {where} '{title}'."],
        "row": ["What are the {columns} of {key}?", "In '{title}', what is listed for {key}?"],
        "cell": ["What is the {column} of {key}?"],
        "definition": ["What is {term}?", "What is {term} at our company?"],
        "page": "page", "document": "document",
    },
    "German": {
        "overview": ["Worum geht es in '{title}'?", "Gib einen Überblick über '{title}'."],
        "section": ["Was sagt '{title}' über {heading}?", "Was steht in '{title}' zu {heading}?"],
        "row": ["Welche Angaben gibt es zu {key} ({columns})?",
                "Was ist in '{title}' zu {key} aufgeführt?"],
        "cell": ["Was ist {column} von {key}?"], "definition": ["Was ist {term}?"],
        "page": "Seite", "document": "Dokument",
    },
    "French": {
        "overview": ["De quoi parle '{title}' ?", "Quel est le sujet de '{title}' ?"],
        "section": ["Que dit '{title}' à propos de {heading} ?",
                    "Qu'indique '{title}' sur {heading} ?"],
        "row": ["Quelles sont les informations sur {key} ({columns}) ?"],
        "cell": ["Quel est {column} de {key} ?"], "definition": ["Qu'est-ce que {term} ?"],
        "page": "page", "document": "document",
    },
    "Spanish": {
        "overview": ["¿De qué trata '{title}'?", "¿Cuál es el tema de '{title}'?"],
        "section": ["¿Qué dice '{title}' sobre {heading}?", "¿Qué indica '{title}' acerca de {heading}?"],
        "row": ["¿Qué datos hay sobre {key} ({columns})?"],
        "cell": ["¿Cuál es {column} de {key}?"], "definition": ["¿Qué es {term}?"],
        "page": "página", "document": "documento",
    },
}


def pick(options: list[str], key: str) -> str:
    """A deterministic choice among phrasings."""
    return options[int(hashlib.sha1(key.encode()).hexdigest(), 16) % len(options)]


def phrase(lang: str, kind: str, seed: str, **values: str) -> str:
    """A question of ``kind`` in ``lang`` (English when there are no templates for it)."""
    table = TEMPLATES.get(lang, TEMPLATES["English"])
    options = table[kind]
    return options if isinstance(options, str) else pick(options, seed).format(**values)


def sections(text: str) -> list[Section]:
    """Every section with its heading path; text before the first heading has path ()."""
    out: list[tuple[tuple[str, ...], list[str]]] = [((), [])]
    stack: list[tuple[int, str]] = []
    in_code = False
    for line in text.splitlines():
        if line.lstrip().startswith("```"):
            in_code = not in_code
        m = None if in_code else _HEADING.match(line)
        if m:
            level = len(m.group(1))
            stack = [s for s in stack if s[0] < level] + [(level, m.group(2).strip())]
            out.append((tuple(s[1] for s in stack), []))
        else:
            out[-1][1].append(line)
    return [(p, "\n".join(b).strip()) for p, b in out]


def subtree(secs: list[Section], name: str) -> str:
    """A section by (case-insensitive) heading, with its subsections' headings and bodies."""
    parts: list[str] = []
    depth = None
    for path, body in secs:
        if depth is None and path and path[-1].lower() == name:
            depth = len(path)
            parts.append(body)
        elif depth is not None:
            if len(path) <= depth:
                break
            parts.append(f"{path[-1]}:\n{body}" if body else f"{path[-1]}:")
    return "\n\n".join(p for p in parts if p.strip()).strip()


def tables(text: str) -> list[tuple[list[str], list[list[str]]]]:
    """Markdown tables as (header cells, rows of cells)."""
    found, lines = [], text.splitlines()
    i = 0
    while i + 1 < len(lines):
        if _ROW.match(lines[i]) and _RULE.match(lines[i + 1]):
            header = [c.strip() for c in _ROW.match(lines[i]).group(1).split("|")]
            rows, j = [], i + 2
            while j < len(lines) and _ROW.match(lines[j]):
                cells = [c.strip() for c in _ROW.match(lines[j]).group(1).split("|")]
                if len(cells) == len(header):
                    rows.append(cells)
                j += 1
            found.append((header, rows))
            i = j
        else:
            i += 1
    return found


def definitions(text: str) -> list[tuple[str, str]]:
    """(term, sentence) for prose sentences of the form '`term` is a ...' outside code."""
    prose = re.sub(r"```.*?```", "", text, flags=re.S)
    prose = "\n".join(ln for ln in prose.splitlines() if not ln.lstrip().startswith(("|", "#")))
    seen, out = set(), []
    for m in _DEFINITION.finditer(prose):
        term = m.group(1).strip("`")
        if term.lower() not in seen and term.lower() not in ("it", "this", "there", "the"):
            seen.add(term.lower())
            out.append((term, m.group(0).strip()))
    return out


def plain(cell: str) -> str:
    """A table cell without Markdown emphasis or code marks."""
    return re.sub(r"(\*\*|\*|`)([^*`]+)\1", r"\2", cell).strip()


def clip(text: str, limit: int) -> str:
    """Cut at the last sentence or line end before ``limit`` characters."""
    text = text.strip()
    if len(text) <= limit:
        return text
    head = text[:limit]
    if head.count("```") % 2:  # never leave a code fence open
        head = head[: head.rfind("```")]
    cut = max(head.rfind(". "), head.rfind(".\n"), head.rfind("\n"))
    return (head[: cut + 1] if cut > limit // 3 else head).strip()
