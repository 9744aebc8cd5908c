"""infer.prompt: the sample company's question only with source=sample; none otherwise."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from rich.console import Console

from alchemy.stages import StageContext, infer
from alchemy.summary import print_summary
from tests.conftest import compose_cfg

SAMPLE_QUESTION = "What does ledger-service do?"


@pytest.mark.parametrize("overrides,prompt", [
    ((), SAMPLE_QUESTION),                                   # the default run: the sample
    (("source=sample", "infer.prompt=Who owns payouts?"), "Who owns payouts?"),
    (("source=git",), None),
    (("source=[git,documents]",), None),
    (("source=documents", "recipe=deepseek-tinyllama"), None),
    (("source=jira", "infer.prompt=Which epics slipped?"), "Which epics slipped?"),
])
def test_prompt_follows_the_data(overrides: tuple[str, ...], prompt: str | None) -> None:
    assert compose_cfg(*overrides).infer.prompt == prompt


def test_no_prompt_asks_nothing_and_says_how(tmp_path: Path) -> None:
    cfg = compose_cfg("source=git")
    out = tmp_path / "out"
    out.mkdir()
    metrics: dict = {}
    missing = tmp_path / "no-adapter"  # never opened: no model is loaded without a question
    infer.run(StageContext(cfg=cfg, out=out, inputs={"adapter": missing, "index": missing},
                           metrics=metrics, cache_dir=tmp_path / "cache"))
    saved = json.loads((out / "answer.json").read_text())
    assert saved == metrics and saved["prompt"] is None and saved["answer"] is None
    assert "infer.prompt=" in saved["note"] and "infer.chat=true" in saved["note"]
    console = Console(record=True, width=200)
    print_summary({"stages": {"infer": metrics | {"seconds": 0.0}}, "run_dir": "x"}, console)
    assert "infer: no question asked: pass infer.prompt=" in console.export_text()
