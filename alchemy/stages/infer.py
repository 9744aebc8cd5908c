"""infer: answer infer.prompt with base + adapter (this run's, infer.adapter, or the newest).

The adapter is loaded onto the base without merging. ``infer.compare=true`` also answers with
the base model and prints both side by side; ``infer.chat=true`` opens an interactive chat
with streamed tokens (a chat is never a cache hit: see :func:`fingerprint_extra`).
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from omegaconf import OmegaConf

from alchemy.stages import StageContext


def adapter_model_cfg(adapter: Path, fallback):
    """The base model an adapter was trained on (alchemy_model.json), else the configured one."""
    spec = adapter / "alchemy_model.json"
    if spec.is_file():
        return OmegaConf.create(json.loads(spec.read_text(encoding="utf-8")))
    return fallback


def fingerprint_extra(cfg) -> str | None:  # noqa: ANN001 - the run's DictConfig
    """A chat session is live input: make each one its own (uncached) run."""
    return f"chat-{time.time_ns()}" if cfg.infer.get("chat") else None


def _side_by_side(prompt: str, base: str, tuned: str) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"Q: {prompt}", title_justify="left", show_lines=True)
    table.add_column("base model", overflow="fold", ratio=1)
    table.add_column("base + adapter", overflow="fold", ratio=1)
    table.add_row(base, tuned)
    Console().print(table)


def run(ctx: StageContext) -> None:
    from alchemy.train.generate import answer, chat

    inf = ctx.cfg.infer
    adapter = ctx.inputs.get("adapter") or ctx.inputs["train"] / "adapter"
    model_cfg = adapter_model_cfg(adapter, ctx.cfg.model)
    gen = dict(max_new_tokens=inf.max_new_tokens, repetition_penalty=inf.repetition_penalty)
    result: dict = {"adapter": str(adapter), "model": model_cfg.name}
    if inf.get("chat"):
        transcript = chat(model_cfg, ctx.cache_dir, adapter, **gen)
        result |= {"chat": transcript, "turns": sum(m["role"] == "user" for m in transcript)}
    else:
        prompt = inf.prompt
        text = answer(model_cfg, ctx.cache_dir, prompt, adapter_dir=adapter, **gen)
        result |= {"prompt": prompt, "answer": text}
        if inf.get("compare"):
            result["base_answer"] = answer(model_cfg, ctx.cache_dir, prompt, adapter_dir=None,
                                           **gen)
            _side_by_side(prompt, result["base_answer"], text)
    (ctx.out / "answer.json").write_text(json.dumps(result, indent=2, ensure_ascii=False),
                                         encoding="utf-8")
    ctx.metrics.update({k: v for k, v in result.items() if k != "chat"})
