"""Exact and near duplicates on Spark, and the parallel numbering and writing of the output.

Duplicates follow ``cleaning/dedup.py``. When every record's id, reason and tokens and the
passed records' keys and signatures fit the driver (``DRIVER_DEDUP_BYTES``, ~260k records at
the defaults), one Arrow scan brings them there (``collect``): ``dedup.resolve`` decides, as on
the Python engine, and the numbering below is learned from the same table (at 1 GB of REST
exports, dedup took 2.1 s instead of 6). Above that, one window over the passed records finds
every exact-key group and LSH bucket with more than one member (one shuffle of small rows); the
driver keeps the smallest id of each exact group and links each bucket's remaining members to
its smallest id (candidate pairs, few). Their signatures meet in two broadcast joins against
the cached records (no shuffle of signatures), are verified in Arrow batches, and the verified
edges are resolved with the Python engine's greedy function.

Writing (phase 2) is the Python engine's: one scan of the id-ordered records (or the collected
table) gives, per partition, the dropped records and the kept records' tokens in
first-appearance order; the driver learns the numbering from them in partition (= id) order and
freezes it; then every partition numbers its kept records in parallel. ``single`` output: each
task writes its part file and the driver joins them into train.jsonl (where the executors do
not share the driver's disk, the lines are streamed to it instead); ``partitioned``: Spark
writes the parts.
"""

from __future__ import annotations

import json
import os
import pickle
import shutil
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np

from alchemy.cleaning import dedup
from alchemy.cleaning.dedup import resolve_near
from alchemy.cleaning.options import CleanOptions
from alchemy.cleaning.pipeline import ERROR, final_line
from alchemy.engines.output import CORPUS, Outputs, append_file
from alchemy.sanitize import Numberer

Fates = dict[str, tuple[str, str, int | None]]  # id -> (reason, duplicate of, matches)
DRIVER_DEDUP_BYTES = 256_000_000  # collected keys + signatures above which the cluster resolves


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


def _buckets(p1: Any, opts: CleanOptions) -> dict[tuple[int, int, int], list[str]]:
    """Every exact-key group (band -1) and LSH bucket with more than one member, in one
    window over the passed records (one shuffle of small rows): (band, key, key2) -> ids."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    passed = p1.filter("reason IS NULL")
    keys = []
    if opts.dedup:
        keys.append(passed.select("id", F.lit(-1).alias("band"), F.col("k1").alias("h"),
                                  F.col("k2").alias("h2")))
    if opts.near_dup:
        keys.append(passed.filter("bands IS NOT NULL").select("id", F.posexplode("bands").alias("band", "h"))
                    .select("id", "band", "h", F.lit(0).cast("long").alias("h2")))
    out: dict[tuple[int, int, int], list[str]] = {}
    if not keys:
        return out
    rows = keys[0] if len(keys) == 1 else keys[0].unionByName(keys[1])
    # the key first: the sort's 8-byte prefix then decides nearly every comparison (band would not)
    size = F.count("*").over(Window.partitionBy("h", "band", "h2"))
    for r in rows.withColumn("n", size).filter("n > 1").select("band", "h", "h2", "id").collect():
        out.setdefault((r.band, r.h, r.h2), []).append(r.id)
    return out


def collect(p1: Any, opts: CleanOptions, records: int) -> Any:
    """Every record's id, source, path, reason and tokens, with the passed records' keys and
    signatures, as one Arrow table in partition (= id) order, when they fit the driver
    (``DRIVER_DEDUP_BYTES``); else None, and the cluster resolves and scans."""
    if records * (opts.num_perm * 4 + opts.bands * 8 + 400) > DRIVER_DEDUP_BYTES:
        return None
    near = ("bands", "sig") if opts.near_dup else ()
    return p1.select("id", "source", "path", "reason", "toks", "k1", "k2", *near).toArrow()


def _on_driver(table: Any, opts: CleanOptions, metrics: dict[str, Any]) -> Fates:
    """The Python engine's ``dedup.resolve`` over the passed records of ``collect``'s table."""
    import pyarrow.compute as pc

    table = table.filter(pc.is_null(table.column("reason")))
    ids = table.column("id").to_pylist()
    order = np.array(sorted(range(len(ids)), key=ids.__getitem__), dtype=np.int64)  # ordinal = id rank
    ids = [ids[i] for i in order]
    n = len(ids)
    keys = np.column_stack([table.column("k1").to_numpy(), table.column("k2").to_numpy()])[order]
    bands = sigs = np.zeros((n, 0), np.int64)
    if opts.near_dup:  # every passed record has both (phase 1 keys all of them)
        bands = pc.list_flatten(table.column("bands")).to_numpy().reshape(n, opts.bands)[order]
        raw = b"".join(table.column("sig").to_pylist())
        sigs = np.frombuffer(raw, np.uint32).reshape(n, opts.num_perm)[order]
    found, near = dedup.resolve(opts, np.ones(n, bool), keys, lambda k: bands[:, k], sigs)
    if near is not None:
        metrics["near_dup"] = near
    return {ids[o]: (reason, ids[t], m) for o, (reason, t, m) in found.items()}


def fates(spark: Any, p1: Any, opts: CleanOptions, metrics: dict[str, Any], local: Any = None) -> Fates:
    """id -> (reason, duplicate of, matches) for every exact and near duplicate; on the driver
    when ``local`` (``collect``'s table) is given."""
    from pyspark.sql import functions as F

    if local is not None:
        return _on_driver(local, opts, metrics)
    out: Fates = {}
    buckets = _buckets(p1, opts)
    for (band, _, _), ids in buckets.items():  # exact: all but the smallest id of a group
        if band < 0:
            first, *rest = sorted(ids)
            out.update((i, ("exact_duplicate", first, None)) for i in rest)
    if opts.near_dup:  # near: each bucket's remaining members linked to its smallest (a star)
        pairs: set[tuple[str, str]] = set()
        for (band, _, _), ids in buckets.items():
            if band >= 0:
                left = sorted(i for i in ids if i not in out)
                pairs.update((left[0], i) for i in left[1:])
        cand = sorted(pairs)
        edges: list[tuple[str, str, int]] = []
        if cand:  # the pairs' signatures meet in two broadcast joins: no shuffle of signatures
            sigs = p1.filter("sig IS NOT NULL").select("id", "sig")
            pair = (sigs.join(F.broadcast(spark.createDataFrame(cand, "root string, id string")), "id")
                    .select("root", "id", F.col("sig").alias("sb")))
            roots = sigs.select(F.col("id").alias("root"), F.col("sig").alias("sa"))
            # one task: the pairs are few, and a Python task per partition costs more than they do
            both = roots.join(F.broadcast(pair), "root").select("root", "id", "sa", "sb").coalesce(1)
            edges = [(r.root, r.id, r.m) for r in both.mapInArrow(
                _verify_fn(opts.need), "root string, id string, m int").collect()]
        for rid, (root, m) in resolve_near(edges).items():
            out[str(rid)] = ("near_duplicate", str(root), int(m))
        metrics["near_dup"] = {"bands": opts.bands, "rows": opts.rows, "threshold": opts.threshold,
                               "candidate_pairs": len(cand), "similar_pairs": len(edges)}
    return out


def _tally(rows: Any, dup: Fates) -> tuple[Any, ...]:
    """(first id, last id, kept, dropped records, kept records' tokens in first-appearance
    order) of (id, source, path, reason, toks) rows in id order."""
    first = last = None
    kept, dropped = 0, []
    tokens: dict[str, None] = {}  # insertion-ordered set
    for rid, src, path, reason, toks in rows:
        if last is not None and rid <= last:  # never write an unsorted file silently
            raise RuntimeError(f"spark: records out of id order at {rid!r}")
        first, last = rid if first is None else first, rid
        if reason == ERROR:
            continue
        dup_of = m = None
        if reason is None and rid in dup:
            reason, dup_of, m = dup[rid]
        if reason is None:
            kept += 1
            if toks:
                tokens.update(dict.fromkeys(toks.split(" ")))
        else:
            dropped.append((rid, reason, src, path, dup_of, m))
    return first, last, kept, dropped, list(tokens)


def _scan_fn(fate: Any) -> Any:
    """Per partition: ``_tally`` of its records, as one pickled row."""

    def run(batches: Any) -> Any:
        import pyarrow as pa
        from pyspark import TaskContext

        cols = ("id", "source", "path", "reason", "toks")
        part = _tally((row for batch in batches
                       for row in zip(*(batch.column(c).to_pylist() for c in cols), strict=True)), fate.value)
        if part[0] is not None:
            blob = pickle.dumps(part, protocol=pickle.HIGHEST_PROTOCOL)
            yield pa.RecordBatch.from_pydict({"part": [TaskContext.get().partitionId()], "blob": [blob]},
                                             schema=pa.schema([("part", pa.int32()), ("blob", pa.binary())]))

    return run


def _number_fn(numbers: Any, fate: Any, folder: str | None = None,
               wanted: frozenset[str] = frozenset()) -> Any:
    """train.jsonl lines of a partition's kept records: returned, or (``folder``) written by
    the task itself to ``folder``/part-NNNNN exactly as the python engine's ``final_task`` writes
    them; then it returns the ``[id, phase-1 JSON]`` of the ``wanted`` dropped records instead
    (the dropped sample's texts, without a job of their own)."""

    def run(batches: Any) -> Any:
        import pyarrow as pa
        from pyspark import TaskContext

        schema = pa.schema([("value", pa.string())])
        numberer, dup = numbers.value, fate.value
        fh = None
        if folder is not None:
            part = os.path.join(folder, f"part-{TaskContext.get().partitionId():05d}")
            fh = open(part, "w", encoding="utf-8")
        try:
            for batch in batches:
                cols = [batch.column(c).to_pylist() for c in ("id", "p1", "reason")]
                lines = [final_line(numberer, p1) for rid, p1, reason in zip(*cols, strict=True)
                         if reason is None and rid not in dup]
                if fh is not None:
                    fh.writelines(line + "\n" for line in lines)
                    texts = [json.dumps([rid, p1]) for rid, p1 in zip(cols[0], cols[1], strict=True)
                             if rid in wanted]
                    if texts:
                        yield pa.RecordBatch.from_pydict({"value": texts}, schema=schema)
                else:
                    yield pa.RecordBatch.from_pydict({"value": lines}, schema=schema)
        finally:
            if fh is not None:
                fh.close()

    return run


def _learn(p1: Any, dup: Any, fate: Fates, outputs: Outputs,
           local: Any) -> tuple[Numberer, list[tuple[Any, ...]]]:
    """The frozen numbering (tokens in id order) and the dropped records in id order, from
    ``collect``'s table when there is one, else from one scan of the partitions."""
    if local is not None:
        cols = ("id", "source", "path", "reason", "toks")
        parts = [_tally(zip(*(local.column(c).to_pylist() for c in cols), strict=True), fate)]
    else:
        rows = p1.select("id", "source", "path", "reason", "toks").mapInArrow(
            _scan_fn(dup), "part int, blob binary").collect()
        parts = [pickle.loads(blob) for _, blob in sorted((r.part, r.blob) for r in rows)]
    book = outputs.book
    numberer = Numberer(outputs.mode, book.tables if book else None)
    dropped: list[tuple[Any, ...]] = []
    prev = None
    for first, last, kept, drops, tokens in parts:
        if first is None:
            continue
        if prev is not None and first <= prev:
            raise RuntimeError(f"spark: partitions out of id order at {first!r}")
        prev = last
        outputs.kept += kept
        dropped += drops
        if numberer.mode != "redact":
            numberer.learn(tuple(t.split(":", 1)) for t in tokens)
    numberer.frozen = True
    if book is not None and numberer.mode != "redact":
        book.save(numberer.tables)  # numbers earlier runs gave are kept, new ones remembered
    return numberer, dropped


def _wanted(dropped: list[tuple[Any, ...]], opts: CleanOptions) -> frozenset[str]:
    """Ids of the dropped records whose text can reach dropped_sample.jsonl: the first
    ``sample`` of each reason."""
    seen: Counter[str] = Counter()
    wanted = []
    for d in dropped:
        seen[d[1]] += 1
        if seen[d[1]] <= opts.sample:
            wanted.append(d[0])
    return frozenset(wanted)


def _drop(dropped: list[tuple[Any, ...]], texts: dict[str, str], outputs: Outputs,
          opts: CleanOptions) -> None:
    for rid, reason, src, path, dup_of, m in dropped:
        outputs.drop(rid, reason, src, path, texts.get(rid), dup_of, m / opts.num_perm if m else None)


def write(spark: Any, p1: Any, fate: Fates, outputs: Outputs, opts: CleanOptions, out: Path,
          target: str | None = None, shared_disk: bool = True, local: Any = None) -> None:
    """Dropped records to ``outputs`` in id order, kept ones numbered in parallel: into
    ``target`` as part files, or (``target`` None) into ``out``/train.jsonl."""
    from pyspark.sql import functions as F

    sc = spark.sparkContext
    dup = sc.broadcast(fate)
    numberer, dropped = _learn(p1, dup, fate, outputs, local)
    wanted = _wanted(dropped, opts)
    numbers = sc.broadcast(numberer)
    records = p1.select("id", "p1", "reason")
    lines = records.mapInArrow(_number_fn(numbers, dup), "value string")
    texts: dict[str, str] = {}
    try:
        if target is None and shared_disk:  # each task writes its part file; joined in partition (= id) order
            tmp = Path(tempfile.mkdtemp(prefix=".parts-", dir=out))
            try:
                sampled = records.mapInArrow(_number_fn(numbers, dup, str(tmp), wanted), "value string")
                texts = dict(json.loads(r.value) for r in sampled.collect())
                with open(out / CORPUS, "wb", buffering=0) as fh:
                    for part in sorted(tmp.glob("part-*"), key=lambda p: int(p.name[5:])):
                        with open(part, "rb", buffering=0) as src:
                            append_file(src, fh)
            finally:
                shutil.rmtree(tmp, ignore_errors=True)
        else:
            if wanted:  # the dropped sample's texts
                found = p1.filter(F.col("id").isin(sorted(wanted))).select("id", "p1").collect()
                texts = {r.id: r.p1 for r in found}
            if target is not None:
                lines.write.mode("overwrite").text(target)
            else:  # the executors' files would not be readable here: stream the lines
                with open(out / CORPUS, "w", encoding="utf-8") as fh:
                    for r in lines.toLocalIterator(prefetchPartitions=True):
                        fh.write(r.value + "\n")
        _drop(dropped, texts, outputs, opts)
    finally:
        dup.unpersist()
        numbers.unpersist()
