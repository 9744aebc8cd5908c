"""recipe=sweep-optuna: Hydra's Optuna sweeper drives LoRA trials on the tiny model.

Each trial is a full alchemy job (data stages cached after the first); the task function
returns the adapter's held-out eval loss, which Optuna minimises.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
import yaml

import alchemy.cli

pytest.importorskip("hydra_plugins.hydra_optuna_sweeper", reason="hydra-optuna-sweeper not installed")

needs_objective = pytest.mark.skipif(
    not hasattr(alchemy.cli, "objective"),
    reason="alchemy.cli._app does not return the sweep objective yet",
)


@needs_objective
def test_objective_prefers_adapter_eval_loss() -> None:
    objective = alchemy.cli.objective
    report = {"stages": {"train": {"train_loss": 3.0, "eval_loss": 2.5},
                         "eval": {"adapter": {"loss": 2.0}}}}
    assert objective(report) == 2.0
    assert objective({"stages": {"train": {"train_loss": 3.0, "eval_loss": 2.5}}}) == 2.5
    assert objective({"stages": {"train": {"train_loss": 3.0}}}) == 3.0
    assert objective({"stages": {}}) is None


@needs_objective
def test_optuna_sweep_runs_trials_and_reports_best(tmp_path) -> None:
    cache, sweep = tmp_path / "cache", tmp_path / "sweep"
    cmd = [sys.executable, "-m", "alchemy.cli", "-m", "recipe=sweep-optuna", "model=tiny-random",
           "train.max_steps=1", "eval.max_samples=4", "eval.generate_samples=0",
           "eval.text_samples=0", "eval.plots=false", "hydra.sweeper.n_trials=2",
           "pipeline.stages=[ingest,clean,synth,train,eval]",
           f"paths.cache_dir={cache}", f"hydra.sweep.dir={sweep}"]
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=tmp_path, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]

    reports = [json.loads((sweep / str(i) / "report.json").read_text()) for i in (0, 1)]
    assert not (sweep / "2").exists()  # n_trials=2: exactly two jobs
    losses = [r["stages"]["eval"]["adapter"]["loss"] for r in reports]
    assert reports[1]["stages"]["synth"]["cached"] is True  # data stages run once

    results = yaml.safe_load((sweep / "optimization_results.yaml").read_text())
    assert results["name"] == "optuna"
    assert results["best_value"] == pytest.approx(min(losses))
    assert set(results["best_params"]) == {"lora.r", "train.learning_rate"}
    assert results["best_params"]["lora.r"] in (4, 8, 16, 32)
    assert 1e-4 <= results["best_params"]["train.learning_rate"] <= 1e-3
    assert (sweep / "sweep_summary.md").is_file()  # alchemy's callback still ranks the jobs
