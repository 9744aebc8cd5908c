"""Merge a LoRA adapter into its base and prove the merged folder behaves like base + adapter.

Merged exports often drift from what was evaluated: weights saved in a lower precision, a
tokenizer or chat template left behind, dropout left on, a stale generation config. So the
merged folder is reloaded from disk, exactly as a user would, and compared with the unmerged
model on a few prompts: the max absolute logit difference must stay within ``atol`` and the
greedy text must be identical, else :class:`ExportMismatchError`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from alchemy.train.loading import load_for_inference

log = logging.getLogger(__name__)


class ExportMismatchError(RuntimeError):
    """The merged model does not reproduce base + adapter."""


def _outputs(model: Any, tokenizer: Any, device: str, prompts: Sequence[str],
             max_new_tokens: int) -> tuple[list[Any], list[str]]:
    """Last-layer logits over each rendered prompt, and its greedy continuation."""
    import torch

    logits, texts = [], []
    for prompt in prompts:
        ids = tokenizer.apply_chat_template(
            [{"role": "user", "content": prompt}], add_generation_prompt=True,
            return_dict=True, return_tensors="pt").to(device)
        with torch.inference_mode():
            logits.append(model(**ids).logits.float().cpu())
            out = model.generate(**ids, max_new_tokens=max_new_tokens, do_sample=False,
                                 pad_token_id=tokenizer.pad_token_id,
                                 eos_token_id=tokenizer.eos_token_id)
        texts.append(tokenizer.decode(out[0, ids["input_ids"].shape[1]:],
                                      skip_special_tokens=True))
    return logits, texts


def merge_and_verify(model_cfg: Mapping, cache_dir: Path, adapter: Path, out: Path,
                     prompts: Sequence[str], atol: float = 1e-3, max_new_tokens: int = 24,
                     device: str = "cpu") -> dict:
    """Write the merged model + tokenizer (training template) to `out`; return the check."""
    from transformers import AutoModelForCausalLM

    start = time.perf_counter()
    model, tokenizer, device = load_for_inference(model_cfg, cache_dir, adapter, device)
    ref_logits, ref_texts = _outputs(model, tokenizer, device, prompts, max_new_tokens)
    merged = model.merge_and_unload()
    out.mkdir(parents=True, exist_ok=True)
    merged.save_pretrained(out)
    tokenizer.save_pretrained(out)  # carries the chat template the adapter was trained with
    del merged, model
    reloaded = AutoModelForCausalLM.from_pretrained(out, local_files_only=True).to(device).eval()
    got_logits, got_texts = _outputs(reloaded, tokenizer, device, prompts, max_new_tokens)
    diff = max(float((a - b).abs().max()) for a, b in zip(ref_logits, got_logits, strict=True))
    same_text = [a == b for a, b in zip(ref_texts, got_texts, strict=True)]
    check = {
        "prompts": len(prompts),
        "max_abs_logit_diff": diff,
        "atol": atol,
        "greedy_text_identical": all(same_text),
        "dtype": str(reloaded.dtype).removeprefix("torch."),
        "seconds": round(time.perf_counter() - start, 2),
        "samples": [{"prompt": p, "unmerged": a, "merged": b}
                    for p, a, b in zip(prompts, ref_texts, got_texts, strict=True)],
    }
    log.info("export: merged model in %s; max |logit diff| %.3g (atol %g), greedy text %s",
             out, diff, atol, "identical" if all(same_text) else "DIFFERS")
    if diff > atol or not all(same_text):
        bad = [p for p, ok in zip(prompts, same_text, strict=True) if not ok]
        raise ExportMismatchError(
            f"merged model differs from base + adapter: max |logit diff| {diff:.3g} "
            f"(allowed {atol:g}); greedy text differs on {len(bad)} of {len(prompts)} prompts"
            + (f", e.g. {bad[0]!r}" if bad else "")
        )
    return check
