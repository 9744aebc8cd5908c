"""train: sft_train.jsonl (+ optional CPT on the clean corpus) + base model -> one LoRA adapter.

The adapter folder also gets alchemy_model.json (the base model's config, so `infer`, `eval`
and `export` can rebuild the same base for any adapter) and a README.md model card. Trainer
checkpoints live in ``<cache>/train_checkpoints/<key>`` while training, keyed by everything
that shapes the adapter, so ``train.resume=auto`` finds them after a crash; they are removed
once the adapter is saved. The stage artifact itself stays atomic (the runner's temp folder).
"""

from __future__ import annotations

import json
from pathlib import Path

from omegaconf import OmegaConf

from alchemy import cache
from alchemy.cache import held
from alchemy.stages import StageContext

# Keys that change neither the weights nor where a resumed run should pick up.
_NOT_IN_KEY = ("resume", "logging_steps", "report_to", "save_steps", "eval_steps")


def checkpoint_key(ctx: StageContext) -> str:
    """A stable name for this training run's checkpoints: config subtrees + input data."""
    train = OmegaConf.to_container(ctx.cfg.train, resolve=True)
    payload = {
        "model": OmegaConf.to_container(ctx.cfg.model, resolve=True),
        "lora": OmegaConf.to_container(ctx.cfg.lora, resolve=True),
        "train": {k: v for k, v in train.items() if k not in _NOT_IN_KEY},
        "inputs": {name: path.name for name, path in sorted(ctx.inputs.items())},
    }
    return cache.fingerprint(payload)


def cpt_texts(ctx: StageContext) -> list[str]:
    """Clean corpus texts for the CPT phase, minus documents held out for eval.

    Streams the corpus through ``read_corpus`` (train.jsonl, or the part files of ``train/``
    with engine.output=partitioned) and stops reading at ``cpt.max_docs`` texts.
    """
    from alchemy.records import read_corpus
    from alchemy.train.data import source_ids

    synth, cpt = ctx.inputs["synth"], ctx.cfg.train.cpt
    held = source_ids(synth / "sft_eval.jsonl") - source_ids(synth / "sft_train.jsonl")
    texts: list[str] = []
    for rec in read_corpus(ctx.inputs["clean"]):
        if rec.get("text") and str(rec.get("id")) not in held:
            texts.append(str(rec["text"]))
            if cpt.max_docs and len(texts) >= cpt.max_docs:
                break
    ctx.metrics["cpt_held_out_docs"] = len(held)
    facts_file = synth / "facts.jsonl"
    if cpt.knowledge and facts_file.is_file():
        from alchemy.records import read_jsonl
        from alchemy.synth.knowledge import augmentation

        extra = augmentation(list(read_jsonl(facts_file)), cpt.fact_repeats, ctx.cfg.train.seed)
        ctx.metrics["cpt_knowledge_texts"] = len(extra)
        texts = extra + texts  # facts first, then the documents (PIT: knowledge before prose)
    return texts


def model_card(ctx: StageContext, metrics: dict) -> str:
    """README.md for the adapter: base model, data fingerprints, full config, metrics."""
    cfg, inputs = ctx.cfg, ctx.inputs
    base = f"`{cfg.model.path}`" + (f" (converted from `{cfg.model.gguf}`)" if cfg.model.gguf else "")
    config = OmegaConf.to_yaml(OmegaConf.create({"model": cfg.model, "lora": cfg.lora,
                                                 "train": cfg.train}), resolve=True)
    figures = {k: metrics[k] for k in (
        "train_loss", "final_loss", "steps", "examples", "truncated", "trainable_params",
        "total_params", "device", "precision", "train_seconds", "seconds_per_step",
        "resumed_from_step", "cpt_loss", "cpt_steps", "cpt_docs") if k in metrics}
    rows = "\n".join(f"| {k} | {v} |" for k, v in figures.items())
    return f"""# LoRA adapter for {cfg.model.name}

Trained by alchemy: TRL SFTTrainer + PEFT LoRA, loss on assistant tokens only
{"(after a continued-pretraining phase on train.jsonl) " if cfg.train.cpt.enabled else ""}\
with the chat template saved beside it.

- base model: {base}, dtype {cfg.model.dtype}, chat template `{cfg.model.chat_template}`
- data fingerprints: synth (sft pairs) `{inputs["synth"].name}`, clean (train.jsonl) \
`{inputs["clean"].name if "clean" in inputs else "-"}`
- LoRA: r={cfg.lora.r}, alpha={cfg.lora.alpha}, targets {", ".join(metrics.get("target_modules", []))}

## Training figures

| figure | value |
| --- | --- |
{rows}

Evaluation runs after training, in its own stage: base vs adapter loss, perplexity, token F1
and ROUGE-L are in the run folder's `eval.json` / `report.json` (and `eval.png`), not here,
so this folder stays identical for every run that reuses it.

## Config

```yaml
{config}```

## Use

`PeftModel.from_pretrained(base, this_folder)`, or
`alchemy 'pipeline.stages=[infer]' infer.adapter=THIS_FOLDER`; a merged full model:
`alchemy 'pipeline.stages=[export]'`.
"""


def run(ctx: StageContext) -> None:
    from alchemy.train.sft import train_adapter

    cfg = ctx.cfg
    adapter = ctx.out / "adapter"
    sft = ctx.inputs["synth"]
    key = checkpoint_key(ctx)
    checkpoints = Path(ctx.cache_dir) / "train_checkpoints" / key
    texts = cpt_texts(ctx) if cfg.train.cpt.enabled else None
    # Two runs never share live checkpoints: the second waits (then resumes or starts afresh).
    with held(checkpoints.parent / f".{key}.lock", f"the checkpoints {checkpoints}"):
        # No eval inside training: the eval stage scores base and adapter on the same pairs.
        metrics = train_adapter(cfg.model, cfg.lora, cfg.train, sft / "sft_train.jsonl", adapter,
                                ctx.cache_dir, eval_path=None, checkpoint_dir=checkpoints,
                                cpt_texts=texts)
    model_cfg = OmegaConf.to_container(cfg.model, resolve=True)
    (adapter / "alchemy_model.json").write_text(json.dumps(model_cfg, indent=2), encoding="utf-8")
    (adapter / "README.md").write_text(model_card(ctx, metrics), encoding="utf-8")
    ctx.metrics.update(metrics)
