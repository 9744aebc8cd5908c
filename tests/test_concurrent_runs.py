"""Two real runs on one cache at the same time: both succeed, one builds, the other reuses."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from alchemy.config import ROOT


def test_two_runs_at_once_share_the_cache_safely(docs_dir, tmp_path) -> None:
    cache = tmp_path / "cache"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    procs = [subprocess.Popen([sys.executable, "-m", "alchemy.cli", "source=documents",
                               f"source.documents.raw_dir={docs_dir}", "engine=python",
                               "pipeline.stages=[ingest,clean,synth]", f"paths.cache_dir={cache}",
                               f"hydra.run.dir={tmp_path / f'run{i}'}"],
                              cwd=tmp_path, env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, text=True) for i in (1, 2)]
    errors = [p.communicate(timeout=300)[1] for p in procs]
    assert [p.returncode for p in procs] == [0, 0], errors[0][-2000:] + errors[1][-2000:]
    reports = [json.loads((tmp_path / f"run{i}" / "report.json").read_text()) for i in (1, 2)]
    for stage in ("clean", "synth"):
        built = [not r["stages"][stage]["cached"] for r in reports]
        assert built.count(True) == 1, (stage, built)  # built once, reused by the other run
    for name in ("train.jsonl", "sft_train.jsonl", "sft_eval.jsonl"):
        assert (tmp_path / "run1" / name).read_bytes() == (tmp_path / "run2" / name).read_bytes()
    assert not list(cache.glob("*/.tmp-*"))
