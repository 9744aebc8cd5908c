"""Optional continued pretraining (train.cpt): plain-text LM on the clean corpus before SFT.

It trains the *same* LoRA weights that SFT then refines, so the run still yields one adapter.
Documents are cut into ``cpt.max_length`` blocks (TRL's "wrapped" packing: no padding, every
token counts). Documents that only feed the held-out SFT split are left out by the stage, so
the eval stage's held-out text perplexity stays honest.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)


def continued_pretraining(peft_model: Any, tokenizer: Any, texts: list[str], cpt_cfg: Mapping,
                          train_cfg: Mapping, device: str, precision: str,
                          output_dir: Path) -> dict:
    """Train `peft_model`'s adapter on `texts` in place; return the phase's figures."""
    from datasets import Dataset
    from trl import SFTConfig, SFTTrainer

    if not texts:
        raise ValueError("train.cpt.enabled but the clean corpus (train.jsonl or train/ parts) "
                         "has no usable text for the CPT phase")
    args = SFTConfig(
        output_dir=str(output_dir),
        max_steps=int(cpt_cfg["max_steps"]),
        per_device_train_batch_size=int(train_cfg["per_device_train_batch_size"]),
        gradient_accumulation_steps=int(train_cfg["gradient_accumulation_steps"]),
        learning_rate=float(cpt_cfg["learning_rate"]),
        lr_scheduler_type="constant",
        max_length=int(cpt_cfg["max_length"]),
        packing=True,
        packing_strategy="wrapped",
        dataset_text_field="text",
        activation_checkpointing=bool(train_cfg["gradient_checkpointing"]),
        logging_steps=int(train_cfg["logging_steps"]),
        seed=int(train_cfg["seed"]),
        bf16=precision == "bf16",
        fp16=precision == "fp16",
        use_cpu=device == "cpu",
        report_to="none",
        save_strategy="no",
    )
    trainer = SFTTrainer(model=peft_model, args=args, processing_class=tokenizer,
                         train_dataset=Dataset.from_list([{"text": t} for t in texts]))
    start = time.perf_counter()
    result = trainer.train()
    seconds = time.perf_counter() - start
    curve = [[h["step"], h["loss"]] for h in trainer.state.log_history if "loss" in h]
    log.info("CPT: %d steps on %d documents, loss %.4f, %.1fs", result.global_step, len(texts),
             result.training_loss, seconds)
    return {"cpt_loss": float(result.training_loss), "cpt_steps": int(result.global_step),
            "cpt_docs": len(texts), "cpt_seconds": round(seconds, 2), "cpt_loss_curve": curve}
