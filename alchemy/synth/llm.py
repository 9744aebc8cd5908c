"""The LLM generator: chunks in, validated pairs out, through a bounded asyncio pool.

``synth.concurrency`` workers share one queue of chunks. For each chunk: look every call up in
the call cache first (a resumed run pays for nothing twice), otherwise reserve its worst-case
cost against ``synth.max_cost_usd``, call, store the reply at once, validate it; broken JSON
gets one repair call; a reply with no usable pair is retried with the reason as feedback, up to
``synth.max_attempts`` calls; after that the chunk is recorded as failed. A chunk never becomes
an empty row. When the budget would be exceeded, new calls stop, calls in flight finish (they
are paid for and cached) and the run stops; an open circuit breaker or a bad key stops it at
once.
"""

from __future__ import annotations

import asyncio
import json
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from omegaconf import DictConfig, OmegaConf

from alchemy.synth.callcache import CallCache, call_key
from alchemy.synth.chunker import Chunk, skip_reason
from alchemy.synth.client import CallFailed, LLMClient, SynthAborted
from alchemy.synth.cost import call_cost
from alchemy.synth.limits import Budget
from alchemy.synth.prompts import chunk_messages, render
from alchemy.synth.validate import parse_reply, validate_reply


class _OutOfBudget(Exception):
    pass


@dataclass
class ChunkResult:
    chunk: Chunk
    status: str  # ok | failed | skipped | empty | not_run
    pairs: list[dict[str, str]] = field(default_factory=list)
    reason: str = ""
    attempts: int = 0


@dataclass
class Stats:
    calls: int = 0  # new, paid calls (retries of one call count once)
    cached_calls: int = 0
    repair_calls: int = 0
    judge_calls: int = 0
    feedback_retries: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float = 0.0
    cost_saved_usd: float = 0.0  # what the cached replies cost when they were made
    json_repaired_locally: int = 0
    json_repaired_by_call: int = 0
    reply_errors: Counter[str] = field(default_factory=Counter)
    rejected: Counter[str] = field(default_factory=Counter)


class LLMGenerator:
    def __init__(self, scfg: Any, cache: CallCache, api_key: str | None, json_mode: bool,
                 price: tuple[float, float] | None) -> None:
        if isinstance(scfg, DictConfig):  # attribute access on a DictConfig costs ~5 us, per call
            scfg = OmegaConf.to_object(scfg)
        self.scfg, self.cache, self.price = scfg, cache, price
        self.client = LLMClient(scfg, api_key, json_mode)
        self.budget = Budget(scfg.max_cost_usd)
        self.stats = Stats()
        self.stopped: str | None = None  # why new calls stopped (budget)
        self.results: list[ChunkResult] = []  # filled as chunks finish, also when aborted

    async def _call(self, chunk: Chunk, messages: list[dict[str, Any]], role: str) -> str:
        key = call_key(chunk.hash, self.scfg.model, messages, self.client.params(), role)
        hit = self.cache.get(key)
        if hit is not None:
            self.stats.cached_calls += 1
            self.stats.cost_saved_usd += hit["cost"] or 0.0
            return hit["content"]
        if self.stopped:
            raise _OutOfBudget
        est = sum(len(m["content"]) // 3 + 4 for m in messages)  # generous; settled after the call
        worst = call_cost(self.price, est, self.scfg.max_tokens)
        if not self.budget.reserve(worst):
            self.stopped = (f"synth.max_cost_usd={self.scfg.max_cost_usd} reached: "
                            f"${self.budget.spent:.4f} spent, the next call could cost "
                            f"${worst:.4f}")
            raise _OutOfBudget
        try:
            reply = await self.client.complete(messages, est)
        except BaseException:
            self.budget.settle(worst, 0.0)
            raise
        cost = call_cost(self.price, reply.prompt_tokens, reply.completion_tokens)
        self.budget.settle(worst, cost)
        self.cache.put(key, reply.content, chunk_hash=chunk.hash, chunk_id=chunk.id,
                       model=self.scfg.model, role=role, prompt_tokens=reply.prompt_tokens,
                       completion_tokens=reply.completion_tokens, cost=cost)
        s = self.stats
        s.calls, s.cost_usd = s.calls + 1, s.cost_usd + cost
        s.prompt_tokens += reply.prompt_tokens
        s.completion_tokens += reply.completion_tokens
        return reply.content

    async def _judge(self, chunk: Chunk, pairs: list[dict[str, str]]) -> list[dict[str, str]]:
        """The pairs the model itself says its chunk supports (the optional LLM judge)."""
        text = render(self.scfg.prompt.judge, text=chunk.document,
                      pairs=json.dumps(pairs, ensure_ascii=False, indent=1))
        self.stats.judge_calls += 1
        obj, error, _ = parse_reply(await self._call(chunk, [{"role": "user", "content": text}],
                                                     "judge"))
        flags = obj.get("supported") if isinstance(obj, dict) else obj
        if error or not isinstance(flags, list) or len(flags) != len(pairs):
            self.stats.reply_errors["judge_unreadable"] += 1
            return pairs  # an unreadable verdict rejects nothing; overlap already checked
        return [p for p, f in zip(pairs, flags, strict=True) if f is True]

    async def process(self, chunk: Chunk) -> ChunkResult:
        """Pairs for one chunk, or a failure with its reason (never an empty row)."""
        s, c = self.stats, self.scfg
        if why := skip_reason(chunk):
            return ChunkResult(chunk, "skipped", reason=why)
        base = chunk_messages(chunk, c.prompt, c.min_pairs, c.max_pairs)
        messages, reason = base, ""
        limit = max(2000, 3 * c.max_answer_chars)
        for attempt in range(max(1, c.max_attempts)):
            try:
                content = await self._call(chunk, messages, "generate" if not attempt else "retry")
                v = validate_reply(content, chunk.document, c.min_overlap, c.max_pairs, limit)
                if v.error == "invalid_json":
                    s.repair_calls += 1
                    fix = [{"role": "user", "content": render(c.prompt.repair, broken=content[:8000])}]
                    v = validate_reply(await self._call(chunk, fix, "repair"), chunk.document,
                                       c.min_overlap, c.max_pairs, limit)
                    s.json_repaired_by_call += v.error is None
                if v.pairs and c.judge:
                    kept = await self._judge(chunk, v.pairs)
                    if len(kept) < len(v.pairs):
                        v.rejected["judge_unsupported"] += len(v.pairs) - len(kept)
                    v.pairs = kept
            except CallFailed as exc:
                return ChunkResult(chunk, "failed", reason=f"call failed: {exc}"[:300],
                                   attempts=attempt + 1)
            s.json_repaired_locally += v.repaired
            s.rejected.update(v.rejected)
            if v.error:
                s.reply_errors[v.error] += 1
            if len(v.pairs) >= max(1, c.min_pairs):
                return ChunkResult(chunk, "ok", pairs=v.pairs, attempts=attempt + 1)
            if not v.error and not v.rejected and not v.pairs:  # {"pairs": []}: nothing to learn
                return ChunkResult(chunk, "empty", reason="model_found_nothing", attempts=attempt + 1)
            reason = v.error or (v.rejected.most_common(1)[0][0] if v.rejected else "too_few_pairs")
            s.feedback_retries += attempt + 1 < c.max_attempts
            messages = base + [{"role": "assistant", "content": content[:4000] or "(empty)"},
                               {"role": "user", "content": render(c.prompt.retry, reason=reason,
                                                                  min_pairs=c.min_pairs,
                                                                  max_pairs=c.max_pairs)}]
        return ChunkResult(chunk, "failed", reason=f"no usable pairs after {c.max_attempts} "
                                                   f"attempts (last: {reason})", attempts=c.max_attempts)

    async def run(self, chunks: list[Chunk], tick: Callable[[], None] = lambda: None
                  ) -> list[ChunkResult]:
        """Results in chunk order; a chunk the run never reached is ``not_run``."""
        results = self.results = [ChunkResult(ch, "not_run") for ch in chunks]
        queue = deque(range(len(chunks)))

        async def worker() -> None:
            while queue and not self.stopped:
                i = queue.popleft()
                try:
                    results[i] = await self.process(chunks[i])
                except _OutOfBudget:
                    return
                tick()

        tasks = [asyncio.ensure_future(worker())
                 for _ in range(max(1, min(self.scfg.concurrency, len(chunks))))]
        if not tasks:
            return results
        done, pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
        for t in pending:
            t.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        for t in done:
            if t.exception() is not None:
                raise t.exception()  # type: ignore[misc]
        return results


__all__ = ["ChunkResult", "LLMGenerator", "Stats", "SynthAborted"]
