"""Text functions shared by every engine: normalise, truncate, exact-duplicate keys.

They are pure functions of one string, so the Python engine and Spark run exactly the same
code and give the same output.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

_ZERO_WIDTH = re.compile(r"[\u200b\u200c\u200d\u2060\ufeff\u00ad]")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_TRAILING = re.compile(r"[ \t]+\n")
_BLANKS = re.compile(r"\n{3,}")
_CR_CONTROL = bytes(range(0x09)) + b"\x0b\x0c\r" + bytes(range(0x0e, 0x20)) + b"\x7f"  # \r + _CONTROL


def normalise(text: str) -> str:
    """NFC, no zero-width or control characters, \\n line ends, at most one blank line."""
    if not text.isascii():  # ASCII is already NFC and has no zero-width or no-break spaces
        text = unicodedata.normalize("NFC", text).replace("\u00a0", " ")
        text = _ZERO_WIDTH.sub("", text)
    # each rewrite only where a C-speed test finds something to rewrite: parsed text rarely has any
    raw = text.encode("utf-8", "surrogatepass")  # control characters are single bytes in UTF-8
    if len(raw.translate(None, _CR_CONTROL)) != len(raw):
        text = text.replace("\r\n", "\n").replace("\r", "\n")
        text = _CONTROL.sub("", text)
    if " \n" in text or "\t\n" in text:
        text = _TRAILING.sub("\n", text)
    if "\n\n\n" in text:
        text = _BLANKS.sub("\n\n", text)
    return text.strip()


def truncate(text: str, max_chars: int) -> tuple[str, bool]:
    """Cut an over-long text at the last paragraph break before max_chars."""
    if len(text) <= max_chars:
        return text, False
    cut = text.rfind("\n\n", 0, max_chars)
    return text[: cut if cut > max_chars // 2 else max_chars].rstrip(), True


def canonical(text: str) -> str:
    """The text exact dedup compares: lower case, runs of whitespace as one space."""
    return " ".join(text.lower().split())


def exact_key(text: str) -> tuple[int, int]:
    """128-bit exact-duplicate key of the canonical text as two signed 64-bit ints.

    Signed so that Spark (LongType) and NumPy (int64) hold and group it the same way.
    """
    return canonical_key(canonical(text))


def canonical_key(canon: str) -> tuple[int, int]:
    """``exact_key`` of a text whose canonical form the caller already has (split once)."""
    raw = hashlib.blake2b(canon.encode("utf-8", "surrogatepass"), digest_size=16).digest()
    return int.from_bytes(raw[:8], "little", signed=True), int.from_bytes(raw[8:], "little", signed=True)
