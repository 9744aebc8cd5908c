"""ROCm-on-Windows workarounds, in one place, applied only when this torch needs them.

Some ROCm Windows builds of torch ship without ``torch.distributed`` (``is_available()`` is
False and functions such as ``is_initialized`` do not exist), or fail to import DTensor
(``torch.distributed.tensor``). TRL, accelerate and PEFT touch both even on one device. The
shims make a single process look like an uninitialised world of one, and give DTensor a stub
class that nothing is an instance of. On a healthy torch :func:`apply_if_needed` changes
nothing and returns an empty list.
"""

from __future__ import annotations

import logging
import sys
import types

log = logging.getLogger(__name__)

_DTENSOR_MODULES = ("torch.distributed.tensor", "torch.distributed._tensor")


def _stubs() -> dict[str, object]:
    """What callers of an absent torch.distributed use on a single device."""
    return {
        "is_initialized": lambda: False,
        "get_rank": lambda *_a, **_k: 0,
        "get_world_size": lambda *_a, **_k: 1,
        "barrier": lambda *_a, **_k: None,
        "destroy_process_group": lambda *_a, **_k: None,
    }


def _dtensor_importable() -> bool:
    try:
        from torch.distributed.tensor import DTensor  # noqa: F401
    except Exception:  # noqa: BLE001 - ImportError, OSError from a missing DLL, anything
        return False
    return True


def _install_dtensor_stub() -> None:
    class DTensor:  # noqa: D401 - a stub type: isinstance(x, DTensor) is always False
        """Placeholder for torch's DTensor on builds that cannot import it."""

    for name in _DTENSOR_MODULES:
        module = types.ModuleType(name)
        module.DTensor = DTensor  # type: ignore[attr-defined]
        module.Replicate = module.Shard = module.distribute_tensor = None  # type: ignore[attr-defined]
        sys.modules[name] = module


def apply_if_needed() -> list[str]:
    """Patch what is missing; return the names of the shims applied (logged once each)."""
    import torch

    applied: list[str] = []
    dist = torch.distributed
    if not dist.is_available():
        for name, stub in _stubs().items():
            if not hasattr(dist, name):
                setattr(dist, name, stub)
                applied.append(f"torch.distributed.{name}")
    if not _dtensor_importable():
        _install_dtensor_stub()
        applied.append("torch.distributed.tensor.DTensor")
    if applied:
        log.warning("torch %s lacks distributed pieces (ROCm-on-Windows build?); single-device "
                    "shims applied: %s", torch.__version__, ", ".join(applied))
    return applied
