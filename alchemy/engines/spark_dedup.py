"""Exact and near duplicates on Spark, and the partitioned (parallel) numbering pass.

The definitions are those of ``cleaning/dedup.py``; here they are window functions and
joins. Exact: the smallest id of each exact-key group is kept. Near: each LSH bucket links
its members to its smallest id, candidate pairs are verified on their signatures in Arrow
batches, and the verified edges (few: only similar pairs) are resolved on the driver with
the same greedy function the Python engine uses.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from alchemy.cleaning.dedup import resolve_near
from alchemy.cleaning.options import CleanOptions
from alchemy.cleaning.pipeline import decode, encode
from alchemy.sanitize import Numberer

FATES = "id string, dup_of string, fate string, m int"


def _verify_fn(need: int) -> Any:
    def run(batches: Any) -> Any:
        import pyarrow as pa

        for batch in batches:
            cols = batch.to_pydict()
            keep: dict[str, list[Any]] = {"root": [], "id": [], "m": []}
            for root, rid, sa, sb in zip(cols["root"], cols["id"], cols["sa"], cols["sb"], strict=True):
                m = int(np.count_nonzero(np.frombuffer(sa, np.uint32) == np.frombuffer(sb, np.uint32)))
                if m >= need:
                    keep["root"].append(root)
                    keep["id"].append(rid)
                    keep["m"].append(m)
            yield pa.RecordBatch.from_pydict(keep, schema=pa.schema(
                [("root", pa.string()), ("id", pa.string()), ("m", pa.int32())]))

    return run


def fates(spark: Any, p1: Any, opts: CleanOptions, metrics: dict[str, Any]) -> Any:
    """(id, dup_of, fate, m) for every exact and near duplicate."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    passed = p1.filter("reason IS NULL")
    frames = []
    exact = spark.createDataFrame([], "id string, dup_of string")
    if opts.dedup:
        w = Window.partitionBy("k1", "k2").orderBy("id")
        exact = (passed.select("id", "k1", "k2").withColumn("dup_of", F.first("id").over(w))
                 .filter("id != dup_of").select("id", "dup_of"))
        frames.append(exact.select("id", "dup_of", F.lit("exact_duplicate").alias("fate"),
                                   F.lit(None).cast("int").alias("m")))
    if opts.near_dup:
        elig = passed.filter("bands IS NOT NULL").join(exact, "id", "left_anti").select("id", "bands", "sig")
        buckets = elig.select("id", F.posexplode("bands").alias("band", "h"))
        w = Window.partitionBy("band", "h")
        cand = (buckets.withColumn("root", F.min("id").over(w)).filter("id != root")
                .select("root", "id").distinct())
        sigs = elig.select("id", "sig")
        pairs = (cand.join(sigs.withColumnRenamed("id", "root").withColumnRenamed("sig", "sa"), "root")
                 .join(sigs.withColumnRenamed("sig", "sb"), "id").select("root", "id", "sa", "sb"))
        edges = [(r.root, r.id, r.m) for r in pairs.mapInArrow(_verify_fn(opts.need),
                                                                "root string, id string, m int").collect()]
        near = resolve_near(edges)
        rows = [(rid, str(t), "near_duplicate", int(m)) for rid, (t, m) in near.items()]
        frames.append(spark.createDataFrame(rows, FATES))
        metrics["near_dup"] = {"bands": opts.bands, "rows": opts.rows, "threshold": opts.threshold,
                               "candidate_pairs": cand.count(), "similar_pairs": len(edges)}
    if not frames:
        return spark.createDataFrame([], FATES)
    out = frames[0]
    for f in frames[1:]:
        out = out.unionByName(f)
    return out


def _tokens_fn() -> Any:
    def run(batches: Any) -> Any:
        import pyarrow as pa

        for batch in batches:
            out: dict[str, list[Any]] = {"kind": [], "dig": [], "id": [], "pos": []}
            for rid, p1 in zip(batch.column("id").to_pylist(), batch.column("p1").to_pylist(), strict=True):
                for pos, (kind, dig) in enumerate(Numberer.tokens_in_order(decode(p1))):
                    out["kind"].append(kind)
                    out["dig"].append(dig)
                    out["id"].append(rid)
                    out["pos"].append(pos)
            yield pa.RecordBatch.from_pydict(out, schema=pa.schema(
                [("kind", pa.string()), ("dig", pa.string()), ("id", pa.string()), ("pos", pa.int64())]))

    return run


def _number_fn(numberer: Numberer) -> Any:
    def run(batches: Any) -> Any:
        import pyarrow as pa

        for batch in batches:
            ids = batch.column("id").to_pylist()
            lines = [encode(numberer.record(decode(p))) for p in batch.column("p1").to_pylist()]
            yield pa.RecordBatch.from_pydict({"id": ids, "value": lines}, schema=pa.schema(
                [("id", pa.string()), ("value", pa.string())]))

    return run


def write_partitioned(kept: Any, mode: str, target: str, parts: int) -> int:
    """Number placeholders in parallel (tokens in first-appearance order, learned on the
    driver, broadcast) and write id-ordered part files; return the number of records."""
    from pyspark.sql import functions as F

    kept = kept.select("id", "p1")
    firsts = (kept.mapInArrow(_tokens_fn(), "kind string, dig string, id string, pos long")
              .groupBy("kind", "dig").agg(F.min(F.struct("id", "pos")).alias("first"))
              .orderBy("first.id", "first.pos").select("kind", "dig"))
    numberer = Numberer(mode).learn((r.kind, r.dig) for r in firsts.toLocalIterator())
    lines = kept.mapInArrow(_number_fn(numberer), "id string, value string")
    lines.repartitionByRange(parts, "id").sortWithinPartitions("id").select("value") \
        .write.mode("overwrite").text(target)
    return kept.count()
