"""Secrets recognisable by their own shape: provider key formats, JWTs, PEM blocks, webhooks.

Every pattern starts with a literal prefix and is gated by that prefix as a trigger, so the
detectors cost almost nothing on text that has no such token.
"""

from __future__ import annotations

import base64
import binascii
import bisect
import re

from alchemy.sanitize.checks import entropy, is_placeholder
from alchemy.sanitize.detectors import Detector, Scan

C = re.compile


def _keyish(value: str, min_entropy: float = 3.0) -> bool:
    """Not a dummy (ghp_xxxx…, xoxb-my-bot-token), and random enough to be a real key."""
    body = value.split("_", 1)[-1] if "_" in value[:12] else value
    return not is_placeholder(body) and entropy(body) >= min_entropy and len(set(body)) > 6


def _hf_ok(v: str) -> bool:
    body = v[3:] if v.startswith("hf_") else v[8:]
    return _keyish(v, 3.5) and sum(c.isupper() for c in body) >= 3 and sum(c.islower() for c in body) >= 3


def _slack_ok(v: str) -> bool:
    return len(v) >= 24 and sum(c.isdigit() for c in v) >= 8 and _keyish(v, 3.0)


def _jwt_ok(v: str) -> bool:
    head = v.split(".", 1)[0]
    try:
        raw = base64.urlsafe_b64decode(head + "=" * (-len(head) % 4))
    except (binascii.Error, ValueError):
        return False
    return raw.startswith(b"{") and b'"' in raw


_PEM_OPEN = r"-----BEGIN[ A-Z0-9]{0,40}PRIVATE KEY(?: BLOCK)?-----"
_PEM_LINE = r"(?:\r?\n|\\r\\n|\\n|[ \t])(?:[A-Za-z0-9+/=]{8,128}|[A-Za-z-]{2,20}: ?[^\n\\]{0,100})"


_PEM_NOISE = C(r"\\n|\\r|[^A-Za-z0-9+/=]")


def _pem_ok(v: str) -> bool:
    """Key material: at least 32 random base64 characters besides the header lines."""
    body = _PEM_NOISE.sub("", re.sub(r"-----[A-Z0-9 ]+-----", "", v))
    return len(body) >= 32 and entropy(body[:4096]) > 4.0


def pem_without_key(value: str) -> bool:
    """A BEGIN ... PRIVATE KEY header with no key material: prose about the format, not a leak."""
    return "PRIVATE KEY" in value and not _pem_ok(value)


_PEM_HEAD = C(_PEM_OPEN)
_PEM_TAIL = C(r"-----END[ A-Z0-9]{0,40}PRIVATE KEY(?: BLOCK)?-----")


def _pem_blocks(scan: Scan):
    """BEGIN ... END blocks, each BEGIN paired with the next END by bisection: linear, whatever
    the number of BEGIN lines without an END."""
    text = scan.text
    begins = scan.hits.get("-----begin", [])
    ends = [i for i in (m.start() for m in re.finditer("-----END", text))]
    last = 0
    for b in begins:
        head = _PEM_HEAD.match(text, b) if b >= last else None
        if head is None:
            continue
        j = bisect.bisect_left(ends, head.end())
        if j == len(ends) or ends[j] - head.end() > 65536:
            continue
        nxt = bisect.bisect_left(begins, head.end())
        if nxt < len(begins) and begins[nxt] < ends[j]:
            continue  # another BEGIN comes first: that one owns this END
        tail = _PEM_TAIL.match(text, ends[j])
        if tail and len(_PEM_NOISE.sub("", text[head.end() : tail.start()])) >= 32:  # a whole block: mask it
            yield b, tail.end(), "PRIVATE_KEY"
            last = tail.end()


def _llm_type(v: str) -> str:
    if v.startswith("sk-ant-"):
        return "ANTHROPIC_KEY"
    if re.fullmatch(r"sk-[0-9a-f]{32}", v):
        return "DEEPSEEK_KEY"
    if v.startswith(("sk-proj-", "sk-svcacct-", "sk-admin-", "sk-None-")) or "T3BlbkFJ" in v:
        return "OPENAI_KEY"
    return "LLM_KEY"


def _aws_companion(scan: Scan):
    """A 40-character secret within a few lines after an access key id (credentials CSV, env)."""
    starts = sorted({p for t in _AWS_PREFIXES for p in scan.hits.get(t, ())})
    for m in filter(None, (_AKIA.match(scan.text, p) for p in starts)):
        for s in _B64_40.finditer(scan.text, m.end(), min(len(scan.text), m.end() + 300)):
            v = s.group()
            if any(c.isdigit() for c in v) and any(c.isupper() for c in v) and entropy(v) > 4.2:
                yield s.start(), s.end(), "AWS_SECRET"
                break


# fmt: off
_AKIA = C(r"(?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA|APKA)[A-Z0-9]{16}"
          r"(?![A-Za-z0-9])")
_B64_40 = C(r"(?<![A-Za-z0-9/+=])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])")
_AWS_PREFIXES = tuple("akia asia abia acca agpa aida aroa aipa anpa anva apka a3t".split())
W, W_, WD, WE = "A-Za-z0-9", "A-Za-z0-9_", "A-Za-z0-9_-", "A-Za-z0-9_=-"

# (type, regex, triggers, check, characters that may not touch the token[, anchor offset])
# The regex is matched where a trigger starts (minus the offset); offset None = scan the text.
_FORMATS: list[tuple] = [
    ("AWS_KEY", _AKIA.pattern, _AWS_PREFIXES, lambda v: _keyish(v, 2.5), W),
    ("AWS_SECRET", r"(?i:aws|amazon)[\w.-]{0,30}?(?i:secret|sk\b|access_key)[\w.-]{0,20}[\"']?[ \t]{0,4}"
     r"(?:[:=]|=>|:=)[ \t]{0,4}[\"']?([A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])", ("aws", "amazon"), None, None),
    ("GCP_KEY", r"private_key_id\"?[ \t]{0,4}[:=][ \t]{0,4}\"?([0-9a-f]{40})\b", ("private_key_id",),
     None, None),
    ("GCP_KEY", r"GOCSPX-[A-Za-z0-9_-]{28}", ("gocspx-",), None, WD),
    ("GCP_KEY", r"ya29\.[0-9A-Za-z_-]{30,2048}", ("ya29.",), None, WD),
    ("GOOGLE_API_KEY", r"AIza[0-9A-Za-z_-]{35}", ("aiza",), _keyish, WD),
    ("AZURE_KEY", r"(?i:AccountKey|SharedAccessKey|SharedSecretValue)[ \t]{0,2}=[ \t]{0,2}"
     r"([A-Za-z0-9+/]{20,120}={0,2})", ("accountkey", "sharedaccesskey", "sharedsecretvalue"), None, None),
    ("AZURE_KEY", r"sig=([A-Za-z0-9%+/=_-]{16,200})", ("sig=",), lambda v: _keyish(v, 3.0), None),
    ("AZURE_KEY", r"[A-Za-z0-9_~.-]{3}[0-9]Q~[A-Za-z0-9_~.-]{31,34}", ("q~",), _keyish, "A-Za-z0-9_~.-", 4),
    ("GITHUB_TOKEN", r"gh[pousr]_[A-Za-z0-9]{36,255}", ("ghp_", "gho_", "ghu_", "ghs_", "ghr_"), _keyish,
     W_),
    ("GITHUB_TOKEN", r"github_pat_[A-Za-z0-9_]{22,255}", ("github_pat_",), _keyish, W_),
    ("GITLAB_TOKEN", r"gl(?:pat|dt|ptt|rt|cbt|imt|soat|ffct|oas|agent|ft|wt)-[A-Za-z0-9_.-]{20,300}",
     tuple(f"gl{p}-" for p in "pat dt ptt rt cbt imt soat ffct oas agent ft wt".split()), _keyish, WD),
    ("GITLAB_TOKEN", r"GR1348941[A-Za-z0-9_-]{20,}", ("gr1348941",), _keyish, WD),
    ("NPM_TOKEN", r"npm_[A-Za-z0-9]{36}", ("npm_",), _keyish, W_),
    ("PYPI_TOKEN", r"pypi-[A-Za-z0-9_-]{50,400}", ("pypi-",), _keyish, WD),
    ("DOCKER_TOKEN", r"dckr_(?:pat|oat)_[A-Za-z0-9_-]{20,100}", ("dckr_",), _keyish, WD),
    ("CI_TOKEN", r"(?:AKCp[A-Za-z0-9]{69}|cmVmdGtu[A-Za-z0-9]{56})", ("akcp", "cmvmdgtu"), _keyish,
     W),  # JFrog Artifactory API key / reference token
    ("SLACK_TOKEN", r"xox[abposre](?:\.xox[bp])?-[A-Za-z0-9-]{10,250}", ("xox",), _slack_ok, WD),
    ("SLACK_TOKEN", r"xapp-[0-9]-[A-Za-z0-9-]{20,200}", ("xapp-",), _keyish, WD),
    # webhooks: the URL from the vendor's host on is the secret; "https://" stays readable
    ("WEBHOOK", r"hooks\.slack\.com/(?:services|workflows|triggers)/[A-Za-z0-9+/_-]{20,300}",
     ("hooks.slack.com",), None, None),
    ("WEBHOOK", r"discord(?:app)?\.com/api/webhooks/[0-9]{5,30}/[A-Za-z0-9_-]{20,200}", ("discord",),
     None, None),
    ("WEBHOOK", r"webhook\.office\.com/webhookb2/[A-Za-z0-9@/_.-]{20,400}", ("webhook.office.com",),
     None, None),
    ("WEBHOOK", r"office(?:365)?\.com/webhook/[A-Za-z0-9@/_.-]{20,400}",
     ("office.com/webhook", "office365.com/webhook"), None, None),
    ("WEBHOOK", r"logic\.azure\.com(?::443)?/workflows/[A-Za-z0-9/?=&%._-]{20,600}", ("logic.azure.com",),
     None, None),
    ("DISCORD_TOKEN", r"[MNO][A-Za-z0-9_-]{23,25}\.[A-Za-z0-9_-]{6}\.[A-Za-z0-9_-]{27,38}",
     ("discord", "bot"), _keyish, WD, None),
    ("STRIPE_KEY", r"(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{16,247}",
     ("sk_live", "sk_test", "rk_live", "rk_test"), _keyish, W_),
    ("STRIPE_KEY", r"whsec_[A-Za-z0-9]{24,100}", ("whsec_",), _keyish, W_),
    ("LLM_KEY", r"sk-[A-Za-z0-9][A-Za-z0-9_-]{19,300}", ("sk-",), lambda v: _keyish(v, 3.3), WD),
    ("HF_TOKEN", r"(?:hf_|api_org_)[A-Za-z0-9]{34,40}", ("hf_", "api_org_"), _hf_ok, W_),
    ("ATLASSIAN_TOKEN", r"AT(?:ATT|CTT)3[A-Za-z0-9_=-]{180,300}", ("atatt3", "atctt3"), _keyish, WE),
    ("API_KEY", r"(?:glsa|glc|sntrys|sntryu|lin_api|ntn|shpat|shpss|shpca|dapi|hvs|hvb|ops|dp\.pt|sgp)[._]"
     r"[A-Za-z0-9_=.-]{24,2000}",
     tuple("glsa_ glc_ sntry lin_api_ ntn_ shp dapi hvs. hvb. ops_ dp.pt. sgp_".split()),
     lambda v: _keyish(v, 3.3), W_),
    ("API_KEY", r"SG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}", ("sg.",), _keyish, WD),  # SendGrid
    ("API_KEY", r"EAA[A-Za-z0-9]{80,400}", ("eaa",), _keyish, W),  # Facebook/Meta access tokens
    ("CLOUD_KEY", r"LTAI[A-Za-z0-9]{20}", ("ltai",), _keyish, W),  # Alibaba Cloud access key id
    ("JWT", r"eyJ[A-Za-z0-9_-]{8,4096}\.[A-Za-z0-9_-]{8,8192}\.[A-Za-z0-9_-]{0,4096}", ("eyj",), _jwt_ok,
     WD),
]
# fmt: on


def token_detectors() -> list[Detector]:
    """Detectors for every token format, PEM blocks and AWS secrets next to their key id."""
    out = [
        Detector("PRIVATE_KEY", "secret", finder=_pem_blocks, triggers=("-----begin",), priority=9),
        Detector("PRIVATE_KEY", "secret", C(_PEM_OPEN + f"(?:{_PEM_LINE}){{1,2000}}"),
                 triggers=("-----begin",), anchors=True, check=_pem_ok, bound=None, priority=8),
        Detector("AWS_SECRET", "secret", triggers=_AWS_PREFIXES, finder=_aws_companion, priority=7),
    ]
    for kind, pattern, triggers, check, bound, *rest in _FORMATS:
        offset = rest[0] if rest else 0
        rx = C(pattern)
        out.append(Detector(kind, "secret", rx, group=1 if rx.groups else 0, triggers=triggers,
                            anchors=offset is not None, offset=offset or 0, check=check, bound=bound,
                            retype=_llm_type if kind == "LLM_KEY" else None, priority=8))
    return out
