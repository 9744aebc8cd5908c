"""Held-out loss of the base model or base + adapter: on answers, and on plain held-out text.

Answers use the same template and mask as training (:func:`encode_chat`), so base and adapter
numbers are comparable with each other and with the training loss. The mean is per token over
the whole set (not per example), which is what the perplexity of the answers means. The
functions taking a loaded model let the eval stage load once and score the base through
``disable_adapter()``, instead of loading the weights twice.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from alchemy.train.chat_templates import encode_chat
from alchemy.train.data import read_chats
from alchemy.train.loading import load_for_inference

log = logging.getLogger(__name__)


def _summed_loss(model: Any, pad: int, encoded: list[dict], device: str,
                 batch_size: int) -> tuple[float, int]:
    """Sum of next-token cross-entropy over labelled positions, and how many there were."""
    import torch
    import torch.nn.functional as F  # noqa: N812 - the conventional alias

    encoded = sorted(encoded, key=lambda e: len(e["input_ids"]))  # batch similar lengths
    total_loss, total_tokens = 0.0, 0
    with torch.inference_mode():
        for i in range(0, len(encoded), batch_size):
            batch = encoded[i : i + batch_size]
            width = max(len(e["input_ids"]) for e in batch)
            ids = torch.full((len(batch), width), pad, dtype=torch.long)
            labels = torch.full((len(batch), width), -100, dtype=torch.long)
            attention = torch.zeros((len(batch), width), dtype=torch.long)
            for row, e in enumerate(batch):
                n = len(e["input_ids"])
                ids[row, :n] = torch.tensor(e["input_ids"])
                labels[row, :n] = torch.tensor(e["labels"])
                attention[row, :n] = 1
            logits = model(input_ids=ids.to(device), attention_mask=attention.to(device)).logits
            targets = labels[:, 1:].to(device)
            loss = F.cross_entropy(
                logits[:, :-1].float().reshape(-1, logits.shape[-1]),
                targets.reshape(-1),
                ignore_index=-100,
                reduction="sum",
            )
            total_loss += float(loss)
            total_tokens += int((targets != -100).sum())
    return total_loss, total_tokens


def _result(total: float, tokens: int, examples: int, start: float) -> dict:
    mean = total / tokens
    return {
        "loss": mean,
        "perplexity": math.exp(min(mean, 50.0)),
        "examples": examples,
        "tokens": tokens,
        "seconds": round(time.perf_counter() - start, 2),
    }


def chat_loss(model: Any, tokenizer: Any, device: str, chats: list[list[dict]],
              max_length: int = 256, batch_size: int = 8) -> dict:
    """Loss and perplexity on the assistant tokens of `chats` (a token predicts the next)."""
    start = time.perf_counter()
    encoded = [encode_chat(tokenizer, chat, max_length) for chat in chats]
    # A token is predicted from the one before it, so the first position can never count.
    encoded = [e for e in encoded if any(t != -100 for t in e["labels"][1:])]
    if not encoded:
        raise ValueError(f"no eval example keeps an answer token within {max_length} tokens")
    total, tokens = _summed_loss(model, tokenizer.pad_token_id, encoded, device, batch_size)
    return _result(total, tokens, len(encoded), start)


def text_loss(model: Any, tokenizer: Any, device: str, texts: list[str],
              max_length: int = 256, batch_size: int = 8) -> dict:
    """Loss and perplexity on plain text (every token counts): held-out documents."""
    start = time.perf_counter()
    encoded = []
    for text in texts:
        ids = tokenizer(text, truncation=True, max_length=max_length)["input_ids"]
        if len(ids) > 1:
            encoded.append({"input_ids": ids, "labels": list(ids)})
    if not encoded:
        raise ValueError("no held-out text to score")
    total, tokens = _summed_loss(model, tokenizer.pad_token_id, encoded, device, batch_size)
    return _result(total, tokens, len(encoded), start)


def eval_loss(
    model_cfg: Mapping,
    eval_path: Path,
    cache_dir: Path,
    adapter_dir: Path | None = None,
    max_samples: int = 64,
    max_length: int = 256,
    *,
    device: str = "auto",
    batch_size: int = 8,
) -> dict:
    """Return {"loss", "perplexity", "examples", "tokens", "seconds"} over the eval examples."""
    start = time.perf_counter()
    model, tokenizer, device = load_for_inference(model_cfg, cache_dir, adapter_dir, device)
    chats = read_chats(Path(eval_path), limit=max_samples)
    result = chat_loss(model, tokenizer, device, chats, max_length, batch_size)
    result["seconds"] = round(time.perf_counter() - start, 2)
    log.info(
        "eval %s: loss %.4f ppl %.2f over %d examples / %d tokens",
        "adapter" if adapter_dir else "base",
        result["loss"],
        result["perplexity"],
        result["examples"],
        result["tokens"],
    )
    return result
