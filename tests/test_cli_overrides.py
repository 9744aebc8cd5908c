"""engine.master=local[4] on the command line: Hydra's grammar reads [ as a list."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from alchemy.overrides import QUOTING, quote_bracketed, unparsable

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("arg,fixed", [
    ("engine.master=local[4]", 'engine.master="local[4]"'),
    ("engine.master=local[*]", 'engine.master="local[*]"'),
    ("engine.master=local-cluster[2,1,1024]", 'engine.master="local-cluster[2,1,1024]"'),
    ("+engine.conf.spark.master=local[2]", '+engine.conf.spark.master="local[2]"'),
    ("engine.master=local[2],local[4]", 'engine.master="local[2]","local[4]"'),  # a sweep
    # already valid, or not a bracketed name: left for Hydra to judge
    ('engine.master="local[4]"', 'engine.master="local[4]"'),
    ("engine.master='local[*]'", "engine.master='local[*]'"),
    ("pipeline.stages=[ingest,clean]", "pipeline.stages=[ingest,clean]"),
    ("pipeline.stages=[ingest,clean", "pipeline.stages=[ingest,clean"),
    ("engine.master=local[4", "engine.master=local[4"),
    ("--cfg", "--cfg"),
])
def test_bracketed_values_are_quoted(arg: str, fixed: str) -> None:
    assert quote_bracketed([arg]) == [fixed]


def test_unparsable_names_what_still_fails() -> None:
    assert unparsable(["engine=spark", "engine.master=local[4", "k=a=b", "--cfg", "job"]) == [
        "engine.master=local[4", "k=a=b"]


def _cli(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "alchemy.cli", *args], capture_output=True,
                          text=True, cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(ROOT)})


def test_cli_accepts_local_n_and_explains_quoting(tmp_path: Path) -> None:
    proc = _cli(tmp_path, "engine=spark", "engine.master=local[4]", "--cfg", "job")
    assert proc.returncode == 0, proc.stderr
    assert "  master: local[4]\n" in proc.stdout
    bad = _cli(tmp_path, "engine.master=local[4", "--cfg", "job")
    assert bad.returncode == 2
    assert f"alchemy: config error: cannot parse engine.master=local[4: {QUOTING}" in bad.stderr
    assert "'engine.master=\"local[4]\"'" in QUOTING
