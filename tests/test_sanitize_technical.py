"""Technical values that real histories and docs hold are kept; the PII beside them is not.

Modelled on a public project's changelog, diffs and docs: release headers, git index lines,
version ranges, decorators in diffs, RFC 2606 addresses, URL user names, documentation IPs.
"""

from __future__ import annotations

import pytest

from alchemy.config import SanitizerConfig, schema_dict
from alchemy.sanitize import Sanitizer

CFG = schema_dict(SanitizerConfig, key_env="", leak_gate="none")
TOKEN = "ghp_4f9Kx2LmN8pQ7rS6tU5vW4xY3zA2bC1dE0fG"


def _mask(text: str, **cfg) -> str:
    return Sanitizer({**CFG, **cfg}).mask_text(text)[0]


@pytest.mark.parametrize("text", [
    "2.27.0 (2022-01-03)\n-------------------",
    "+2.18.3 (2017-08-02)\n+++++++++++++++++++",  # the same header on an added diff line
    "Bumps cryptography from 41.0.7 to 42.0.2 (https://x.io/compare/41.0.7...42.0.2)",
    '| ``"2003-07-08 16:49:45,896"`` (the number of ms) |',
    "diff --git a/docs/x.rst b/docs/x.rst\nindex cac4ace0..42202648 100644",
    "+@pytest.mark.parametrize('mode', ['w', 'x'])\n+@app.route('/login')",
])
def test_versions_dates_index_lines_and_decorators_kept(text: str) -> None:
    assert _mask(text) == text


def test_real_phones_and_cards_still_masked() -> None:
    out = _mask("call +44 20 7946 0958 or (555) 123-4567, card 4111 1111 1111 1111, 4111111111111111")
    assert out == "call <PHONE_1> or <PHONE_2>, card <CARD_1>, <CARD_1>"


def test_reserved_domains_and_url_userinfo_are_not_emails() -> None:
    text = ("Use fake@example.com, bob@corp.example or a@b.test. Note: http://localhost@other.com "
            "goes to other.com. Mail ann@acme.io")
    assert _mask(text) == text.replace("ann@acme.io", "<EMAIL_1>")


def test_url_credentials_still_masked_and_known_user_names_too() -> None:
    s = Sanitizer(CFG)
    s.learn_people(["Kenji Matsuda", "kmatsuda\x1fKenji Matsuda"])
    out, _ = s.mask_text("clone https://kmatsuda@git.acme.io/x.git or https://ci:Pa55w0rd!x@git.acme.io")
    assert out == "clone https://<PERSON_1>@git.acme.io/x.git or https://ci:<PASSWORD_1>@git.acme.io"


def test_documentation_ips_kept_private_masked_unless_allowed() -> None:
    text = "docs 192.0.2.1 198.51.100.7 203.0.113.9 2001:db8::1, 127.0.0.1 0.0.0.0; hosts 10.0.0.7 8.8.4.4"
    assert _mask(text) == text.replace("10.0.0.7", "<IP_1>").replace("8.8.4.4", "<IP_2>")
    kept = _mask(text, ip_allow=["10.0.0.0/8"])
    assert "10.0.0.7" in kept and "8.8.4.4" not in kept
    with pytest.raises(ValueError):
        Sanitizer({**CFG, "ip_allow": ["10.0.0.0/33"]})


@pytest.mark.parametrize("text", [f"`GH_TOKEN={TOKEN}`", f"``GH_TOKEN={TOKEN} gh pr list``",
                                  f"GH_TOKEN={TOKEN}"])
def test_variable_name_kept_only_the_token_masked(text: str) -> None:
    assert _mask(text) == text.replace(TOKEN, "<GITHUB_TOKEN_1>")
