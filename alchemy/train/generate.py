"""Answer one prompt with the base model or base + adapter (greedy, so runs are repeatable)."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path

from alchemy.train.loading import load_for_inference

log = logging.getLogger(__name__)


def answer(
    model_cfg: Mapping,
    cache_dir: Path,
    prompt: str,
    adapter_dir: Path | None = None,
    max_new_tokens: int = 128,
    system_prompt: str | None = None,
    *,
    repetition_penalty: float = 1.0,
    device: str = "auto",
) -> str:
    """Return only the newly generated text for `prompt`, rendered with the training template."""
    import torch

    model, tokenizer, device = load_for_inference(model_cfg, cache_dir, adapter_dir, device)
    messages = [{"role": "user", "content": prompt}]
    if system_prompt is not None:
        messages.insert(0, {"role": "system", "content": system_prompt})
    inputs = tokenizer.apply_chat_template(
        messages, add_generation_prompt=True, return_dict=True, return_tensors="pt"
    ).to(device)
    with torch.inference_mode():
        output = model.generate(
            **inputs,
            max_new_tokens=max_new_tokens,
            do_sample=False,
            repetition_penalty=repetition_penalty,  # >1 stops small models looping
            pad_token_id=tokenizer.pad_token_id,
            eos_token_id=tokenizer.eos_token_id,
        )
    new_tokens = output[0, inputs["input_ids"].shape[1] :]
    return tokenizer.decode(new_tokens, skip_special_tokens=True).strip()
