"""export: adapter -> one full Hugging Face model folder (merged/), checked against base+adapter.

`alchemy 'pipeline.stages=[export]'` exports this config's adapter (trained first if needed).
Settings (defaults in alchemy/config.py's ExportConfig): export.prompts, export.atol,
export.max_new_tokens, export.device. The check's figures go to export.json and report.json;
a mismatch fails the stage.
"""

from __future__ import annotations

import json

from alchemy.stages import StageContext

PROMPTS = (
    "What does ledger-service do?",
    "How do I roll back a deployment?",
    "Who should I page during an incident?",
)


def run(ctx: StageContext) -> None:
    from alchemy.export import merge_and_verify
    from alchemy.train.loading import adapter_model_cfg

    adapter = ctx.inputs["train"] / "adapter"
    model_cfg = adapter_model_cfg(adapter, ctx.cfg.model)
    own = (ctx.cfg.infer.prompt or PROMPTS[0], *PROMPTS[1:])
    ex = ctx.cfg.export
    prompts = [str(p) for p in ex.prompts or own]
    out = ctx.out / "merged"
    check = merge_and_verify(model_cfg, ctx.cache_dir, adapter, out, prompts,
                             atol=float(ex.atol), max_new_tokens=int(ex.max_new_tokens),
                             device=str(ex.device))
    card = (adapter / "README.md").read_text(encoding="utf-8") if (adapter / "README.md").is_file() else ""
    (out / "README.md").write_text(
        card.replace("# LoRA adapter for", "# Merged model: base + LoRA adapter for", 1)
        + f"\n## Merge check\n\nReloaded from this folder and compared with base + adapter on "
        f"{check['prompts']} prompts: max |logit diff| {check['max_abs_logit_diff']:.3g} "
        f"(allowed {check['atol']:g}), greedy text identical: {check['greedy_text_identical']}.\n"
        "Load with `AutoModelForCausalLM.from_pretrained(this_folder)`; no PEFT needed.\n",
        encoding="utf-8")
    (ctx.out / "export.json").write_text(json.dumps(check, indent=2, ensure_ascii=False),
                                         encoding="utf-8")
    ctx.metrics.update({k: v for k, v in check.items() if k != "samples"}, merged_dir="merged")
