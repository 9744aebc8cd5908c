"""infer: answer infer.prompt with base + adapter (this run's, infer.adapter, or the newest).

Without a prompt (the default, except for source=sample) it asks nothing and says how to ask.

With an index (``retrieval.method`` other than none, ``infer.retrieval=auto``) the question is
put after its ``retrieval.k`` best passages, the same prompt the eval and serve use, and the
sources are printed under the answer and kept in answer.json; when no passage names what the
question names (``retrieval.abstain``), the answer is that refusal and no model runs. The
adapter is loaded onto the base without merging. ``infer.compare=true`` also answers with the
base model and prints both side by side; ``infer.chat=true`` opens an interactive chat
with streamed tokens (a chat is live input: the stage is declared ``live_when="infer.chat"``,
so a chat always runs, never a cache hit).
"""

from __future__ import annotations

import json

from alchemy.stages import StageContext


def _side_by_side(prompt: str, base: str, tuned: str) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"Q: {prompt}", title_justify="left", show_lines=True)
    table.add_column("base model", overflow="fold", ratio=1)
    table.add_column("base + adapter", overflow="fold", ratio=1)
    table.add_row(base, tuned)
    Console().print(table)


def print_sources(passages: list) -> None:
    from rich.console import Console

    console = Console()
    if not passages:
        console.print("[dim]sources: none found in the index[/dim]")
    for i, p in enumerate(passages, 1):
        console.print(f"[dim][{i}] {p.label}[/dim]", highlight=False)


def _no_question(ctx: StageContext) -> None:
    """No infer.prompt (other data than the sample): ask nothing, say how to ask."""
    note = ("no question asked: pass infer.prompt='a question about your data', "
            "or infer.chat=true to chat")
    ctx.log.info("infer: %s", note)
    result = {"prompt": None, "answer": None, "note": note}
    (ctx.out / "answer.json").write_text(json.dumps(result, indent=2), encoding="utf-8")
    ctx.metrics.update(result)


def run(ctx: StageContext) -> None:
    from alchemy.retrieval.prompt import cite, grounding
    from alchemy.train.generate import answer, chat
    from alchemy.train.loading import adapter_model_cfg

    inf = ctx.cfg.infer
    if not inf.chat and not inf.prompt:
        _no_question(ctx)
        return
    ground = grounding(ctx.cfg.retrieval, inf.retrieval, ctx.inputs["index"], ctx.cache_dir)
    adapter = ctx.inputs.get("adapter") or ctx.inputs["train"] / "adapter"
    model_cfg = adapter_model_cfg(adapter, ctx.cfg.model)
    gen = dict(max_new_tokens=inf.max_new_tokens, repetition_penalty=inf.repetition_penalty)
    result: dict = {"adapter": str(adapter), "model": model_cfg.name}
    result["retrieval"] = ctx.cfg.retrieval.method if ground else "none"
    if inf.chat:
        def turn(question: str) -> tuple[str, str | None]:
            g = ground(question)
            print_sources(g.passages)
            return g.message, g.refusal

        transcript = chat(model_cfg, ctx.cache_dir, adapter, ground=turn if ground else None,
                          **gen)
        result |= {"chat": transcript, "turns": sum(m["role"] == "user" for m in transcript)}
    else:
        prompt = inf.prompt
        message, passages, refusal = ground(prompt) if ground else (prompt, [], None)
        if ground:  # a grounded answer copies from its passages: no penalty for that
            gen["repetition_penalty"] = ctx.cfg.retrieval.repetition_penalty

        def reply(adapter_dir: object) -> str:
            if refusal is not None:  # no passage names the question's subject: no model run
                return refusal
            return answer(model_cfg, ctx.cache_dir, message, adapter_dir=adapter_dir, **gen)

        text = reply(adapter)
        result |= {"prompt": prompt, "answer": text, "abstained": refusal is not None}
        if ground:
            result["sources"] = cite(passages)
        if inf.compare:
            result["base_answer"] = reply(None)
            _side_by_side(prompt, result["base_answer"], text)
    (ctx.out / "answer.json").write_text(json.dumps(result, indent=2, ensure_ascii=False),
                                         encoding="utf-8")
    ctx.metrics.update({k: v for k, v in result.items() if k != "chat"})
