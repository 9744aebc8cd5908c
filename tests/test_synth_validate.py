"""Reply parsing and pair validation, rate limits, backoff, breaker, budget, split and dedup."""

from __future__ import annotations

import asyncio
import json
import time

import pytest

from alchemy.synth.dataset import NearDuplicates, eval_documents, row, split_and_dedup
from alchemy.synth.limits import Budget, CircuitBreaker, RateLimiter, backoff, retry_after
from alchemy.synth.validate import check_pair, parse_reply, validate_reply

DOC = ("The ledger-service listens on port 8443 and stores balances in PostgreSQL 15. "
       "Page the on-call at <EMAIL_1> before any restart; the owner is <PERSON_2>.")
GOOD = {"question": "Which port does ledger-service listen on?",
        "answer": "The ledger-service listens on port 8443."}


@pytest.mark.parametrize("content,error,repaired", [
    (json.dumps({"pairs": [GOOD]}), None, False),
    ("```json\n" + json.dumps({"pairs": [GOOD]}) + "\n```", None, True),
    ("Sure! Here it is: " + json.dumps({"pairs": [GOOD]}) + " Hope it helps.", None, True),
    ('{"pairs": [{"question": "Q?", "answer": "A"},]}', None, True),  # trailing comma
    ('{"pairs": [{"question": "Q?", "answer": "A"}', None, True),  # cut off
    ("", "empty_response", False),
    ("I'm sorry, but I can't help with that.", "refusal", False),
    ("pairs: question, answer", "invalid_json", False),
])
def test_parse_reply(content, error, repaired) -> None:
    obj, err, rep = parse_reply(content)
    assert (err, rep) == (error, repaired)
    assert (obj is None) == (error is not None)


@pytest.mark.parametrize("question,answer,reason", [
    (GOOD["question"], GOOD["answer"], None),
    ("Who should be paged before a restart?", "Page the on-call at <EMAIL_1>.", None),
    ("", "The ledger-service listens on port 8443.", "empty_field"),
    ("ledger port", "The ledger-service listens on port 8443.", "not_a_question"),
    ("Which port does ledger-service use?", "I'm sorry, I cannot answer that.", "refusal"),
    ("Which port does ledger-service use?", "It listens on port 9090.", "ungrounded_number"),
    ("What does ledger-service store?", "Customer invoices are archived nightly into Snowflake "
     "warehouses by finance analysts.", "ungrounded"),
    ("Who should be paged?", "Page the on-call at oncall@lumenpay.io.", "invented_value"),
    ("Who should be paged?", "Page the on-call at <EMAIL_3>.", "placeholder_invented"),
    ("Who should be paged?", "Page the on-call at EMAIL_1 first.", "placeholder_altered"),
    ("Who owns ledger-service?", "The owner is John Smith, reachable at +44 20 7946 0958.",
     "invented_value"),
    ("Which port\ufffd?", "\ufffd\ufffd 8443", "odd_unicode"),
])
def test_check_pair(question, answer, reason) -> None:
    assert check_pair(question, answer, DOC, 0.5, 2000) == reason


def test_validate_reply_counts_every_rejection() -> None:
    pairs = [GOOD, dict(GOOD), {"question": "Q", "answer": None}, {"q": "What is stored in "
             "PostgreSQL 15?", "a": "Balances are stored in PostgreSQL 15."},
             {"question": "x?", "answer": "\u200b"}]
    v = validate_reply(json.dumps({"pairs": pairs}), DOC, 0.5, 3, 2000)
    assert [p["question"] for p in v.pairs] == [GOOD["question"], "What is stored in PostgreSQL 15?"]
    assert v.rejected == {"duplicate_in_reply": 1, "schema": 1, "empty_field": 1}
    assert validate_reply(json.dumps([GOOD]), DOC, 0.5, 3, 2000).pairs  # a bare list is fine
    assert validate_reply(json.dumps({"data": 1}), DOC, 0.5, 3, 2000).error == "schema"
    over = validate_reply(json.dumps({"pairs": [GOOD, pairs[3]]}), DOC, 0.5, 1, 2000)
    assert len(over.pairs) == 1 and over.rejected == {"over_max_pairs": 1}


def test_retry_after_and_backoff() -> None:
    assert retry_after({"Retry-After": "2"}) == 2.0
    assert retry_after({"retry-after-ms": "1500"}) == 1.5
    assert 9 < retry_after({"retry-after": "Wed, 25 Nov 2026 10:00:10 GMT"},
                           now=time.mktime(time.strptime("2026-11-25 10:00:00", "%Y-%m-%d %H:%M:%S"))
                           - time.timezone) <= 10.5
    assert retry_after({}) is None and retry_after({"retry-after": "soon"}) is None
    delays = [backoff(r, 1.0, 30.0) for r in range(8)]
    assert 0.5 <= delays[0] <= 1.0 and 15 <= delays[5] <= 30 and max(delays) <= 30
    assert 3.0 <= backoff(0, 1.0, 30.0, asked=3.0) <= 3.3  # never less than the server asked


def test_breaker_needs_a_streak_and_a_window() -> None:
    now = [0.0]
    b = CircuitBreaker(3, 10.0, clock=lambda: now[0])
    for _ in range(5):
        b.failure("503")
    assert not b.open  # many failures, but within a blip
    now[0] = 11.0
    assert b.open and "503" in b.describe()
    b.success()
    assert not b.open


def test_rate_limiter_paces_requests_and_tokens() -> None:
    async def go(limiter: RateLimiter, n: int, tokens: int) -> float:
        t0 = time.monotonic()
        for _ in range(n):
            await limiter.acquire(tokens)
        return time.monotonic() - t0

    # Lower bounds prove the pacing; the loose upper bounds only catch gross over-throttling
    # (a loaded CI machine can stretch a few sleeps).
    assert asyncio.run(go(RateLimiter(None, None), 1000, 10)) < 2.0
    assert 0.4 < asyncio.run(go(RateLimiter(1200, None), 30, 1)) < 3.0  # 20/s, burst 20
    assert 1.0 < asyncio.run(go(RateLimiter(None, 120_000), 3, 1500)) < 4.0  # 2000 tokens/s
    limiter = RateLimiter(None, None)
    limiter.pause(0.3)
    assert asyncio.run(go(limiter, 1, 1)) >= 0.25


def test_budget_reserves_the_worst_case() -> None:
    b = Budget(1.0)
    assert b.reserve(0.6) and not b.reserve(0.6)
    b.settle(0.6, 0.1)
    assert b.reserve(0.6) and b.spent == 0.1
    assert Budget(None).reserve(1e9)


def test_near_duplicates_and_split_by_document() -> None:
    d = NearDuplicates(0.8)
    assert not d.seen("Which port does ledger-service listen on?")
    assert d.seen("which port does ledger-service listen on")
    assert d.seen("Which port does the ledger-service listen on?")
    assert not d.seen("Which port does payout-scheduler listen on?")
    rows = [row(f"What is fact {i} of doc {i % 5}?", f"Fact {i}.", {"source_id": f"d{i % 5}"},
                None) for i in range(20)]
    rows.append(row("What is fact 0 of doc 0?", "dup", {"source_id": "d1"}, "Be brief."))
    ids = [f"d{i}" for i in range(5)]
    held = eval_documents(ids, 0.4, 0)
    train, evals, dups = split_and_dedup(rows, held, 0.8)
    assert dups == 1 and len(train) + len(evals) == 20
    assert {r["meta"]["source_id"] for r in evals} == held
    assert not {r["meta"]["source_id"] for r in train} & held
    assert eval_documents(["a"], 0.0, 0) == set() and len(eval_documents(["a", "b"], 0.99, 0)) == 1
    assert rows[-1]["messages"][0] == {"role": "system", "content": "Be brief."}
