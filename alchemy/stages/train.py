"""train: sft_train.jsonl + base model -> LoRA adapter (TRL SFTTrainer + PEFT).

The adapter folder also gets alchemy_model.json (the base model's config, so `infer` and
`eval` can rebuild the same base for any adapter) and a README.md model card.
"""

from __future__ import annotations

import json

from omegaconf import OmegaConf

from alchemy.stages import StageContext


def run(ctx: StageContext) -> None:
    from alchemy.train.sft import train_adapter

    cfg = ctx.cfg
    adapter = ctx.out / "adapter"
    sft = ctx.inputs["synth"]
    # No eval inside training: the eval stage scores base and adapter on the same pairs.
    metrics = train_adapter(cfg.model, cfg.lora, cfg.train, sft / "sft_train.jsonl", adapter,
                            ctx.cache_dir, eval_path=None)
    model_cfg = OmegaConf.to_container(cfg.model, resolve=True)
    (adapter / "alchemy_model.json").write_text(json.dumps(model_cfg, indent=2), encoding="utf-8")
    card = [
        f"# LoRA adapter for {cfg.model.name}",
        "",
        "Trained by alchemy (TRL SFTTrainer + PEFT LoRA).",
        "",
        f"- base model: `{cfg.model.path}`" + (f" (from `{cfg.model.gguf}`)" if cfg.model.gguf else ""),
        f"- data fingerprint (synth stage): `{sft.name}`",
        f"- LoRA: r={cfg.lora.r}, alpha={cfg.lora.alpha}, dropout={cfg.lora.dropout}, "
        f"targets={cfg.lora.target_modules}",
        f"- training: {cfg.train.max_steps} steps, batch {cfg.train.per_device_train_batch_size} x "
        f"{cfg.train.gradient_accumulation_steps}, lr {cfg.train.learning_rate}",
        f"- final train loss: {metrics.get('train_loss')}",
        "",
        "Load: `PeftModel.from_pretrained(base, this_folder)`, or "
        "`alchemy 'pipeline.stages=[infer]' infer.adapter=THIS_FOLDER`.",
        "",
    ]
    (adapter / "README.md").write_text("\n".join(card), encoding="utf-8")
    ctx.metrics.update({k: v for k, v in metrics.items() if k != "loss_curve"},
                       loss_curve=metrics.get("loss_curve", []))
