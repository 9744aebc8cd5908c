"""Fact accuracy against training minutes: the cost of knowledge, base vs adapter, on CPU.

Runs the whole pipeline once per step budget (the data stages are cached after the first),
reads each run's report.json and prints, per budget: training minutes, the adapter's fact
accuracy closed-book and with sources, the base model's (the same in every row), the general
guard, and the held-out answer loss. Draws ``knowledge_curve.png`` beside the runs.

    python -m benchmarks.knowledge_bench                         # SmolLM2-135M, 50/100/200 steps
    python -m benchmarks.knowledge_bench --steps 25 50 --extra recipe=knowledge-cpu
    python -m benchmarks.knowledge_bench --model tiny-random --steps 2 4   # plumbing check
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

from alchemy.eval.plots import _pyplot


def _run(out: Path, steps: int, model: str, extra: list[str]) -> dict:
    run = out / f"steps-{steps}"
    cmd = [sys.executable, "-m", "alchemy.cli", f"model={model}", f"train.max_steps={steps}",
           f"paths.cache_dir={out / 'cache'}", f"hydra.run.dir={run}", "infer.prompt=null", *extra]
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    stages = json.loads((run / "report.json").read_text(encoding="utf-8"))["stages"]
    ev, tr = stages["eval"], stages["train"]
    return {"steps": steps, "train_min": round(tr.get("train_seconds", 0) / 60, 2),
            "adapter_closed": ev["adapter"].get("fact_accuracy"),
            "adapter_sources": ev["adapter"].get("grounded_accuracy"),
            "base_closed": ev["base"].get("fact_accuracy"),
            "base_sources": ev["base"].get("grounded_accuracy"),
            "guard_base": ev["base"].get("general_accuracy"),
            "guard_adapter": ev["adapter"].get("general_accuracy"),
            "loss_adapter": ev["adapter"].get("loss")}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--steps", type=int, nargs="+", default=[50, 100, 200])
    ap.add_argument("--model", default="smollm2-135m")
    ap.add_argument("--out", type=Path, default=Path("outputs/knowledge_bench"))
    ap.add_argument("--extra", nargs="*", default=[], help="more overrides for every run")
    args = ap.parse_args()
    rows = [_run(args.out, s, args.model, args.extra) for s in args.steps]
    cols = list(rows[0])
    print(" ".join(f"{c:>15}" for c in cols))
    for r in rows:
        print(" ".join(f"{r[c]!s:>15}" for c in cols))
    (args.out / "knowledge_curve.json").write_text(json.dumps(rows, indent=2), encoding="utf-8")
    plt = _pyplot()
    if plt is not None:
        fig, ax = plt.subplots(figsize=(6, 3.5))
        x = [r["train_min"] for r in rows]
        for key, label in (("adapter_closed", "adapter, closed-book"),
                           ("adapter_sources", "adapter, with sources")):
            ax.plot(x, [r[key] or 0 for r in rows], marker="o", label=label)
        for key, label in (("base_closed", "base, closed-book"), ("base_sources", "base, with sources")):
            ax.axhline(rows[0][key] or 0, linestyle="--", linewidth=1, label=label)
        ax.set(xlabel="training minutes", ylabel="fact accuracy", ylim=(0, 1),
               title=f"fact accuracy vs training time ({args.model})")
        ax.legend(fontsize=8)
        fig.tight_layout()
        fig.savefig(args.out / "knowledge_curve.png", dpi=110)


if __name__ == "__main__":
    main()
