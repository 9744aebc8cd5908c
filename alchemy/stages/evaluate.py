"""eval: base model vs base+adapter on the held-out pairs (sft_eval.jsonl).

Loss and perplexity count answer tokens only, exactly as training does.
"""

from __future__ import annotations

import json

from alchemy.stages import StageContext


def run(ctx: StageContext) -> None:
    from alchemy.train.evaluate import eval_loss

    cfg = ctx.cfg
    eval_path = ctx.inputs["synth"] / "sft_eval.jsonl"
    adapter = ctx.inputs["train"] / "adapter"
    kw = dict(max_samples=cfg.eval.max_samples, max_length=cfg.eval.max_length)
    base = eval_loss(cfg.model, eval_path, ctx.cache_dir, adapter_dir=None, **kw)
    tuned = eval_loss(cfg.model, eval_path, ctx.cache_dir, adapter_dir=adapter, **kw)
    ctx.metrics.update(base=base, adapter=tuned,
                       loss_delta=round(tuned["loss"] - base["loss"], 4),
                       adapter_better=tuned["loss"] < base["loss"])
    (ctx.out / "eval.json").write_text(json.dumps(ctx.metrics, indent=2), encoding="utf-8")
