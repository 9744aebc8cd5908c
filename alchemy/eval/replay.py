"""The base model's fact replies, kept in the cache and replayed when nothing they depend on changed.

The base side of the fact eval asks the same base model the same prompts on every run that
trains a new adapter (a sweep trial, a rerun with other LoRA settings): on 2 CPU cores that
is about 100 s per eval spent recomputing identical greedy replies. They are stored under
``<cache>/answers/<key>.json``, where the key hashes everything a reply depends on: the model
settings and a checksum of the base weights (LoRA weights left out), device and dtype, the
torch and transformers versions, the generation settings and every prompt. Any change is a
new key, so a replayed reply is always the one the model would give now; greedy decoding makes
it deterministic.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from alchemy.cache import fingerprint, private_dir
from alchemy.publish import write_atomic

log = logging.getLogger("alchemy")


def key(model: Any, device: str, model_settings: Any, settings: dict[str, Any],
        prompts: Any) -> str:
    """The hash of everything the replies depend on."""
    import torch
    import transformers

    with torch.no_grad():  # the base weights themselves (a folder re-converted in place)
        probe = sum(float(p.double().sum()) for n, p in model.named_parameters()
                    if "lora_" not in n)
    return fingerprint({"model": model_settings, "weights": f"{probe:.10e}", "device": device,
                        "dtype": str(getattr(model, "dtype", "")), "torch": torch.__version__,
                        "transformers": transformers.__version__, "settings": settings,
                        "prompts": prompts})


def replay(cache_dir: Path, digest: str,
           answer: Callable[[], dict[str, list[str]]]) -> dict[str, list[str]]:
    """The stored replies for ``digest``, else ``answer()``'s, stored for next time."""
    path = Path(cache_dir) / "answers" / f"{digest}.json"
    if path.is_file():
        try:
            replies = json.loads(path.read_text(encoding="utf-8"))
            log.info("eval: base replies replayed from %s", path)
            return replies
        except (OSError, json.JSONDecodeError) as exc:  # a damaged entry is recomputed
            log.warning("eval: ignoring unreadable %s (%s)", path, exc)
    replies = answer()
    private_dir(path.parent)
    write_atomic(path, json.dumps(replies, ensure_ascii=False))
    return replies
