"""The infer stage's modes on model=tiny-random: one-shot, compare side by side, and chat."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytest.importorskip("trl")

from alchemy.stages import StageContext  # noqa: E402
from tests.test_train import LORA, TINY, TRAIN, _write_pairs  # noqa: E402


@pytest.fixture(scope="module")
def adapter(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    from alchemy.train.sft import train_adapter

    root = tmp_path_factory.mktemp("infer")
    pairs = _write_pairs(root / "sft_train.jsonl", 8)
    train_adapter(TINY, LORA, TRAIN | {"max_steps": 2}, pairs, root / "adapter", root / "cache")
    (root / "adapter" / "alchemy_model.json").write_text(json.dumps(TINY))
    from alchemy.retrieval.index import build
    from alchemy.retrieval.passages import passages
    from tests.test_retrieval import RECORDS

    build(list(passages(RECORDS, 64, 8, 8)), root / "adapter" / "index", "bm25")
    return root / "adapter", root / "cache"


def _run(make_cfg, adapter: tuple[Path, Path], out: Path, *overrides: str) -> dict:  # noqa: ANN001
    from alchemy.stages import infer

    cfg = make_cfg("model=tiny-random", "infer.max_new_tokens=6", *overrides)
    out.mkdir()
    metrics: dict = {}
    inputs = {"adapter": adapter[0], "index": adapter[0] / "index"}
    infer.run(StageContext(cfg=cfg, out=out, inputs=inputs, metrics=metrics, cache_dir=adapter[1]))
    assert json.loads((out / "answer.json").read_text())["adapter"] == str(adapter[0])
    return metrics


def test_compare_gives_base_and_adapter_answers(make_cfg, adapter, tmp_path, capsys) -> None:  # noqa: ANN001
    m = _run(make_cfg, adapter, tmp_path / "a", "infer.compare=true", "infer.prompt=Who?")
    assert isinstance(m["answer"], str) and isinstance(m["base_answer"], str)
    assert "base + adapter" in capsys.readouterr().out
    assert "base_answer" not in _run(make_cfg, adapter, tmp_path / "b")


def test_answers_cite_their_sources_unless_closed_book(make_cfg, adapter, tmp_path) -> None:  # noqa: ANN001
    m = _run(make_cfg, adapter, tmp_path / "a", "infer.prompt=Which port does ledger-service use?")
    assert m["retrieval"] == "bm25" and m["sources"][0]["id"] == "wiki:1#0"
    assert m["sources"][0]["url"] == "https://wiki/1"
    closed = _run(make_cfg, adapter, tmp_path / "b", "infer.retrieval=none")
    assert closed["retrieval"] == "none" and "sources" not in closed


def test_chat_streams_and_keeps_the_conversation(adapter, capsys) -> None:  # noqa: ANN001
    from alchemy.train.generate import chat

    script = iter(["Who founded Acme?", "Where?", ""])
    transcript = chat(TINY, adapter[1], adapter[0], max_new_tokens=5, read=lambda _p: next(script),
                      device="cpu")
    assert [m["role"] for m in transcript] == ["user", "assistant", "user", "assistant"]
    assert "bot> " in capsys.readouterr().out
    asked: list[str] = []
    script = iter(["Which port?", ""])
    grounded = chat(TINY, adapter[1], adapter[0], max_new_tokens=3, read=lambda _p: next(script),
                    device="cpu", ground=lambda q: asked.append(q) or (f"[1] port 8443\n\n{q}", None))
    assert asked == ["Which port?"] and grounded[0]["content"] == "Which port?"
    script = iter(["Which port does billing-api use?", ""])
    refused = chat(TINY, adapter[1], adapter[0], max_new_tokens=3, read=lambda _p: next(script),
                   device="cpu", ground=lambda q: (q, "The sources do not mention billing-api."))
    assert refused[1] == {"role": "assistant", "content": "The sources do not mention billing-api."}
    assert "bot> The sources do not mention billing-api." in capsys.readouterr().out


def test_chat_is_never_a_cache_hit(make_cfg, tmp_path) -> None:  # noqa: ANN001
    from alchemy.runner import Runner
    from alchemy.stages import STAGES

    assert not STAGES["infer"].is_live(make_cfg())
    chat_cfg = make_cfg("infer.chat=true", "pipeline.stages=[infer]")
    assert STAGES["infer"].is_live(chat_cfg)
    runner = Runner(chat_cfg, tmp_path / "run")
    fp = runner.fp("infer")
    assert Runner(chat_cfg, tmp_path / "run").fp("infer") == fp  # a declared property, no clock
    with runner.store.building("infer", fp, {}):
        pass
    assert runner.store.is_complete("infer", fp) and runner.plan()["infer"] == "run"


def test_a_question_about_a_name_no_source_holds_is_declined(make_cfg, adapter, tmp_path) -> None:  # noqa: ANN001
    asked = "infer.prompt=Which port does quasar-gateway use?"
    m = _run(make_cfg, adapter, tmp_path / "a", asked, "infer.compare=true")
    assert m["answer"] == m["base_answer"] == "The sources do not mention quasar-gateway."
    assert m["abstained"] and m["sources"]  # what was searched is still shown
    m = _run(make_cfg, adapter, tmp_path / "b", asked, "retrieval.abstain=false")
    assert not m["abstained"] and m["answer"] != "The sources do not mention quasar-gateway."
