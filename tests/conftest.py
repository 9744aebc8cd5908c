"""Shared fixtures: compose the real config with Hydra's compose API, writing into tmp_path."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hydra import compose, initialize_config_dir
from omegaconf import DictConfig, open_dict

from alchemy.config import CONF_DIR, register_configs

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def compose_cfg(*overrides: str) -> DictConfig:
    """The run config exactly as `alchemy <overrides>` would compose it."""
    register_configs()
    with initialize_config_dir(version_base="1.3", config_dir=str(CONF_DIR)):
        return compose("config", overrides=list(overrides))


@pytest.fixture
def make_cfg(tmp_path: Path):
    """Compose a config whose cache lives in tmp_path; overrides as on the command line."""

    def make(*overrides: str, cache: Path | None = None) -> DictConfig:
        cfg = compose_cfg(*overrides)
        with open_dict(cfg):
            cfg.paths.cache_dir = str(cache or tmp_path / "cache")
        return cfg

    return make


@pytest.fixture
def docs_dir(tmp_path: Path) -> Path:
    """A tiny documents export: two Markdown manuals with sections, a secret and an e-mail."""
    raw = tmp_path / "raw" / "documents"
    raw.mkdir(parents=True)
    (raw / "runbook.md").write_text(
        "# Ledger runbook\n\nThe ledger-service listens on port 8443 and stores balances in "
        "Postgres 15.\n\n## Restarts\n\nRestart with `kubectl rollout restart deploy/ledger`. "
        "Page the on-call at oncall@example-corp.com before any restart.\n\n## Credentials\n\n"
        "The staging key was AKIAIOSFODNN7EXAMPLE until it was rotated in March.\n",
        encoding="utf-8")
    (raw / "deploy.md").write_text(
        "# Deploy guide\n\nEvery service deploys through Argo CD from the main branch.\n\n"
        "## Rollback\n\nRoll back by reverting the merge commit and letting Argo CD sync; "
        "never edit the live manifests by hand.\n", encoding="utf-8")
    return raw
