"""Smaller reliability fixes: truncation counts, bogus adapters, a one-document corpus."""

from __future__ import annotations

import json

import pytest

from alchemy.records import read_jsonl
from alchemy.runner import Runner
from alchemy.stages import ConfigError
from alchemy.synth.dataset import eval_documents


def test_truncations_are_counted_in_the_report(make_cfg, docs_dir, tmp_path, caplog) -> None:
    cfg = make_cfg("source=documents", f"source.documents.raw_dir={docs_dir}", "engine=python",
                   "pipeline.stages=[ingest,clean]", "clean.max_chars=150")
    clean = Runner(cfg, tmp_path / "run").run()["stages"]["clean"]
    flagged = [r for r in read_jsonl(tmp_path / "run" / "train.jsonl") if r["meta"].get("truncated")]
    assert clean["truncated"] == len(flagged) == 2
    assert "2 record(s) cut at clean.max_chars" in caplog.text


@pytest.mark.parametrize("content,needle", [
    ('{"r": 8}', "no 'peft_type'"),
    ('{"peft_type": "LORA", ', "not valid JSON"),
])
def test_bogus_adapter_config_is_a_clear_config_error(make_cfg, tmp_path, content, needle) -> None:
    adapter = tmp_path / "my-adapter"
    adapter.mkdir()
    (adapter / "adapter_config.json").write_text(content)
    cfg = make_cfg("pipeline.stages=[infer]", f"infer.adapter={adapter}")
    with pytest.raises(ConfigError) as info:
        Runner(cfg, tmp_path / "run")
    assert needle in str(info.value) and str(adapter) in str(info.value)


def test_the_only_document_is_never_held_out(make_cfg, docs_dir, tmp_path) -> None:
    assert eval_documents(["documents:only.md"], 0.99, 0) == set()
    (docs_dir / "deploy.md").unlink()
    cfg = make_cfg("source=documents", f"source.documents.raw_dir={docs_dir}",
                   "pipeline.stages=[ingest,clean,synth]", "synth.eval_fraction=0.5")
    synth = Runner(cfg, tmp_path / "run").run()["stages"]["synth"]
    assert synth["pairs_train"] > 0 and synth["eval_documents"] == 0
    rows = [json.loads(line) for line in (tmp_path / "run" / "sft_train.jsonl").read_text().splitlines()]
    assert {r["meta"]["source_id"] for r in rows} == {"documents:runbook.md"}
