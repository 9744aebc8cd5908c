"""Fold text for detection only: zero-width characters out, look-alike letters to ASCII.

A token split by a zero-width space (``ghp_\u200bAbc…``) or spelt with a Cyrillic ``а`` must
still be caught, but the output must keep every other character as written. So detection runs
on a folded copy, and each span found there is mapped back to the original offsets: the
masked span then also swallows the invisible characters inside the token.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from functools import lru_cache

_INVISIBLE = set("\u200b\u200c\u200d\u200e\u200f\u2060\u2061\u2062\u2063\u2064\ufeff\u00ad\u180e\u034f")

# Cyrillic and Greek letters that render like Latin ones (the usual confusables), and dashes.
_CONFUSABLE = dict(
    zip(
        "аеорсухіјѕԁԛԝһӏАВЕКМНОРСТХІЈЅԜοαντικυχρεΑΒΕΖΗΙΚΜΝΟΡΤΥΧ‐‑‒–—―−",
        "aeopcyxijsdqwhlABEKMHOPCTXIJSWoavtikuxpeABEZHIKMNOPTYX-------",
        strict=True,
    )
)

_NON_ASCII = re.compile(r"[^\x00-\x7f]")


@lru_cache(maxsize=4096)
def _fold_char(ch: str) -> str:
    """'' for invisible characters, an ASCII look-alike where one exists, else the character."""
    if ch in _INVISIBLE:
        return ""
    if ch in _CONFUSABLE:
        return _CONFUSABLE[ch]
    folded = unicodedata.normalize("NFKC", ch)
    if folded != ch and folded.isascii() and len(folded) == 1 and folded.isprintable():
        return folded  # fullwidth ｇｈｐ＿, mathematical alphanumerics
    return ch


class Folded:
    """A folded copy of a text and the map from its offsets back to the original's."""

    __slots__ = ("text", "_norm_at", "_orig_at")

    def __init__(self, text: str) -> None:
        self._norm_at: list[int] = []  # breakpoints: folded offset ...
        self._orig_at: list[int] = []  # ... and the original offset it corresponds to
        if text.isascii():
            self.text = text
            return
        parts: list[str] = []
        pos = shift = 0  # shift = original offset - folded offset, after the last change
        for m in _NON_ASCII.finditer(text):
            ch = m.group()
            rep = _fold_char(ch)
            if rep == ch:
                continue
            i = m.start()
            parts.append(text[pos:i])
            parts.append(rep)
            pos = i + 1
            shift += 1 - len(rep)
            self._norm_at.append(i + 1 - shift)
            self._orig_at.append(i + 1)
        if not parts:
            self.text = text
            return
        parts.append(text[pos:])
        self.text = "".join(parts)

    def orig(self, k: int) -> int:
        """The original offset of folded offset k."""
        if not self._norm_at:
            return k
        j = bisect.bisect_right(self._norm_at, k) - 1
        if j < 0:
            return k
        return k - self._norm_at[j] + self._orig_at[j]

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Original (start, end) of a folded span; invisible characters inside it are included."""
        return self.orig(start), self.orig(end)
