"""train.report_to=tensorboard|mlflow|none, offline: 2 tiny-random steps, the logs on disk."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from alchemy.train.tracking import parse, tracking_env

pytest.importorskip("torch")
pytest.importorskip("trl")

from tests.test_train import LORA, TINY, TRAIN, _write_pairs  # noqa: E402

has_tb = importlib.util.find_spec("tensorboard") is not None
has_mlflow = importlib.util.find_spec("mlflow") is not None
TWO_STEPS = TRAIN | {"max_steps": 2, "logging_steps": 1, "save_steps": 0}


def test_parse_report_to() -> None:
    assert parse("none") == [] and parse(None) == [] and parse("") == []
    assert parse("tensorboard") == ["tensorboard"]
    assert parse("TensorBoard, mlflow") == ["tensorboard", "mlflow"]
    assert parse(["mlflow"]) == ["mlflow"]
    with pytest.raises(ValueError, match="wandb"):
        parse("wandb")


def test_env_is_set_only_while_training_and_user_values_win(tmp_path, monkeypatch) -> None:
    monkeypatch.delenv("TENSORBOARD_LOGGING_DIR", raising=False)
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    monkeypatch.setenv("MLFLOW_EXPERIMENT_NAME", "mine")
    if not (has_tb and has_mlflow):
        pytest.skip("tensorboard and mlflow are not both installed")
    with tracking_env("tensorboard,mlflow", tmp_path / "art" / "adapter") as ours:
        assert os.environ["TENSORBOARD_LOGGING_DIR"] == str(tmp_path / "art" / "tensorboard")
        assert os.environ["MLFLOW_TRACKING_URI"] == (tmp_path / "art" / "mlruns").as_uri()
        assert os.environ["MLFLOW_EXPERIMENT_NAME"] == "mine"
        assert "MLFLOW_EXPERIMENT_NAME" not in ours
    assert "TENSORBOARD_LOGGING_DIR" not in os.environ and "MLFLOW_TRACKING_URI" not in os.environ
    assert os.environ["MLFLOW_EXPERIMENT_NAME"] == "mine"


def _train(tmp_path: Path, report_to: str) -> Path:
    from alchemy.train.sft import train_adapter

    cache = tmp_path / "cache"
    data = _write_pairs(tmp_path / "sft_train.jsonl", 8)
    out = tmp_path / "artifact" / "adapter"
    metrics = train_adapter(TINY, LORA, TWO_STEPS | {"report_to": report_to}, data, out, cache,
                            checkpoint_dir=tmp_path / "checkpoints")
    assert metrics["steps"] == 2 and (out / "adapter_config.json").is_file()
    assert not (tmp_path / "checkpoints").exists()  # logs must not live there: it is deleted
    return out.parent


@pytest.mark.skipif(not has_tb, reason="tensorboard not installed")
def test_tensorboard_writes_event_files(tmp_path, monkeypatch) -> None:
    monkeypatch.delenv("TENSORBOARD_LOGGING_DIR", raising=False)
    root = _train(tmp_path, "tensorboard")
    events = list((root / "tensorboard").glob("events.out.tfevents.*"))
    assert events and events[0].stat().st_size > 0
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    acc = EventAccumulator(str(root / "tensorboard"))
    acc.Reload()
    assert "train/loss" in acc.Tags()["scalars"]
    assert [e.step for e in acc.Scalars("train/loss")] == [1, 2]


@pytest.mark.skipif(not has_mlflow, reason="mlflow not installed")
def test_mlflow_logs_to_a_local_file_store(tmp_path, monkeypatch) -> None:
    for var in ("MLFLOW_TRACKING_URI", "MLFLOW_EXPERIMENT_NAME", "MLFLOW_RUN_ID",
                "MLFLOW_ALLOW_FILE_STORE"):
        monkeypatch.delenv(var, raising=False)
    root = _train(tmp_path, "mlflow")
    store = root / "mlruns"
    metas = [p for p in store.glob("*/meta.yaml") if "name: alchemy" in p.read_text()]
    assert len(metas) == 1, list(store.iterdir())
    runs = [p for p in metas[0].parent.iterdir() if (p / "metrics").is_dir()]
    assert len(runs) == 1
    loss = (runs[0] / "metrics" / "loss").read_text().split("\n")
    assert [line.split()[2] for line in loss if line] == ["1", "2"]  # "<ts> <value> <step>"
    assert (runs[0] / "params" / "learning_rate").is_file()
    assert "MLFLOW_TRACKING_URI" not in os.environ
    assert not Path("mlruns").exists() or Path("mlruns").resolve() != store.resolve()


@pytest.mark.skipif(not (has_tb and has_mlflow), reason="tensorboard and mlflow needed")
def test_cli_run_puts_tracking_logs_in_the_run_folder(tmp_path) -> None:
    run_dir = tmp_path / "run"
    cmd = [sys.executable, "-m", "alchemy.cli", "model=tiny-random", "train.max_steps=2",
           "train.logging_steps=1", "train.report_to='tensorboard,mlflow'",
           "pipeline.stages=[ingest,clean,synth,train]", f"paths.cache_dir={tmp_path / 'cache'}",
           f"hydra.run.dir={run_dir}"]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MLFLOW_", "TENSORBOARD_"))}
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=tmp_path, timeout=600, env=env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert list((run_dir / "tensorboard").glob("events.out.tfevents.*"))
    assert list((run_dir / "mlruns").glob("*/*/metrics/loss"))
    assert json.loads((run_dir / "report.json").read_text())["stages"]["train"]["steps"] == 2
    assert not (tmp_path / "mlruns").exists() and not (tmp_path / "mlflow.db").exists()
