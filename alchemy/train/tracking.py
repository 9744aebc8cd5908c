"""Experiment tracking for training: ``train.report_to=none|tensorboard|mlflow``, all offline.

Where the logs go, and why there: ``report_to`` changes no weights and is not part of the
train stage's cache key, and Trainer's own ``output_dir`` (the checkpoint folder in the cache)
is deleted once the adapter is saved. So tracking logs belong to the *run*, not to the cached
artifact:

- tensorboard: event files in ``<run dir>/tensorboard/`` (``TENSORBOARD_LOGGING_DIR``). In a
  sweep every job's run dir is ``<sweep dir>/<n>``, so ``tensorboard --logdir <sweep dir>``
  shows the jobs side by side.
- mlflow: a local file store, ``MLFLOW_TRACKING_URI=file:<dir>/mlruns`` with ``<dir>`` the run
  dir, or the sweep dir in a multirun (all jobs in one store), experiment ``alchemy``
  (``MLFLOW_EXPERIMENT_NAME``). Browse with ``mlflow ui --backend-store-uri file:<dir>/mlruns``.
  MLflow 3.x keeps file stores in maintenance mode and refuses them unless
  ``MLFLOW_ALLOW_FILE_STORE=true``, which is set with our URI; for a database store set
  ``MLFLOW_TRACKING_URI=sqlite:///mlflow.db`` yourself (needs sqlalchemy + alembic).

Variables the user has already set win (a remote MLflow server, an experiment name). Ours are
set only while training runs and removed afterwards, so runs in one process do not leak into
each other. Outside a Hydra run (tests, library use) the logs go next to the adapter folder.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

log = logging.getLogger("alchemy")

CHOICES = ("none", "tensorboard", "mlflow")
EXPERIMENT = "alchemy"


def parse(report_to: object) -> list[str]:
    """``none`` / ``tensorboard`` / ``mlflow`` (or a list, or "tensorboard,mlflow") -> list."""
    if report_to is None:
        return []
    items = [report_to] if isinstance(report_to, str) else list(report_to)  # type: ignore[call-overload]
    names = [s.strip().lower() for item in items for s in str(item).split(",") if s.strip()]
    unknown = [n for n in names if n not in CHOICES]
    if unknown:
        raise ValueError(f"train.report_to: unknown {unknown}; choose from {list(CHOICES)}")
    return [n for n in names if n != "none"]


def _hydra_dirs() -> tuple[Path, Path] | None:
    """(run dir, store dir for a shared MLflow store) of the current Hydra job, if any."""
    try:
        from hydra.core.hydra_config import HydraConfig
        from hydra.types import RunMode

        hc = HydraConfig.get()
    except (ImportError, ValueError):
        return None
    run_dir = Path(hc.runtime.output_dir)
    shared = Path(hc.sweep.dir) if hc.mode == RunMode.MULTIRUN else run_dir
    return run_dir, shared


def run_name() -> str | None:
    """The MLflow run name: the run folder's name (a sweep job's number) + its overrides."""
    try:
        from hydra.core.hydra_config import HydraConfig

        hc = HydraConfig.get()
    except (ImportError, ValueError):
        return None
    overrides = [o for o in hc.overrides.task if not o.startswith(("paths.", "hydra.", "pipeline."))]
    return " ".join([Path(hc.runtime.output_dir).name, *overrides])[:250]


def _check_installed(names: list[str]) -> None:
    import importlib.util

    if "tensorboard" in names and not (importlib.util.find_spec("tensorboard")
                                       or importlib.util.find_spec("tensorboardX")):
        raise RuntimeError("train.report_to=tensorboard needs `pip install tensorboard`")
    if "mlflow" in names and not importlib.util.find_spec("mlflow"):
        raise RuntimeError("train.report_to=mlflow needs `pip install mlflow-skinny` (or mlflow)")


@contextmanager
def tracking_env(report_to: object, out_dir: Path) -> Iterator[dict[str, str]]:
    """Set the tracking environment for one training run; yields the variables it set."""
    names = parse(report_to)
    _check_installed(names)
    dirs = _hydra_dirs()
    run_dir, shared = dirs if dirs else (Path(out_dir).parent, Path(out_dir).parent)
    wanted: dict[str, str] = {}
    if "tensorboard" in names:
        wanted["TENSORBOARD_LOGGING_DIR"] = str(run_dir / "tensorboard")
    if "mlflow" in names:
        wanted["MLFLOW_TRACKING_URI"] = (shared / "mlruns").resolve().as_uri()
        wanted["MLFLOW_EXPERIMENT_NAME"] = EXPERIMENT
        if "MLFLOW_TRACKING_URI" not in os.environ:
            # MLflow 3.x refuses file stores ("maintenance mode") unless this opts back in.
            wanted["MLFLOW_ALLOW_FILE_STORE"] = "true"
    ours = {k: v for k, v in wanted.items() if k not in os.environ}
    os.environ.update(ours)
    for name in names:
        where = os.environ["TENSORBOARD_LOGGING_DIR" if name == "tensorboard"
                           else "MLFLOW_TRACKING_URI"]
        log.info("tracking: %s -> %s", name, where)
    try:
        yield ours
    finally:
        for key in ours:
            os.environ.pop(key, None)
