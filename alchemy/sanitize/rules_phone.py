"""Phone numbers: international (+CC, 00CC), US/NANP, national (0...), and any digit group a phone
word names ("Mobile: 03.93.92.16.85"). Dates, versions and IPs are rejected by shape.
"""

from __future__ import annotations

import re

from alchemy.sanitize.detectors import Detector, Scan

C = re.compile


_NO_DIGITS = str.maketrans("", "", "0123456789")


def _digits(s: str) -> int:
    """ASCII digits in s (every value here comes from a [0-9] pattern); 4x a regex findall."""
    return len(s) - len(s.translate(_NO_DIGITS))


_VERSION = re.compile(r"\+?\d{1,3}\.\d{1,3}\.\d{1,3}(?![\d.])")  # 2.27.0, +2.18.3 (a diff line)
_HAS_DATE = re.compile(r"\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{4}|\.\.")


def _not_version(v: str) -> bool:
    """No release header ("2.27.0 (2022-01-03)"), date or version range ("41.0.7...42.0.2")."""
    return not (_VERSION.match(v) or _HAS_DATE.search(v))


def _phone_intl(v: str) -> bool:
    return 8 <= _digits(v) <= 15 and "\n" not in v and _not_version(v)


_DATE = re.compile(r"\d{4}[-/.]\d{2}[-/.]\d{2}.*|\d{2}[-/.]\d{2}[-/.]\d{4}.*")
_DATE_OR_IP = re.compile(r"\d{4}-\d{2}-\d{2}.*|\d{1,3}(?:\.\d{1,3}){3}")


def _phone_national(v: str) -> bool:
    d = _digits(v)
    return 10 <= d <= 11 and not _DATE.fullmatch(v)


def _dotted(scan: Scan, start: int, end: int) -> bool:
    """Not glued to a dotted number on either side (a sentence's full stop is fine)."""
    t = scan.text
    return not (
        (start > 0 and t[start - 1] == ".") or (t[end : end + 1] == "." and t[end + 1 : end + 2].isdigit())
    )


_PHONE_WORDS = C(
    r"(?<![a-z])(?:phone|mobile|tel|telephone|fax|desk|cell|call(?: me)?(?: on| at)?|reach(?: me)? at|text me"
    r"|sms|whatsapp|answering at|messages to|contact|hotline|office|ph\.?|☎)[^\n0-9]{0,12}$"
)
_PHONE_AFTER = C(r"[ -]?\(?(?:office|fax|mobile|cell|home|work|desk)\b")


def _phone_context(scan: Scan):
    """A 7-15 digit cluster that a phone word names ("Mobile: 03.93.92.16.85", "call me on ...")."""
    for a, b in scan.windows():
        v = scan.text[a:b]
        d = _digits(v)
        if not 7 <= d <= 15 or _DATE_OR_IP.fullmatch(v) or not _not_version(v):
            continue
        if _PHONE_WORDS.search(scan.low, max(0, a - 40), a) or _PHONE_AFTER.match(scan.low, b):
            yield a, b, "PHONE"


_EXT = re.compile(r"x\d")


def _phone_bound(scan: Scan, start: int, end: int) -> bool:
    """Right after a phone may come an extension (x123) or a label (-Office); not a digit."""
    t = scan.text
    nxt = t[end : end + 2]
    return (
        not (start > 0 and t[start - 1].isalnum())  # "2003-07-08": "003-07-08" is inside a number
        and _not_version(t[start:end])
        and not nxt[:1].isdigit()
        and not (nxt[:1].isalpha() and not _EXT.match(nxt))
        and _dotted(scan, start, end)
    )


def phone_detectors() -> list[Detector]:
    n = {"numeric": True, "bound": None, "context": _phone_bound}
    # fmt: off
    intl = r"\+[1-9][0-9]{0,3}(?:[ .\-\u00a0]?\(?[0-9]{1,5}\)?){1,6}(?:x[0-9]{1,5})?"
    return [
        Detector("PHONE", "pii", C(intl), check=_phone_intl, priority=5, **n),
        Detector("PHONE", "pii", finder=_phone_context, priority=3),
        Detector("PHONE", "pii", C(r"00[1-9][0-9]{0,2}[ .-][0-9]{1,5}(?:[ .-][0-9]{2,5}){1,4}"),
                 check=_phone_intl, priority=4, **n),
        Detector("PHONE", "pii", C(r"[2-9][0-9]{2}[ .-][0-9]{3}[ .-][0-9]{4}(?:x[0-9]{1,5})?"), priority=4,
                 **n),
        Detector("PHONE", "pii", C(r"\([2-9][0-9]{2}\)[ .-]?[0-9]{3}[ .-][0-9]{4}(?:x[0-9]{1,5})?"),
                 priority=4, **n),
        Detector("PHONE", "pii", C(r"1[ .-][(2-9][0-9]{2}\)?[ .-][0-9]{3}[ .-][0-9]{4}"), priority=4, **n),
        Detector("PHONE", "pii", C(r"0[1-9][0-9]{1,4}[ .-][0-9]{2,8}(?:[ .-][0-9]{2,4}){0,3}"),
                 check=_phone_national, bound="A-Za-z0-9:/-", context=_dotted, priority=3, numeric=True),
    ]
    # fmt: on
