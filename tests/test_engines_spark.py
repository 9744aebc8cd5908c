"""Spark and Python give byte-identical clean output (sample data, generated duplicates, a poisoned
record); partitioned output concatenates to the same file. One Spark session for the module."""

from __future__ import annotations

import importlib.util
import os
import shutil

import pytest

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


def test_generated_duplicates_and_poison_parity(make_cfg, tmp_path, generated) -> None:  # noqa: F811
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
