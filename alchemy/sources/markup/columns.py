"""Multi-column page text (pypdf layout mode) to reading order: one column after another.

Layout mode keeps each printed line as one text line, so a two-column page comes out with the
columns side by side. A column gutter is a character position, in the middle of the page,
where many lines have a gap of spaces with prose on both sides. Lines that print across it
(a title, a full-width paragraph or table) split the page into bands; each band whose both
sides read as prose is emitted left column first, then the right one, each side split again
for three or more columns. Tables stay rows: split at a gutter, a table row still has gaps
between its other cells, and its cells hold few words.
"""

from __future__ import annotations

import re

_MIN_ROWS = 3         # lines with text on both sides of a gutter before it counts
_MIN_WORDS = 3.0      # mean words per line on each side: prose, not table cells
_EDGE = 0.2           # a gutter lies in the middle of the text, not within 20% of an edge
_MAX_DEPTH = 4        # at most five columns
_ENDS = (".", ":", "!", "?", ";")
_CELL_GAP = re.compile(r"\S {4,}\S")  # inside a column of prose, words are never this far apart
_GAPPED = 0.2         # share of lines with such a gap (or across a gutter) that prose may have


def reading_order(lines: list[str], depth: int = 0) -> list[str]:
    """The lines of one page with side-by-side columns read one after another."""
    x = _gutter(lines) if depth <= _MAX_DEPTH else None
    if x is None:
        return lines
    out: list[str] = []
    for band, is_columns in _bands(lines, x, depth):
        if not is_columns:
            out += band
            continue
        left = _trim(reading_order([ln[:x].rstrip() for ln in band], depth + 1))
        right = _trim(reading_order(_dedent([ln[x:].rstrip() for ln in band]), depth + 1))
        lead = next(i for i, ln in enumerate(band) if ln.strip())  # the blank lines above
        tail = next(i for i, ln in enumerate(reversed(band)) if ln.strip())
        # A paragraph often runs on into the next column: a break only after a sentence end.
        gap = [""] if left and left[-1].endswith(_ENDS) else []
        out += [""] * lead + left + gap + right + [""] * tail
    return out


def _gap(line: str, x: int) -> bool:
    """True when `line` has no text at x-1, x and x+1 (a gutter can run through it)."""
    return not line[max(0, x - 1) : x + 2].strip()


def _straddles(line: str, x: int) -> bool:
    return _gap(line, x) and bool(line[:x].strip()) and bool(line[x:].strip())


def _gutter(lines: list[str]) -> int | None:
    """The middle of the widest run of positions that the most lines straddle, or None."""
    rows = [ln for ln in lines if ln.strip()]
    if len(rows) < _MIN_ROWS:
        return None
    start = min(len(ln) - len(ln.lstrip()) for ln in rows)
    end = max(len(ln) for ln in rows)
    lo, hi = start + int((end - start) * _EDGE), end - int((end - start) * _EDGE)
    counts = [(sum(_straddles(ln, x) for ln in rows), x) for x in range(lo, hi)]
    best = max((n for n, _ in counts), default=0)
    if best < _MIN_ROWS:
        return None
    runs: list[list[int]] = []  # runs of adjacent positions that `best` lines straddle
    for n, x in counts:
        if n == best and runs and runs[-1][-1] == x - 1:
            runs[-1].append(x)
        elif n == best:
            runs.append([x])
    widest = max(runs, key=len)
    return widest[len(widest) // 2]


def _bands(lines: list[str], x: int, depth: int) -> list[tuple[list[str], bool]]:
    """Runs of lines between lines printed across x; each flagged True when it is columns."""
    bands: list[tuple[list[str], bool]] = []
    band: list[str] = []
    for line in lines:
        if _gap(line, x):
            band.append(line)
            continue
        if band:
            bands.append((band, _is_columns(band, x, depth)))
        bands.append(([line], False))
        band = []
    if band:
        bands.append((band, _is_columns(band, x, depth)))
    return bands


def _is_columns(band: list[str], x: int, depth: int = 0) -> bool:
    """Enough lines straddle x, and both sides are prose (a few words a line)."""
    if sum(_straddles(ln, x) for ln in band) < _MIN_ROWS:
        return False
    return all(_prose(side, depth) for side in ([ln[:x] for ln in band], [ln[x:] for ln in band]))


def _prose(lines: list[str], depth: int) -> bool:
    """Lines of words, with no cell gaps inside, or themselves columns of such lines.

    A table row split at a gutter still has gaps between its other cells, and table cells
    hold fewer words, so a table does not pass for columns.
    """
    filled = [ln for ln in lines if ln.strip()]
    if sum(len(ln.split()) for ln in filled) < _MIN_WORDS * len(filled):
        return False
    if sum(bool(_CELL_GAP.search(ln.strip())) for ln in filled) <= _GAPPED * len(filled):
        return True
    x = _gutter(lines) if depth < _MAX_DEPTH else None
    if x is None or sum(not _gap(ln, x) for ln in filled) > _GAPPED * len(filled):
        return False
    kept = [ln for ln in lines if _gap(ln, x)]
    return _prose([ln[:x] for ln in kept], depth + 1) and _prose([ln[x:] for ln in kept], depth + 1)


def _dedent(lines: list[str]) -> list[str]:
    """Remove the indent all lines share (the gutter's spaces left of a right column)."""
    indent = min((len(ln) - len(ln.lstrip()) for ln in lines if ln.strip()), default=0)
    return [ln[indent:] for ln in lines]


def _trim(lines: list[str]) -> list[str]:
    """Drop blank lines at both ends."""
    while lines and not lines[0].strip():
        lines = lines[1:]
    while lines and not lines[-1].strip():
        lines = lines[:-1]
    return lines
