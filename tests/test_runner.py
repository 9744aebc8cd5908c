"""The stage runner with real data stages: hits, misses, forced runs, crashes."""

from __future__ import annotations

import json

import pytest

from alchemy.records import read_jsonl
from alchemy.runner import Runner, StageFailed

DATA = "pipeline.stages=[ingest,clean,synth]"


def run(cfg, run_dir):
    return Runner(cfg, run_dir).run()["stages"]


def status(stages):
    return {n: ("cached" if s["cached"] else "ran") for n, s in stages.items()}


@pytest.fixture
def cfg_for(make_cfg, docs_dir):
    return lambda *o: make_cfg("source=documents", f"source.documents.raw_dir={docs_dir}", DATA, *o)


def test_first_run_then_full_hit(cfg_for, tmp_path) -> None:
    first = run(cfg_for(), tmp_path / "r1")
    assert status(first) == {"ingest": "ran", "clean": "ran", "index": "ran",
            "synth": "ran"}
    assert first["clean"]["records_out"] == 2 and first["clean"]["masks"]["AWS_KEY"] == 1
    second = run(cfg_for(), tmp_path / "r2")
    assert status(second) == {"ingest": "cached", "clean": "cached", "synth": "cached"}
    assert second["clean"]["records_out"] == 2  # figures come back from the manifest
    for name in ("train.jsonl", "quarantine.jsonl", "sft_train.jsonl", "sft_eval.jsonl",
                 "report.json"):
        assert (tmp_path / "r2" / name).is_file(), name
    report = json.loads((tmp_path / "r2" / "report.json").read_text())
    assert report["stages"]["synth"]["cached"] is True
    corpus = list(read_jsonl(tmp_path / "r2" / "train.jsonl"))
    assert [r["id"] for r in corpus] == sorted(r["id"] for r in corpus)
    assert not any("AKIAIOSFODNN7EXAMPLE" in r["text"] or "oncall@" in r["text"] for r in corpus)


def test_miss_on_own_config_change_only(cfg_for, tmp_path) -> None:
    run(cfg_for(), tmp_path / "r1")
    again = run(cfg_for("synth.max_pairs=1"), tmp_path / "r2")
    assert status(again) == {"ingest": "cached", "clean": "cached", "index": "cached",
            "synth": "ran"}
    noise = run(cfg_for("synth.max_pairs=1", "synth.concurrency=64"), tmp_path / "r3")
    assert status(noise)["synth"] == "cached"  # call concurrency never changes the output


def test_miss_on_upstream_change(cfg_for, docs_dir, tmp_path) -> None:
    run(cfg_for(), tmp_path / "r1")
    mode = run(cfg_for("sanitizer.mode=redact"), tmp_path / "r2")
    assert status(mode) == {"ingest": "cached", "clean": "ran", "index": "ran",
            "synth": "ran"}
    (docs_dir / "deploy.md").write_text("# Deploy guide\n\nNow everything deploys with Flux, "
                                        "from the release branch, every Tuesday.\n")
    data = run(cfg_for(), tmp_path / "r3")
    assert status(data) == {"ingest": "ran", "clean": "ran", "index": "ran",
            "synth": "ran"}


def test_upstream_produced_first_and_force(cfg_for, tmp_path) -> None:
    only = run(cfg_for("pipeline.stages=[synth]"), tmp_path / "r1")
    assert status(only) == {"ingest": "ran", "clean": "ran", "index": "ran",
            "synth": "ran"}
    forced = run(cfg_for("pipeline.force=[clean]"), tmp_path / "r2")
    assert status(forced) == {"ingest": "cached", "clean": "ran", "synth": "cached"}
    everything = run(cfg_for("pipeline.force=[all]"), tmp_path / "r3")
    assert set(status(everything).values()) == {"ran"}


def test_crash_mid_stage_leaves_no_complete_marker(cfg_for, tmp_path, monkeypatch) -> None:
    import alchemy.synth.facts as facts

    def boom(*args, **kwargs):
        raise RuntimeError("killed mid-stage")

    monkeypatch.setattr(facts, "extract", boom)
    runner = Runner(cfg_for(), tmp_path / "r1")
    with pytest.raises(StageFailed, match="synth"):
        runner.run()
    store = runner.store
    assert store.is_complete("clean", runner.fp("clean"))
    assert not store.is_complete("synth", runner.fp("synth"))
    assert not list((store.root / "synth").glob(".tmp-*"))
    report = json.loads((tmp_path / "r1" / "report.json").read_text())
    assert "killed mid-stage" in report["stages"]["synth"]["error"]
    monkeypatch.undo()
    after = run(cfg_for(), tmp_path / "r2")
    assert status(after) == {"ingest": "cached", "clean": "cached", "index": "cached",
            "synth": "ran"}


def test_ignored_keys_nested_under_wildcards(make_cfg) -> None:
    from omegaconf import open_dict

    from alchemy.config import ROOT
    from alchemy.runner import _subtree

    cfg = make_cfg("source=[jira,github]",
                   *(f"source.{s}.raw_dir={ROOT}/data/raw/{s}" for s in ("jira", "github")))
    tree = _subtree(cfg, "source", ("source.*.sync", "source.github.per_page"))
    assert "sync" not in tree["jira"] and "sync" not in tree["github"]
    assert "per_page" not in tree["github"] and "raw_dir" in tree["jira"]
    base = Runner(cfg, cfg.paths.cache_dir).fp("ingest")
    with open_dict(cfg):
        cfg.source.jira.timeout_s = 99.0
    assert Runner(cfg, cfg.paths.cache_dir).fp("ingest") == base


def test_stage_contract_validate_first_prepare_once(cfg_for, tmp_path, monkeypatch) -> None:
    """validate of every planned stage before any work; prepare once, its result in run."""
    import alchemy.stages.ingest as ingest
    from alchemy.errors import ConfigError

    calls, seen, pulled = [], [], {}
    real_prepare, real_run = ingest.prepare, ingest.run

    def prepare(cfg):
        calls.append(real_prepare(cfg))
        return pulled

    prepare.__module__ = ingest.__name__  # a hook is a function of the stage's own module
    monkeypatch.setattr(ingest, "prepare", prepare)
    monkeypatch.setattr(ingest, "run", lambda ctx: seen.append(ctx.prepared) or real_run(ctx))
    with pytest.raises(ConfigError, match="min_pairs"):  # synth's own check, ingest not synced
        Runner(cfg_for("synth.min_pairs=5", "synth.max_pairs=2"), tmp_path / "r0")
    assert calls == [] and not (tmp_path / "r0").exists()
    runner = Runner(cfg_for(), tmp_path / "r1")
    runner.run()
    runner.fp("ingest")
    assert len(calls) == 1 and len(seen) == 1 and seen[0] is pulled
