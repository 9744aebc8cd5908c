"""End to end on the shipped sample data with model=tiny-random: every stage, then a sweep."""

from __future__ import annotations

import json
import math
import subprocess
import sys

from alchemy.config import RetrievalConfig
from alchemy.records import read_jsonl
from alchemy.runner import Runner

TINY = ("model=tiny-random", "train.max_steps=2", "eval.max_samples=8", "infer.max_new_tokens=8",
        "eval.fact_max_new_tokens=6", "eval.unanswerable=4")


def test_whole_pipeline_on_tiny_random(make_cfg, tmp_path) -> None:
    cfg = make_cfg(*TINY)
    report = Runner(cfg, tmp_path / "run").run()
    stages = report["stages"]
    assert list(stages) == ["ingest", "clean", "index", "synth", "train", "eval", "infer"]
    assert not any(s["cached"] for s in stages.values())
    run = tmp_path / "run"
    for name in ("train.jsonl", "quarantine.jsonl", "sft_train.jsonl", "sft_eval.jsonl",
                 "adapter/adapter_config.json", "adapter/adapter_model.safetensors",
                 "adapter/README.md", "eval.json", "answer.json", "report.json"):
        assert (run / name).is_file(), name
    assert set(stages["ingest"]["by_source"]) == {"jira", "confluence", "github", "git", "documents"}
    assert stages["clean"]["records_out"] >= 50 and stages["clean"]["masks_total"] > 0
    pairs = list(read_jsonl(run / "sft_train.jsonl"))
    assert pairs and all(p["messages"][-1]["role"] == "assistant" for p in pairs)
    train_docs = {p["meta"]["source_id"] for p in pairs}
    evals = list(read_jsonl(run / "sft_eval.jsonl"))
    eval_docs = {p["meta"]["source_id"] for p in evals if not p["meta"].get("held_out")}
    assert eval_docs and not train_docs & eval_docs  # split by source document ...
    held = [p for p in evals if p["meta"].get("held_out")]  # ... plus held-out question forms
    assert held and {p["meta"]["source_id"] for p in held} <= train_docs | eval_docs
    trained_q = {p["messages"][0]["content"] for p in pairs}
    assert not any(p["messages"][0]["content"] in trained_q for p in held)
    assert math.isfinite(stages["train"]["train_loss"]) and stages["train"]["steps"] == 2
    assert math.isfinite(stages["eval"]["base"]["loss"])
    assert math.isfinite(stages["eval"]["adapter"]["loss"])
    answer = json.loads((run / "answer.json").read_text())
    assert isinstance(answer["answer"], str) and answer["retrieval"] == "bm25"
    assert 1 <= len(answer["sources"]) <= RetrievalConfig.k and answer["sources"][0]["id"]
    assert stages["index"]["passages"] > 100

    again = Runner(cfg, tmp_path / "run2").run()["stages"]
    assert all(s["cached"] for s in again.values())

    # infer alone, with another prompt, uses the newest adapter and trains nothing
    cfg2 = make_cfg(*TINY, "pipeline.stages=[infer]", "infer.prompt=Who owns ledger-service?")
    only = Runner(cfg2, tmp_path / "run3").run()["stages"]
    assert list(only) == ["index", "infer"] and only["index"]["cached"]
    assert not only["infer"]["cached"]
    assert only["infer"]["adapter"] == stages["infer"]["adapter"]


def test_sweep_trains_twice_and_reuses_data_stages(tmp_path) -> None:
    cache = tmp_path / "cache"
    cmd = [sys.executable, "-m", "alchemy.cli", "-m", *TINY, "lora.r=4,8",
           "pipeline.stages=[train]", f"paths.cache_dir={cache}", f"hydra.sweep.dir={tmp_path}/sweep"]
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=tmp_path, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert len(list((cache / "train").glob("*/MANIFEST.json"))) == 2
    for stage in ("ingest", "clean", "synth"):
        assert len(list((cache / stage).glob("*/MANIFEST.json"))) == 1, stage
    reports = [json.loads((tmp_path / "sweep" / str(i) / "report.json").read_text()) for i in (0, 1)]
    assert [r["stages"]["train"]["cached"] for r in reports] == [False, False]
    assert reports[1]["stages"]["synth"]["cached"] is True
    adapters = [json.loads((tmp_path / "sweep" / str(i) / "adapter" / "adapter_config.json")
                           .read_text())["r"] for i in (0, 1)]
    assert adapters == [4, 8]


def test_a_failing_sweep_job_does_not_stop_the_others(tmp_path) -> None:
    # a max_length that cuts every answer off passes the config checks (it is a property of the
    # data) and fails in the train stage with a clear message; bad values are exit 2 up front
    cmd = [sys.executable, "-m", "alchemy.cli", "-m", *TINY, "train.max_steps=1",
           "train.max_length=2,128",
           "pipeline.stages=[train]", f"paths.cache_dir={tmp_path}/cache",
           f"hydra.sweep.dir={tmp_path}/sweep"]
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=tmp_path, timeout=600)
    assert proc.returncode == 1 and "1 sweep job(s) failed: [0]" in proc.stderr
    failed = json.loads((tmp_path / "sweep" / "0" / "report.json").read_text())
    assert "keeps an answer token within train.max_length=2" in failed["stages"]["train"]["error"]
    ok = json.loads((tmp_path / "sweep" / "1" / "report.json").read_text())
    assert ok["stages"]["train"]["cached"] is False and "error" not in ok["stages"]["train"]
    summary = (tmp_path / "sweep" / "sweep_summary.md").read_text()
    assert "failed (train: ValueError" in summary and "| 1 | train.max_length=128 | ok |" in summary
