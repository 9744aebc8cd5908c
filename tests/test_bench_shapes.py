"""The benchmark's REST-shaped exports add only structure: every item parses to the same record
as its lean form, and the structure makes up what it does in real API payloads."""

from __future__ import annotations

import importlib.util
import json
import random
import sys
from pathlib import Path

import pytest

from alchemy.config import ROOT, source_options
from alchemy.sources import confluence, github, jira


def _module(name: str):
    sys.path.insert(0, str(ROOT / "benchmarks"))
    spec = importlib.util.spec_from_file_location(name, ROOT / "benchmarks" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


data, shapes = _module("engine_data"), _module("rest_shapes")


def _records(parser, path: Path, raw_dir: Path) -> list[dict]:
    out = []
    for rec in parser.parse_file(path, source_options(parser.SOURCE, raw_dir=str(raw_dir))):
        d = rec.to_dict()
        d["meta"].pop("path", None)
        out.append(d)
    return out


@pytest.mark.parametrize("src", ["jira", "confluence", "github"])
def test_rest_shape_parses_to_the_lean_record(tmp_path: Path, src: str) -> None:
    r = random.Random(3)
    make = {
        "jira": lambda n: data.jira_issue(r, f"PAY-{n}"),
        "confluence": lambda n: data.confluence_page(r, n),
        "github": lambda n: data.github_pr(r, n),
    }[src]
    items = [make(n) for n in range(1, 25)]
    wrap = {
        "jira": lambda xs: {"startAt": 0, "total": len(xs), "issues": xs},
        "confluence": lambda xs: {"results": xs, "_links": {"base": "https://acme.atlassian.net/wiki"}},
        "github": lambda xs: xs,
    }[src]
    parser = {"jira": jira, "confluence": confluence, "github": github}[src]
    found = {}
    for shape, xs in (("lean", items), ("rest", [shapes.SHAPES[src](x) for x in items])):
        folder = tmp_path / shape
        folder.mkdir()
        (folder / f"{src}.json").write_text(json.dumps(wrap(xs)), encoding="utf-8")
        found[shape] = _records(parser, folder / f"{src}.json", folder)
    assert len(found["lean"]) == len(items)
    assert found["rest"] == found["lean"]


def test_rest_exports_are_mostly_structure_like_real_payloads(tmp_path: Path) -> None:
    """Text is ~75% of a lean export; a REST-shaped one is far below, towards the 0.4-9% of the
    public payloads (their texts are shorter than these)."""
    fractions = {}
    for shape in ("lean", "rest"):
        counts = data.generate(tmp_path / shape, mb=0.4, seed=5, shape=shape, file_mb=0.2)
        fractions[shape] = counts["text_bytes"] / counts["bytes"]
    assert fractions["lean"] > 0.5
    assert 0.05 < fractions["rest"] < 0.35
    with pytest.raises(ValueError, match="shape"):
        data.generate(tmp_path / "x", mb=0.1, shape="xml")


def test_engine_bench_runs_and_reports_prose_throughput(tmp_path: Path) -> None:
    """The benchmark script end to end at 2 MB, so it cannot rot between the runs by hand."""
    import subprocess

    proc = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "engine_bench.py"), "--sizes", "2",
                           "--configs", "py1", "--shape", "rest", "--work", str(tmp_path)],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    head, run = (json.loads(line) for line in proc.stdout.splitlines())
    assert head["shape"] == "rest" and 0 < head["prose_mb"] < 1 and head["floor_mb_s"] > 0
    assert "error" not in run, run.get("error")
    assert run["records_out"] > 0 and 0 < run["prose_mb_s_core"] < run["mb_s_core"]
    assert run["dropped"]["exact_duplicate"] and run["dropped"]["near_duplicate"]
