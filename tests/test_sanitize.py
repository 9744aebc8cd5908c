"""The first sanitizer pass: secrets and PII masked consistently, knowledge kept."""

from __future__ import annotations

from alchemy.records import Record
from alchemy.sanitize import Sanitizer

CFG = {"enabled": True, "mode": "mask", "secrets": True, "pii": True, "names": True,
       "key_env": "", "allowlist": []}

SECRETS = {
    "AWS_KEY": "AKIAZ7Q3M4N5P6R7S8T9",
    "GITHUB_TOKEN": "ghp_4f9Kx2LmN8pQ7rS6tU5vW4xY3zA2bC1dE0fG",
    "SLACK_TOKEN": "xoxb-1234567890-0987654321-AbCdEfGhIjKlMnOpQrStUv",
    "STRIPE_KEY": "sk_live_51HqLyjWDarjtT1zdp7dcXyz",
    "JWT": "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJsZWRnZXIiLCJpYXQiOjE3MDB9.c2lnbmF0dXJlLXZhbHVlLTEyMw",
}


def test_secrets_pii_masked_and_knowledge_kept() -> None:
    s = Sanitizer(CFG)
    text = (
        f"aws key {SECRETS['AWS_KEY']} and token {SECRETS['GITHUB_TOKEN']}\n"
        f"slack: {SECRETS['SLACK_TOKEN']} stripe {SECRETS['STRIPE_KEY']}\n"
        f"Authorization: Bearer {SECRETS['JWT']}\n"
        "db_password: Tr0ub4dor-x9\nDATABASE_URL=postgres://ledger:S3cretPass@db.internal:5432/ledger\n"
        "mail priya.raman@lumenpay.io or call +44 20 7946 0958 / (415) 555-0132\n"
        "card 4111 1111 1111 1111, IBAN GB82 WEST 1234 5698 7654 32, SSN 078-05-1120, host 10.20.30.40\n"
        "Keep: PAY-123, commit 9fceb02d0ae598e95dc970b74767f19372d61af8, port 8443, v2.14.1,\n"
        "uuid 550e8400-e29b-41d4-a716-446655440000, image sha256:" + "ab" * 32 + ",\n"
        "password: ${DB_PASSWORD} and api_key=<YOUR_API_KEY>, at 2024-03-05T10:15:00Z in src/app.py\n"
    )
    masked, n = s.mask_text(text)
    for value in list(SECRETS.values()) + ["Tr0ub4dor-x9", "S3cretPass", "priya.raman@lumenpay.io",
                                           "7946 0958", "555-0132", "4111 1111 1111 1111",
                                           "GB82 WEST", "078-05-1120", "10.20.30.40"]:
        assert value not in masked, value
    for keep in ["PAY-123", "9fceb02d0ae598e95dc970b74767f19372d61af8", "8443", "v2.14.1",
                 "550e8400-e29b-41d4-a716-446655440000", "sha256:" + "ab" * 32, "${DB_PASSWORD}",
                 "<YOUR_API_KEY>", "2024-03-05T10:15:00Z", "src/app.py", "db_password:",
                 "postgres://ledger:"]:
        assert keep in masked, keep
    assert "<AWS_KEY_1>" in masked and "<EMAIL_1>" in masked and "<IBAN_1>" in masked
    assert n >= 13 and s.counts["PHONE"] == 2
    assert s.leaks(masked) == []


def test_same_value_same_placeholder_across_records() -> None:
    s = Sanitizer(CFG)
    a, _ = s.mask_text("ping ops@lumenpay.io then dev@lumenpay.io")
    b, _ = s.mask_text("escalate to ops@lumenpay.io")
    assert a == "ping <EMAIL_1> then <EMAIL_2>" and b == "escalate to <EMAIL_1>"


def test_person_names_from_structured_data() -> None:
    s = Sanitizer(CFG)
    rec = Record("jira:PAY-1", "jira", "issue", "Ledger lag", "Priya Raman said restart it. Thanks Priya!",
                 meta={"author": "Priya Raman", "people": ["Priya Raman"], "emails": ["p@x.io"]})
    out, n = s.mask_record(rec)
    assert "Priya" not in out.text and out.text.count("<PERSON_1>") == 2
    assert out.meta["author"] == "<PERSON_1>" and out.meta["people"] == ["<PERSON_1>"]
    assert "emails" not in out.meta


def test_modes_redact_and_drop() -> None:
    redacted, _ = Sanitizer({**CFG, "mode": "redact"}).mask_text("mail a@b.io")
    assert redacted == "mail <EMAIL>"
    rec = Record("x:1", "documents", "document", "t", "key AKIAZ7Q3M4N5P6R7S8T9 here")
    assert Sanitizer({**CFG, "mode": "drop_record"}).mask_record(rec)[0] is None
    off = Sanitizer({**CFG, "enabled": False})
    assert off.mask_text("a@b.io")[0] == "a@b.io"


def test_allowlist() -> None:
    s = Sanitizer({**CFG, "allowlist": [r"support@lumenpay\.io"]})
    out, _ = s.mask_text("write to support@lumenpay.io, not bob@lumenpay.io")
    assert "support@lumenpay.io" in out and "bob@" not in out


def test_names_learned_run_wide() -> None:
    s = Sanitizer(CFG)
    s.learn_people(["Priya Raman", "tom.okafor"])
    out, _ = s.mask_text("Raman and tom.okafor paired; Priya Raman approved. Mark it done.")
    assert out == "<PERSON_1> and <PERSON_2> paired; <PERSON_1> approved. Mark it done."


def test_values_at_sentence_end() -> None:
    out, _ = Sanitizer(CFG).mask_text("Call 212-555-0187. Requests came from 198.51.100.23. Done")
    assert out == "Call <PHONE_1>. Requests came from <IP_1>. Done"
    kept, _ = Sanitizer(CFG).mask_text("Upgrade to 10.2.3.4.5 and 1.2.3")
    assert kept == "Upgrade to 10.2.3.4.5 and 1.2.3"
