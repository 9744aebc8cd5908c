"""Train a LoRA adapter on chat pairs with TRL's SFTTrainer, loss on assistant tokens only.

The user's turns are context, not something the adapter should learn to write, so the loss is
masked to the assistant's answers (``assistant_only_loss`` + our templates' generation markers).
Only the adapter and tokenizer are kept: TRL's checkpoints go to ``checkpoint_dir`` (the stage
passes a stable per-config folder, so ``train.resume=auto`` can continue a killed run) and are
removed once the adapter is saved. An optional continued-pretraining phase (:mod:`.cpt`) trains
the same LoRA weights on plain text first, so there is still exactly one adapter.
"""

from __future__ import annotations

import logging
import math
import shutil
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from alchemy.train.chat_templates import encode_chat
from alchemy.train.compat import apply_if_needed
from alchemy.train.data import read_chats
from alchemy.train.device import pick_device, pick_precision
from alchemy.train.loading import load_base
from alchemy.train.resume import last_checkpoint, newest_complete, whole_run
from alchemy.train.tracking import parse as parse_report_to
from alchemy.train.tracking import run_name, tracking_env

log = logging.getLogger(__name__)

EVAL_LIMIT = 64  # held-out examples scored at the end of training when eval_path is given


def linear_module_names(model: Any) -> list[str]:
    """Leaf names of the model's nn.Linear layers, without the LM head (what "all-linear" means)."""
    import torch

    head = model.get_output_embeddings()
    names = {
        full.rsplit(".", 1)[-1]
        for full, module in model.named_modules()
        if isinstance(module, torch.nn.Linear) and module is not head
    }
    return sorted(names)


def resolve_target_modules(model: Any, target: Any) -> list[str]:
    """Expand "all-linear" and check that listed names exist, listing the real ones if not."""
    available = linear_module_names(model)
    if target is None or target == "all-linear":
        return available
    requested = [target] if isinstance(target, str) else [str(t) for t in target]
    full_names = {name for name, _ in model.named_modules()}
    missing = [t for t in requested if t not in available and t not in full_names]
    if missing or not requested:
        raise ValueError(
            f"lora.target_modules {missing or requested} not found in the model; "
            f"its linear modules are: {', '.join(available)} (or use 'all-linear')"
        )
    return requested


def count_truncated(tokenizer: Any, chats: list[list[dict]], max_length: int) -> int:
    """Examples longer than max_length: TRL keeps their start, so their tail is never learnt."""
    return sum(len(encode_chat(tokenizer, c)["input_ids"]) > max_length for c in chats)


def _sft_config(train_cfg: Mapping, device: str, precision: str, output_dir: Path,
                with_eval: bool = False) -> Any:
    from trl import SFTConfig

    save_steps = int(train_cfg["save_steps"])
    eval_steps = train_cfg["eval_steps"]
    max_steps = train_cfg["max_steps"]
    warmup = train_cfg["warmup_steps"]
    batch = int(train_cfg["per_device_train_batch_size"])
    return SFTConfig(
        output_dir=str(output_dir),
        max_steps=int(max_steps) if max_steps and int(max_steps) > 0 else -1,
        num_train_epochs=float(train_cfg["num_train_epochs"]),
        per_device_train_batch_size=batch,
        per_device_eval_batch_size=batch,
        gradient_accumulation_steps=int(train_cfg["gradient_accumulation_steps"]),
        learning_rate=float(train_cfg["learning_rate"]),
        lr_scheduler_type=str(train_cfg["lr_scheduler_type"]),
        warmup_steps=float(warmup if warmup is not None else train_cfg["warmup_ratio"]),
        max_length=int(train_cfg["max_length"]),
        packing=bool(train_cfg["packing"]),
        # short fact pairs and long grounded ones: batches of like lengths waste no padding
        train_sampling_strategy=str(train_cfg["sampling"]),
        # transformers 5 renamed gradient_checkpointing; TRL still defaults the old name to True.
        activation_checkpointing=bool(train_cfg["gradient_checkpointing"]),
        logging_steps=int(train_cfg["logging_steps"]),
        logging_first_step=True,
        seed=int(train_cfg["seed"]),
        bf16=precision == "bf16",
        fp16=precision == "fp16",
        use_cpu=device == "cpu",
        dataloader_pin_memory=device == "cuda",
        assistant_only_loss=True,
        report_to=parse_report_to(train_cfg["report_to"]) or "none",
        run_name=run_name(),
        save_strategy="steps" if save_steps > 0 else "no",
        save_steps=max(save_steps, 1),
        save_total_limit=2,  # the newest to resume from, and one more in case it is torn
        eval_strategy="steps" if with_eval and eval_steps else "no",
        eval_steps=int(eval_steps) if with_eval and eval_steps else None,
        disable_tqdm=False,
    )


def train_adapter(
    model_cfg: Mapping,
    lora_cfg: Mapping,
    train_cfg: Mapping,
    train_path: Path,
    out_dir: Path,
    cache_dir: Path,
    eval_path: Path | None = None,
    *,
    checkpoint_dir: Path | None = None,
    cpt_texts: list[str] | None = None,
    callbacks: list[Any] | None = None,
) -> dict:
    """Train a LoRA adapter into `out_dir`; return losses, timings and parameter counts.

    The three configs are whole sections of the run config (``cfg.model``, ``cfg.lora``,
    ``cfg.train``): every key is read as is, defaults live only in alchemy/config.py.

    `cpt_texts` (with train.cpt.enabled) runs the continued-pretraining phase first;
    `callbacks` are extra transformers TrainerCallbacks (tests use one to simulate a crash).
    """
    shims = apply_if_needed()  # before TRL/PEFT touch torch.distributed or DTensor
    from datasets import Dataset
    from peft import LoraConfig, get_peft_model
    from trl import SFTTrainer

    from alchemy.train.lean import lean_trainer_class

    device = pick_device(str(train_cfg["device"]))
    precision = pick_precision(str(train_cfg["precision"]), device)
    model, tokenizer = load_base(model_cfg, cache_dir, device, precision)
    model.config.use_cache = False
    targets = resolve_target_modules(model, lora_cfg["target_modules"])
    chats = read_chats(Path(train_path))
    train_ds = Dataset.from_list([{"messages": c} for c in chats])
    eval_ds = None
    if eval_path is not None:
        # Capped like eval_loss: this is a quick progress figure, the eval stage scores properly.
        eval_chats = read_chats(Path(eval_path), limit=EVAL_LIMIT)
        eval_ds = Dataset.from_list([{"messages": c} for c in eval_chats])

    out_dir = Path(out_dir)
    checkpoints = Path(checkpoint_dir) if checkpoint_dir else out_dir / "checkpoints"
    broken = newest_complete(checkpoints)[1] if checkpoints.is_dir() else []
    resume_from = last_checkpoint(checkpoints, str(train_cfg["resume"]))
    max_length = int(train_cfg["max_length"])
    truncated = count_truncated(tokenizer, chats, max_length)
    if truncated:
        log.warning("%d of %d examples exceed train.max_length=%d and are truncated",
                    truncated, len(chats), max_length)
    peft_config = LoraConfig(
        r=int(lora_cfg["r"]),
        lora_alpha=int(lora_cfg["alpha"]),
        lora_dropout=float(lora_cfg["dropout"]),
        target_modules=targets,
        bias=str(lora_cfg["bias"]),
        use_dora=bool(lora_cfg["use_dora"]),
        use_rslora=bool(lora_cfg["use_rslora"]),
        task_type="CAUSAL_LM",
    )
    cpt_cfg = train_cfg["cpt"]
    cpt_metrics: dict[str, Any] = {}
    if cpt_cfg["enabled"]:
        if train_cfg["gradient_checkpointing"]:
            model.enable_input_require_grads()  # frozen embeddings + checkpointing need it
        model = get_peft_model(model, peft_config)  # SFT continues this very adapter
        peft_config = None
        if resume_from is None:  # a resumed SFT checkpoint already holds the CPT weights
            from alchemy.train.cpt import continued_pretraining

            cpt_metrics = continued_pretraining(model, tokenizer, list(cpt_texts or []), cpt_cfg,
                                                train_cfg, device, precision, checkpoints / "cpt")
    # Tracking logs go to the run folder (see alchemy.train.tracking), not the checkpoints.
    with tracking_env(train_cfg["report_to"], out_dir):
        trainer_class = lean_trainer_class() if train_cfg["lean_loss"] else SFTTrainer
        trainer = trainer_class(
            model=model,
            args=_sft_config(train_cfg, device, precision, checkpoints, eval_ds is not None),
            train_dataset=train_ds,
            eval_dataset=eval_ds,
            processing_class=tokenizer,
            peft_config=peft_config,
            callbacks=callbacks,
        )
        if len(trainer.train_dataset) == 0:  # TRL dropped every example: no answer token left
            raise ValueError(f"none of the {len(chats)} training examples keeps an answer token "
                             f"within train.max_length={train_cfg['max_length']}: raise it")
        trainable, total = trainer.model.get_nb_trainable_parameters()
        log.info(
            "training LoRA r=%s on %s: %d/%d params trainable, %d examples",
            lora_cfg["r"],
            ", ".join(targets),
            trainable,
            total,
            len(chats),
        )
        start = time.perf_counter()
        if resume_from:
            log.info("resuming from %s", resume_from)
        result = trainer.train(resume_from_checkpoint=resume_from)
        seconds = time.perf_counter() - start
        resumed = int(Path(resume_from).name.rsplit("-", 1)[-1]) if resume_from else 0
        curve = [[h["step"], h["loss"]] for h in trainer.state.log_history if "loss" in h]
        loss, tokens = whole_run(trainer.state.log_history, resumed, float(result.training_loss),
                                 int(result.global_step))
        metrics: dict[str, Any] = {
            "train_loss": loss,  # every step's, also after a resume
            "final_loss": curve[-1][1] if curve else float("nan"),
            "loss_curve": curve,
            "tokens_seen": tokens,
            "steps": int(result.global_step),
            "train_seconds": round(seconds, 2),
            "seconds_per_step": round(seconds / max(result.global_step - resumed, 1), 3),
            "trainable_params": int(trainable),
            "total_params": int(total),
            "device": device,
            "precision": precision,
            "examples": len(chats),
            "target_modules": targets,
            "truncated": truncated,
            "resumed_from_step": resumed,
            "broken_checkpoints": broken,  # found incomplete (a kill while saving), skipped
            "rocm_shims": shims,
        } | cpt_metrics
        if eval_ds is not None:
            eval_loss = float(trainer.evaluate()["eval_loss"])
            metrics["eval_loss"] = eval_loss
            metrics["eval_perplexity"] = math.exp(min(eval_loss, 50.0))
    out_dir.mkdir(parents=True, exist_ok=True)
    trainer.model.save_pretrained(out_dir)
    tokenizer.save_pretrained(out_dir)
    shutil.rmtree(checkpoints, ignore_errors=True)
    log.info(
        "adapter written to %s (train loss %.4f, %d steps, %.1fs)",
        out_dir,
        metrics["train_loss"],
        metrics["steps"],
        seconds,
    )
    return metrics
