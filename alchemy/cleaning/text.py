"""Record functions shared by every engine: normalise, filter, dedup key.

They are pure functions of one record, so the Python engine and (later) Spark run exactly
the same code and give the same output.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

_ZERO_WIDTH = re.compile(r"[\u200b\u200c\u200d\u2060\ufeff\u00ad]")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_TRAILING = re.compile(r"[ \t]+\n")
_BLANKS = re.compile(r"\n{3,}")


def normalise(text: str) -> str:
    """NFC, no zero-width or control characters, \\n line ends, at most one blank line."""
    text = unicodedata.normalize("NFC", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u00a0", " ")
    text = _ZERO_WIDTH.sub("", text)
    text = _CONTROL.sub("", text)
    text = _TRAILING.sub("\n", text)
    text = _BLANKS.sub("\n\n", text)
    return text.strip()


def truncate(text: str, max_chars: int) -> tuple[str, bool]:
    """Cut an over-long text at the last paragraph break before max_chars."""
    if len(text) <= max_chars:
        return text, False
    cut = text.rfind("\n\n", 0, max_chars)
    return text[: cut if cut > max_chars // 2 else max_chars].rstrip(), True


def dedup_key(text: str) -> str:
    """Exact-duplicate key: case- and whitespace-insensitive hash of the text."""
    canon = " ".join(text.lower().split())
    return hashlib.sha1(canon.encode("utf-8")).hexdigest()
