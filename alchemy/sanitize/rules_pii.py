"""Personal data: e-mail, phones (rules_phone.py), IP addresses, cards (Luhn), IBANs (mod 97), US SSNs.

The do-not-mask list is enforced here by validation: a version (``10.2.3.4.5``, ``v1.2.3.4``),
a timestamp, a port or a numeric id is rejected by boundaries and checksums, never masked.
"""

from __future__ import annotations

import ipaddress
import re

from alchemy.sanitize.checks import IBAN_LENGTHS, boundary, card_ok, iban_ok
from alchemy.sanitize.detectors import Detector, Scan
from alchemy.sanitize.rules_phone import phone_detectors

C = re.compile

_LOCAL = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._%+-[]'")
_DOMAIN = C(r"[A-Za-z0-9][A-Za-z0-9-]{0,62}(?:\.[A-Za-z0-9-]{1,63}){1,8}")
_FILE_TLD = set("png jpg jpeg gif svg webp ico js ts css py json yaml yml md txt html lock toml xml sh go rs "
                "java rb tgz zip gz".split())


def _emails(scan: Scan):
    text = scan.text
    i = text.find("@")
    while i >= 0:
        start, lo = i, max(0, i - 64)
        while start > lo and text[start - 1] in _LOCAL:
            start -= 1
        while start < i and text[start] in ".'-":
            start += 1
        d = _DOMAIN.match(text, i + 1)
        if start < i and d:
            labels = d.group().split(".")
            while len(labels) > 1 and not (labels[-1].isalpha() and 2 <= len(labels[-1]) <= 24):
                labels.pop()
            end = i + 1 + len(".".join(labels))
            local = text[start:i]
            scp = local in ("git", "hg") and text[end : end + 1] == ":"
            scp = scp or (
                start > 0 and text[start - 1] == ":" and _URL_USER.search(text, max(0, start - 140), start)
            )
            userinfo = text[max(0, start - 3) : start] == "://"  # http://localhost@other.com: a URL
            if (
                len(labels) > 1
                and labels[-1].lower() not in _FILE_TLD
                and not (scp or userinfo or reserved_domain(labels))
                and local[-1] not in "."
                and any(c.isalnum() for c in local)  # "+@pytest.mark" in a diff is a decorator
            ):
                yield start, end, "EMAIL"
            i = text.find("@", max(end, i + 1))
        else:
            i = text.find("@", i + 1)


_URL_USER = C(r"://[^\s/@]{0,128}:$")
_RESERVED_TLD = frozenset(("example", "test", "invalid", "localhost"))  # RFC 2606 / RFC 6761
_RESERVED_SLD = frozenset(("example.com", "example.net", "example.org"))


def reserved_domain(labels: list[str]) -> bool:
    """An RFC 2606 name (example.com, *.example, *.test, ...): no one's address, kept as written."""
    low = [x.lower() for x in labels]
    return low[-1] in _RESERVED_TLD or ".".join(low[-2:]) in _RESERVED_SLD


_VERSION_BEFORE = C(r"(?:v|version|ver|release|==|>=|<=|~=|\^|build)[ \t:=]{0,2}$", re.I)


def _ip_context(scan: Scan, start: int, end: int) -> bool:
    text = scan.text
    if text[end : end + 2].startswith(".") and text[end + 1 : end + 2].isdigit():
        return False  # 10.2.3.4.5: a longer dotted number
    if start > 0 and text[start - 1] in ".-":
        return False
    return not _VERSION_BEFORE.search(text, max(0, start - 10), start)


_DOC_V4 = ("192.0.2.", "198.51.100.", "203.0.113.")  # RFC 5737: for documentation only


def _ipv4_ok(v: str) -> bool:
    """A routable address: loopback, 0.0.0.0/8, broadcast, link-local, multicast and the RFC 5737
    documentation ranges are kept (private ranges are masked unless ``sanitizer.ip_allow``)."""
    parts = v.split(".")
    if not all(int(p) < 256 and (p == "0" or p[0] != "0") for p in parts):
        return False
    first = int(parts[0])
    return (
        first not in (0, 127, 255)
        and not 224 <= first < 240
        and v != "1.2.3.4"
        and not v.startswith(("169.254.", *_DOC_V4))
    )


_DOC_V6 = ipaddress.IPv6Network("2001:db8::/32")  # RFC 3849


def _ipv6_ok(v: str) -> bool:
    if v.count(":") < 2 or not any(c.isdigit() for c in v) or len(v) < 6:
        return False
    if "::" not in v and v.count(":") != 7:
        return False
    try:
        addr = ipaddress.IPv6Address(v)
    except ValueError:
        return False
    return not (addr.is_loopback or addr.is_unspecified or addr in _DOC_V6 or addr.is_multicast)


def _ssn_ok(v: str) -> bool:
    area, group, serial = v[:3], v[4:6], v[7:]
    return area not in ("000", "666") and area[0] != "9" and group != "00" and serial != "0000"


_SSN9 = C(r"[0-9]{3}[ ]?[0-9]{2}[ ]?[0-9]{4}")
_SSN_CONTEXT = C(r"(?:ssn|social security(?: number| no\.?)?|sozialversicherungs)[\s:#=-]{0,6}$")


def _ssn_bare(scan: Scan):
    """A 9-digit or space-separated SSN right after the words that name it."""
    for m in (m for a, b in scan.windows() for m in _SSN9.finditer(scan.text, a, b)):
        v = re.sub(r"\D", "", m.group())
        if (
            boundary(scan.text, *m.span(), "0-9")
            and _ssn_ok(f"{v[:3]}-{v[3:5]}-{v[5:]}")
            and _SSN_CONTEXT.search(scan.low, max(0, m.start() - 30), m.start())
        ):
            yield m.start(), m.end(), "SSN"


_IBAN = C(r"[A-Z][A-Z][0-9]{2}(?:[ -]?[A-Z0-9]{4}){2,7}(?:[ -]?[A-Z0-9]{1,3})?")
_IBAN_ANY = C(r"[a-z][a-z][0-9]{2}(?:[ -]?[a-z0-9]{4}){2,7}(?:[ -]?[a-z0-9]{1,3})?")  # on the lower text
# country code + check digits ("de89"): one word per country and number, found by the shared
# Aho-Corasick pass (as fast with these 7,700 words as without), so no regex reads the whole text
IBAN_STARTS = frozenset(f"{c.lower()}{d:02d}" for c in IBAN_LENGTHS for d in range(100))
_BANKING = C(r"iban|account|acct|konto|bank|sepa|swift")


def _iban_end(text: str, start: int, v: str) -> int | None:
    """End of the checksum-valid IBAN at ``start`` in the candidate ``v``; an upper-case word
    glued to the end is trimmed off, not a miss."""
    while len(v) >= 15:
        if iban_ok(v) and boundary(text, start, start + len(v)):
            return start + len(v)
        cut = max(v.rfind(" "), v.rfind("-"))
        if cut <= 4:
            return None
        v = v[:cut]
    return None


def _ibans(scan: Scan):
    """IBANs where a country code and check digits start a word. Upper case is taken on the
    checksum; a lower- or mixed-case one ("iban: de89 3704 ...") also needs a banking word just
    before it, since a random lower-case id passes mod 97 one time in 97."""
    text, low, last = scan.text, scan.low, 0
    for p in sorted(p for w, ps in scan.hits.items() if w in IBAN_STARTS for p in ps):
        if p < last or (p and text[p - 1].isascii() and text[p - 1].isalnum()):
            continue
        m = _IBAN.match(text, p)
        if m is None:
            m = _IBAN_ANY.match(low, p)
            if m is None or not _BANKING.search(low, max(0, p - 40), p):
                continue
        end = _iban_end(text, p, text[p : m.end()])
        if end is not None:
            yield p, end, "IBAN"
            last = end


def _ipv6(scan: Scan):
    """Around each "::" or ":hex:", the longest run of hex digits and colons, validated."""
    text, last = scan.text, 0
    for m in _V6_SEED.finditer(text):
        if m.start() < last:
            continue
        a, b = m.start(), m.end()
        while a > 0 and a > m.start() - 40 and text[a - 1] in _HEXCOLON:
            a -= 1
        while b < len(text) and b < m.end() + 40 and text[b] in _HEXCOLON:
            b += 1
        cand = text[a:b].rstrip(":") if not text[a:b].endswith("::") else text[a:b]
        if _ipv6_ok(cand) and boundary(text, a, a + len(cand), "A-Za-z0-9_"):
            yield a, a + len(cand), "IP"
        last = b


_V6_SEED = C(r":[0-9A-Fa-f]{0,4}:")
_HEXCOLON = frozenset("0123456789abcdefABCDEF:")


def pii_detectors() -> list[Detector]:
    """E-mail, phones (see rules_phone), SSN, cards, IBAN, IPv4 and IPv6."""
    n = {"numeric": True}
    # fmt: off
    return [
        Detector("EMAIL", "pii", finder=_emails, triggers=("@",), priority=6),
        *phone_detectors(),
        Detector("SSN", "pii", C(r"[0-8][0-9]{2}-[0-9]{2}-[0-9]{4}"), check=_ssn_ok, bound="A-Za-z0-9_-",
                 priority=6, **n),
        Detector("SSN", "pii", finder=_ssn_bare, triggers=("ssn", "social security", "sozialvers"),
                 priority=6),
        Detector("CARD", "pii", C(r"[1-6][0-9]{3}(?:[ -]?[0-9]{4}){2}(?:[ -]?[0-9]{1,7})?"), check=card_ok,
                 bound="A-Za-z0-9_-", priority=6, **n),
        Detector("CARD", "pii", C(r"3[47][0-9]{2}[ -]?[0-9]{6}[ -]?[0-9]{5}"), check=card_ok,
                 bound="A-Za-z0-9_-", priority=6, **n),
        Detector("IBAN", "pii", finder=_ibans, triggers=tuple(sorted(IBAN_STARTS)), priority=7),
        Detector("IP", "pii", C(r"[0-9][0-9]{0,2}\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}"), bound="A-Za-z0-9_",
                 check=_ipv4_ok, context=_ip_context, priority=5, **n),
        Detector("IP", "pii", finder=_ipv6, triggers=(":",), priority=5),
    ]
    # fmt: on
