"""eval's held-out texts and train's CPT texts read the clean corpus in either layout:
train.jsonl, or (engine.output=partitioned) the part files of train/; both stream it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from alchemy.eval import suite
from alchemy.eval.suite import held_out_texts
from alchemy.records import write_jsonl
from alchemy.stages import StageContext
from alchemy.stages.train import cpt_texts
from tests.conftest import compose_cfg


def rec(rid: str, text: str) -> dict:
    return {"id": rid, "source": "jira", "kind": "issue", "title": rid, "text": text, "url": "",
            "created_at": "", "meta": {"path": f"{rid}.json"}}


# sorted by id, as the clean stage writes them; "held" ids feed only sft_eval.jsonl
CORPUS = [
    rec("confluence:1", "Ledger runbook: restart with kubectl rollout restart."),
    rec("confluence:2", "Held out: the gateway retries twice \u2014 caf\u00e9 \u2028 line sep."),
    rec("confluence:3", ""),  # no text: neither CPT nor eval uses it
    rec("github:acme/ledger#12", "PR #12: Add idempotency keys"),
    rec("jira:PAY-1", "Held out: payouts stall when the FX feed is slow."),
    rec("jira:PAY-2", "Payout scheduler runs at 02:00 UTC."),
    rec("jira:PAY-3", "Held out: the refund queue drops messages."),
    rec("jira:PAY-4", "Card vault rotates keys monthly."),
]
HELD = ["confluence:2", "confluence:3", "jira:PAY-1", "jira:PAY-3"]
TRAINED = ["confluence:1", "github:acme/ledger#12", "jira:PAY-2", "jira:PAY-4", "jira:PAY-1x"]


def pairs(path: Path, ids: list[str]) -> None:
    write_jsonl(path, [{"messages": [{"role": "user", "content": "q"},
                                     {"role": "assistant", "content": "a"}],
                        "meta": {"source_id": i}} for i in ids])


@pytest.fixture
def layouts(tmp_path: Path) -> dict[str, Path]:
    """The same corpus as one train.jsonl and as train/part-*.jsonl (uneven parts, one empty)."""
    single = tmp_path / "single"
    single.mkdir()
    write_jsonl(single / "train.jsonl", CORPUS)
    parted = tmp_path / "partitioned"
    (parted / "train").mkdir(parents=True)
    for no, chunk in enumerate([CORPUS[:3], [], CORPUS[3:4], CORPUS[4:]]):
        write_jsonl(parted / "train" / f"part-{no:05d}.jsonl", chunk)
    synth = tmp_path / "synth"
    synth.mkdir()
    pairs(synth / "sft_train.jsonl", TRAINED)
    pairs(synth / "sft_eval.jsonl", HELD + ["jira:PAY-2"])  # PAY-2 also trained: not held out
    return {"single": single, "partitioned": parted, "synth": synth}


def held(layouts: dict[str, Path], clean: Path | None, limit: int) -> list[str]:
    synth = layouts["synth"]
    return held_out_texts(clean, synth / "sft_train.jsonl", synth / "sft_eval.jsonl", limit)


def cpt(layouts: dict[str, Path], clean: Path, max_docs: int | None) -> tuple[list[str], dict]:
    cfg = compose_cfg("train.cpt.enabled=true", f"train.cpt.max_docs={max_docs or 'null'}")
    ctx = StageContext(cfg=cfg, out=clean / "out", inputs={"synth": layouts["synth"], "clean": clean},
                       metrics={}, cache_dir=clean / "cache")
    return cpt_texts(ctx), ctx.metrics


def test_held_out_texts_are_the_same_in_both_layouts(layouts) -> None:
    want = [CORPUS[1]["text"], CORPUS[4]["text"], CORPUS[6]["text"]]
    for limit, n in ((16, 3), (2, 2), (1, 1)):
        assert held(layouts, layouts["single"], limit) == want[:n]
        assert held(layouts, layouts["partitioned"], limit) == want[:n]
    assert held(layouts, layouts["partitioned"], 0) == []
    assert held(layouts, None, 16) == []  # a run without a clean input
    assert held(layouts, layouts["synth"], 16) == []  # a folder with neither layout


def test_cpt_texts_are_the_same_in_both_layouts(layouts) -> None:
    want = [CORPUS[i]["text"] for i in (0, 3, 5, 7)]
    for max_docs, n in ((None, 4), (0, 4), (2, 2), (10, 4)):
        single, m1 = cpt(layouts, layouts["single"], max_docs)
        parted, m2 = cpt(layouts, layouts["partitioned"], max_docs)
        assert single == parted == want[:n]
        assert m1 == m2 == {"cpt_held_out_docs": 4}


def test_reads_stop_at_the_limit(layouts) -> None:
    """Streaming: a part past the limit is never opened (a corrupt one would raise)."""
    parts = layouts["partitioned"] / "train"
    (parts / "part-00009.jsonl").write_text("{not json\n", encoding="utf-8")
    assert len(held(layouts, layouts["partitioned"], 3)) == 3
    assert len(cpt(layouts, layouts["partitioned"], 4)[0]) == 4
    with pytest.raises(json.JSONDecodeError):
        cpt(layouts, layouts["partitioned"], None)


def test_eval_stage_reads_a_partitioned_clean_output(layouts, tmp_path, monkeypatch) -> None:
    """The stage hands the clean folder itself to held_out_texts (no model: scoring is faked)."""
    from alchemy.stages import evaluate

    seen: list[list[str]] = []

    def fake_evaluate(model_cfg, cache_dir, adapter, sft_eval, ev, texts, extra=None):
        seen.append(texts)
        side = {"loss": 1.0, "perplexity": 2.7}
        return {"base": side, "adapter": {**side, "loss": 0.9}}, []

    monkeypatch.setattr(suite, "evaluate_adapter", fake_evaluate)
    cfg = compose_cfg("eval.text_samples=2", "eval.plots=false", "eval.questions=null",
                      "eval.general=false")
    out = tmp_path / "eval"
    out.mkdir()
    ctx = StageContext(cfg=cfg, out=out, metrics={}, cache_dir=tmp_path / "cache",
                       inputs={"synth": layouts["synth"], "train": tmp_path / "train",
                               "clean": layouts["partitioned"]})
    evaluate.run(ctx)
    assert seen == [[CORPUS[1]["text"], CORPUS[4]["text"]]]
    assert ctx.metrics["adapter_better"] is True


def test_read_corpus_follows_an_output_dir_pointer_and_explains_what_it_cannot_read(tmp_path) -> None:
    from alchemy.records import read_corpus

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    write_jsonl(elsewhere / "part-00000.jsonl", [rec("a:1", "first"), rec("a:2", "second")])
    clean = tmp_path / "clean"
    clean.mkdir()
    (clean / "train_location.json").write_text(json.dumps({"parts": f"file://{elsewhere}"}))
    assert [r["id"] for r in read_corpus(clean)] == ["a:1", "a:2"]
    (clean / "train_location.json").write_text(json.dumps({"parts": "s3a://bucket/train"}))
    with pytest.raises(ValueError, match="s3a://bucket/train"):
        list(read_corpus(clean))
    with pytest.raises(FileNotFoundError, match="no clean corpus"):
        list(read_corpus(tmp_path / "empty"))
