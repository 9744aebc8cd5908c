"""The offline generator: grounded, deterministic, structure-aware, in the source's language."""

from __future__ import annotations

import subprocess
import sys
from collections import Counter

import pytest

from alchemy.records import read_jsonl
from alchemy.runner import Runner
from alchemy.stages import ConfigError
from alchemy.synth.offline import pairs_for

ISSUE = {"id": "jira:LEDG-40", "kind": "issue", "title": "Move idempotency keys to PostgreSQL",
         "meta": {"key": "LEDG-40", "issuetype": "Story", "status": "Done", "resolution": "Done"},
         "text": "LEDG-40: Move idempotency keys to PostgreSQL\nType: Story | Status: Done\n\n"
                 "## Description\n\n#### Context\n\nThe in-process cache only works with one pod, so "
                 "retries on other pods posted refunds twice.\n\n#### Decision (ADR-014)\n\nThe "
                 "database is the single source of truth: a table idempotency_keys with a unique "
                 "(merchant_id, idempotency_key) constraint.\n\n## Comments\n\n**<PERSON_1>** "
                 "(2024-02-10):\nMerged in PR #47; keys are kept for 72 hours.\n"}
PAGE = {"id": "confluence:1", "kind": "page", "title": "Service Catalogue",
        "text": "# Service Catalogue\nPath: Engineering\n\nEvery production service and who owns it, "
                "kept in sync with PagerDuty.\n\n## Services\n\n| Service | Owning team | Port |\n"
                "|---|---|---|\n| ledger-service | Ledger | 8443 |\n| gateway-api | Payments Edge "
                "| 8080 |\n\n## Teams\n\n`ledger-service` is the double-entry ledger of the company, "
                "owned by the Ledger team.\n"}
GERMAN = {"id": "documents:betrieb.md", "kind": "document", "title": "Betriebshandbuch",
          "text": "# Betriebshandbuch\n\n## Neustarts\n\nDer Dienst wird von der Bereitschaft neu "
                  "gestartet, wenn die Fehlerrate nicht unter die Grenze fällt und das Team es "
                  "für nötig hält.\n"}


def test_issue_pairs_cover_description_decision_and_resolution() -> None:
    pairs = pairs_for(ISSUE, 3, 700)
    by_chunk = {p["chunk"]: p for p in pairs}
    assert {"summary", "topic:Decision (ADR-014)", "topic:Context", "resolution"} <= set(by_chunk)
    assert "unique (merchant_id, idempotency_key)" in by_chunk["summary"]["answer"]
    assert by_chunk["topic:Decision (ADR-014)"]["question"].startswith("What was decided in LEDG-40")
    assert "72 hours" in by_chunk["resolution"]["answer"]
    assert pairs == pairs_for(ISSUE, 3, 700)  # deterministic


def test_tables_become_facts_and_definitions_questions() -> None:
    pairs = pairs_for(PAGE, 3, 700)
    answers = {p["question"]: p["answer"] for p in pairs}
    assert answers["What is the port of ledger-service?"] == \
        "Port of ledger-service: 8443 (Service Catalogue)."
    assert any("Owning team: Payments Edge; Port: 8080" in a for a in answers.values())
    assert any(q.startswith("What is ledger-service") for q in answers)
    assert not any("Path:" in a for a in answers.values())  # metadata lines stay out
    assert Counter(p["chunk"] for p in pairs_for(PAGE, 1, 700)).most_common(1)[0][1] == 1


def test_questions_in_the_documents_language() -> None:
    (pair,) = pairs_for(GERMAN, 3, 700)
    assert pair["question"] in ("Was sagt 'Betriebshandbuch' über Neustarts?",
                                "Was steht in 'Betriebshandbuch' zu Neustarts?")


def test_sample_corpus_pairs_all_pass_validation(make_cfg, tmp_path) -> None:
    cfg = make_cfg("pipeline.stages=[synth]")
    st = Runner(cfg, tmp_path / "run").run()["stages"]["synth"]
    assert st["pairs_rejected"] == {} and st["pairs_train"] > 150 and st["pairs_eval"] > 20
    rows = [*read_jsonl(tmp_path / "run" / "sft_train.jsonl"),
            *read_jsonl(tmp_path / "run" / "sft_eval.jsonl")]
    qa = {r["messages"][0]["content"]: r["messages"][1]["content"] for r in rows}
    port = [a for q, a in qa.items() if "ledger-service" in q and "port" in q.lower()]
    assert any("8443" in a for a in port)
    assert all(q.strip() and a.strip() for q, a in qa.items())
    assert len({q.lower() for q in qa}) == len(rows)  # no duplicate questions


@pytest.mark.parametrize("override,needle", [
    ("synth.min_pairs=4", "min_pairs"), ("synth.generator=gpt", "synth.generator"),
    ("synth.eval_fraction=1.5", "eval_fraction"), ("synth.chunk.overlap_tokens=600", "synth.chunk"),
    ("+synth.extra_params.api_key=sk-123", "credentials never go into the config"),
])
def test_bad_synth_config_fails_before_any_stage(make_cfg, tmp_path, override, needle) -> None:
    with pytest.raises(ConfigError, match=needle):
        Runner(make_cfg(override), tmp_path / "run").run()
    assert not list((tmp_path / "cache").glob("*/*/MANIFEST.json"))  # no stage ran


def test_offline_path_never_imports_litellm() -> None:
    code = ("import sys, alchemy.stages.synth, alchemy.synth.offline, alchemy.synth.pipeline, "
            "alchemy.synth.llm; print(sorted(m for m in ('litellm', 'openai') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
