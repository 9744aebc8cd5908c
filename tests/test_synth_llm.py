"""The LLM generator driven through litellm over real HTTP, exactly as DeepSeek would be.

Every test starts the OpenAI-compatible server of tests/synth_server.py on 127.0.0.1 and runs
the synth stage with ``synth=deepseek`` and ``synth.api_base`` pointing at it.
"""

from __future__ import annotations

import json
import time

import pytest

from alchemy.records import read_jsonl
from alchemy.runner import Runner, StageFailed
from alchemy.stages import ConfigError
from tests.synth_helpers import KEY, llm_cfg, read_rows, serve


@pytest.fixture
def llm_server():
    yield from serve()


SMALL = ("synth.chunk.max_tokens=48", "synth.chunk.min_tokens=8", "synth.chunk.overlap_tokens=8")


@pytest.fixture(autouse=True)
def _key(monkeypatch) -> None:
    monkeypatch.setenv("DEEPSEEK_API_KEY", KEY)


def synth(cfg, run_dir):
    return Runner(cfg, run_dir).run()["stages"]["synth"]


def test_pairs_cost_json_mode_and_no_key_anywhere(llm_server, tmp_path) -> None:
    st = synth(llm_cfg(llm_server, tmp_path), tmp_path / "run")
    stats = llm_server.stats()
    assert st["chunks"] == st["chunks_ok"] == stats["requests"] == 6
    assert stats["json_mode"] == stats["requests"] and st["json_mode"] is True
    assert {e["auth"] for e in llm_server.log} == {f"Bearer {KEY}"}  # the key is used...
    assert st["tokens_in"] > 0 and st["tokens_out"] > 0 and 0 < st["cost_usd"] < 0.01
    rows = read_rows(tmp_path / "run" / "sft_train.jsonl") + read_rows(tmp_path / "run" /
                                                                        "sft_eval.jsonl")
    assert rows and all(r["messages"][0]["content"].endswith("?") for r in rows)
    assert all(r["meta"]["generator"] == "deepseek/deepseek-chat" and r["meta"]["span"]
               for r in rows)
    cache = tmp_path / "cache"
    texts = [p.read_text(errors="ignore") for p in cache.rglob("*") if p.is_file()]
    texts.append((tmp_path / "run" / "report.json").read_text())
    assert not any(KEY in t for t in texts)  # ...and never written anywhere


def test_cached_calls_are_never_repeated(llm_server, tmp_path) -> None:
    synth(llm_cfg(llm_server, tmp_path), tmp_path / "r1")
    again = synth(llm_cfg(llm_server, tmp_path, "synth.eval_fraction=0.5"), tmp_path / "r2")
    assert again["cached"] is False and again["calls"] == 0 and again["calls_cached"] == 6
    assert llm_server.stats()["requests"] == 6


def test_transient_faults_are_retried_and_bad_replies_rejected(llm_server, tmp_path) -> None:
    # One call at a time, so each fault lands where planned: transport faults are retried with
    # backoff; unusable replies are repaired (JSON, locally or by one repair call) or retried
    # with feedback; a reply trickling in byte by byte is cut off by the per-call deadline.
    llm_server.plan.extend(["429", "500", "ok", "503", "garbage", "ok", "timeout", "slow", "ok",
                            "malformed", "fenced", "refusal", "ok", "schema", "ok", "unicode",
                            "ok", "empty", "ok", "garbled"])
    t0 = time.time()
    st = synth(llm_cfg(llm_server, tmp_path, *SMALL, "synth.concurrency=1"), tmp_path / "run")
    assert time.time() - t0 < 20  # the trickling reply was cut off by the per-call deadline
    assert st["call_errors"] == {"rate_limited": 1, "server_error": 2, "bad_response": 1,
                                 "timeout": 2}
    assert st["json_repaired_locally"] == 2  # trailing comma; code fence around prose
    assert st["repair_calls"] == st["json_repaired_by_call"] == 1  # single quotes: one repair call
    assert st["reply_errors"] == {"refusal": 1, "empty_response": 1}
    assert st["pairs_rejected"] == {"schema": 1, "odd_unicode": 1}
    assert st["feedback_retries"] == 4 and st["chunks_failed"] == 0
    assert st["chunks_skipped"] > 0 and {f["reason"] for f in st["failures"]} == {"chunk_too_small"}
    assert st["chunks_ok"] + st["chunks_skipped"] == st["chunks"]
    for name in ("sft_train.jsonl", "sft_eval.jsonl"):
        for r in read_jsonl(tmp_path / "run" / name):
            assert all(isinstance(m["content"], str) and m["content"].strip()
                       for m in r["messages"])


def test_retry_after_is_honoured(llm_server, tmp_path) -> None:
    llm_server.retry_after = 0.6
    llm_server.plan.append("429")
    synth(llm_cfg(llm_server, tmp_path, "synth.concurrency=1", "synth.backoff_s=0.01"),
          tmp_path / "run")
    times = [e["t"] for e in llm_server.log]
    assert llm_server.log[0]["status"] == 429 and times[1] - times[0] >= 0.55


def test_a_chunk_that_keeps_failing_is_recorded_not_written(llm_server, tmp_path) -> None:
    llm_server.per_chunk["payout-service"] = ["refusal"]
    st = synth(llm_cfg(llm_server, tmp_path, "synth.max_attempts=3"), tmp_path / "run")
    assert st["chunks_failed"] == 1 and st["failures_total"] == 1
    failure = st["failures"][0]
    assert failure["source_id"] == "documents:payout.md" and failure["attempts"] == 3
    assert "refusal" in failure["reason"]
    art = tmp_path / "cache" / "synth" / st["fingerprint"]
    assert [f["chunk_id"] for f in read_jsonl(art / "failures.jsonl")] == [failure["chunk_id"]]
    rows = read_rows(art / "sft_train.jsonl") + read_rows(art / "sft_eval.jsonl")
    assert "documents:payout.md" not in {r["meta"]["source_id"] for r in rows}


def test_api_down_trips_the_breaker_and_stops_cleanly(llm_server, tmp_path) -> None:
    llm_server.down = True
    cfg = llm_cfg(llm_server, tmp_path, *SMALL, "synth.breaker_failures=4", "synth.concurrency=2")
    with pytest.raises(StageFailed, match="API looks down.*re-run resumes"):
        Runner(cfg, tmp_path / "run").run()
    assert llm_server.stats()["requests"] <= 4 + 2  # it stopped, instead of burning the corpus
    last = json.loads((tmp_path / "cache" / "synth_calls" / "last_run.json").read_text())
    assert last["chunks_not_run"] > 0 and "down" in last["stopped"]
    report = json.loads((tmp_path / "run" / "report.json").read_text())
    assert "API looks down" in report["stages"]["synth"]["error"]


def test_bad_key_stops_at_once_and_is_never_echoed(llm_server, tmp_path, capfd) -> None:
    llm_server.plan.extend(["401"] * 50)
    with pytest.raises(StageFailed, match="auth error") as info:
        Runner(llm_cfg(llm_server, tmp_path, "synth.concurrency=1"), tmp_path / "run").run()
    assert llm_server.stats()["requests"] == 1
    out, err = capfd.readouterr()
    assert KEY not in out + err + str(info.value)


def test_missing_key_is_a_config_error(llm_server, tmp_path, monkeypatch) -> None:
    monkeypatch.delenv("DEEPSEEK_API_KEY")
    with pytest.raises(ConfigError, match="DEEPSEEK_API_KEY"):
        Runner(llm_cfg(llm_server, tmp_path), tmp_path / "run").run()


def test_budget_stops_before_it_is_exceeded_then_resumes(llm_server, tmp_path) -> None:
    cheap = ("synth.max_tokens=200", "synth.concurrency=1")
    with pytest.raises(StageFailed, match="max_cost_usd=0.00025 reached"):
        Runner(llm_cfg(llm_server, tmp_path, *cheap, "synth.max_cost_usd=0.00025"),
               tmp_path / "r1").run()
    last = json.loads((tmp_path / "cache" / "synth_calls" / "last_run.json").read_text())
    assert 0 < last["calls"] < 6 and last["cost_usd"] <= 0.00025
    st = synth(llm_cfg(llm_server, tmp_path, *cheap, "synth.max_cost_usd=1"), tmp_path / "r2")
    assert st["calls_cached"] == last["calls"] and st["chunks_ok"] == 6
    assert llm_server.stats()["duplicate_ok"] == 0


def test_dry_run_estimates_without_calling(llm_server, tmp_path) -> None:
    st = synth(llm_cfg(llm_server, tmp_path, "synth.dry_run=true"), tmp_path / "run")
    assert llm_server.stats()["requests"] == 0
    assert st["dry_run"] and st["calls_needed"] == 6 and st["tokens_in"] > 500
    assert 0 < st["cost_usd_expected"] <= st["cost_usd_max"]
    with pytest.raises(ConfigError, match="dry_run"):
        Runner(llm_cfg(llm_server, tmp_path, "synth.dry_run=true",
                       "pipeline.stages=[synth,train]"), tmp_path / "r2").run()


def test_bounded_pool_json_mode_fallback_and_judge(llm_server, tmp_path) -> None:
    llm_server.latency = 0.15
    llm_server.reject_json_mode = True
    st = synth(llm_cfg(llm_server, tmp_path, *SMALL, "synth.concurrency=3", "synth.judge=true"),
               tmp_path / "run")
    assert llm_server.stats()["max_in_flight"] == 3
    assert st["json_mode"] is False and st["call_errors"]["json_mode"] >= 1
    assert st["judge_calls"] == st["chunks_ok"] > 3

