"""Abstention before generating: which names a question requires, and when they are missing."""

from __future__ import annotations

from alchemy.eval.scoring import declines
from alchemy.retrieval.abstain import missing, names, refusal


def test_names_are_identifiers_not_words_acronyms_or_numbers() -> None:
    q = "Which port does ledger-service use, per OPS-139 and LP_DB_URL on PgBouncer's host?"
    assert names(q) == ["ledger-service", "OPS-139", "LP_DB_URL", "PgBouncer"]
    assert names("What does the SRE team do on a PR after 2024?") == []
    assert names("Is Python 3.12 or k8s v1.29 used?") == ["k8s", "v1.29"]
    assert names("Who owns it?") == []


def test_a_name_is_found_with_any_separator_and_case() -> None:
    text = ["The Ledger Service listens on 8443.", "lp-db-url points at pgbouncer"]
    assert missing("Which port does ledger-service use?", text) == []
    assert missing("What is LP_DB_URL set to on PgBouncer?", text) == []
    assert missing("Does ledger-service-v2 exist?", text) == ["ledger-service-v2"]
    # a name's parts must be whole words: "ledger" inside "ledgers" is not the name
    assert missing("What is ledger-svc?", ["the ledgers svc"]) == ["ledger-svc"]


def test_refusal_names_what_is_missing_and_counts_as_declining() -> None:
    said = refusal("Which port does billing-service use?", ["ledger-service listens on 8443"])
    assert said == "The sources do not mention billing-service." and declines(said)
    assert refusal("Which port does ledger-service use?", ["ledger-service: 8443"]) is None
    # no name, a shared word: the model decides; nothing retrieved at all: declined
    assert refusal("Which port does the ledger use?", ["The ledger runs on 8443."]) is None
    assert refusal("Which port does the ledger use?", []) is not None


def test_passages_sharing_no_content_word_with_the_question_are_declined() -> None:
    said = refusal("How many approvals does a pull request need?",
                   ["The deploy freeze lasts from Friday 15:00 UTC to Monday 09:00 UTC."])
    assert said is not None and declines(said)
    assert refusal("How many approvals does a pull request need?",
                   ["Every change needs two approvals and green CI."]) is None
    assert refusal("What is it?", ["Unrelated text about deploys."]) is None  # no content word


def test_the_benchmark_counts_false_and_right_refusals(tmp_path, capsys, monkeypatch) -> None:
    import json
    import runpy
    import sys

    from tests.test_retrieval import RECORDS

    corpus, questions = tmp_path / "train.jsonl", tmp_path / "q.jsonl"
    corpus.write_text("".join(json.dumps(r) + "\n" for r in RECORDS))
    asked = ["Which port does ledger-service listen on?", "Where does gateway-api terminate TLS?",
             "How is payout-scheduler restarted?"]
    questions.write_text("".join(json.dumps({"question": q, "answer": "x"}) + "\n" for q in asked))
    monkeypatch.setattr(sys, "argv", ["abstain_bench", "--corpus", str(corpus), "--questions",
                                      str(questions), "-k", "1"])
    runpy.run_module("benchmarks.abstain_bench", run_name="__main__")
    out = capsys.readouterr().out
    assert "its own passages     0/3" in out and "another's            3/3" in out
