"""Load the resolved base model (optionally with a LoRA adapter) for training or inference.

One place decides dtype, pad token and device, so training, evaluation and generation see the
same model and the same chat template.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from omegaconf import OmegaConf

from alchemy.train.device import pick_device, pick_precision, torch_dtype
from alchemy.train.models import resolve_model

log = logging.getLogger(__name__)


def load_base(model_cfg: Mapping, cache_dir: Path, device: str, precision: str) -> tuple[Any, Any]:
    """Return (model, tokenizer) of the resolved folder, weights in the dtype for `precision`."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    folder = resolve_model(model_cfg, cache_dir)
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    tokenizer = AutoTokenizer.from_pretrained(folder, local_files_only=True)
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    dtype = torch_dtype(str(model_cfg.get("dtype") or "auto"), device, precision)
    model = AutoModelForCausalLM.from_pretrained(folder, dtype=dtype, local_files_only=True)
    model.config.pad_token_id = tokenizer.pad_token_id
    if model.generation_config is not None:
        model.generation_config.pad_token_id = tokenizer.pad_token_id
    log.info("loaded %s (%s, %s) from %s", model_cfg.get("name"), dtype, device, folder)
    return model, tokenizer


def load_for_inference(
    model_cfg: Mapping, cache_dir: Path, adapter_dir: Path | None, device: str = "auto"
) -> tuple[Any, Any, str]:
    """Return (model in eval mode on its device, tokenizer, device) with the adapter applied."""
    device = pick_device(device)
    precision = pick_precision("auto", device)
    model, tokenizer = load_base(model_cfg, cache_dir, device, precision)
    if adapter_dir is not None:
        from peft import PeftModel

        adapter_dir = Path(adapter_dir)
        if not (adapter_dir / "adapter_config.json").is_file():
            raise FileNotFoundError(f"no adapter_config.json in {adapter_dir}")
        model = PeftModel.from_pretrained(model, adapter_dir)
        log.info("applied adapter %s", adapter_dir)
    model.to(device)
    model.eval()
    return model, tokenizer, device


def adapter_model_cfg(adapter: Path, fallback: Any) -> Any:
    """The base model an adapter was trained on (alchemy_model.json), else the configured one."""
    spec = adapter / "alchemy_model.json"
    if spec.is_file():
        return OmegaConf.create(json.loads(spec.read_text(encoding="utf-8")))
    return fallback
