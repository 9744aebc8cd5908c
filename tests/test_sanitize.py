"""The sanitizer's behaviour: secrets and PII masked consistently, knowledge kept, modes, config."""

from __future__ import annotations

import pytest

from alchemy.config import SanitizerConfig, schema_dict
from alchemy.records import Record
from alchemy.sanitize import Sanitizer

CFG = schema_dict(SanitizerConfig, key_env="", leak_gate="none")


SECRETS = {
    "AWS_KEY": "AKIAZ7Q3M4N5P6R7S8T9",
    "GITHUB_TOKEN": "ghp_4f9Kx2LmN8pQ7rS6tU5vW4xY3zA2bC1dE0fG",
    "SLACK_TOKEN": "xoxb-5829174630-7391048265173-9rdPsJjGXUiEeqrmZM6QDWZH",
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
    for value in list(SECRETS.values()) + [
        "Tr0ub4dor-x9",
        "S3cretPass",
        "priya.raman@lumenpay.io",
        "7946 0958",
        "555-0132",
        "4111 1111 1111 1111",
        "GB82 WEST",
        "078-05-1120",
        "10.20.30.40",
    ]:
        assert value not in masked, value
    for keep in [
        "PAY-123",
        "9fceb02d0ae598e95dc970b74767f19372d61af8",
        "8443",
        "v2.14.1",
        "550e8400-e29b-41d4-a716-446655440000",
        "sha256:" + "ab" * 32,
        "${DB_PASSWORD}",
        "<YOUR_API_KEY>",
        "2024-03-05T10:15:00Z",
        "src/app.py",
        "db_password:",
        "postgres://ledger:",
        "@db.internal:5432/ledger",
    ]:
        assert keep in masked, keep
    assert "<AWS_KEY_1>" in masked and "<EMAIL_1>" in masked and "<IBAN_1>" in masked
    assert n >= 13 and s.counts["PHONE"] == 2
    assert s.leaks(masked) == []


def test_same_value_same_placeholder_across_records() -> None:
    s = Sanitizer(CFG)
    a, _ = s.mask_text("ping ops@lumenpay.io then dev@lumenpay.io")
    b, _ = s.mask_text("escalate to OPS@lumenpay.io")  # e-mail identity is case-insensitive
    assert a == "ping <EMAIL_1> then <EMAIL_2>" and b == "escalate to <EMAIL_1>"
    c, _ = s.mask_text("call +44 20 7946 0958 or +442079460958")  # and phones format-insensitive
    assert c == "call <PHONE_1> or <PHONE_1>"


def test_person_names_from_structured_data() -> None:
    s = Sanitizer(CFG)
    rec = Record(
        "jira:PAY-1",
        "jira",
        "issue",
        "Ledger lag",
        "Priya Raman said restart it. Thanks Priya!",
        meta={
            "author": "Priya Raman",
            "people": ["Priya Raman", "dependabot[bot]"],
            "emails": ["p@x.io"],
            "labels": ["ops"],
        },
    )
    out, n = s.mask_record(rec)
    assert "Priya" not in out.text and out.text.count("<PERSON_1>") == 2
    assert out.meta["author"] == "<PERSON_1>" and out.meta["people"] == ["<PERSON_1>", "dependabot[bot]"]
    assert "emails" not in out.meta and out.meta["labels"] == ["ops"]


def test_names_learned_run_wide() -> None:
    s = Sanitizer(CFG)
    s.learn_people(["Priya Raman", "tom.okafor", "Tomás Novak"])
    out, _ = s.mask_text("Raman and tom.okafor paired; Priya Raman approved, Tomas Novak too. Mark it done.")
    assert out == "<PERSON_1> and <PERSON_2> paired; <PERSON_1> approved, <PERSON_3> too. Mark it done."


def test_modes_redact_and_drop() -> None:
    redacted, _ = Sanitizer({**CFG, "mode": "redact"}).mask_text("mail a@b.io and c@d.io")
    assert redacted == "mail <EMAIL> and <EMAIL>"
    drop = Sanitizer({**CFG, "mode": "drop_record"})
    rec = Record("x:1", "documents", "document", "t", "key AKIAZ7Q3M4N5P6R7S8T9 here")
    assert drop.mask_record(rec)[0] is None
    named = Record("x:2", "documents", "document", "t", "Priya wrote this", meta={"author": "Priya Raman"})
    kept, _ = drop.mask_record(named)  # a name alone is pseudonymised, not a reason to drop
    assert kept is not None and kept.text == "<PERSON_1> wrote this"
    off = Sanitizer({**CFG, "enabled": False})
    assert off.mask_text("a@b.io")[0] == "a@b.io"
    with pytest.raises(ValueError, match="sanitizer.mode"):
        Sanitizer({**CFG, "mode": "hide"})


def test_allowlist_exact_values_extra_rules_and_skip() -> None:
    s = Sanitizer(schema_dict(SanitizerConfig, **{
        **CFG,
        "allowlist": [r"support@lumenpay\.io"],
        "allow_values": ["10.0.0.1"],
        "rules": [{"type": "EMPLOYEE_ID", "pattern": r"EMP-\d{6}", "family": "pii"}],  # group: 0
        "skip_types": ["IP"],
    }))
    out, _ = s.mask_text("write to support@lumenpay.io, not bob@lumenpay.io; EMP-123456 on 10.0.0.2")
    assert out == "write to support@lumenpay.io, not <EMAIL_1>; <EMPLOYEE_ID_1> on 10.0.0.2"
    with pytest.raises(ValueError, match="UPPER_CASE"):
        Sanitizer({**CFG, "rules": [{"type": "bad type", "pattern": "x", "family": "secret", "group": 0}]})


def test_values_at_sentence_end() -> None:
    out, _ = Sanitizer(CFG).mask_text("Call 212-555-0187. Requests came from 81.2.69.23. Done")
    assert out == "Call <PHONE_1>. Requests came from <IP_1>. Done"
    kept, _ = Sanitizer(CFG).mask_text("Upgrade to 10.2.3.4.5 and 1.2.3, or v1.2.3.4")
    assert kept == "Upgrade to 10.2.3.4.5 and 1.2.3, or v1.2.3.4"


@pytest.mark.parametrize(
    "option,check",
    [
        ("default", lambda c: c.enabled and not c.strict and c.entropy == 3.5 and not c.ner),
        ("strict", lambda c: c.enabled and c.strict and c.entropy == 3.0 and c.ner),
        ("off", lambda c: not c.enabled and not c.fail_on_leak),
    ],
)
def test_config_options(option, check) -> None:
    from tests.conftest import compose_cfg

    assert check(compose_cfg(f"sanitizer={option}").sanitizer)


def test_strict_masks_plain_word_passwords() -> None:
    text = "password: swordfish"
    assert Sanitizer(CFG).mask_text(text)[0] == text
    assert Sanitizer({**CFG, "strict": True}).mask_text(text)[0] == "password: <PASSWORD_1>"


class _Ent:
    def __init__(self, text: str, start: int) -> None:
        self.text, self.start_char, self.end_char, self.label_ = text, start, start + len(text), "PERSON"


def test_ner_names_from_an_offline_pipeline(monkeypatch) -> None:
    from alchemy.sanitize import names

    def nlp(text: str):  # stands in for a spaCy pipeline shipped in a package (en_core_web_sm)
        return type("Doc", (), {"ents": [_Ent("Margaret Thompson", text.find("Margaret"))]})()

    monkeypatch.setattr(names, "_ner_model", lambda model: nlp)
    out, _ = Sanitizer({**CFG, "ner": True}).mask_text("Yesterday Margaret Thompson called ops@acme.io")
    assert out == "Yesterday <PERSON_1> called <EMAIL_1>"


def test_ner_missing_is_a_warning_not_a_failure(monkeypatch, caplog) -> None:
    from alchemy.sanitize import names

    def missing(model: str):
        raise OSError(f"can't find model {model!r}")

    monkeypatch.setattr(names, "_ner_model", missing)
    s = Sanitizer({**CFG, "ner": True, "ner_model": "en_core_web_sm"})
    assert s.ctx.ner is False and "NER names off" in caplog.text
