"""Validators that turn a regex candidate into a finding, or reject it as knowledge to keep.

Checksums (Luhn, IBAN mod 97) keep card and IBAN detection precise; the placeholder and
"structured value" checks are the do-not-mask list: git SHAs, UUIDs, versions, digests,
paths, env references and template placeholders carry knowledge and are never secrets.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from functools import lru_cache

# IBAN length per country (ISO 13616 registry); a wrong length fails before the checksum.
IBAN_LENGTHS = dict(
    AD=24,
    AE=23,
    AL=28,
    AT=20,
    AZ=28,
    BA=20,
    BE=16,
    BG=22,
    BH=22,
    BR=29,
    BY=28,
    CH=21,
    CR=22,
    CY=28,
    CZ=24,
    DE=22,
    DK=18,
    DO=28,
    EE=20,
    EG=29,
    ES=24,
    FI=18,
    FO=18,
    FR=27,
    GB=22,
    GE=22,
    GI=23,
    GL=18,
    GR=27,
    GT=28,
    HR=21,
    HU=28,
    IE=22,
    IL=23,
    IQ=23,
    IS=26,
    IT=27,
    JO=30,
    KW=30,
    KZ=20,
    LB=28,
    LC=32,
    LI=21,
    LT=20,
    LU=20,
    LV=21,
    MC=27,
    MD=24,
    ME=22,
    MK=19,
    MR=27,
    MT=31,
    MU=30,
    NL=18,
    NO=15,
    PK=24,
    PL=28,
    PS=29,
    PT=25,
    QA=29,
    RO=24,
    RS=22,
    SA=24,
    SC=31,
    SE=24,
    SI=19,
    SK=24,
    SM=27,
    ST=25,
    SV=28,
    TL=23,
    TN=24,
    TR=26,
    UA=29,
    VA=22,
    VG=24,
    XK=20,
)


def luhn_ok(digits: str) -> bool:
    nums = [ord(c) - 48 for c in digits if "0" <= c <= "9"]
    if not 12 <= len(nums) <= 19:
        return False
    total = 0
    for i, n in enumerate(reversed(nums)):
        if i % 2:
            n = n * 2 - 9 if n > 4 else n * 2
        total += n
    return total % 10 == 0


# Visa, Mastercard, Amex, Diners, Discover, UnionPay, JCB (incl. old 15-digit 2131/1800), Maestro
_CARD_IIN = re.compile(r"4|5[0-9]|2(?:2[2-9]|[3-6]\d|7[01]|720|131)|3[47]|3(?:0[0-5]|[68])|6[0-9]|35|1800")


_NON_DIGIT = re.compile(r"\D")


_GROUPS = re.compile(r"[ -]")


def card_ok(candidate: str) -> bool:
    """IIN, length and Luhn; a separated number is grouped as cards print (4-4-4-4, 4-6-5): an
    8+6 digit "42202648 100644" (a git index line) is no card."""
    groups = _GROUPS.split(candidate)
    if len(groups) > 1 and (len(set(_GROUPS.findall(candidate))) > 1
                            or [len(g) for g in groups[:3]] not in ([4, 4, 4][: len(groups[:3])], [4, 6, 5])):
        return False
    digits = _NON_DIGIT.sub("", candidate)
    if len(digits) < 13 and not digits.startswith(("50", "56", "57", "58", "6")):
        return False  # 12 digits: Maestro only
    return bool(_CARD_IIN.match(digits)) and luhn_ok(digits)


def iban_ok(candidate: str) -> bool:
    s = candidate.replace(" ", "").replace("-", "").upper()
    if IBAN_LENGTHS.get(s[:2]) != len(s) or not s[2:4].isdigit():
        return False
    rearranged = s[4:] + s[:4]
    return int("".join(str(int(c, 36)) for c in rearranged)) % 97 == 1


_CLOG = [0.0] + [c * math.log2(c) for c in range(1, 1025)]  # c*log2(c), looked up not computed


def entropy(s: str) -> float:
    """Shannon entropy in bits per character: log2(n) - sum(c*log2(c))/n over the counts c."""
    n = len(s)
    if not n:
        return 0.0
    counts = Counter(s).values()
    if n < len(_CLOG):
        return math.log2(n) - sum(map(_CLOG.__getitem__, counts)) / n
    return -sum(c / n * math.log2(c / n) for c in counts)


_PLACEHOLDER = re.compile(
    r"""(?ix)
    <[^<>\n]{1,80}> | \$\{\{?[^}\n]{1,80}\}\}? | \$\([^)\n]{1,80}\) | \$[A-Za-z_][A-Za-z0-9_]*
    | %\(?[A-Za-z_]+\)?s? | %[A-Z_]+% | \{\{[^}\n]{0,80}\}\} | \{[A-Za-z_][A-Za-z0-9_.]*\}
    | \[[A-Za-z_ -]{1,40}\] | @[A-Z_]+@ | (?:x|\*|\.|\#|0|-|_|•){3,}
    | (?:change[_-]?me|changeit|pwd|pw|pass|passwd|user|username|login|redacted|removed|hidden|masked
       |secret|password|passw(?:or)?d|token|api[_-]?key
       |example|sample|dummy|fake|test|testing|placeholder|foo|bar|baz|none|null|nil|true|false|yes|no|empty
       |undefined|required|optional|default|todo|tbd|fixme|n/?a|string|value|your[_-].*|my[_-].*|insert[_-].*
       |enter[_-].*|replace[_-].*|xxx.*|.*[_-]here|<redacted>|\*\*\*.*)
    | (?:os\.environ|os\.getenv|getenv|process\.env|env|ENV|System\.getenv|secrets?|vault|config|settings)
      [.(\[].*
    | (?:secretKeyRef|valueFrom|!Ref|!Sub|!GetAtt|ref\+|vault:|arn:aws:secretsmanager
       |projects/[^/]+/secrets/).*
    """
)


@lru_cache(maxsize=1 << 16)
def is_placeholder(value: str) -> bool:
    """True for template markers, env references and dummy values: nothing to hide there."""
    v = value.strip("'\"` \t")
    if not v or _PLACEHOLDER.fullmatch(v) or _ENV_NAME.fullmatch(v):
        return True
    return len(set(v.lower())) <= 2 or dummy(v)  # "aaaa", "xxxxxxxx", "1111-1111"


_ENV_NAME = re.compile(r"[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+")  # ACCESS_TOKEN: a variable's name
# each character's successor in 0-9, a-z, A-Z; anything else maps to a byte no text byte equals
_SUCC = bytes(
    c + 1 if chr(c) in "012345678abcdefghijklmnopqrstuvwxyABCDEFGHIJKLMNOPQRSTUVWXY" else 0xFF
    for c in range(256)
)
_REPEAT = re.compile(r"(.)\1{7,}")
_FILLER_WORDS = ("your_", "your-", "put_your", "put-your", "placeholder", "redacted", "changeme")
_HERE = re.compile(r"[_-]here\b")


def _ascending_run(value: str, n: int = 6) -> bool:
    """"123456", "abcdef", "ABCDEF": n characters each followed by its successor.

    XOR of the text with its successor-shifted copy is zero exactly where a run continues, so a
    run is n-1 zero bytes in a row: a few C-level operations instead of a 63-way regex
    alternation tried at every position.
    """
    if len(value) < n:
        return False
    b = value.encode("ascii", "replace")
    a = b[:-1].translate(_SUCC)
    x = int.from_bytes(a, "big") ^ int.from_bytes(b[1:], "big")
    return bytes(n - 1) in x.to_bytes(len(a), "big")


def dummy(value: str) -> bool:
    """A filler value: a long run of one character, "YOUR_TOKEN_HERE", or 123456/abcdef runs."""
    low = value.lower()
    return (
        any(w in low for w in _FILLER_WORDS)
        or ("here" in low and _HERE.search(low) is not None)
        or _REPEAT.search(value) is not None
        or _ascending_run(value)
    )


_HEX = re.compile(r"[0-9a-f]+|[0-9A-F]+")
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_VERSION = re.compile(r"v?\d+(?:\.\d+){1,3}(?:[-+~][\w.+~-]*)?")
_DIGEST = re.compile(r"(?:sha(?:1|224|256|384|512)|md5|blake2b?|xxh\d*)[:=-][A-Za-z0-9+/=_-]+", re.I)
_PATHLIKE = re.compile(r"(?:[A-Za-z]:)?[~.]{0,2}/?(?:[\w@.+-]+/)+[\w@.+-]*|[\w.-]+\.(?:[a-z]{1,5})")
_IDENTIFIER = re.compile(r"[A-Za-z][a-z]+(?:[A-Z][a-z]+|[_.-][a-z]+|\d{1,4})*[A-Za-z]*\d{0,4}")


_PARTS = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|[0-9]+")
_WORD = re.compile(r"(?i)(?=[a-z]*[aeiouy])(?![a-z]*[bcdfghjklmnpqrstvwxz]{5})[a-z]{3,}")


def wordy(value: str) -> float:
    """Share of the characters in word-like parts: identifiers score high, random keys near 0."""
    n = sum(len(p) for p in _PARTS.findall(value) if len(p) >= 3 and _WORD.fullmatch(p))
    return n / max(1, len(value))


def looks_structured(value: str) -> bool:
    """SHA, UUID, version, digest, path, URL, dotted or camel-case identifier: knowledge, not a key."""
    v = value.strip("'\"`")
    if _HEX.fullmatch(v) and len(v) in (7, 8, 9, 10, 11, 12, 32, 40, 64):
        return True  # git SHAs (short and long), md5/sha256 hex digests
    if "://" in v or v.startswith(("www.", "http")):
        return True
    return bool(
        _UUID.fullmatch(v)
        or _VERSION.fullmatch(v)
        or _DIGEST.fullmatch(v)
        or (_PATHLIKE.fullmatch(v) and not b64ish(v))
        or _IDENTIFIER.fullmatch(v)
        or wordy(v) >= 0.65
    )


def b64ish(v: str) -> bool:
    """Random-looking: a real path is made of words, a base64 key with '/' in it is not."""
    return wordy(v) < 0.5 and entropy(v) > 4.0


@lru_cache(maxsize=1 << 16)
def secret_like(value: str, threshold: float) -> bool:
    """A value with a key's shape: long enough, mixed classes, and high entropy."""
    if len(value) < 16 or math.log2(len(set(value))) < threshold:
        return False  # entropy never exceeds log2 of the number of distinct characters
    classes = (value.lower() != value) + (value.upper() != value) + bool(_DIGIT.search(value))
    return (
        classes >= 2
        and entropy(value) >= threshold
        and not is_placeholder(value)
        and not looks_structured(value)
    )


_DIGIT = re.compile(r"[0-9]")


def boundary(text: str, start: int, end: int, word: str = "A-Za-z0-9") -> bool:
    """No token character directly before start or after end."""
    pat = _BOUND.get(word)
    if pat is None:
        pat = _BOUND[word] = re.compile(f"[{word}]")
    return not ((start > 0 and pat.match(text, start - 1)) or (end < len(text) and pat.match(text, end)))


_BOUND: dict[str, re.Pattern[str]] = {}
