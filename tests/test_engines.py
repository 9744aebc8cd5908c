"""The Python engine: engine choice, identical output for any worker count, streaming spill and
merge, duplicates and filters counted by reason, sanitized samples of dropped records."""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path

import pytest
from omegaconf import OmegaConf

from alchemy.config import ROOT, source_options
from alchemy.engines import select_engine
from alchemy.engines.spill import merge_runs, write_run
from alchemy.runner import Runner
from alchemy.stages import ConfigError
from tests.conftest import compose_cfg

POISON = "sanitizer.rules=[{type:POISON,pattern:POISON-PILL,group:3}]"
FILES = ("train.jsonl", "quarantine.jsonl", "dropped.jsonl", "dropped_sample.jsonl")
ENGINE_KEYS = {"engine", "engine_reason", "workers", "timings", "seconds", "cached", "artifact",
               "spark_master", "partitions"}


def _generator():
    spec = importlib.util.spec_from_file_location("engine_data", ROOT / "benchmarks" / "engine_data.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> tuple[Path, tuple[str, ...]]:
    """~0.6 MB of Jira/Confluence/PR exports with re-exports, exact and near duplicates, a record
    that crashes a (user) sanitizer rule, and a near duplicate carrying an e-mail address."""
    raw = tmp_path_factory.mktemp("gen") / "raw"
    counts = _generator().generate(raw, mb=0.6, seed=7, dup_rate=0.08, near_rate=0.08, file_mb=0.1)
    assert counts["exact"] and counts["near"] and counts["reexport"]
    text = "The payout-scheduler retries failed bank transfers every ten minutes for six hours. " * 6
    issues = [{"key": f"OPS-{n}", "fields": {"summary": "Payout retries", "description": body}}
              for n, body in ((1, text), (2, text + " Ask ops.lead@example-corp.com."),
                              (3, "This one breaks a rule: POISON-PILL. " + text[:200]))]
    (raw / "jira" / "extra.json").write_text(json.dumps({"issues": issues}), encoding="utf-8")
    overrides = ("pipeline.stages=[clean]", "source=[jira,confluence,github]", POISON,
                 *(f"source.{s}.raw_dir={raw / s}" for s in ("jira", "confluence", "github")))
    return raw, overrides


def clean(make_cfg, tmp_path: Path, name: str, *overrides: str) -> tuple[dict, Path]:
    """Run the clean stage with its own cache; return its figures and artifact folder."""
    cfg = make_cfg(*overrides, cache=tmp_path / name / "cache")
    stage = Runner(cfg, tmp_path / name / "run").run()["stages"]["clean"]
    return stage, Path(stage["artifact"])


def same_figures(a: dict, b: dict) -> None:
    def strip(d: dict) -> dict:
        return {k: v for k, v in d.items() if k not in ENGINE_KEYS}

    assert strip(a) == strip(b)


def test_auto_rules(monkeypatch) -> None:
    import alchemy.engines as eng

    cfg = compose_cfg("engine=auto", "engine.auto_spark_min_bytes=1000")
    monkeypatch.setattr(eng, "spark_installed", lambda: True)
    for system in ("Windows", "Darwin"):
        monkeypatch.setattr(eng.platform, "system", lambda s=system: s)
        assert select_engine(cfg, 10**12)[0] == "python"
    monkeypatch.setattr(eng.platform, "system", lambda: "Linux")
    monkeypatch.setattr(eng, "java_available", lambda: False)
    assert select_engine(cfg, 10**12) == ("python", "Linux without Java: python engine")
    monkeypatch.setattr(eng, "java_available", lambda: True)
    engine, why = select_engine(cfg, 999)
    assert engine == "python" and "auto_spark_min_bytes" in why
    assert select_engine(cfg, 1000)[0] == "spark"



@pytest.mark.parametrize("overrides,needle", [
    (["engine.name=dask"], "engine.name='dask': must be one of auto, python, spark"),
    (["engine.output=parts"], "engine.output='parts': must be one of single, partitioned"),
    (["engine=python", "engine.output_dir=s3a://bucket/x"], "engine.output_dir: s3a:// and hdfs://"),
])
def test_engine_settings_fail_before_any_stage(overrides: list[str], needle: str) -> None:
    from alchemy.validate import validate

    with pytest.raises(ConfigError) as info:
        validate(compose_cfg(*overrides))
    assert needle in str(info.value)


def test_engine_is_not_in_the_fingerprint_but_the_layout_is(make_cfg, docs_dir) -> None:
    base = ("source=documents", f"source.documents.raw_dir={docs_dir}")
    fps = {o: Runner(make_cfg(*base, *o), ".").fp("clean") for o in
           [(), ("engine=python", "engine.workers=1"), ("engine=spark",), ("engine.output=partitioned",)]}
    assert len({fps[()], fps[("engine=python", "engine.workers=1")], fps[("engine=spark",)]}) == 1
    assert fps[("engine.output=partitioned",)] != fps[()]


def test_merge_is_streaming_and_multilevel(tmp_path) -> None:
    runs = [str(write_run(tmp_path / f"r{i}.run", [(f"id{j:03d}", i) for j in range(i, 60, 7)]))
            for i in range(7)]
    merged = list(merge_runs(runs, tmp_path, fan_in=2))
    assert merged == sorted(merged) and len(merged) == sum(len(range(i, 60, 7)) for i in range(7))


def test_any_worker_count_gives_identical_output(make_cfg, tmp_path, generated) -> None:
    raw, overrides = generated
    one, a1 = clean(make_cfg, tmp_path, "w1", *overrides, "engine=python", "engine.workers=1")
    two, a2 = clean(make_cfg, tmp_path, "w2", *overrides, "engine=python", "engine.workers=2",
                    "engine.batch_bytes=20000", "engine.spill_bytes=40000")
    for name in FILES:
        assert (a1 / name).read_bytes() == (a2 / name).read_bytes(), name
    same_figures(one, two)
    assert two["workers"] == 2 and one["workers"] == 1
    dropped = one["dropped"]
    assert dropped["exact_duplicate"] and dropped["near_duplicate"]
    assert one["records_in"] == one["records_out"] + one["dropped_total"] + one["quarantined"]
    reasons = [json.loads(x)["reason"] for x in (a1 / "quarantine.jsonl").read_text().splitlines()]
    assert "clean error: IndexError" in reasons and any(r.startswith("superseded") for r in reasons)
    ids = [json.loads(x)["id"] for x in (a1 / "train.jsonl").read_text().splitlines()]
    assert ids == sorted(ids) and "jira:OPS-1" in ids and "jira:OPS-3" not in ids


def test_dropped_records_are_counted_and_sampled_sanitized(make_cfg, tmp_path, generated) -> None:
    _, overrides = generated
    figures, art = clean(make_cfg, tmp_path, "s", *overrides, "engine=python", "clean.dropped_sample=3")
    sample = [json.loads(x) for x in (art / "dropped_sample.jsonl").read_text().splitlines()]
    by_reason: dict[str, int] = {}
    for e in sample:
        by_reason[e["reason"]] = by_reason.get(e["reason"], 0) + 1
    assert set(by_reason) == set(figures["dropped"]) and max(by_reason.values()) <= 3
    _, art = clean(make_cfg, tmp_path, "all", *overrides, "engine=python", "clean.dropped_sample=100000")
    sample = [json.loads(x) for x in (art / "dropped_sample.jsonl").read_text().splitlines()]
    assert len(sample) == figures["dropped_total"]
    near = next(e for e in sample if e["id"] == "jira:OPS-2")
    assert near["duplicate_of"] == "jira:OPS-1" and near["similarity"] >= 0.8
    dump = (art / "dropped_sample.jsonl").read_text() + (art / "dropped.jsonl").read_text()
    assert "<EMAIL>" in near["text"] and not re.search(r"[\w.]+@example-corp\.com", dump)
    assert "\ue000" not in dump
    rows = (art / "dropped.jsonl").read_text().splitlines()
    assert len(rows) == figures["dropped_total"]


def test_partitioned_output_concatenates_to_train_jsonl(make_cfg, tmp_path, docs_dir) -> None:
    base = ("source=documents", f"source.documents.raw_dir={docs_dir}", "pipeline.stages=[clean]",
            "engine=python")
    _, single = clean(make_cfg, tmp_path, "one", *base)
    _, parts = clean(make_cfg, tmp_path, "parts", *base, "engine.output=partitioned")
    files = sorted((parts / "train").glob("part-*.jsonl"))
    assert files and b"".join(f.read_bytes() for f in files) == (single / "train.jsonl").read_bytes()


def test_auto_picks_python_for_small_input_and_says_why(make_cfg, tmp_path, docs_dir) -> None:
    figures, _ = clean(make_cfg, tmp_path, "auto", "source=documents", f"source.documents.raw_dir={docs_dir}",
                       "pipeline.stages=[clean]")
    assert figures["engine"] == "python" and figures["engine_reason"]


def test_spark_settings_and_paths_need_no_session() -> None:
    from alchemy.engines.spark_session import flatten, local_path, settings

    local = settings({"conf": {"spark.driver.memory": "4g"}}, "local[*]")
    assert local["spark.driver.extraJavaOptions"] == "-XX:TieredStopAtLevel=1"  # C1 only: a short JVM
    assert local["spark.driver.memory"] == "4g"
    mine = {"conf": {"spark": {"driver": {"extraJavaOptions": "-Xss4m"}}}}
    assert settings(mine, "local[2]")["spark.driver.extraJavaOptions"] == "-Xss4m"
    assert "spark.driver.extraJavaOptions" not in settings({"conf": {}}, "spark://head:7077")

    conf = OmegaConf.create({"spark.driver.memory": "4g", "spark": {"executor": {"memory": "8g"}}})
    assert flatten(conf) == {"spark.driver.memory": "4g", "spark.executor.memory": "8g"}
    assert local_path("file:/data/raw/my%20page.json") == "/data/raw/my page.json"
    assert local_path("/data/raw/a.json") == "/data/raw/a.json"
    assert local_path("s3a://bucket/raw/a.json") is None and local_path("hdfs://nn/raw/a.json") is None


def test_python_path_imports_no_spark(docs_dir, tmp_path) -> None:
    import subprocess
    import sys

    code = ("import sys; from tests.conftest import compose_cfg; from alchemy.runner import Runner; "
            f"cfg = compose_cfg('source=documents', 'source.documents.raw_dir={docs_dir}', "
            f"'pipeline.stages=[clean]', 'engine=python', 'paths.cache_dir={tmp_path}/c'); "
            f"Runner(cfg, '{tmp_path}/r').run(); "
            "assert 'pyspark' not in sys.modules and 'py4j' not in sys.modules")
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-1500:]


def test_spark_parse_batches_keep_their_schema_without_records(tmp_path) -> None:
    """A batch holding only quarantine entries or names must still say its columns are strings."""
    pa = pytest.importorskip("pyarrow")
    from alchemy.cleaning.options import clean_options
    from alchemy.engines.spark import _parse_fn

    (tmp_path / "broken.json").write_text("{not json", encoding="utf-8")
    units = pa.RecordBatch.from_pylist([{"source": "jira", "path": str(tmp_path / "broken.json"),
                                         "whole_dir": False, "content": None}])
    opts = clean_options(compose_cfg("clean.near_dup.enabled=false").clean)
    fn = _parse_fn({"jira": source_options("jira", raw_dir=str(tmp_path))}, opts)
    batches = list(fn(iter([units])))
    assert batches and all(b.schema.field("id").type == pa.string() for b in batches)
    rows = [r for b in batches for r in b.to_pylist()]
    assert [r["kind"] for r in rows] == ["q", "b"] and rows[1]["neg"] == 0  # no record bytes


def test_outputs_append_batch_files_and_roll_parts(tmp_path: Path) -> None:
    """Batch files (both engines number placeholders in parallel) are appended in order, and a
    partitioned output starts a new part once one holds part_bytes."""
    from alchemy.engines.output import Outputs

    batches = []
    for b in range(3):
        f = tmp_path / f"final-{b}.jsonl"
        f.write_text("".join(json.dumps({"id": f"{b}-{i}", "text": "é" * 30}) + "\n" for i in range(4)),
                     encoding="utf-8")
        batches.append(f)
    out = tmp_path / "out"
    out.mkdir()
    single = Outputs(out, "mask", 1)
    for f in batches:
        single.keep_file(f, 4)
    single.close()
    want = "".join(f.read_text(encoding="utf-8") for f in batches)
    assert (out / "train.jsonl").read_text(encoding="utf-8") == want
    assert single.kept == 12
    parts = Outputs(out, "mask", 1, parts=tmp_path / "parts", part_bytes=batches[0].stat().st_size)
    for f in batches:
        parts.keep_file(f, 4)
    parts.close()
    got = sorted((tmp_path / "parts").glob("part-*.jsonl"))
    assert len(got) == 3
    assert "".join(p.read_text(encoding="utf-8") for p in got) == want

