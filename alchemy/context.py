"""What a running stage gets (the stage contract's one argument); imports nothing of alchemy."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from omegaconf import DictConfig


@dataclass
class StageContext:
    """The config, where to write, and the inputs' folders."""

    cfg: DictConfig
    out: Path  # temporary folder; renamed into the cache when run() returns
    inputs: dict[str, Path]
    metrics: dict[str, Any]  # figures for report.json, filled by the stage
    cache_dir: Path  # shared cache root (e.g. converted models live under cache_dir/models)
    prepared: Any = None  # what the stage's prepare(cfg) returned (see alchemy/stages/__init__.py)
    store: Any = None  # the alchemy.cache.ArtifactStore the inputs come from (input_metrics)
    log: logging.Logger = field(default_factory=lambda: logging.getLogger("alchemy"))

    def input_metrics(self, name: str) -> dict[str, Any]:
        """The figures input ``name`` recorded when it was built (its manifest's metrics);
        {} when it is no complete artifact of the store (an outside folder, no store)."""
        if self.store is None or name not in self.inputs:
            return {}
        try:
            manifest = self.store.manifest_at(self.inputs[name])
        except (OSError, ValueError):
            return {}
        return manifest.get("metrics") or {}
