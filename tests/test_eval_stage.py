"""The eval and export stages end to end on the sample data with model=tiny-random."""

from __future__ import annotations

import json
import math

import pytest

pytest.importorskip("trl")

from alchemy.config import RetrievalConfig  # noqa: E402
from alchemy.runner import Runner  # noqa: E402

TINY = ("model=tiny-random", "train.max_steps=3", "eval.max_samples=8", "eval.generate_samples=3",
        "eval.max_new_tokens=8", "eval.text_samples=4", "eval.fact_max_new_tokens=6",
        "eval.unanswerable=4")


def test_a_new_adapter_replays_the_base_replies(make_cfg, tmp_path, caplog) -> None:  # noqa: ANN001
    """Training another adapter asks the base model nothing new: its fact replies come back
    from the cache, and its figures are the same."""
    import logging

    caplog.set_level(logging.INFO, logger="alchemy")
    first = Runner(make_cfg(*TINY, "pipeline.stages=[eval]"), tmp_path / "a").run()
    second = Runner(make_cfg(*TINY, "pipeline.stages=[eval]", "train.max_steps=4"),
                    tmp_path / "b").run()
    a, b = first["stages"]["eval"], second["stages"]["eval"]
    assert first["stages"]["train"]["fingerprint"] != second["stages"]["train"]["fingerprint"]
    assert a["base"]["facts"] == b["base"]["facts"]
    assert len(list((tmp_path / "cache" / "answers").glob("*.json"))) == 1
    assert sum("base replies replayed" in r.getMessage() for r in caplog.records) == 1


def test_eval_and_export_stages(make_cfg, tmp_path) -> None:
    cfg = make_cfg(*TINY, "pipeline.stages=[eval,export]")
    run = tmp_path / "run"
    stages = Runner(cfg, run).run()["stages"]
    assert list(stages) == ["ingest", "clean", "index", "synth", "train", "eval", "export"]

    ev = stages["eval"]
    for side in ("base", "adapter"):
        for key in ("loss", "perplexity", "f1", "rouge_l", "text_loss", "text_perplexity"):
            assert math.isfinite(ev[side][key]), (side, key)
        assert 0.0 <= ev[side]["f1"] <= 1.0 and 0.0 <= ev[side]["rouge_l"] <= 1.0
        assert ev[side]["text_docs"] >= 1
    assert {"loss_delta", "f1_delta", "rouge_l_delta"} <= set(ev) and ev["generated"] == 3
    # the fact questions of the sample recipe, in all four modes, plus the guard
    facts = ev["facts"]
    assert facts["questions"] >= 40 and facts["retrieval"] == "bm25" and facts["k"] == RetrievalConfig.k
    assert 0.5 <= facts["recall_at_k"] <= 1.0
    for side in ("base", "adapter"):
        f = ev[side]["facts"]
        assert f["closed"]["questions"] == f["grounded"]["questions"] == facts["questions"]
        assert f["general"]["questions"] >= 10 and 0 <= ev[side]["abstention"] <= 1
        for mode in ("closed", "grounded", "general"):
            assert f[mode]["correct"] + f[mode]["incorrect"] + f[mode]["not_attempted"] \
                == f[mode]["questions"]
    rows = [json.loads(line) for line in (run / "fact_samples.jsonl").read_text().splitlines()]
    assert len(rows) == facts["questions"]
    assert {"base_closed", "adapter_grounded_verdict", "sources", "recall",
            "declined_by_rule"} <= set(rows[0])
    assert all(len(r["sources"]) <= RetrievalConfig.k for r in rows)
    samples = [json.loads(line) for line in (run / "eval_samples.jsonl").read_text().splitlines()]
    assert len(samples) == 3
    assert set(samples[0]) >= {"question", "reference", "base_answer", "adapter_answer",
                               "base_f1", "adapter_f1", "base_rouge_l", "adapter_rouge_l"}
    card = (run / "adapter" / "README.md").read_text()
    for needed in ("base model", "data fingerprints", stages["synth"]["fingerprint"],
                   "## Config", "r: ", "train_loss", "eval.json"):
        assert needed in card, needed

    ex = stages["export"]
    assert ex["greedy_text_identical"] is True
    assert ex["max_abs_logit_diff"] <= ex["atol"]
    merged = run / "merged"
    for name in ("config.json", "model.safetensors", "tokenizer.json", "README.md"):
        assert (merged / name).is_file(), name
    assert not (merged / "adapter_config.json").exists()  # a plain model: no PEFT needed
    tok_cfg = json.loads((merged / "tokenizer_config.json").read_text())
    template = tok_cfg.get("chat_template") or (merged / "chat_template.jinja").read_text()
    assert "generation" in template  # the training template travels with the model
    assert json.loads((run / "export.json").read_text())["prompts"] == 3
    pytest.importorskip("matplotlib")
    for png in ("loss.png", "eval.png"):
        assert (run / png).read_bytes()[:4] == b"\x89PNG", png
