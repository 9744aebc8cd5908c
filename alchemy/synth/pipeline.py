"""The LLM path of the synth stage: chunk, estimate or call, and account for every chunk.

Every chunk ends in exactly one bucket (ok, empty, skipped, failed, not_run) and every one
that gave no pairs is listed with its reason, in report.json and in the artifact's
``failures.jsonl``. The same figures are written to ``synth_calls/last_run.json`` even when the
run stops early (API down, budget reached), since a failed stage's report carries only its
error message.
"""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from typing import Any

from alchemy.context import StageContext
from alchemy.errors import ConfigError
from alchemy.records import write_jsonl
from alchemy.synth.chunker import Chunk, chunk_record, skip_reason
from alchemy.synth.dataset import row

MAX_LISTED = 1000


def _chunks(records: list[dict[str, Any]], scfg: Any) -> list[Chunk]:
    c = scfg.chunk
    return [ch for rec in records
            for ch in chunk_record(rec, c.max_tokens, c.overlap_tokens, c.min_tokens)]


def _estimate(ctx: StageContext, chunks: list[Chunk], price: Any, json_mode: bool) -> None:
    """Dry run: tokens and cost of the calls a real run would make, nothing called."""
    from alchemy.synth.callcache import CallCache, call_key
    from alchemy.synth.cost import call_cost, prompt_tokens
    from alchemy.synth.prompts import chunk_messages

    scfg = ctx.cfg.synth
    cache = CallCache(ctx.cache_dir / "synth_calls" / "calls.sqlite")
    params = {"temperature": scfg.temperature, "max_tokens": scfg.max_tokens,
              "json_mode": json_mode, **dict(scfg.extra_params or {})}
    todo = cached = skipped = tokens_in = 0
    for ch in chunks:
        if skip_reason(ch):
            skipped += 1
            continue
        msgs = chunk_messages(ch, scfg.prompt, scfg.min_pairs, scfg.max_pairs)
        if cache.get(call_key(ch.hash, scfg.model, msgs, params, "generate")) is not None:
            cached += 1
            continue
        todo += 1
        tokens_in += prompt_tokens(scfg.model, msgs)
    cache.close()
    expected_out = todo * min(scfg.max_tokens, 40 + 110 * scfg.max_pairs)
    est = {"dry_run": True, "chunks": len(chunks), "chunks_cached": cached,
           "chunks_skipped": skipped, "calls_needed": todo, "tokens_in": tokens_in,
           "tokens_out_expected": expected_out, "tokens_out_max": todo * scfg.max_tokens,
           "price_known": price is not None,
           "cost_usd_expected": round(call_cost(price, tokens_in, expected_out), 6),
           "cost_usd_max": round(call_cost(price, tokens_in, todo * scfg.max_tokens), 6),
           "note": "first attempts only; repairs and retries add to it"}
    ctx.metrics.update(est)
    (ctx.out / "estimate.json").write_text(json.dumps(est, indent=2), encoding="utf-8")
    ctx.log.info("synth dry run: %d calls, ~%d tokens in, ~$%.4f expected (at most $%.4f)",
                 todo, tokens_in, est["cost_usd_expected"], est["cost_usd_max"])


def _figures(gen: Any, results: list[Any], chunks: list[Chunk]) -> dict[str, Any]:
    s = gen.stats
    status = Counter(r.status for r in results)
    failures = [{"chunk_id": r.chunk.id, "source_id": r.chunk.source_id, "status": r.status,
                 "reason": r.reason, "attempts": r.attempts}
                for r in results if r.status in ("failed", "skipped", "empty")]
    return {"chunks": len(chunks), "chunks_ok": status["ok"], "chunks_failed": status["failed"],
            "chunks_skipped": status["skipped"], "chunks_empty": status["empty"],
            "chunks_not_run": status["not_run"], "calls": s.calls, "calls_cached": s.cached_calls,
            "repair_calls": s.repair_calls, "judge_calls": s.judge_calls,
            "feedback_retries": s.feedback_retries, "call_errors": dict(gen.client.errors),
            "tokens_in": s.prompt_tokens, "tokens_out": s.completion_tokens,
            "cost_usd": round(s.cost_usd, 6), "cost_saved_usd": round(s.cost_saved_usd, 6),
            "price_known": gen.price is not None, "json_mode": gen.client.json_mode,
            "json_repaired_locally": s.json_repaired_locally,
            "json_repaired_by_call": s.json_repaired_by_call, "reply_errors": dict(s.reply_errors),
            "pairs_rejected": dict(s.rejected),
            "rate_limit_wait_s": round(gen.client.limiter.waited_s, 2),
            "failures_total": len(failures), "failures": failures[:MAX_LISTED],
            "_all_failures": failures}


def generate(ctx: StageContext, records: list[dict[str, Any]]) -> list[dict[str, Any]] | None:
    """Training rows from the LLM, or None after a dry run."""
    from tqdm import tqdm

    from alchemy.synth.callcache import CallCache
    from alchemy.synth.client import SynthAborted, api_key
    from alchemy.synth.cost import json_mode_supported, prices
    from alchemy.synth.llm import LLMGenerator

    scfg = ctx.cfg.synth
    chunks = _chunks(records, scfg)
    price = prices(scfg)
    if scfg.max_cost_usd is not None and price is None:
        raise ConfigError(f"synth.max_cost_usd is set but litellm has no price for "
                          f"{scfg.model}: set synth.price_in_per_mtok and synth.price_out_per_mtok")
    json_mode = scfg.json_mode if scfg.json_mode is not None else json_mode_supported(scfg.model)
    ctx.metrics.update(chunks=len(chunks), chunk_tokens=sum(c.tokens for c in chunks))
    if scfg.dry_run:
        _estimate(ctx, chunks, price, json_mode)
        return None
    key = api_key(scfg)
    cache = CallCache(ctx.cache_dir / "synth_calls" / "calls.sqlite")
    gen = LLMGenerator(scfg, cache, key, json_mode, price)
    ctx.log.info("synth: %d chunks from %d records, model %s, concurrency %d, json mode %s",
                 len(chunks), len(records), scfg.model, scfg.concurrency, json_mode)
    aborted: BaseException | None = None
    with tqdm(total=len(chunks), desc="synth", unit="chunk", leave=False, disable=None) as bar:
        try:
            results = asyncio.run(gen.run(chunks, lambda: bar.update(1)))
        except SynthAborted as exc:
            aborted, results = exc, gen.results
    cache.close()
    figures = _figures(gen, results, chunks)
    all_failures = figures.pop("_all_failures")
    ctx.metrics.update(figures)
    last = ctx.cache_dir / "synth_calls" / "last_run.json"
    last.write_text(json.dumps({**ctx.metrics, "failures": all_failures,
                                "stopped": str(aborted or gen.stopped or "")}, indent=1,
                               default=str), encoding="utf-8")
    done = (f"{figures['chunks_ok']} of {len(chunks)} chunks done; the {gen.stats.calls} replies "
            f"paid for in this run (${gen.stats.cost_usd:.4f}) are cached")
    if aborted is not None:
        raise SynthAborted(f"{aborted}. Stopped cleanly: {done}, so a re-run resumes without paying "
                           f"for them again (details: {last})")
    if gen.stopped:
        raise SynthAborted(f"{gen.stopped}. Stopped before the budget was exceeded: {done}; raise "
                           f"synth.max_cost_usd and re-run to resume (details: {last})")
    write_jsonl(ctx.out / "failures.jsonl", all_failures)
    rows = []
    for r in results:
        for p in r.pairs:
            rows.append(row(p["question"], p["answer"],
                            {**r.chunk.provenance(), "generator": scfg.model}, scfg.system_prompt))
    ctx.log.info("synth: %d/%d chunks gave pairs, %d failed, %d skipped; %d calls (%d cached), "
                 "%d+%d tokens, $%.4f", figures["chunks_ok"], len(chunks), figures["chunks_failed"],
                 figures["chunks_skipped"], figures["calls"], figures["calls_cached"],
                 figures["tokens_in"], figures["tokens_out"], figures["cost_usd"])
    return rows

