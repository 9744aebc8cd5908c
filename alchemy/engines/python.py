"""The Python engine: every core, bounded memory, no Java and no Spark import.

Three passes over data that lives on disk, never in one list:

1. parse (parallel over groups of files): parse, ``prepare``, collect person names, and
   spill records as sorted run files (``spill.py``).
2. phase 1 (parallel over batches): the driver k-way merges the runs by id, keeps one copy
   per id, and hands id-ordered batches to the workers; a worker sanitizes (phase 1),
   filters and keys its batch, writes the records to a batch file, and returns only small
   per-record figures (reason, exact key, LSH band keys, MinHash signature).
3. dedup and write: exact and near duplicates are resolved on NumPy arrays indexed by id
   rank (``cleaning/dedup.py``); then placeholders are numbered (phase 2) with numbers
   learned in id order, the batches in parallel, and their files are appended in order.

Memory is a batch of records per process, plus about 25 bytes per record of keys while
duplicates are resolved (signatures stay in a memory-mapped file).
"""

from __future__ import annotations

import logging
import pickle
import shutil
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
from filelock import FileLock
from tqdm import tqdm

from alchemy.cache import private_dir, remove_unless_locked
from alchemy.cleaning import dedup
from alchemy.cleaning.options import clean_options
from alchemy.cleaning.pipeline import ERROR, REASONS
from alchemy.engines.output import Outputs, figures, write_quarantine
from alchemy.engines.pool import Workers, resolve_workers
from alchemy.engines.python_tasks import final_path, final_task, parse_task, phase1_task, read_tokens
from alchemy.engines.spill import collapse, merge_runs
from alchemy.engines.units import group_units, join_units, plan_units, skipped, source_configs
from alchemy.sanitize import Numberer, SanitizeContext, SanitizeStats
from alchemy.sanitize.ids import shown_id
from alchemy.sanitize.pseudonyms import Book, open_book, run_key

log = logging.getLogger("alchemy")
SMALL = 2_000_000  # input bytes per worker below which workers=null uses fewer processes
CODES = {None: 0, **{r: i + 1 for i, r in enumerate(REASONS)}, ERROR: 255}
NAMES = {v: k for k, v in CODES.items()}
WORK_LOCK = ".lock"  # held inside a live run's spill folder


def _batches(entries: Iterator[Any], limit: int) -> Iterator[list[str]]:
    rows: list[str] = []
    size = 0
    for e in entries:
        rows.append(e[3])
        size += len(e[3])
        if size >= limit:
            yield rows
            rows, size = [], 0
    if rows:
        yield rows


def run_clean(cfg: Any, inventory: dict[str, Any], out: Path, metrics: dict[str, Any]) -> None:
    """The clean pass on this machine's cores; fills ``metrics`` for report.json."""
    eng, opts = cfg.engine, clean_options(cfg.clean)
    scfgs = source_configs(cfg, inventory)
    total = sum(u.size for u in plan_units(inventory))
    workers = resolve_workers(eng.workers)
    if eng.workers is None:  # every core, but a small input is not worth the start-up
        workers = max(1, min(workers, total // SMALL))
    target = max(1 << 20, min(32 << 20, total // (8 * workers) + 1))  # input bytes per parse task
    units = plan_units(inventory, split=target if workers > 1 else 0)  # GitHub's join in parallel too
    spill, batch_bytes = int(eng.spill_bytes), int(eng.batch_bytes)
    work, lock = _work_dir(Path(eng.spill_dir or out))
    for scfg in scfgs.values():  # a parser that spills (GitHub's join buckets) spills here too
        scfg["spill_dir"] = str(work)
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    try:
        with Workers(workers) as pool:
            runs: list[str] = []
            quarantine: list[dict[str, Any]] = skipped(inventory)
            people: set[str] = set()
            per_source: Counter[str] = Counter()
            done = 0
            for step in ("parse", "join"):  # join: the second pass of a source that scattered its files
                tasks = group_units(units if step == "parse" else join_units(units, work), target)
                tasks.sort(key=lambda t: -sum(u.size for u in t))  # biggest first: no straggler at the end
                args = [(done + i, t, scfgs, opts, str(work), spill // max(1, workers))
                        for i, t in enumerate(tasks)]
                done += len(tasks)
                for res in tqdm(pool.unordered(parse_task, args), total=len(args), desc=step,
                                unit="task", leave=False, disable=None):
                    runs += res["runs"]
                    quarantine += res["quarantine"]
                    people |= res["people"]
                    per_source.update(res["counts"])
            timings["parse"] = time.perf_counter() - t0

            ctx = SanitizeContext(cfg.sanitizer, sorted(people), key=run_key(cfg))
            book = open_book(cfg, ctx.key)
            ctx_path = work / "ctx.pkl"
            ctx_path.write_bytes(pickle.dumps(ctx.without_key()))  # the key never touches the disk
            rows = _batches(collapse(merge_runs(runs, work), quarantine), batch_bytes)
            jobs = ((str(ctx_path), ctx.key, opts, str(work), i, r) for i, r in enumerate(rows))
            stats, codes, keys, truncated = SanitizeStats(), [], [], 0
            sig_fh = open(work / "sig.bin", "wb")
            band_fhs = [open(work / f"band-{k}.bin", "wb") for k in range(opts.bands if opts.near_dup else 0)]
            sizes: list[int] = []
            for batch in tqdm(pool.ordered(phase1_task, jobs), desc="sanitize", unit="batch",
                              leave=False, disable=None):
                stats.merge(batch.stats)
                quarantine += batch.quarantine
                truncated += batch.truncated
                codes.append(np.array([CODES[r] for r in batch.reasons], dtype=np.uint8))
                keys.append(batch.keys)
                batch.sigs.tofile(sig_fh)
                for k, fh in enumerate(band_fhs):
                    np.ascontiguousarray(batch.bands[:, k]).tofile(fh)
                sizes.append(len(batch.reasons))
            sig_fh.close()
            for fh in band_fhs:
                fh.close()
            timings["sanitize"] = time.perf_counter() - t0 - timings["parse"]

            code = np.concatenate(codes) if codes else np.zeros(0, np.uint8)
            dup_of = _resolve(opts, code, keys, work, metrics)
            timings["dedup"] = time.perf_counter() - t0 - sum(timings.values())

            parts = None
            if eng.output == "partitioned":
                parts = Path(eng.output_dir or out / "train")
            outputs = Outputs(out, ctx.mode, opts.sample, parts=parts, show=shown_id(ctx))
            starts = np.concatenate([[0], np.cumsum(sizes)]).astype(int)
            keep = [(code[starts[b] : starts[b + 1]] == 0).tolist() for b in range(len(sizes))]
            numbers = _learn(ctx.mode, work, keep, book)
            finals = pool.ordered(final_task, ((numbers, str(work), b, k) for b, k in enumerate(keep)))
            targets = {t for t, _ in dup_of.values()}
            names: dict[int, str] = {}
            o = 0
            for b, (ids, srcs, paths, p1s) in enumerate(finals):
                outputs.keep_file(final_path(str(work), b), sum(keep[b]))
                final_path(str(work), b).unlink()  # disk holds the output once, not twice
                for rid, src, path, p1 in zip(ids, srcs, paths, p1s, strict=True):
                    c = int(code[o])
                    if o in targets:
                        names[o] = rid
                    if c != 0 and c != CODES[ERROR]:
                        target, m = dup_of.get(o, (None, None))
                        twin = names.get(target) if target is not None else None
                        outputs.drop(rid, NAMES[c], src, path, p1, twin, m / opts.num_perm if m else None)
                    o += 1
        outputs.close()
        write_quarantine(out, quarantine, shown_id(ctx))
        timings["write"] = time.perf_counter() - t0 - sum(timings.values())
    finally:
        shutil.rmtree(work, ignore_errors=True)
        lock.release()
    metrics.update(figures(sum(per_source.values()), per_source, outputs.kept, outputs.reasons,
                           len(quarantine), stats, ctx, truncated))
    metrics.update(workers=workers, input_bytes=total,
                   timings={k: round(v, 2) for k, v in timings.items()})
    stats.check(bool(cfg.sanitizer.fail_on_leak))


def _work_dir(parent: Path) -> tuple[Path, FileLock]:
    """An owner-only folder (mkdtemp: 0700) for the run's spill files, which hold unmasked
    records. Its lock is held while the pass runs; folders of killed runs (nobody holds their
    lock) are removed first."""
    private_dir(parent)
    for stale in parent.glob(".clean-*"):
        if (stale / WORK_LOCK).exists():
            remove_unless_locked(stale, stale / WORK_LOCK)
    work = Path(tempfile.mkdtemp(prefix=".clean-", dir=parent))
    lock = FileLock(work / WORK_LOCK)
    lock.acquire()
    return work, lock


def _learn(mode: str, work: Path, keep: list[list[bool]], book: Book | None = None) -> str:
    """Phase 2's numbering, learned in id order from the kept records' tokens and frozen, so
    every batch can be numbered in parallel exactly as one sequential pass would; numbers that
    earlier runs gave (``book``) are kept, and the new ones are saved to it."""
    numberer = Numberer(mode, book.tables if book else None)
    if mode != "redact":
        numberer.learn(tok for b, k in enumerate(keep)
                       for ok, toks in zip(k, read_tokens(str(work), b), strict=True) if ok for tok in toks)
        if book is not None:
            book.save(numberer.tables)
    numberer.frozen = True
    path = work / "numbers.pkl"
    path.write_bytes(pickle.dumps(numberer, protocol=pickle.HIGHEST_PROTOCOL))
    return str(path)


def _resolve(opts: Any, code: np.ndarray, keys: list[np.ndarray], work: Path,
             metrics: dict[str, Any]) -> dict[int, tuple[int, int | None]]:
    """Mark exact and near duplicates in ``code``; return ordinal -> (kept ordinal, matches)."""
    n = len(code)
    sigs = np.memmap(work / "sig.bin", dtype=np.uint32, mode="r", shape=(n, opts.num_perm)) \
        if opts.near_dup and n else np.zeros((n, 0), np.uint32)
    fates, near = dedup.resolve(opts, code == 0, np.concatenate(keys) if keys else np.zeros((0, 2), np.int64),
                                lambda k: np.fromfile(work / f"band-{k}.bin", dtype=np.int64), sigs)
    del sigs
    if near is not None:
        metrics["near_dup"] = near
    code[list(fates)] = [CODES[reason] for reason, _, _ in fates.values()]
    return {o: (t, m) for o, (_, t, m) in fates.items()}
