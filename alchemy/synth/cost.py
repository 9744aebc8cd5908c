"""Prices and token counts from litellm's offline tables (never fetched from the network).

``LITELLM_LOCAL_MODEL_COST_MAP=True`` must be set before litellm is imported, or litellm fetches
its price map over the network at import; ``load_litellm`` is the one place that imports it.
"""

from __future__ import annotations

import logging
import os
from typing import Any

from alchemy.synth.chunker import count_tokens


def load_litellm() -> Any:
    """Import litellm offline and quiet (no cost-map download, no debug banners)."""
    os.environ["LITELLM_LOCAL_MODEL_COST_MAP"] = "True"
    os.environ.setdefault("LITELLM_LOG", "ERROR")
    import litellm

    litellm.suppress_debug_info = True
    litellm.telemetry = False
    for name in ("LiteLLM", "LiteLLM Router", "LiteLLM Proxy", "litellm", "httpx"):
        logging.getLogger(name).setLevel(logging.ERROR)
    return litellm


def prices(scfg: Any) -> tuple[float, float] | None:
    """USD per input and per output token for ``synth.model``, or None when unknown."""
    if scfg.price_in_per_mtok is not None or scfg.price_out_per_mtok is not None:
        return (scfg.price_in_per_mtok or 0.0) / 1e6, (scfg.price_out_per_mtok or 0.0) / 1e6
    litellm = load_litellm()
    try:
        info = litellm.get_model_info(scfg.model)
    except Exception:  # litellm raises a plain Exception for unmapped models
        return None
    pin, pout = info.get("input_cost_per_token"), info.get("output_cost_per_token")
    return None if pin is None or pout is None else (float(pin), float(pout))


def call_cost(price: tuple[float, float] | None, prompt_tokens: int, completion_tokens: int) -> float:
    return 0.0 if price is None else prompt_tokens * price[0] + completion_tokens * price[1]


def prompt_tokens(model: str, messages: list[dict[str, Any]]) -> int:
    """Tokens of a request, with litellm's tokenizer for the model (bundled, offline)."""
    try:
        return int(load_litellm().token_counter(model=model, messages=messages))
    except Exception:  # an unknown tokenizer must not stop a run: fall back to the estimate
        return sum(count_tokens(m.get("content") or "") + 4 for m in messages)


def json_mode_supported(model: str) -> bool:
    """Whether the provider takes ``response_format`` (JSON mode), per litellm."""
    litellm = load_litellm()
    try:
        params = litellm.get_supported_openai_params(model=model) or []
    except Exception:
        return False
    return "response_format" in params
