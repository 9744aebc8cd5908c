"""Entry point: compose the Hydra config, validate it, hand it to the runner.

Exit codes: 0 success; 1 a stage failed (its partial artifact is discarded); 2 a config
problem (unknown option, misspelt key, wrong type, missing data folder), caught before any
stage work. ``alchemy cache gc|purge-raw`` manages the cache instead (alchemy/cache_admin.py).
"""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

import hydra
from hydra.core.hydra_config import HydraConfig
from hydra.types import RunMode
from omegaconf import DictConfig, OmegaConf

from alchemy.config import CONF_DIR, register_configs
from alchemy.help import register as register_help
from alchemy.overrides import QUOTING, quote_bracketed, unparsable

log = logging.getLogger("alchemy")
_task_started = False
_failed_jobs: list[int] = []


def run(cfg: DictConfig) -> dict:
    """Run the pipeline for one composed config (also used by tests)."""
    from alchemy.publish import run_dir_error, write_atomic
    from alchemy.runner import Runner, StageFailed
    from alchemy.summary import print_summary

    run_dir = Path(HydraConfig.get().runtime.output_dir)
    runner = Runner(cfg, run_dir)  # validates the config first (ConfigError: exit 2)
    # Hydra saves the config with interpolations; store the resolved one, as DESIGN.md promises.
    hydra_dir = run_dir / ".hydra"
    if hydra_dir.is_dir():
        try:
            write_atomic(hydra_dir / "config.yaml", OmegaConf.to_yaml(cfg, resolve=True))
        except OSError as exc:
            raise StageFailed(run_dir_error(exc, hydra_dir / "config.yaml")) from exc
    report = runner.run()
    print_summary(report)
    return report


def objective(report: dict) -> float | None:
    """What an Optuna sweep (recipe=sweep-optuna) minimises: the adapter's held-out eval loss.

    Falls back to the train stage's own figures when eval did not run; other sweepers and
    single runs ignore the value.
    """
    stages = report.get("stages") or {}
    train = stages.get("train") or {}
    for value in (((stages.get("eval") or {}).get("adapter") or {}).get("loss"),
                  train.get("eval_loss"), train.get("train_loss")):
        if value is not None:
            return float(value)
    return None


@hydra.main(version_base="1.3", config_path=str(CONF_DIR), config_name="config")
def _app(cfg: DictConfig) -> float | None:
    global _task_started
    _task_started = True
    from alchemy.runner import StageFailed
    from alchemy.stages import ConfigError

    try:
        return objective(run(cfg))
    except ConfigError as exc:
        log.error("config error: %s", exc)
        print(f"alchemy: config error: {exc}", file=sys.stderr)
        sys.exit(2)
    except StageFailed as exc:
        log.error("%s", exc)
        print(f"alchemy: {exc}", file=sys.stderr)
        if HydraConfig.get().mode == RunMode.MULTIRUN:
            # One failed job must not stop a sweep: its report.json holds the error, the sweep
            # summary lists it, and the process exits 1 once every job has run.
            _failed_jobs.append(HydraConfig.get().job.num)
            return float("nan")  # Optuna records the trial as failed
        sys.exit(1)


def main() -> None:
    """Console script `alchemy`."""
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    if sys.argv[1:2] == ["cache"]:  # alchemy cache gc|purge-raw (not a Hydra run)
        from alchemy.cache_admin import main as cache_main

        sys.exit(cache_main(sys.argv[2:]))
    register_configs()
    register_help()
    sys.argv[1:] = quote_bracketed(sys.argv[1:])  # engine.master=local[4] is that string
    try:
        _app()
    except SystemExit as exc:
        # Hydra reports composition errors (unknown option, bad key or type) with exit 1
        # before the task starts; those are config errors, which exit 2 here.
        if exc.code == 1 and not _task_started:
            if bad := unparsable(sys.argv[1:]):
                print(f"alchemy: config error: cannot parse {' '.join(bad)}: {QUOTING}",
                      file=sys.stderr)
            sys.exit(2)
        raise
    if _failed_jobs:
        print(f"alchemy: {len(_failed_jobs)} sweep job(s) failed: {_failed_jobs}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
