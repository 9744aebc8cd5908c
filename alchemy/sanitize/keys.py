"""Is this key name a secret's name, and is this value a real secret? The judgement of context rules.

``db_password``, ``apiKey``, ``client-secret`` name secrets; ``secret_name``, ``token_url``,
``kms_key_id``, ``max_tokens``, ``csrf-token``, ``public_key`` do not. A value must not be a
placeholder, an env reference, code (``self.password``, ``get_token()``) or a plain word.
"""

from __future__ import annotations

import re
from functools import lru_cache

from alchemy.sanitize.checks import is_placeholder, wordy

# fmt: off
_SECRET_WORDS = tuple((
    "password passwd passphrase passcode pass pwd pw secret secrets token tokens apikey credential "
    "credentials creds sig signature cookie sessionid privatekey secretkey accesskey accountkey "
    "authkey sharedaccesskey signingkey encryptionkey masterkey clientsecret"
).split())
_KEY_PAIRS = {tuple(p.split("_")) for p in (
    "api_key access_key private_key secret_key account_key signing_key encryption_key master_key "
    "auth_key client_secret session_id session_key license_key app_key shared_key"
).split()}
_NOT_SECRET_LAST = set((
    "name names id ids url uri urls path paths file files dir length len size type ttl expiry expires "
    "expiration env var vars header endpoint count max min timeout policy version ref arn field "
    "prefix suffix format regex pattern label hint enabled required rotation manager store provider "
    "mode scope scopes kind source template placeholder algorithm alg strategy reset strength "
    "validity lifetime duration location description limit reuse history age days complexity class "
    "service level sent used created updated at date time hash_algorithm schema chars charset index "
    "idx mapping map list selector ui button input form label validator validation policies rules "
    "rule count error errors message msg attempts retries key_id keyid fingerprint public"
).split())
_NOT_SECRET_ANY = set((
    "public csrf xsrf publishable pub nonce max min num total count limit usage input output prompt "
    "completion authenticity"
).split())
_NOT_ENDINGS = tuple("bypass compass sigma jsonwebtoken encompass trespass overpass underpass".split())
# fmt: on
_NON_ALNUM = re.compile(r"[^A-Za-z0-9]+")
PASSWORDISH = re.compile(r"(?i)pass|pwd")
_ATTRIBUTE = re.compile(r"[A-Za-z_][\w]*(?:\.[A-Za-z_]\w*)+(?:\(\))?")
_CAMEL = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|[0-9]+")


@lru_cache(maxsize=4096)
def secret_key_name(key: str) -> bool:
    """Does this key name (``DB_PASSWORD``, ``apiKey``, ``client-secret``) hold a secret?"""
    words = [w.lower() for part in _NON_ALNUM.split(key) for w in _CAMEL.findall(part)]
    if not words or words[-1] in _NOT_SECRET_LAST or _NOT_SECRET_ANY.intersection(words):
        return False
    if len(words) >= 2 and "_".join(words[-2:]) in _NOT_SECRET_LAST:
        return False
    if any(
        w in _SECRET_WORDS or w.endswith(_SECRET_WORDS) and len(w) <= 14 and not w.endswith(_NOT_ENDINGS)
        for w in words
    ):
        return True
    pairs = set(zip(words, words[1:], strict=False))
    return bool(pairs & _KEY_PAIRS) or words == ["auth"] or words[-1] == "auth" and len(words) <= 3


def excluded_key(key: str) -> bool:
    """A key whose words say "not a secret" (csrf, public, ..._url): no key context either."""
    words = [w.lower() for part in _NON_ALNUM.split(key) for w in _CAMEL.findall(part)]
    return bool(_NOT_SECRET_ANY.intersection(words)) or bool(words) and words[-1] in _NOT_SECRET_LAST


_HASH_PREFIX = re.compile(r"\$(?:2[aby]?|argon2(?:id|i|d)?|[156]|pbkdf2[\w-]*)\$")
_LOWER_WORD = re.compile(r"[a-z]+(?:[_-][a-z]+)*")
_PHRASE = re.compile(r"[A-Za-z][a-z]*(?: [a-z]+)+[.!]?")  # 'secret': 'will be replaced' is prose
_ENV_REF = re.compile(r"\$(?:\{\{?|\(|[A-Za-z_][A-Za-z0-9_]*(?:$|[:.}/-]))")
_CAMEL_WORDS = re.compile(r"[A-Za-z][a-z]+(?:[A-Z][a-z]+)*")  # Callable, CookieJar: type names


def secret_value(value: str, strict: bool) -> bool:
    """A value that could be a real credential, not a reference, a template or prose."""
    v = value.strip()
    if len(v) < (3 if strict else 4) or "://" in v or "<" in v or ">" in v:
        return False
    if v.startswith("$") and not _HASH_PREFIX.match(v) and _ENV_REF.match(v):
        return False  # $VAR, ${VAR}, $(cmd), $env:VAR; a password may still start with "$"
    if is_placeholder(v) or v.startswith(("/", "./", "~/", "../")) and v.count("/") >= 2 and "=" not in v:
        return False
    if not strict and (
        _LOWER_WORD.fullmatch(v)
        or _PHRASE.fullmatch(v)
        or v.isalpha()
        and (len(v) < 8 or _CAMEL_WORDS.fullmatch(v) and wordy(v) >= 0.5)
        or v.isdigit()
        and len(v) < 6
    ):
        return False  # "token: required", "pass_fds: Sequence[int]", "pin: 42"
    return not (_ATTRIBUTE.fullmatch(v) and (wordy(v) >= 0.5 or not any(c.isdigit() for c in v)))
