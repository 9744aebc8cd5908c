"""`alchemy --help` lists every config group with all its options, and every stage."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from alchemy import help as cli_help
from alchemy.config import CONF_DIR, RECIPES_DIR
from alchemy.stages import ORDER

ROOT = Path(__file__).resolve().parents[1]


def _help(tmp_path: Path, *overrides: str) -> str:
    """The real console output, run from another folder with this checkout's code."""
    proc = subprocess.run([sys.executable, "-m", "alchemy.cli", "--help", *overrides],
                          capture_output=True, text=True, cwd=tmp_path,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def _section(out: str, title: str) -> list[str]:
    lines = out.split(f"== {title}", 1)[1].splitlines()[1:]
    return lines[: lines.index("")]


def _on_disk() -> dict[str, list[str]]:
    groups = {d.name: sorted(p.stem for p in d.glob("*.yaml")) for d in CONF_DIR.iterdir()
              if d.is_dir() and any(d.glob("*.yaml"))}
    return groups | {"recipe": sorted(p.stem for p in RECIPES_DIR.glob("*.yaml"))}


def test_help_lists_every_group_option_and_stage(tmp_path: Path) -> None:
    out = _help(tmp_path, "source=git", "model=tiny-random", "lora=attention")
    groups = _section(out, "Config groups")
    listed = {line.split()[0]: groups[i + 1].split(" | ")
              for i, line in enumerate(groups) if not line.startswith(" ")}
    expected = _on_disk()
    assert {g: [o.strip() for o in opts] for g, opts in listed.items()} == expected
    assert {"retrieval", "model_lora", "recipe"} <= set(listed)
    heads = {line.split()[0]: line for line in groups if not line.startswith(" ")}
    assert heads["source"].endswith("(now: git)") and heads["recipe"].endswith("(now: offline-demo)")
    assert "applied by itself" in heads["model_lora"]
    assert heads["model_lora"].endswith("(now: tiny-random_attention)")  # the pair file exists
    stages = _section(out, "Stages")
    assert [line.split()[0] for line in stages[:-1]] == ORDER
    assert ORDER[-2:] == ["serve", "export"] and all(len(line.split()) > 2 for line in stages[:-1])
    assert stages[-1] == "this run: pipeline.stages=[ingest,clean,index,synth,train,eval,infer]"
    assert "$CONFIG" not in out and "alchemy --cfg job" in out


def test_every_group_and_stage_has_its_description() -> None:
    """A group or stage added later fails here until help.py says what it is."""
    assert set(cli_help.GROUPS) == set(_on_disk())
    assert list(cli_help.STAGES) == ORDER
