"""The Spark session for the clean pass, and where inputs and outputs may live.

``engine.master`` is any Spark master URL (``local[*]`` by default, ``spark://host:7077``,
``yarn``, ``k8s://https://host:443``); every ``engine.conf`` entry goes to the builder, so
any Spark setting can be passed from the command line
(``+engine.conf.spark.executor.memory=8g``). A session that already runs in this process is
reused (tests share one) and left running; one started here is stopped at the end.

Paths: local files are read in place. ``s3a://`` and ``hdfs://`` inputs are read with the
``binaryFile`` source and materialised per file on the executor; an ``s3a://`` or
``hdfs://`` ``engine.output_dir`` receives the part files of ``engine.output=partitioned``.
With ``single`` output, a local master's tasks write their parts next to the driver
(``shared_disk``); on a cluster the numbered lines are streamed to the driver instead.
S3 needs the hadoop-aws jars and credentials, e.g.::

    engine.conf.spark.jars.packages=org.apache.hadoop:hadoop-aws:3.4.1
    engine.conf.spark.hadoop.fs.s3a.aws.credentials.provider=...DefaultCredentialsProvider

and on a cluster alchemy itself must be installed on every executor (same version).
"""

from __future__ import annotations

import logging
import os
import sys
from typing import Any
from urllib.parse import unquote, urlparse

from alchemy.engines.pool import cpu_count

log = logging.getLogger("alchemy")
DEFAULTS = {
    "spark.app.name": "alchemy-clean",
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.sql.execution.arrow.maxRecordsPerBatch": "1000",
    "spark.python.worker.reuse": "true",
    "spark.sql.session.timeZone": "UTC",
    # cached records are JSON strings, which no columnar scheme compresses: don't try on each
    "spark.sql.inMemoryColumnarStorage.compressed": "false",
}


def local_path(uri: str) -> str | None:
    """The local filesystem path of a ``file:`` URI or a plain path; None for remote URIs."""
    parsed = urlparse(uri)
    if parsed.scheme in ("", "file"):
        return unquote(parsed.path) if parsed.scheme else uri
    if len(parsed.scheme) == 1:  # a Windows drive letter, not a scheme
        return uri
    return None


def flatten(conf: Any, prefix: str = "") -> dict[str, str]:
    """Spark settings as flat ``a.b.c`` keys: ``engine.conf.spark.executor.memory=8g`` on the
    command line arrives nested, a quoted key in YAML arrives flat; both work."""
    out: dict[str, str] = {}
    for key, value in dict(conf).items():
        name = f"{prefix}{key}"
        if hasattr(value, "items"):
            out.update(flatten(value, name + "."))
        else:
            out[name] = str(value).lower() if isinstance(value, bool) else str(value)
    return out


def settings(engine: Any, master: str) -> dict[str, str]:
    """The builder's settings: alchemy's defaults, then every ``engine.conf`` entry."""
    extra = {"spark.sql.shuffle.partitions": str(max(8, 4 * cpu_count()))}
    if master.startswith("local"):
        # one short-lived JVM that mostly moves Arrow batches for Python: the C1 compiler alone
        # halves its JIT CPU (24 -> 13 CPU-s at 100 MB) and makes a 1 GB run ~8% faster; a user's
        # own extraJavaOptions replace this
        extra["spark.driver.extraJavaOptions"] = "-XX:TieredStopAtLevel=1"
    return {**DEFAULTS, **extra, **flatten(engine["conf"])}


def session(engine: Any) -> tuple[Any, bool]:
    """(SparkSession, started_here): the active one, or a new one from engine.master/conf."""
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    master = str(engine["master"])
    if master.startswith("local"):
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")  # no DNS lookup of the host name
    from pyspark.sql import SparkSession

    active = SparkSession.getActiveSession()
    if active is not None:
        return active, False
    builder = SparkSession.builder.master(master)
    for key, value in settings(engine, master).items():
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    log.info("spark: session on %s (Spark %s)", master, spark.version)
    return spark, True


def shared_disk(spark: Any) -> bool:
    """Whether the executors write files the driver can read (a local master)."""
    return str(spark.sparkContext.master).startswith("local")


def parallelism(spark: Any, total_bytes: int, per_task: int = 16_000_000) -> int:
    """Partitions for the Python-heavy steps: every core busy, and tasks of about ``per_task``."""
    return max(2 * int(spark.sparkContext.defaultParallelism), -(-total_bytes // per_task), 1)
