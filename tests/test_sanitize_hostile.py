"""Bad input: huge lines, binary noise and backtracking bait stay fast; disguised tokens are caught."""

from __future__ import annotations

import random
import signal
import time
from contextlib import contextmanager

import pytest

from alchemy.config import SanitizerConfig, schema_dict
from alchemy.records import Record
from alchemy.sanitize import SanitizeContext, Sanitizer

CFG = schema_dict(SanitizerConfig, key_env="", leak_gate="none")
MB = 1_000_000


@contextmanager
def deadline(seconds: int):
    """Fail (instead of hanging) if the block runs longer than this."""

    def boom(*_):
        raise TimeoutError(f"took more than {seconds} s")

    old = signal.signal(signal.SIGALRM, boom)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def _noise(n: int) -> str:
    return random.Random(1).randbytes(n).decode("latin-1")


HOSTILE = {
    "letters": lambda: "a" * MB,
    "digits": lambda: "1" * MB,
    "digits_and_dashes": lambda: "1-" * (MB // 2),
    "digits_and_dots": lambda: "1." * (MB // 2),
    "base64ish": lambda: "".join(random.Random(2).choices("ABCDEFabcdef0123456789+/", k=MB)),
    "at_signs": lambda: "a@" * (MB // 2),
    "email_bait": lambda: "a." * (MB // 2) + "@",
    "colons": lambda: ":" * MB,
    "hex_colons": lambda: "a:" * (MB // 2),
    "pem_without_end": lambda: "-----BEGIN RSA PRIVATE KEY-----\n" + ("A" * 64 + "\n") * (MB // 65),
    "pem_begins": lambda: "-----BEGIN PRIVATE KEY-----" * (MB // 27),
    "jwt_bait": lambda: "eyJ" + "a" * MB,
    "assign_bait": lambda: "password=" * (MB // 9),
    "key_bait": lambda: "key: " * (MB // 5),
    "token_prefixes": lambda: "ghp_sk-xoxb-AKIAhf_" * (MB // 19),
    "url_bait": lambda: "://a:" * (MB // 5),
    "binary_noise": lambda: _noise(MB),
    "spaces_digits": lambda: "1 " * (MB // 2),
    "plus_digits": lambda: "+1 (" * (MB // 4),
    "iban_bait": lambda: "GB82 " * (MB // 5),
    "iban_named_bait": lambda: "iban gb82 " * (MB // 10),
    "xml_bait": lambda: "<password>" * (MB // 10),
    "auth_bait": lambda: "Authorization: Bearer " * (MB // 22),
    "fragments": lambda: "".join(
        random.Random(4).choices(
            [
                "key=",
                "token: ",
                "@",
                "://",
                "+44 ",
                "4111 ",
                "-----BEGIN PRIVATE KEY-----",
                "eyJ",
                "sk-",
                "AKIA",
                "::",
                "10.0.",
                "Bearer ",
                "a" * 20,
                "\n",
                "\u200b",
                "password is ",
            ],
            k=MB // 8,
        )
    ),
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_one_megabyte_of_hostile_input_is_bounded(name) -> None:
    text = HOSTILE[name]()
    ctx = SanitizeContext(CFG)
    with deadline(30):
        t0 = time.perf_counter()
        ctx.sanitize_record(Record("x:1", "x", "x", "", text))
        elapsed = time.perf_counter() - t0
    assert elapsed < 8, f"{name}: {elapsed:.1f} s for 1 MB"  # typically well under 1 s


def test_zero_width_and_confusables_still_caught() -> None:
    s = Sanitizer(CFG)
    zw = "token ghp_bszFT2xRQoI1\u200bfunKBBA2P0UEObUUADMScN4A here"
    cyr = "key \u0410KIA4LPNQ7RZT2VXW3YB here"  # Cyrillic capital A
    full = "\uff47\uff48\uff50\uff3fbszFT2xRQoI1funKBBA2P0UEObUUADMScN4A"  # fullwidth ghp_
    soft = "mail priya.\u00adraman@lumenpay.io"
    out = [s.mask_text(t)[0] for t in (zw, cyr, full, soft)]
    assert out == [
        "token <GITHUB_TOKEN_1> here",
        "key <AWS_KEY_1> here",
        "<GITHUB_TOKEN_1>",
        "mail <EMAIL_1>",
    ]


def test_other_unicode_is_kept_as_written() -> None:
    text = "Tomás paid £23,410.56 — see “OPS-101” in 東京; ｆｕｌｌwidth stays; mail a@b.io"
    out, _ = Sanitizer(CFG).mask_text(text)
    assert out == text.replace("a@b.io", "<EMAIL_1>")
