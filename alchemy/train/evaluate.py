"""Held-out loss of the base model or base + adapter, on assistant tokens only.

The same template and mask as training (:func:`encode_chat`), so base and adapter numbers are
comparable with each other and with the training loss. The mean is per token over the whole
set (not per example), which is what the perplexity of the answers means.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Mapping
from pathlib import Path

from alchemy.train.chat_templates import encode_chat
from alchemy.train.data import read_chats
from alchemy.train.loading import load_for_inference

log = logging.getLogger(__name__)


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
    import torch
    import torch.nn.functional as F  # noqa: N812 - the conventional alias

    start = time.perf_counter()
    model, tokenizer, device = load_for_inference(model_cfg, cache_dir, adapter_dir, device)
    chats = read_chats(Path(eval_path), limit=max_samples)
    encoded = [encode_chat(tokenizer, chat, max_length) for chat in chats]
    # A token is predicted from the one before it, so the first position can never count.
    encoded = [e for e in encoded if any(t != -100 for t in e["labels"][1:])]
    if not encoded:
        raise ValueError(
            f"no eval example in {eval_path} keeps an answer token within {max_length}"
        )
    encoded.sort(key=lambda e: len(e["input_ids"]))  # similar lengths batch with little padding

    pad = tokenizer.pad_token_id
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

    mean = total_loss / total_tokens
    result = {
        "loss": mean,
        "perplexity": math.exp(min(mean, 50.0)),
        "examples": len(encoded),
        "tokens": total_tokens,
        "seconds": round(time.perf_counter() - start, 2),
    }
    log.info(
        "eval %s: loss %.4f ppl %.2f over %d examples / %d tokens",
        "adapter" if adapter_dir else "base",
        mean,
        result["perplexity"],
        len(encoded),
        total_tokens,
    )
    return result
