"""A leaner loss for TRL's SFTTrainer: cross-entropy over the answer tokens, nothing else.

TRL 1.x scores every step through its fused LM head, which also computes the entropy and the
top-1 flag of every scored token from the full vocabulary, in tiles, with a custom backward.
On a CPU that costs 15-25% of a SmolLM2-135M step (``benchmarks/train_bench.py``). This loss
runs the backbone once, projects only the positions whose next token is a label (answer
tokens; pads and prompts never reach the 49k-way head) and takes a plain cross-entropy, summed
and divided by the batch's label count like TRL's, so gradient accumulation weighs tokens the
same way. Token accuracy is still logged, from the logits it has anyway.
"""

from __future__ import annotations

from typing import Any


def lean_trainer_class() -> type:
    """SFTTrainer with :meth:`compute_loss` replaced; built lazily so trl loads only here."""
    import torch
    import torch.nn.functional as F
    from trl import SFTTrainer

    class LeanSFTTrainer(SFTTrainer):
        def compute_loss(self, model: Any, inputs: dict[str, Any], return_outputs: bool = False,
                         num_items_in_batch: Any = None) -> Any:
            parts = _parts(model)
            if parts is None or return_outputs or "labels" not in inputs \
                    or "attention_mask" not in inputs:  # padding-free batches: TRL's own path
                return super().compute_loss(model, inputs, return_outputs, num_items_in_batch)
            backbone, head = parts
            labels = inputs["labels"][:, 1:]
            hidden = backbone(input_ids=inputs["input_ids"],
                              attention_mask=inputs["attention_mask"],
                              use_cache=False).last_hidden_state[:, :-1]
            mask = labels != -100
            logits = head(hidden[mask]).float()
            target = labels[mask]
            count = mask.sum() if num_items_in_batch is None else num_items_in_batch
            loss = F.cross_entropy(logits, target, reduction="sum") \
                / torch.as_tensor(count, device=logits.device).clamp(min=1)
            if self.args.average_tokens_across_devices and num_items_in_batch is not None:
                loss = loss * self.accelerator.num_processes
            mode = "train" if model.training else "eval"
            with torch.no_grad():
                n = int(target.numel())
                right = int((logits.argmax(-1) == target).sum()) if n else 0
            self._metrics[mode]["mean_token_accuracy"].append(right / n if n else 0.0)
            if mode == "train":
                self._total_train_tokens += int(inputs["attention_mask"].sum())
            self._metrics[mode]["num_tokens"] = [self._total_train_tokens]
            return loss

    return LeanSFTTrainer


def _parts(model: Any) -> tuple[Any, Any] | None:
    """(backbone, lm_head) of a causal LM, through a PEFT wrapper; None if it has no such shape."""
    inner = model.get_base_model() if hasattr(model, "get_base_model") else model
    backbone = getattr(inner, getattr(inner, "base_model_prefix", "model"), None)
    head = inner.get_output_embeddings() if hasattr(inner, "get_output_embeddings") else None
    if backbone is None or head is None or backbone is inner:
        return None
    config = getattr(inner, "config", None)
    text = config.get_text_config() if hasattr(config, "get_text_config") else config
    if any(getattr(text, k, None) for k in ("final_logit_softcapping", "logit_scale",
                                             "logits_scaling", "lm_head_multiplier")):
        return None  # heads that rescale their logits: TRL knows each one
    return backbone, head
