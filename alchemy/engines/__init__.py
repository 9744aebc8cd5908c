"""Engines decide where the clean pass runs; the record functions are shared (cleaning/)."""

from __future__ import annotations

import logging
import platform
import shutil

from omegaconf import DictConfig

from alchemy.stages import ConfigError

log = logging.getLogger("alchemy")
ENGINES = ("auto", "python")


def select_engine(cfg: DictConfig, input_bytes: int) -> tuple[str, str]:
    """The engine to use and why (the seed's rules; Spark only when it is installed)."""
    name = cfg.engine.name
    if name not in ENGINES:
        raise ConfigError(f"engine.name: unknown engine {name!r}; valid: {', '.join(ENGINES)}")
    if name != "auto":
        return name, f"engine={name} was asked for"
    system = platform.system()
    if system in ("Windows", "Darwin"):
        return "python", f"{system}: python engine (simplest on this platform)"
    if shutil.which("java") is None:
        return "python", "Linux without Java: python engine"
    if input_bytes < cfg.engine.auto_spark_min_bytes:
        return "python", (f"input {input_bytes} bytes < engine.auto_spark_min_bytes "
                          f"({cfg.engine.auto_spark_min_bytes}): python engine")
    return "python", "Spark engine not available in this version: python engine"
