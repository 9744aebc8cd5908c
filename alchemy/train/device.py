"""Pick the device and the training precision, and say why, so a slow run is never a mystery.

ROCm builds of torch expose AMD GPUs through the ``cuda`` device; ``torch.version.hip`` tells
them apart, which matters only for the log line and for bf16 support (checked the same way).
"""

from __future__ import annotations

import logging

log = logging.getLogger(__name__)

DEVICES = ("auto", "cpu", "cuda", "mps")
PRECISIONS = ("auto", "fp32", "bf16", "fp16")
DTYPES = ("auto", "float32", "bfloat16", "float16")  # model.dtype


def _gpu_name() -> str:
    import torch

    kind = f"ROCm {torch.version.hip}" if getattr(torch.version, "hip", None) else "CUDA"
    try:
        return f"{torch.cuda.get_device_name(0)} ({kind})"
    except Exception:  # noqa: BLE001 - a name is only decoration for the log line
        return kind


def _mps_available() -> bool:
    import torch

    backend = getattr(torch.backends, "mps", None)
    return bool(backend is not None and backend.is_available())


def pick_device(pref: str = "auto") -> str:
    """Return "cuda", "mps" or "cpu": the fastest available unless `pref` names one."""
    import torch

    pref = (pref or "auto").lower()
    if pref not in DEVICES:
        raise ValueError(f"train.device must be one of {DEVICES}, got {pref!r}")
    if pref == "cuda" and not torch.cuda.is_available():
        raise ValueError(
            "train.device=cuda but torch sees no CUDA/ROCm GPU (torch.cuda.is_available())"
        )
    if pref == "mps" and not _mps_available():
        raise ValueError("train.device=mps but the MPS backend is not available")
    if pref != "auto":
        device = pref
        reason = "requested in config"
    elif torch.cuda.is_available():
        device, reason = "cuda", f"GPU found: {_gpu_name()}"
    elif _mps_available():
        device, reason = "mps", "Apple MPS backend available"
    else:
        device, reason = "cpu", "no CUDA/ROCm or MPS device found"
    log.info("device: %s (%s)", device, reason)
    return device


def pick_precision(pref: str, device: str) -> str:
    """Return "bf16", "fp16" or "fp32": mixed precision only where the hardware supports it."""
    import torch

    pref = (pref or "auto").lower()
    if pref not in PRECISIONS:
        raise ValueError(f"train.precision must be one of {PRECISIONS}, got {pref!r}")
    if pref == "fp16" and device == "cpu":
        raise ValueError("train.precision=fp16 needs a GPU; use fp32 or bf16 on CPU")
    if pref == "bf16" and device == "cuda" and not torch.cuda.is_bf16_supported():
        raise ValueError(f"train.precision=bf16 is not supported by this GPU ({_gpu_name()})")
    if pref != "auto":
        log.info("precision: %s (requested in config)", pref)
        return pref
    if device == "cuda":
        if torch.cuda.is_bf16_supported():
            precision, reason = "bf16", "GPU supports bfloat16"
        else:
            precision, reason = "fp16", "GPU lacks bfloat16 support, using float16 mixed precision"
    elif device == "mps":
        precision, reason = "fp32", "mixed-precision training on MPS is unreliable; set bf16 to try"
    else:
        precision, reason = "fp32", "CPU: mixed precision brings little and risks accuracy"
    log.info("precision: %s (%s)", precision, reason)
    return precision


def torch_dtype(dtype: str, device: str, precision: str):  # noqa: ANN201 - torch.dtype, lazily imported
    """Map model.dtype to the torch dtype to load weights in ("auto" follows the precision)."""
    import torch

    table = {"float32": torch.float32, "bfloat16": torch.bfloat16, "float16": torch.float16}
    dtype = (dtype or "auto").lower()
    if dtype in table:
        return table[dtype]
    if dtype != "auto":
        raise ValueError(f"model.dtype must be one of {DTYPES}, got {dtype!r}")
    if device == "cpu" or precision == "fp32":
        return torch.float32
    return torch.bfloat16 if precision == "bf16" else torch.float16
