"""infer: answer infer.prompt with base + adapter (this run's, infer.adapter, or the newest)."""

from __future__ import annotations

import json
from pathlib import Path

from omegaconf import OmegaConf

from alchemy.stages import StageContext


def adapter_model_cfg(adapter: Path, fallback):
    """The base model an adapter was trained on (alchemy_model.json), else the configured one."""
    spec = adapter / "alchemy_model.json"
    if spec.is_file():
        return OmegaConf.create(json.loads(spec.read_text(encoding="utf-8")))
    return fallback


def run(ctx: StageContext) -> None:
    from alchemy.train.generate import answer

    adapter = ctx.inputs.get("adapter") or ctx.inputs["train"] / "adapter"
    model_cfg = adapter_model_cfg(adapter, ctx.cfg.model)
    prompt = ctx.cfg.infer.prompt
    text = answer(model_cfg, ctx.cache_dir, prompt, adapter_dir=adapter,
                  max_new_tokens=ctx.cfg.infer.max_new_tokens,
                  repetition_penalty=ctx.cfg.infer.repetition_penalty)
    result = {"prompt": prompt, "answer": text, "adapter": str(adapter), "model": model_cfg.name}
    (ctx.out / "answer.json").write_text(json.dumps(result, indent=2, ensure_ascii=False),
                                         encoding="utf-8")
    ctx.metrics.update(result)
