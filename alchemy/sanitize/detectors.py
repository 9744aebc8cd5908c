"""Secret and PII detectors: a regex per type, plus a validator where a checksum exists.

Each detector yields (start, end, type) spans of the value to mask, not of its context: in
``password: hunter2`` only ``hunter2`` is a secret, the key name stays as knowledge.
Placeholders and environment references (``<YOUR_API_KEY>``, ``${DB_PASSWORD}``, ``changeme``)
are never values.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

Span = tuple[int, int, str]


def luhn_ok(digits: str) -> bool:
    nums = [int(c) for c in digits if c.isdigit()]
    if not 13 <= len(nums) <= 19:
        return False
    total = 0
    for i, n in enumerate(reversed(nums)):
        if i % 2:
            n = n * 2 - 9 if n > 4 else n * 2
        total += n
    return total % 10 == 0


def iban_ok(candidate: str) -> bool:
    s = candidate.replace(" ", "").upper()
    if not 15 <= len(s) <= 34:
        return False
    rearranged = s[4:] + s[:4]
    return int("".join(str(int(c, 36)) for c in rearranged)) % 97 == 1


_PLACEHOLDER = re.compile(
    r"^(?:<[^>]*>|\$\{[^}]*\}|\$[A-Z_][A-Z0-9_]*|%\(?[A-Za-z_]+\)?s?|\{\{.*\}\}|x{3,}|\*{3,}|\.{3,}"
    r"|changeme|change_me|password|secret|token|example|dummy|redacted|none|null|true|false"
    r"|os\.environ.*|process\.env.*|env\(.*)$",
    re.IGNORECASE,
)


def is_placeholder(value: str) -> bool:
    v = value.strip("'\"`")
    return bool(_PLACEHOLDER.match(v)) or v.startswith(("<", "${", "{{", "os.getenv", "getenv("))


@dataclass(frozen=True)
class Detector:
    type: str
    family: str  # "secret" or "pii"
    pattern: re.Pattern[str]
    group: int = 0  # which group holds the value
    check: Callable[[str], bool] | None = None

    def find(self, text: str) -> Iterator[Span]:
        for m in self.pattern.finditer(text):
            value = m.group(self.group)
            if value is None or (self.check and not self.check(value)):
                continue
            yield m.start(self.group), m.end(self.group), self.type


def _ipv6_ok(v: str) -> bool:
    if v.count(":") < 2 or not any(c.isdigit() for c in v):
        return False
    try:
        ipaddress.IPv6Address(v)
    except ValueError:
        return False
    return v != "::1"


def _ipv4_ok(v: str) -> bool:
    return not (v.startswith(("127.", "0.")) or v == "255.255.255.255")


def _card_ok(v: str) -> bool:
    digits = re.sub(r"\D", "", v)
    return luhn_ok(digits) and bool(re.match(r"^(4|5[1-5]|2[2-7]|3[47]|6(011|5)|35)", digits))


def _assigned_ok(v: str) -> bool:
    return not is_placeholder(v) and not re.fullmatch(r"[\d.]+|[a-z]+", v)


_ASSIGN_KEY = (r"(?:[A-Za-z0-9_.-]*?(?:password|passwd|pwd|secret|token|api[_-]?key|apikey|"
               r"access[_-]?key|private[_-]?key|client[_-]?secret|auth[_-]?key)[A-Za-z0-9_.-]*)")

C = re.compile
DETECTORS: list[Detector] = [
    Detector("PRIVATE_KEY", "secret", C(r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----"
                                        r"[\s\S]*?-----END (?:[A-Z0-9]+ )*PRIVATE KEY-----")),
    Detector("AWS_KEY", "secret", C(r"\b(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}\b")),
    Detector("AWS_SECRET", "secret", C(r"(?i)aws.{0,25}?(?:secret|key).{0,25}?[\s:=\"']+"
                                       r"([A-Za-z0-9/+]{40})(?![A-Za-z0-9/+])"), group=1),
    Detector("GITHUB_TOKEN", "secret", C(r"\b(?:gh[pousr]_[A-Za-z0-9]{36,}|"
                                         r"github_pat_[A-Za-z0-9_]{22,})")),
    Detector("GITLAB_TOKEN", "secret", C(r"\bglpat-[A-Za-z0-9_-]{20,}")),
    Detector("SLACK_TOKEN", "secret", C(r"\bxox[abposr]-[A-Za-z0-9-]{10,}")),
    Detector("WEBHOOK", "secret", C(r"https://(?:hooks\.slack\.com/services|discord(?:app)?\.com"
                                    r"/api/webhooks|[a-z0-9.-]+\.webhook\.office\.com)/\S+")),
    Detector("STRIPE_KEY", "secret", C(r"\b(?:sk|rk|pk)_(?:live|test)_[A-Za-z0-9]{16,}")),
    Detector("API_KEY", "secret", C(r"\b(?:sk-ant-[A-Za-z0-9_-]{20,}|sk-(?:proj-)?[A-Za-z0-9_-]{20,}"
                                    r"|hf_[A-Za-z0-9]{30,}|AIza[0-9A-Za-z_-]{35}|npm_[A-Za-z0-9]{36}"
                                    r"|pypi-[A-Za-z0-9_-]{50,}|dckr_pat_[A-Za-z0-9_-]{20,})")),
    Detector("JWT", "secret", C(r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}")),
    Detector("PASSWORD", "secret", C(r"\b[a-z][a-z0-9+.-]*://[^\s:/@]+:([^\s@/]+)@"), group=1,
             check=lambda v: not is_placeholder(v)),
    Detector("TOKEN", "secret", C(r"(?i)\bauthorization\s*[:=]\s*[\"']?(?:bearer|basic|token)\s+"
                                  r"([A-Za-z0-9._~+/=-]{8,})"), group=1,
             check=lambda v: not is_placeholder(v)),
    Detector("SECRET", "secret", C(r"(?i)\b" + _ASSIGN_KEY + r"[\"']?\s*(?:=>|[:=])\s*[\"']?"
                                   r"([^\s\"',;)}\]]{6,})"), group=1, check=_assigned_ok),
    Detector("EMAIL", "pii", C(r"\b[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b")),
    Detector("IBAN", "pii", C(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?\b"),
             check=iban_ok),
    Detector("CARD", "pii", C(r"(?<![\d-])(?:\d{4}[ -]){3}\d{1,7}(?![\d-])|(?<![\d-])\d{13,19}(?![\d-])"),
             check=_card_ok),
    Detector("SSN", "pii", C(r"(?<![\d-])(?!000|666|9\d\d)\d{3}-(?!00)\d{2}-(?!0000)\d{4}(?![\d-])")),
    Detector("PHONE", "pii", C(r"(?<![\w+])\+\d{1,3}(?:[ .-]?\(?\d{1,4}\)?){2,5}\d(?![\w-])"
                               r"|(?<![\w.-])\(?\d{3}\)?[ .-]\d{3}[ .-]\d{4}(?![\w-]|\.\w)")),
    Detector("IP", "pii", C(r"(?<![\w.])(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}"
                            r"(?:25[0-5]|2[0-4]\d|1?\d?\d)(?!\w|\.\d)"), check=_ipv4_ok),
    Detector("IP", "pii", C(r"(?<![\w:])(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4}(?![\w:])"),
             check=_ipv6_ok),
]


def find_spans(text: str, families: set[str], allow: list[re.Pattern[str]]) -> list[Span]:
    """Non-overlapping spans, earliest first; on overlap the longer span wins."""
    spans = [s for d in DETECTORS if d.family in families for s in d.find(text)]
    if allow:
        spans = [s for s in spans if not any(a.fullmatch(text[s[0]:s[1]]) for a in allow)]
    spans.sort(key=lambda s: (s[0], -(s[1] - s[0])))
    kept: list[Span] = []
    for s in spans:
        if kept and s[0] < kept[-1][1]:
            continue
        kept.append(s)
    return kept
