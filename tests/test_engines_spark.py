"""Spark and Python give byte-identical clean output (sample data, generated duplicates, a poisoned
record, every sanitizer mode, part files joined or lines streamed); partitioned output
concatenates to the same file; units are planned biggest first; a remote file is parsed from
its content. One Spark session for the module."""

from __future__ import annotations

import importlib.util
import os
import shutil

import pytest

from alchemy.config import source_options
from tests.conftest import compose_cfg
from tests.test_engines import FILES, clean, generated, same_figures  # noqa: F401  (fixture)

pytestmark = pytest.mark.skipif(
    shutil.which("java") is None or importlib.util.find_spec("pyspark") is None,
    reason="Spark tests need Java and PySpark (.ci/run installs openjdk-17-jre-headless)",
)


@pytest.fixture(scope="module", autouse=True)
def spark():
    """One local Spark session for every test here (start-up is ~5 s); the engine reuses it."""
    os.environ["SPARK_LOCAL_IP"] = "127.0.0.1"
    from alchemy.engines.spark_session import session

    cfg = {"master": "local[2]", "conf": {"spark.sql.shuffle.partitions": "4",
                                          "spark.default.parallelism": "2"}}
    spark, _ = session(cfg)
    yield spark
    spark.stop()


def _parity(make_cfg, tmp_path, overrides: tuple[str, ...], *extra: str) -> tuple[dict, dict]:
    py, a_py = clean(make_cfg, tmp_path, "python", *overrides, "engine=python", "engine.workers=2", *extra)
    sp, a_sp = clean(make_cfg, tmp_path, "spark", *overrides, "engine=spark", *extra)
    assert sp["engine"] == "spark" and py["engine"] == "python"
    for name in FILES:
        assert (a_py / name).read_bytes() == (a_sp / name).read_bytes(), name
    same_figures(py, sp)
    return py, sp


def test_sample_data_parity(make_cfg, tmp_path) -> None:
    """The shipped sample company (JSON exports, a git bundle, PDF/DOCX read via binaryFile)."""
    py, _ = _parity(make_cfg, tmp_path, ("pipeline.stages=[clean]",))
    assert py["records_out"] >= 80 and py["masks_total"] > 0


@pytest.mark.parametrize("where", ["driver", "cluster"])
def test_generated_duplicates_and_poison_parity(make_cfg, tmp_path, generated, where,  # noqa: F811
                                                monkeypatch) -> None:
    """Duplicates resolved on the driver (keys collected: small data) or by joins (cluster scale)."""
    from alchemy.engines import spark_dedup

    if where == "cluster":
        monkeypatch.setattr(spark_dedup, "DRIVER_DEDUP_BYTES", 0)
        monkeypatch.setattr(spark_dedup, "_on_driver", None)  # would fail if it were called
    _, overrides = generated
    py, sp = _parity(make_cfg, tmp_path, overrides)
    assert py["dropped"]["exact_duplicate"] and py["dropped"]["near_duplicate"]
    assert py["near_dup"] == sp["near_dup"]
    quarantine = (tmp_path / "spark" / "run" / "quarantine.jsonl").read_text()
    assert "clean error: IndexError" in quarantine  # one poisoned record never fails the job


@pytest.mark.slow
def test_partitioned_spark_output_concatenates_to_train_jsonl(make_cfg, tmp_path) -> None:
    base = ("pipeline.stages=[clean]",)
    _, single = clean(make_cfg, tmp_path, "single", *base, "engine=python")
    _, parts = clean(make_cfg, tmp_path, "parts", *base, "engine=spark", "engine.output=partitioned")
    files = sorted((parts / "train").glob("part-*"))
    assert len(files) >= 1 and (parts / "train" / "_SUCCESS").exists()
    assert b"".join(f.read_bytes() for f in files) == (single / "train.jsonl").read_bytes()


@pytest.mark.parametrize("where", ["driver", "cluster"])
@pytest.mark.parametrize("extra", [("sanitizer.mode=redact",),
                                   ("sanitizer.mode=drop_record", "clean.dropped_sample=1")])
def test_modes_parity(make_cfg, tmp_path, generated, extra, where, monkeypatch) -> None:  # noqa: F811
    """Placeholders numbered in parallel (mask above, redact and drop_record here), learned on
    the driver or from a scan of the partitions, and a dropped sample cut short: still the
    Python engine's bytes."""
    from alchemy.engines import spark_dedup

    if where == "cluster":
        monkeypatch.setattr(spark_dedup, "DRIVER_DEDUP_BYTES", 0)
    _, overrides = generated
    py, _ = _parity(make_cfg, tmp_path, overrides, *extra)
    assert py["records_out"] and py["dropped_total"]


def test_streamed_single_output_parity(make_cfg, tmp_path, generated, monkeypatch) -> None:  # noqa: F811
    """Where the executors do not share the driver's disk, the numbered lines are streamed."""
    import alchemy.engines.spark as engine

    monkeypatch.setattr(engine, "shared_disk", lambda spark: False)
    _, overrides = generated
    _parity(make_cfg, tmp_path, overrides)


def test_units_biggest_task_first(spark, tmp_path) -> None:
    """Local units are packed biggest first, task i in partition i (Spark starts partition 0
    first, so a whole-folder source never runs alone at the end)."""
    from pyspark.sql import functions as F

    from alchemy.engines.spark import _units_frame
    from alchemy.engines.units import Unit

    units = [Unit("jira", f"/x/j{i}.json", False, 3 << 20) for i in range(5)]
    units.insert(2, Unit("github", "/x/github", True, 40 << 20))
    frame, tasks = _units_frame(spark, units, 4)
    assert tasks[0] == [("github", "/x/github", True)] and sum(map(len, tasks)) == 6
    rows = frame.select("task", F.spark_partition_id().alias("part")).collect()
    assert sorted((r.task, r.part) for r in rows) == [(i, i) for i in range(len(tasks))]


def test_remote_unit_is_parsed_from_its_content(tmp_path) -> None:
    """A remote file (no local path) is parsed from the bytes binaryFile read, like a local one."""
    import json

    import pyarrow as pa

    from alchemy.cleaning.options import clean_options
    from alchemy.engines.spark import _parse_fn

    issue = {"key": "OPS-1", "fields": {"summary": "Retries", "description": "Retry the payout. " * 20}}
    local = tmp_path / "raw" / "a.json"
    local.parent.mkdir()
    local.write_text(json.dumps({"issues": [issue]}), encoding="utf-8")
    scfgs = {"jira": source_options("jira", raw_dir="s3a://bucket/raw")}
    opts = clean_options(compose_cfg().clean)

    def parse(row: dict, tasks: list) -> list:
        batches = _parse_fn(scfgs, opts, tasks)(iter([pa.RecordBatch.from_pylist([row])]))
        return [b.to_pylist() for b in batches]

    remote = parse({"task": -1, "source": "jira", "path": "s3a://bucket/raw/a.json",
                    "content": local.read_bytes()}, [])
    scfgs["jira"]["raw_dir"] = str(local.parent)
    here = parse({"task": 0, "source": None, "path": None, "content": None}, [[("jira", str(local), False)]])
    assert remote == here and any(r["kind"] == "r" for b in here for r in b)


def test_append_falls_back_to_a_python_copy(tmp_path, monkeypatch) -> None:
    from alchemy.engines import output

    (tmp_path / "a").write_bytes(b"x" * 100_000)

    def unsupported(*args):
        raise OSError("copy_file_range: not supported")

    for patch in (False, True):
        if patch:
            monkeypatch.setattr(output.os, "copy_file_range", unsupported)
        with open(tmp_path / "out", "wb", buffering=0) as dst:
            for _ in range(2):
                with open(tmp_path / "a", "rb", buffering=0) as src:
                    output.append_file(src, dst)
        assert (tmp_path / "out").read_bytes() == b"x" * 200_000
