"""eval: base model vs base+adapter on held-out data, as figures, a table and two plots.

Loss and perplexity count answer tokens only, exactly as training does; greedy answers to a few
held-out questions are scored with token F1 and ROUGE-L; held-out documents give a text
perplexity. Writes eval.json, eval_samples.jsonl (question, reference, both answers, scores),
loss.png (the training curve) and eval.png (base vs adapter).
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from alchemy.stages import StageContext

# (column, key, higher is better) for the console table and the deltas in report.json
FIGURES = [("answer loss", "loss", False), ("answer ppl", "perplexity", False),
           ("text ppl", "text_perplexity", False), ("token F1", "f1", True),
           ("ROUGE-L", "rouge_l", True)]


def _train_curve(train_artifact: Path) -> list:
    try:
        manifest = json.loads((train_artifact / "MANIFEST.json").read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return []
    return manifest.get("metrics", {}).get("loss_curve") or []


def _table(base: dict, tuned: dict) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title="eval: base vs adapter (held-out)", title_justify="left")
    for col in ("figure", "base", "adapter", "better"):
        table.add_column(col)
    for label, key, up in FIGURES:
        if key in base and key in tuned:
            better = tuned[key] > base[key] if up else tuned[key] < base[key]
            table.add_row(label, f"{base[key]:.4g}", f"{tuned[key]:.4g}",
                          "adapter" if better else "base")
    Console().print(table)


def run(ctx: StageContext) -> None:
    from alchemy.train.eval_suite import evaluate_adapter, held_out_texts
    from alchemy.train.plots import eval_plot, loss_plot

    cfg, ev = ctx.cfg, ctx.cfg.eval
    synth = ctx.inputs["synth"]
    adapter = ctx.inputs["train"] / "adapter"
    texts = held_out_texts(ctx.inputs.get("clean"), synth / "sft_train.jsonl", synth / "sft_eval.jsonl",
                           int(ev.get("text_samples", 0)))
    results, samples = evaluate_adapter(cfg.model, ctx.cache_dir, adapter,
                                        synth / "sft_eval.jsonl", ev, texts)
    base, tuned = results["base"], results["adapter"]
    deltas: dict[str, Any] = {
        f"{key}_delta": round(tuned[key] - base[key], 4)
        for _, key, _ in FIGURES if key in base and key in tuned
    }
    ctx.metrics.update(base=base, adapter=tuned, adapter_better=tuned["loss"] < base["loss"],
                       **deltas, generated=len(samples))
    (ctx.out / "eval.json").write_text(json.dumps(ctx.metrics, indent=2), encoding="utf-8")
    with (ctx.out / "eval_samples.jsonl").open("w", encoding="utf-8") as fh:
        for sample in samples:
            fh.write(json.dumps(sample, ensure_ascii=False) + "\n")
    if ev.get("plots", True):
        loss_plot(_train_curve(ctx.inputs["train"]), ctx.out / "loss.png")
        eval_plot(base, tuned, ctx.out / "eval.png")
    if all(math.isfinite(v) for v in (base["loss"], tuned["loss"])):
        _table(base, tuned)
