"""Answer one prompt with the base model or base + adapter (greedy, so runs are repeatable)."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

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


def generate_batch(
    model: Any,
    tokenizer: Any,
    device: str,
    conversations: list[list[dict]],
    max_new_tokens: int = 48,
    repetition_penalty: float = 1.0,
    batch_size: int = 8,
) -> list[str]:
    """Greedy answers to several conversations at once (left-padded), for the eval stage.

    Batching is what makes scoring a handful of held-out questions affordable on a CPU.
    """
    import torch

    side = tokenizer.padding_side
    tokenizer.padding_side = "left"  # new tokens must follow every prompt directly
    answers: list[str] = []
    try:
        for i in range(0, len(conversations), batch_size):
            texts = [
                tokenizer.apply_chat_template(c, add_generation_prompt=True, tokenize=False)
                for c in conversations[i : i + batch_size]
            ]
            # The template already renders BOS/specials; don't let the tokenizer add another.
            inputs = tokenizer(texts, return_tensors="pt", padding=True,
                               add_special_tokens=False).to(device)
            with torch.inference_mode():
                output = model.generate(
                    **inputs,
                    max_new_tokens=max_new_tokens,
                    do_sample=False,
                    repetition_penalty=repetition_penalty,
                    pad_token_id=tokenizer.pad_token_id,
                    eos_token_id=tokenizer.eos_token_id,
                )
            new = output[:, inputs["input_ids"].shape[1] :]
            answers += [t.strip() for t in tokenizer.batch_decode(new, skip_special_tokens=True)]
    finally:
        tokenizer.padding_side = side
    return answers


def chat(
    model_cfg: Mapping,
    cache_dir: Path,
    adapter_dir: Path | None,
    *,
    max_new_tokens: int = 256,
    repetition_penalty: float = 1.0,
    read=input,  # noqa: ANN001 - a prompt function; tests pass a scripted one
    device: str = "auto",
    ground=None,  # noqa: ANN001 - question -> (grounded user message, refusal or None), or None
) -> list[dict]:
    """Interactive chat on the console, tokens streamed as they come; returns the transcript.

    An empty line, ``exit`` or end of input ends it. With ``ground``, the newest question is
    sent with its retrieved passages, and a refusal (no passage names its subject) is the reply
    without running the model. The whole conversation is the context of
    each answer, rendered with the training template, as the adapter saw during training.
    """
    import torch
    from transformers import TextStreamer

    model, tokenizer, device = load_for_inference(model_cfg, cache_dir, adapter_dir, device)
    streamer = TextStreamer(tokenizer, skip_prompt=True, skip_special_tokens=True)
    messages: list[dict] = []
    while True:
        try:
            prompt = read("you> ").strip()
        except EOFError:
            break
        if not prompt or prompt.lower() in {"exit", "quit"}:
            break
        messages.append({"role": "user", "content": prompt})
        # Earlier turns stay as asked; only the newest carries its passages (context is short).
        message, refusal = ground(prompt) if ground else (prompt, None)
        if refusal is not None:
            print(f"bot> {refusal}", flush=True)
            messages.append({"role": "assistant", "content": refusal})
            continue
        shown = messages[:-1] + [{"role": "user", "content": message}]
        inputs = tokenizer.apply_chat_template(
            shown, add_generation_prompt=True, return_dict=True, return_tensors="pt"
        ).to(device)
        print("bot> ", end="", flush=True)
        with torch.inference_mode():
            output = model.generate(**inputs, max_new_tokens=max_new_tokens, do_sample=False,
                                    repetition_penalty=repetition_penalty, streamer=streamer,
                                    pad_token_id=tokenizer.pad_token_id,
                                    eos_token_id=tokenizer.eos_token_id)
        reply = tokenizer.decode(output[0, inputs["input_ids"].shape[1] :],
                                 skip_special_tokens=True).strip()
        messages.append({"role": "assistant", "content": reply})
    return messages
