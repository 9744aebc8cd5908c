"""The Spark engine: the same record functions as the Python engine, run by PySpark.

Local files are parsed in place, packed into tasks biggest first (one task per partition);
remote files (``s3a://``, ``hdfs://``) come with their content from the ``binaryFile``
source. Parsing runs per Arrow batch with ``mapInArrow``, and every later record step
(phase-1 sanitize, filters, keys, signatures) is ``phase1_batch`` on an Arrow batch, never a
row-at-a-time UDF. A record that makes a step raise comes back as a quarantine entry, as on
the Python engine. Same-id copies are collapsed inside phase 1 (the records are
range-partitioned and sorted by id, fullest copy first: one shuffle), so the cached phase-1
records are in id order partition after partition. Exact and near duplicates are one window
plus a verification join, resolved on the driver by the Python engine's functions; then
placeholders are numbered in parallel with the numbering learned in id order, and the
parts are joined into train.jsonl (byte-identical to the Python engine's) or, with
``engine.output=partitioned``, kept as part files (see spark_dedup.py).
"""

from __future__ import annotations

import json
import logging
import os
import pickle
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from alchemy.cleaning.options import CleanOptions, clean_options
from alchemy.cleaning.pipeline import phase1_batch
from alchemy.engines import spark_dedup
from alchemy.engines.output import Outputs, figures, write_quarantine
from alchemy.engines.spark_session import local_path, parallelism, session, shared_disk
from alchemy.engines.spill import collapse
from alchemy.engines.units import Unit, entries, group_units, plan_units, skipped, source_configs
from alchemy.sanitize import SanitizeContext, SanitizeStats
from alchemy.sanitize.ids import shown_id
from alchemy.sanitize.pseudonyms import open_book, run_key

log = logging.getLogger("alchemy")
UNITS = "task int, source string, path string, content binary"
PARSED = "kind string, id string, neg long, path string, json string, source string"
P1 = ("id string, source string, path string, p1 string, reason string, k1 long, k2 long, "
      "sig binary, bands array<long>, toks string, extra binary")
ROWS_PER_BATCH = 512
PHASE1_ROWS = 4096  # records per phase-1 call (MinHash is batched over them)


def _remote_copy(tmp: str, uri: str, content: bytes, scfg: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """Write a remote file under tmp at its path relative to raw_dir; parse it from there."""
    raw = str(scfg.get("raw_dir") or "").rstrip("/")
    rel = uri[len(raw) + 1:] if raw and uri.startswith(raw + "/") else uri.rsplit("/", 1)[-1]
    target = Path(tmp) / rel
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(content)
    return str(target), {**scfg, "raw_dir": tmp}


def _parse_fn(scfgs: dict[str, dict[str, Any]], opts: CleanOptions,
              tasks: list[list[tuple[str, str, bool]]] | None = None) -> Any:
    """Parse a partition's rows: a task number (``task`` >= 0: its local units) or one unit
    (source, path, whole_dir; with its content when remote)."""

    def run(batches: Any) -> Any:
        import pyarrow as pa

        names = [f.split()[0] for f in PARSED.split(", ")]
        out: dict[str, list[Any]] = {k: [] for k in names}
        types = {"neg": pa.int64()}  # explicit: a batch of only names or quarantine has null ids
        schema = pa.schema([(k, types.get(k, pa.string())) for k in names])

        def emit() -> Any:
            batch = pa.RecordBatch.from_pydict(out, schema=schema)
            for v in out.values():
                v.clear()
            return batch

        side: list[tuple[Any, ...]] = []  # quarantine, names, counts: after the records, so
        people: set[str] = set()          # the side job's filter skips whole cached batches
        counts: dict[str, int] = {}
        size = 0  # characters of record JSON: how many partitions phase 1 needs
        for batch in batches:
            for row in batch.to_pylist():
                one = [(row["source"], row["path"], bool(row.get("whole_dir")))]
                todo = tasks[row["task"]] if tasks and row.get("task", -1) >= 0 else one
                for source, uri, whole_dir in todo:
                    with tempfile.TemporaryDirectory(prefix="alchemy-") as tmp:
                        scfg, path = scfgs[source], local_path(uri)
                        if path is None or not os.path.exists(path):
                            path, scfg = _remote_copy(tmp, uri, row["content"] or b"", scfg)
                        unit = Unit(source, path, whole_dir, 0)
                        for e in entries(unit, scfg, opts, people):
                            if isinstance(e, dict):
                                side.append(("q", None, 0, None, json.dumps(e, ensure_ascii=False), None))
                                continue
                            counts[e[4]] = counts.get(e[4], 0) + 1
                            size += len(e[3])
                            for k, v in zip(names, ("r", *e), strict=True):
                                out[k].append(v)
                            if len(out["kind"]) >= ROWS_PER_BATCH:
                                yield emit()
        if out["kind"]:
            yield emit()
        side += [("p", None, 0, None, name, None) for name in sorted(people)]
        side += [("n", None, n, None, source, None) for source, n in sorted(counts.items())]
        side.append(("b", None, size, None, None, None))
        for vals in side:
            for k, v in zip(names, vals, strict=True):
                out[k].append(v)
        yield emit()

    return run


def _phase1_fn(ctx: SanitizeContext, opts: CleanOptions) -> Any:
    """Same-id copies collapsed as the Python engine does (rows arrive sorted by id, fullest copy
    first, and one id never spans partitions), then phase 1 in batches of ``PHASE1_ROWS``. Each
    record keeps its distinct placeholder tokens in walk order (``toks``, "TYPE:digest ...")
    for learning phase 2's numbering without decoding the records again."""
    learn = ctx.mode != "redact"

    def run(batches: Any) -> Any:
        import pyarrow as pa

        schema = pa.schema([("id", pa.string()), ("source", pa.string()), ("path", pa.string()),
                            ("p1", pa.string()), ("reason", pa.string()), ("k1", pa.int64()),
                            ("k2", pa.int64()), ("sig", pa.binary()), ("bands", pa.list_(pa.int64())),
                            ("toks", pa.string()), ("extra", pa.binary())])

        def emit(rows: list[str], superseded: list[dict[str, Any]]) -> Any:
            b = phase1_batch(ctx, opts, rows)
            elig = [b.bands.shape[1] > 0 and r is None for r in b.reasons]
            return pa.RecordBatch.from_pydict({
                "id": b.ids, "source": b.sources, "path": b.paths, "p1": b.p1, "reason": b.reasons,
                "k1": b.keys[:, 0].tolist(), "k2": b.keys[:, 1].tolist(),
                "sig": [b.sigs[i].tobytes() if e else None for i, e in enumerate(elig)],
                "bands": [b.bands[i].tolist() if e else None for i, e in enumerate(elig)],
                "toks": [" ".join(dict.fromkeys(f"{k}:{d}" for k, d in t)) if learn and t else None
                         for t in b.tokens],
                "extra": [pickle.dumps((b.stats, superseded + b.quarantine, b.truncated))]
                + [None] * (len(b.ids) - 1),
            }, schema=schema)

        cols = ("id", "neg", "path", "json", "source")  # the Python engine's entry layout
        stream = (e for batch in batches
                  for e in zip(*(batch.column(c).to_pylist() for c in cols), strict=True))
        rows: list[str] = []
        superseded: list[dict[str, Any]] = []  # collapse() appends the copies it drops here
        for entry in collapse(stream, superseded):
            rows.append(entry[3])
            if len(rows) >= PHASE1_ROWS:
                yield emit(rows, superseded)
                rows = []
                superseded.clear()
        if rows:
            yield emit(rows, superseded)

    return run


def _units_frame(spark: Any, units: list[Unit], n: int) -> tuple[Any, list[list[tuple[str, str, bool]]]]:
    """Local units packed into tasks of about 1/n of the input, biggest first, one task per
    partition: Spark starts tasks in partition order, so a big unit (a whole-folder source is
    one) never runs alone at the end. Remote files come with their content (binaryFile)."""
    from pyspark.sql import functions as F

    remote = [u for u in units if not u.whole_dir and local_path(u.path) is None]
    local = [u for u in units if u not in set(remote)]
    target = max(1 << 20, sum(u.size for u in local) // n + 1)
    tasks = sorted(group_units(local, target), key=lambda t: -sum(u.size for u in t))
    df = spark.createDataFrame([], UNITS)
    if tasks:  # partition i holds the number i
        none = (F.lit(None).cast(t).alias(c) for c, t in (("source", "string"), ("path", "string"),
                                                           ("content", "binary")))
        df = spark.range(0, len(tasks), 1, len(tasks)).select(F.col("id").cast("int").alias("task"), *none)
    by_source: dict[str, list[str]] = {}
    for u in remote:
        by_source.setdefault(u.source, []).append(u.path)
    for name, paths in by_source.items():
        files = spark.read.format("binaryFile").load(paths)
        df = df.unionByName(files.select(F.lit(-1).alias("task"), F.lit(name).alias("source"), "path",
                                         "content").repartition(min(n, len(paths))))
    return df, [[(u.source, u.path, u.whole_dir) for u in t] for t in tasks]


def run_clean(cfg: Any, inventory: dict[str, Any], out: Path, metrics: dict[str, Any]) -> None:
    """The clean pass on Spark; fills ``metrics`` exactly as the Python engine does."""
    from pyspark import StorageLevel

    opts = clean_options(cfg.clean)
    scfgs = source_configs(cfg, inventory)
    units = plan_units(inventory)
    total = sum(u.size for u in units)
    timings: dict[str, float] = {}
    clock = [time.perf_counter()]

    def mark(step: str) -> None:
        now = time.perf_counter()
        timings[step], clock[0] = now - clock[0], now

    spark, owned = session(cfg.engine)
    mark("session")
    n = parallelism(spark, total)
    try:
        frame, tasks = _units_frame(spark, units, n)
        parsed = frame.mapInArrow(_parse_fn(scfgs, opts, tasks), PARSED).persist(StorageLevel.MEMORY_AND_DISK)
        quarantine, people, per_source, size = skipped(inventory), set(), Counter(), 0
        # quarantine entries, person names, records per source, record bytes: one scan, which
        # skips the cached batches of records (IN uses their min/max statistics, != would not)
        for r in parsed.filter("kind IN ('b', 'n', 'p', 'q')").select("kind", "neg", "json").collect():
            if r.kind == "q":
                quarantine.append(json.loads(r.json))
            elif r.kind == "p":
                people.add(r.json)
            elif r.kind == "n":
                per_source[r.json] += r.neg
            else:
                size += r.neg
        # phase 1 onwards is sized by the records, not the raw exports (mostly JSON structure
        # in a REST export): a Python task per ~16 MB of records, fewer per-task costs
        m = min(n, parallelism(spark, size))
        ctx = SanitizeContext(cfg.sanitizer, sorted(people), key=run_key(cfg))
        # one shuffle: range-partitioned by id and sorted with the fullest copy of an id first, so
        # phase 1 collapses copies as it goes and reading the partitions in order later gives the
        # id order without another sort of the whole corpus
        records = (parsed.filter("kind = 'r'").select("id", "neg", "path", "json", "source")
                   .repartitionByRange(m, "id").sortWithinPartitions("id", "neg", "path", "json", "source"))
        mark("parse")
        p1 = records.mapInArrow(_phase1_fn(ctx, opts), P1).persist(StorageLevel.MEMORY_AND_DISK)
        stats, truncated = SanitizeStats(), 0
        for r in p1.filter("extra IS NOT NULL").select("extra").collect():
            s, q, t = pickle.loads(r.extra)
            stats.merge(s)
            quarantine += q
            truncated += t
        parsed.unpersist()
        mark("sanitize")
        local = spark_dedup.collect(p1, opts, sum(per_source.values()))  # small enough for the driver?
        fate = spark_dedup.fates(spark, p1, opts, metrics, local)
        mark("dedup")
        partitioned = cfg.engine.output == "partitioned"
        outputs = Outputs(out, ctx.mode, opts.sample, corpus=False, show=shown_id(ctx))
        outputs.book = open_book(cfg, ctx.key)
        target = (cfg.engine.output_dir or str(out / "train")) if partitioned else None
        spark_dedup.write(spark, p1, fate, outputs, opts, out, target, shared_disk(spark), local)
        del local
        outputs.close()
        write_quarantine(out, quarantine, shown_id(ctx))
        p1.unpersist()
        mark("write")
    finally:
        if owned:
            spark.stop()
    metrics.update(figures(sum(per_source.values()), per_source, outputs.kept, outputs.reasons,
                           len(quarantine), stats, ctx, truncated))
    metrics.update(spark_master=str(cfg.engine.master), partitions=m, input_bytes=total,
                   timings={k: round(v, 2) for k, v in timings.items()})
    stats.check(bool(cfg.sanitizer.fail_on_leak))
