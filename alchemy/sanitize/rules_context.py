"""Secrets recognisable by their context: assignments, headers, URL and CLI credentials, entropy.

``password=…`` / ``secret: …`` / ``"api_key": "…"`` / ``<password>…</password>`` / ``--token …``
in code, YAML, JSON, .env and INI files; ``Authorization: Bearer …``; ``scheme://user:pass@host``;
``curl -u user:pass``; and high-entropy strings that sit right after a key-like word. The key
name decides whether a value is a secret (``secret_name``, ``token_url``, ``kms_key_id`` are
not); the value must not be a placeholder or an env reference (``${DB_PASSWORD}``, ``changeme``).
"""

from __future__ import annotations

import re

from alchemy.sanitize.checks import b64ish, is_placeholder, secret_like, wordy
from alchemy.sanitize.detectors import Detector, Scan
from alchemy.sanitize.keys import PASSWORDISH, excluded_key, secret_key_name, secret_value

C = re.compile

_KEYWORDS = r"(?:pass|pwd|pw\b|secret|token|key|auth|credential|creds|sig|cookie|session)"
_VALUE = r"(?:(?P<q>[\"'])(?P<qv>[^\"'`\n]{3,256})(?P=q)|(?P<v>[^\s\"'`,;<>(){}\[\]]{3,256}))"
# key = value, key: value, "key": "value", key => value, "the password is value"
_ASSIGN = C(_KEYWORDS + r"(?=[a-z0-9_.\-\[\]]{0,40}?[\"'`]?(?P<sep>[ \t]{0,8}(?:=>|:=|[:=])[ \t]{0,8}"
            r"|[ \t]{1,4}(?:is|was)[ \t]{1,4}:?[ \t]{0,2})" + _VALUE + ")")
# a command-line flag: --password value (only where the key starts with "-")
_FLAG = C(_KEYWORDS + r"(?=[a-z0-9_.\-]{0,40}?(?P<sep>[ \t]{1,4}|=)" + _VALUE + ")")
_KEY_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-[]")
_XML = C(
    r"<([a-z0-9_:.-]{0,40}(?:pass|pwd|secret|token|key|credential)[a-z0-9_:.-]{0,40})>([^<>\n]{3,256})</\1>"
)
_XML_ATTR = C(r"key[ \t]*=[ \t]*\"([^\"\n]{1,80})\"[ \t]+value[ \t]*=[ \t]*\"([^\"\n]{3,256})\"")


_KW = tuple("pass pwd pw secret token key auth credential creds sig cookie session".split())


# English words that merely start like a key word: skipped before any regex work
_PROSE = C(
    r"pass(?:ed|es\b|ing|age|enger|ive|ion|port|through)|key(?:board|note|word|stone|frame|chain)"
    r"|auth(?:or|entic)|sig(?:n(?!ature)|ma)|sessions\b|tokeni[sz]"
)


def _keyword_starts(scan: Scan, words: tuple[str, ...] = _KW) -> list[int]:
    """Where a key word starts, minus prose ("passed", "keyboard"); memoised on the scan, since
    the assignment and the entropy rule both walk the same starts."""
    got = scan.memo.get(words)
    if got is None:
        low, hits, prose = scan.low, scan.hits, _PROSE.match
        got = scan.memo[words] = sorted({p for w in words for p in hits.get(w, ()) if not prose(low, p)})
    return got


def _assignments(scan: Scan):
    text, low = scan.text, scan.low
    seen = 0
    for p in _keyword_starts(scan):
        if p < seen:
            continue  # inside the value just examined ("password=password=..."): linear time
        kstart, lo = p, max(0, p - 60)
        while kstart > lo and text[kstart - 1] in _KEY_CHARS:
            kstart -= 1
        m = (_FLAG if text[kstart] == "-" else _ASSIGN).match(low, p)
        if m is None:
            continue
        g = "qv" if m.group("qv") is not None else "v"
        start, end = m.span(g)
        seen = end
        key_end = m.start("sep")
        while key_end > kstart and text[key_end - 1] in "\"'`":
            key_end -= 1
        key = text[kstart:key_end]
        if text[max(0, kstart - 3) : kstart] == "://":
            continue  # https://x-access-token:<token>@host is a URL credential (see _url_creds)
        sep = m.group("sep")
        if not sep.strip() and not (kstart > 0 and text[kstart - 1] == "-" or key.startswith("-")):
            continue  # "password reset" is prose; "--password hunter2" is a flag
        value = text[start:end].rstrip(".")
        if not value:
            continue
        if g == "v" and (
            value.endswith(":")
            or value[0] in ":="
            or text[end : end + 1] in ("(", "[")
            or value[0] == "_"
            and value.replace("_", "").isalnum()
        ):
            continue  # a YAML key, "a::b", a call, an index or a private name: code, not a value
        if scan.covered(start, start + len(value)):
            continue
        if secret_key_name(key) and secret_value(value, scan.strict):
            yield start, start + len(value), "PASSWORD" if PASSWORDISH.search(key) else "SECRET"
    for pat in (_XML, _XML_ATTR) if "<" in low or "value=" in low else ():
        for m in pat.finditer(low):
            key, value = scan.text[m.start(1) : m.end(1)], scan.text[m.start(2) : m.end(2)]
            if secret_key_name(key.split(":")[-1]) and secret_value(value, scan.strict):
                yield m.start(2), m.end(2), "PASSWORD" if PASSWORDISH.search(key) else "SECRET"


_AUTH = C(
    r"(?:authorization|proxy-authorization)[\"']?[ \t]{0,4}[:=][ \t]{0,4}[\"']?"
    r"(?:(?:bearer|basic|token|digest|negotiate|apikey|api-key|sso-key|ntlm|splunk|dsn)[ \t]{1,4})?"
    r"([a-z0-9._~+/=:-]{8,4096})"
)
_BEARER = C(r"bearer[ \t]{1,4}([a-z0-9._~+/=-]{16,4096})")
_CURL_USER = C(r"(?:-u|--user)[ \t=]{1,4}[\"']?([^\s:\"']{0,128})[\"']?:[\"']?([^\s\"']{3,256})")
_URL_CRED = C(r"://([^\s:/?#@\"'<>\[\]{}]{0,128}):([^\s@/?#\"'<>{}]{1,256})@")


def _headers(scan: Scan):
    for pat, word in ((_AUTH, "authorization"), (_BEARER, "bearer")):
        for m in filter(None, (pat.match(scan.low, p) for p in scan.hits.get(word, ()))):
            value = scan.text[m.start(1) : m.end(1)].rstrip(".,;:")
            if (
                secret_value(value, True)
                and not value.lower().startswith(("bearer", "basic"))
                and not (_CODE_NAME.fullmatch(value) and wordy(value) >= 0.5)
            ):
                yield m.start(1), m.start(1) + len(value), "TOKEN"
    for m in filter(None, (_CURL_USER.match(scan.text, p) for p in _keyword_starts(scan, ("-u", "--user")))):
        if secret_value(m.group(2), True) and (m.start() == 0 or scan.text[m.start() - 1] in " \t\n\"'"):
            yield m.start(2), m.end(2), "PASSWORD"


def _url_creds(scan: Scan):
    for m in _URL_CRED.finditer(scan.text):
        if (
            not is_placeholder(m.group(2))
            and not m.group(2).startswith("$")
            and m.group(2) != "x-oauth-basic"
        ):
            yield m.start(2), m.end(2), "PASSWORD"


_CONTEXT = C(
    r"(?:key|token|secret|pass|pwd|pw|auth|credential|creds|sig|bearer|signature|cookie|session)[a-z_-]{0,20}"
)
_CONTEXT_WORDS = {
    "key",
    "keys",
    "token",
    "tokens",
    "bearer",
    "signature",
    "authorization",
    "secret",
    "secrets",
}
_BARE = {"pass", "pw", "sig", "pwd"}
_SEP_AFTER = C(r"[\"']?[ \t]{0,3}[:=]")
_CODE_NAME = C(r"[A-Za-z_][A-Za-z0-9_]*")  # a variable, not a token value
_CANDIDATE = C(r"[A-Za-z0-9+/=_.~-]{16,512}")


def _entropy(scan: Scan):
    """A random-looking string within a few words after a key-like word, on the same line."""
    text, window = scan.text, 64 if scan.strict else 40
    last = 0
    for m in filter(
        None, (_CONTEXT.match(scan.low, p) for p in _keyword_starts(scan, _KW + ("bearer", "signature")))
    ):
        word = text[m.start() : m.end()]
        if m.start() > 0 and text[m.start() - 1].isalnum() or text[m.end() : m.end() + 1].isalnum():
            continue  # "monkey", "jsonwebtoken", or a key word inside a base64 string
        first = _CANDIDATE.search(text, max(m.end(), last), m.end() + window + 16)
        if first is None or first.start() > m.end() + window:
            continue  # no long token near this word: the common case, decided cheaply
        line_end = text.find("\n", m.end(), m.end() + window + 520)
        limit = line_end if line_end >= 0 else m.end() + window + 520
        if first.start() >= limit:
            continue  # the token is on a later line (a candidate never spans a newline)
        k = m.start()
        while k > max(0, m.start() - 40) and text[k - 1] in _KEY_CHARS:
            k -= 1
        key = text[k : m.end()]
        if not (word.lower() in _CONTEXT_WORDS and not excluded_key(key) or secret_key_name(key)):
            continue  # "signal", "csrf-token", "public_key" are no key context
        if key.lower() in _BARE and not _SEP_AFTER.match(text, m.end()):
            continue  # "pass in", "pass to": a verb, unless an assignment follows
        for c in _CANDIDATE.finditer(text, first.start(), limit):
            a, b = c.span()
            if a > m.end() + window:
                break
            if (
                (text[a] == "/" and not b64ish(c.group()))
                or (a > 0 and text[a - 1] in "/\\@.$%{")
                or (b < len(text) and text[b] in "/\\@(")
            ):
                continue
            value = c.group().rstrip(".")
            lead = len(value) - len(value.lstrip("=.-~"))
            if scan.covered(a + lead, a + len(value)):
                last = b  # a provider format already took it: what a finding here would do
                break
            if secret_like(value[lead:], scan.entropy):
                yield a + lead, a + len(value), "SECRET"
                last = b
                break


def context_detectors() -> list[Detector]:
    kw = _KW
    return [
        Detector("SECRET", "secret", finder=_assignments, triggers=kw, priority=4),
        Detector(
            "TOKEN",
            "secret",
            finder=_headers,
            triggers=("authorization", "bearer", "-u", "--user"),
            priority=6,
        ),
        Detector("PASSWORD", "secret", finder=_url_creds, triggers=("://",), priority=6),
        Detector("SECRET", "secret", finder=_entropy, triggers=kw + ("bearer", "signature"), priority=2),
    ]
