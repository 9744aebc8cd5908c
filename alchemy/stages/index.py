"""index: train.jsonl -> passages with provenance -> a BM25 (or dense, or hybrid) index.

The passages are the sanitized corpus, so the index holds nothing the clean stage masked.
eval (grounded modes), infer and serve read it through :class:`alchemy.retrieval.index.Index`.
"""

from __future__ import annotations

import time
from typing import Any

from omegaconf import OmegaConf

from alchemy.records import read_corpus
from alchemy.stages import ConfigError, StageContext


def validate(cfg) -> None:  # noqa: ANN001 - the run's DictConfig
    """Check the retrieval settings before any stage runs (exit 2 with the key's name)."""
    from alchemy.retrieval.index import METHODS

    r = cfg.retrieval
    if r.method not in METHODS:
        raise ConfigError(f"retrieval.method={r.method!r}: use one of {', '.join(METHODS)}")
    if not 0 <= r.overlap_tokens < r.chunk_tokens:  # single-key ranges: alchemy/validate.py
        raise ConfigError("retrieval.overlap_tokens must be in [0, retrieval.chunk_tokens)")
    for key in ("infer.retrieval", "serve.retrieval"):
        if OmegaConf.select(cfg, key) not in ("auto", "none"):
            raise ConfigError(f"{key}={OmegaConf.select(cfg, key)!r}: use auto or none")


def fingerprint(cfg: Any, prepared: None) -> dict[str, int]:
    """The passage and tokenizer versions: new code that cuts or tokenizes otherwise rebuilds."""
    from alchemy.retrieval import text
    from alchemy.retrieval.passages import FORMAT

    return {"passages": FORMAT, "tokenizer": text.VERSION}


def run(ctx: StageContext) -> None:
    from alchemy.retrieval.index import build
    from alchemy.retrieval.passages import passages

    r = ctx.cfg.retrieval
    t0 = time.time()
    skipped: dict[str, int] = {}
    items = list(passages(read_corpus(ctx.inputs["clean"]), r.chunk_tokens, r.overlap_tokens,
                          r.min_tokens, skipped))
    if r.method == "none":
        ctx.metrics.update(method="none", passages=0)
        (ctx.out / "index.json").write_text('{"method": "none"}', encoding="utf-8")
        return
    ctx.metrics.update(build(items, ctx.out, r.method, r.dense_model, ctx.cache_dir))
    ctx.metrics.update(skipped=skipped, build_seconds=round(time.time() - t0, 3))
    ctx.log.info("index: %d passages (%s) in %.2fs", len(items), r.method, time.time() - t0)
