"""Markdown files: setext headings as ATX headings, and the document's title.

A changelog written with setext headings (``2.27.0 (2022-01-03)`` over ``-----``) has no
``#`` line, so chunking saw one section; here each setext heading becomes ``#``/``##`` so
the chunker follows them. Fenced code is left alone, and a ``---`` under a line that does not
stand alone (a paragraph's last line, a list item, a table row) stays what it is.
"""

from __future__ import annotations

import re

_UNDERLINE = re.compile(r" {0,3}(=+|-+)[ \t]*")
_FENCE = re.compile(r" {0,3}(`{3,}|~{3,})")
_NOT_HEADING = re.compile(r" {4,}|\t| {0,3}(?:[#>|*+-]|\d+[.)])(?:\s|$)|\s*$")
_FRONT = re.compile(r"---\n(?:.*\n)*?title:\s*(.+?)\s*\n(?:.*\n)*?---\n")
_ATX = re.compile(r"^#{1,6}\s+(.+?)\s*#*\s*$", re.M)


def setext_to_atx(text: str) -> str:
    """``Title\\n=====`` -> ``# Title``, ``Title\\n-----`` -> ``## Title``, outside fences."""
    lines = text.split("\n")
    out: list[str] = []
    fence = ""
    i = 0
    start = _front_end(lines) + 1 if _FRONT.match(text) else 0  # front matter's "---" is no underline
    while i < len(lines):
        line = lines[i]
        m = _FENCE.match(line)
        if fence:
            fence = "" if m and m.group(1).startswith(fence) else fence
        elif m:
            fence = m.group(1)[:3]
        elif (
            i >= start
            and i + 1 < len(lines)
            and _UNDERLINE.fullmatch(lines[i + 1])
            and not _NOT_HEADING.match(line)
            and (i == start or not lines[i - 1].strip() or lines[i - 1].startswith("#"))
        ):
            level = "#" if lines[i + 1].strip()[0] == "=" else "##"
            out.append(f"{level} {line.strip()}")
            i += 2
            continue
        out.append(line)
        i += 1
    return "\n".join(out)


def _front_end(lines: list[str]) -> int:
    """Index of the line closing the front matter."""
    return next((k for k in range(1, len(lines)) if lines[k].strip() == "---"), 0)


def markdown_title(text: str) -> str:
    """The front matter's title, else the first heading (after setext_to_atx)."""
    m = _FRONT.match(text) or _ATX.search(text)
    return m.group(1).strip("\"'") if m else ""
