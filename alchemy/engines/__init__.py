"""Engines decide where the clean pass runs; the record functions are shared (cleaning/).

``python`` runs on this machine's cores with no Java; ``spark`` runs on PySpark (``local[*]``
or a cluster). ``auto`` follows the seed's rules: Windows and macOS get python; Linux gets
spark when Java is installed, PySpark importable and the input at least
``engine.auto_spark_min_bytes`` (1 GB by default, the seed's scaling table), else python.
Both engines write byte-identical train.jsonl, so the engine is not part of the clean
stage's fingerprint.
"""

from __future__ import annotations

import importlib.util
import logging
import platform
import shutil
from typing import Any

from alchemy.errors import ConfigError

log = logging.getLogger("alchemy")
ENGINES = ("auto", "python", "spark")
OUTPUTS = ("single", "partitioned")


def java_available() -> bool:
    return shutil.which("java") is not None


def spark_installed() -> bool:
    return importlib.util.find_spec("pyspark") is not None


def select_engine(cfg: Any, input_bytes: int) -> tuple[str, str]:
    """The engine to use and why (engine.name, engine.output and a remote engine.output_dir
    were checked before any stage ran: alchemy/validate.py)."""
    name = cfg.engine.name
    if name == "spark":
        if not spark_installed():
            raise ConfigError("engine=spark needs PySpark: pip install 'pyspark>=4' 'pandas<3' pyarrow")
        if not java_available() and str(cfg.engine.master).startswith("local"):
            raise ConfigError("engine=spark needs Java 17+ on PATH for a local Spark "
                              "(apt-get install openjdk-17-jre-headless), or use engine=python")
    if name != "auto":
        return name, f"engine={name} was asked for"
    system = platform.system()
    if system in ("Windows", "Darwin"):
        return "python", f"{system}: python engine (the seed's rule for this platform)"
    if not java_available():
        return "python", "Linux without Java: python engine"
    if not spark_installed():
        return "python", "Linux with Java but PySpark is not installed: python engine"
    floor = int(cfg.engine.auto_spark_min_bytes)
    if input_bytes < floor:
        return "python", (f"Linux with Java, but the input ({input_bytes:,} bytes) is below "
                          f"engine.auto_spark_min_bytes ({floor:,}): python engine")
    return "spark", f"Linux with Java and {input_bytes:,} bytes of input: spark engine"
