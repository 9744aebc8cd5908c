"""Layout-mode PDF text to readable text.

pypdf's layout mode keeps a table row on one line, but as columns of spaces and with the page
furniture (running headers, page numbers, line-number gutters) mixed in. This reads text columns
printed side by side one after another (columns.py), turns the column gaps of a table row into
" | " cells, drops the furniture and closes up the blank lines layout mode adds.
"""

from __future__ import annotations

import re
from collections import Counter

from .columns import reading_order

_GAP = re.compile(r"(?<=\S) {4,}(?=\S)")
_SPACES = re.compile(r" {2,}")
_GUTTER = re.compile(r"^\s*(\d{1,3})(?: {2,}|$)")
_PAGE_NO = re.compile(r"^(?:page\s+)?\d{1,4}(?:\s*(?:/|of)\s*\d{1,4})?$", re.I)
_BULLET = re.compile("^[\x7f\u2022\u25aa\u25e6\u25cf\u25a0\u27a2\u25ba\uf0b7\uf0a7\uf076\uf0d8] +")
_EDGE = 3  # lines at the top and bottom of a page where running headers and footers live


def clean_pages(pages: list[str]) -> list[str]:
    """Clean the layout-mode text of each page; repeated headers/footers are removed."""
    split = [_lines(p) for p in pages]
    running = _running(split) if len(split) >= 3 else set()
    out = []
    for lines in split:
        body = [ln for i, ln in enumerate(lines) if not _furniture(i, ln, lines, running)]
        out.append(_join(body))
    return out


def _lines(text: str) -> list[str]:
    lines = [ln.rstrip() for ln in text.replace("\r\n", "\n").split("\n")]
    gutter = _gutter(lines)
    # blanked, not removed: the text keeps its x positions for the column split
    lines = [_GUTTER.sub(_blank, ln, count=1) if i in gutter else ln
             for i, ln in enumerate(lines)]
    out = []
    for ln in reading_order(lines):
        ln = _BULLET.sub("- ", ln.strip())
        if len(_GAP.findall(ln)) >= 2:  # three or more columns: a table row
            ln = " | ".join(_GAP.split(ln))
        out.append(_SPACES.sub(" ", ln))
    return out


def _blank(match: re.Match[str]) -> str:
    return " " * len(match.group(0))


def _gutter(lines: list[str]) -> set[int]:
    """Indexes of lines led by a line-number gutter (1, 2, 3... on most lines of the page)."""
    numbered = [(i, int(m.group(1))) for i, ln in enumerate(lines) if (m := _GUTTER.match(ln))]
    best: list[int] = []
    run: list[int] = []
    for k, (i, value) in enumerate(numbered):
        run = run + [i] if k and value == numbered[k - 1][1] + 1 else [i]
        best = run if len(run) > len(best) else best
    filled = sum(1 for ln in lines if ln.strip())
    return set(best) if len(best) >= 5 and len(best) * 2 >= filled else set()


def _norm(line: str) -> str:
    return re.sub(r"\d+", "#", line.strip().lower())


def _edges(lines: list[str]) -> list[tuple[int, str]]:
    filled = [(i, ln) for i, ln in enumerate(lines) if ln.strip()]
    return filled[:_EDGE] + filled[-_EDGE:]


def _running(pages: list[list[str]]) -> set[str]:
    counts: Counter[str] = Counter()
    for lines in pages:
        counts.update({_norm(ln) for _, ln in _edges(lines)})
    need = max(2, (len(pages) + 1) // 2)
    return {line for line, n in counts.items() if n >= need and line}


def _furniture(i: int, line: str, lines: list[str], running: set[str]) -> bool:
    if not line.strip() or i not in {j for j, _ in _edges(lines)}:
        return False
    return _norm(line) in running or bool(_PAGE_NO.match(line.strip()))


def _join(lines: list[str]) -> str:
    """Blank runs become one blank line; rows of one table are kept together."""
    out: list[str] = []
    for i, ln in enumerate(lines):
        if not ln:
            prev = out[-1] if out else ""
            nxt = next((x for x in lines[i + 1 :] if x), "")
            if not prev or (" | " in prev and " | " in nxt) or not out[-1]:
                continue
        out.append(ln)
    return "\n".join(out).strip()
