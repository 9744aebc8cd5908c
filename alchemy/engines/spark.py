"""The Spark engine: the same record functions as the Python engine, run by PySpark.

Files are listed with the ``binaryFile`` source (content is read only for remote inputs:
local files are parsed in place), parsed per Arrow batch with ``mapInArrow``, and every
later record step (phase-1 sanitize, filters, keys, signatures) is ``phase1_batch`` on an
Arrow batch, never a row-at-a-time UDF. A record that makes a step raise comes back as a
quarantine entry, as on the Python engine. Same-id copies are collapsed inside phase 1 (the
records are range-partitioned and sorted by id, fullest copy first: one shuffle); exact
duplicates are window functions; near duplicates are an LSH self-join whose verified edges are resolved on the
driver by ``cleaning.dedup.resolve_near``. With ``engine.output=single`` the driver streams
the id-sorted records (``toLocalIterator``) through the shared writer, so train.jsonl is
byte-identical to the Python engine's; ``partitioned`` numbers placeholders in parallel and
writes part files (see spark_dedup.py).
"""

from __future__ import annotations

import json
import logging
import os
import pickle
import tempfile
import time
from pathlib import Path
from typing import Any

from alchemy.cleaning.options import CleanOptions, clean_options
from alchemy.cleaning.pipeline import ERROR, phase1_batch
from alchemy.engines import spark_dedup
from alchemy.engines.output import Outputs, figures, write_quarantine
from alchemy.engines.spark_session import local_path, parallelism, session
from alchemy.engines.spill import collapse
from alchemy.engines.units import Unit, entries, plan_units, source_configs
from alchemy.sanitize import SanitizeContext, SanitizeStats

log = logging.getLogger("alchemy")
UNITS = "source string, path string, whole_dir boolean, content binary"
PARSED = "kind string, id string, neg long, path string, json string, source string"
P1 = ("id string, source string, path string, p1 string, reason string, k1 long, k2 long, "
      "sig binary, bands array<long>, extra binary")
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


def _parse_fn(scfgs: dict[str, dict[str, Any]], opts: CleanOptions) -> Any:
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

        for batch in batches:
            people: set[str] = set()
            for row in batch.to_pylist():
                scfg, path = scfgs[row["source"]], local_path(row["path"])
                with tempfile.TemporaryDirectory(prefix="alchemy-") as tmp:
                    if path is None or not os.path.exists(path):
                        path, scfg = _remote_copy(tmp, row["path"], row["content"] or b"", scfg)
                    unit = Unit(row["source"], path, bool(row["whole_dir"]), 0)
                    for e in entries(unit, scfg, opts, people):
                        q = json.dumps(e, ensure_ascii=False) if isinstance(e, dict) else None
                        vals = ("q", None, 0, None, q, None) if q is not None else ("r", *e)
                        for k, v in zip(names, vals, strict=True):
                            out[k].append(v)
                        if len(out["kind"]) >= ROWS_PER_BATCH:
                            yield emit()
            for name in sorted(people):
                for k, v in zip(names, ("p", None, 0, None, name, None), strict=True):
                    out[k].append(v)
            yield emit()

    return run


def _phase1_fn(ctx: SanitizeContext, opts: CleanOptions) -> Any:
    """Same-id copies collapsed as the Python engine does (rows arrive sorted by id, fullest copy
    first, and one id never spans partitions), then phase 1 in batches of ``PHASE1_ROWS``."""

    def run(batches: Any) -> Any:
        import pyarrow as pa

        schema = pa.schema([("id", pa.string()), ("source", pa.string()), ("path", pa.string()),
                            ("p1", pa.string()), ("reason", pa.string()), ("k1", pa.int64()),
                            ("k2", pa.int64()), ("sig", pa.binary()), ("bands", pa.list_(pa.int64())),
                            ("extra", pa.binary())])

        def emit(rows: list[str], superseded: list[dict[str, Any]]) -> Any:
            b = phase1_batch(ctx, opts, rows)
            elig = [b.bands.shape[1] > 0 and r is None for r in b.reasons]
            return pa.RecordBatch.from_pydict({
                "id": b.ids, "source": b.sources, "path": b.paths, "p1": b.p1, "reason": b.reasons,
                "k1": b.keys[:, 0].tolist(), "k2": b.keys[:, 1].tolist(),
                "sig": [b.sigs[i].tobytes() if e else None for i, e in enumerate(elig)],
                "bands": [b.bands[i].tolist() if e else None for i, e in enumerate(elig)],
                "extra": [pickle.dumps((b.stats, superseded + b.quarantine))] + [None] * (len(b.ids) - 1),
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


def _units_frame(spark: Any, units: list[Unit]) -> Any:
    from pyspark.sql import functions as F

    frames = []
    by_source: dict[str, list[str]] = {}
    for u in units:
        if not u.whole_dir:
            by_source.setdefault(u.source, []).append(u.path)
    for name, paths in by_source.items():
        df = spark.read.format("binaryFile").load(paths)
        remote = any(local_path(p) is None for p in paths)
        frames.append(df.select(F.lit(name).alias("source"), "path", F.lit(False).alias("whole_dir"),
                                F.col("content") if remote else F.lit(None).cast("binary").alias("content")))
    dirs = [(u.source, u.path, True, None) for u in units if u.whole_dir]
    if dirs or not frames:
        frames.append(spark.createDataFrame(dirs, UNITS))
    df = frames[0]
    for f in frames[1:]:
        df = df.unionByName(f)
    return df


def _write_single(p1: Any, fate: dict[str, tuple[Any, Any, Any]], outputs: Outputs,
                  opts: CleanOptions) -> None:
    """Stream the id-ordered records to the shared writer (the Python engine's exact bytes)."""
    last = None
    for r in p1.select("id", "source", "path", "p1", "reason").toLocalIterator():
        if last is not None and r.id <= last:  # never write an unsorted file silently
            raise RuntimeError(f"spark: records out of id order at {r.id!r}")
        last = r.id
        if r.reason == ERROR:
            continue
        reason, dup_of, m = (r.reason, None, None) if r.reason else fate.get(r.id, (None, None, None))
        if reason is None:
            outputs.keep(r.p1)
        else:
            outputs.drop(r.id, reason, r.source, r.path, r.p1, dup_of, m / opts.num_perm if m else None)


def run_clean(cfg: Any, inventory: dict[str, Any], out: Path, metrics: dict[str, Any]) -> None:
    """The clean pass on Spark; fills ``metrics`` exactly as the Python engine does."""
    from pyspark import StorageLevel
    from pyspark.sql import functions as F

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
        parsed = (_units_frame(spark, units).repartition(min(n, max(1, len(units))))
                  .mapInArrow(_parse_fn(scfgs, opts), PARSED).persist(StorageLevel.MEMORY_AND_DISK))
        side = parsed.filter("kind != 'r'").select("kind", "json").union(
            parsed.filter("kind = 'r'").groupBy("source").count()
            .select(F.lit("n").alias("kind"), F.to_json(F.struct("source", "count")).alias("json")))
        quarantine, people, per_source = [], set(), {}
        for r in side.collect():  # quarantine entries, person names, records per source: one job
            if r.kind == "q":
                quarantine.append(json.loads(r.json))
            elif r.kind == "p":
                people.add(r.json)
            else:
                per_source[json.loads(r.json)["source"]] = json.loads(r.json)["count"]
        ctx = SanitizeContext(cfg.sanitizer, sorted(people))
        # one shuffle: range-partitioned by id and sorted with the fullest copy of an id first, so
        # phase 1 collapses copies as it goes and reading the partitions in order later gives the
        # id order without another sort of the whole corpus
        records = (parsed.filter("kind = 'r'").select("id", "neg", "path", "json", "source")
                   .repartitionByRange(n, "id").sortWithinPartitions("id", "neg", "path", "json", "source"))
        mark("parse")
        p1 = records.mapInArrow(_phase1_fn(ctx, opts), P1).persist(StorageLevel.MEMORY_AND_DISK)
        stats = SanitizeStats()
        for r in p1.filter("extra IS NOT NULL").select("extra").toLocalIterator():
            s, q = pickle.loads(r.extra)
            stats.merge(s)
            quarantine += q
        parsed.unpersist()
        mark("sanitize")
        fates = spark_dedup.fates(spark, p1, opts, metrics)
        mark("dedup")
        partitioned = cfg.engine.get("output", "single") == "partitioned"
        outputs = Outputs(out, ctx.mode, opts.sample, train=not partitioned)
        if partitioned:
            usable = p1.filter(F.col("reason").isNull() | (F.col("reason") != ERROR))
            final = (usable.join(fates, "id", "left")
                     .select("id", "source", "path", "p1", F.coalesce("reason", "fate").alias("reason"),
                             "dup_of", "m"))
            for r in final.filter("reason IS NOT NULL").orderBy("id").toLocalIterator():
                outputs.drop(r.id, r.reason, r.source, r.path, r.p1, r.dup_of,
                             r.m / opts.num_perm if r.m else None)
            target = cfg.engine.get("output_dir") or str(out / "train")
            outputs.kept = spark_dedup.write_partitioned(final.filter("reason IS NULL"), ctx.mode, target, n)
        else:
            _write_single(p1, {r.id: (r.fate, r.dup_of, r.m) for r in fates.collect()}, outputs, opts)
        outputs.close()
        write_quarantine(out, quarantine)
        p1.unpersist()
        mark("write")
    finally:
        if owned:
            spark.stop()
    metrics.update(figures(sum(per_source.values()), per_source, outputs.kept, outputs.reasons,
                           len(quarantine), stats, ctx))
    metrics.update(spark_master=str(cfg.engine.get("master")), partitions=n, input_bytes=total,
                   timings={k: round(v, 2) for k, v in timings.items()})
    stats.check(bool(cfg.sanitizer.fail_on_leak))
