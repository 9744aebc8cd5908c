"""Resuming a killed training: the newest *complete* checkpoint, and whole-run figures.

Trainer writes a checkpoint's weights, optimizer, scheduler and RNG state first and
``trainer_state.json`` last, so a kill during a save leaves a ``checkpoint-N`` folder without
(or with a torn) ``trainer_state.json``. Such a folder is not resumable: it is reported and
removed, and the newest complete one before it is used. After a resume, Trainer's own
``training_loss`` and TRL's token count cover only the resumed part; ``whole_run`` combines
them with the checkpoint's log history.
"""

from __future__ import annotations

import json
import logging
import re
import shutil
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)
_STEP = re.compile(r"^checkpoint-(\d+)$")
_WEIGHTS = ("adapter_model.safetensors", "model.safetensors", "adapter_model.bin", "pytorch_model.bin")
NEVER = frozenset({"never", "no", "false", "none", "off"})  # train.resume values: start afresh


def is_complete(folder: Path) -> bool:
    """A checkpoint Trainer can resume from: its state names its own step, its weights exist."""
    m = _STEP.match(folder.name)
    try:
        state = json.loads((folder / "trainer_state.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    if not m or not isinstance(state, dict) or state.get("global_step") != int(m.group(1)):
        return False
    return any((folder / w).is_file() and (folder / w).stat().st_size > 0 for w in _WEIGHTS)


def newest_complete(folder: Path) -> tuple[str | None, list[str]]:
    """(the newest complete checkpoint or None, the names of broken ones, now removed)."""
    found = sorted((int(m.group(1)), p) for p in Path(folder).iterdir()
                   if p.is_dir() and (m := _STEP.match(p.name)))
    broken: list[str] = []
    for _, path in reversed(found):
        if is_complete(path):
            return str(path), broken
        broken.append(path.name)
        log.warning("train: %s is incomplete (killed while saving?): ignored and removed", path)
        shutil.rmtree(path, ignore_errors=True)  # Trainer would otherwise rotate it as if valid
    return None, broken


def last_checkpoint(folder: Path, resume: str) -> str | None:
    """The checkpoint to continue from: `resume` = auto (newest complete in `folder`), never,
    or a path."""
    resume = str(resume or "never").strip()
    if resume.lower() in NEVER:
        shutil.rmtree(folder, ignore_errors=True)  # a fresh start must not mix old state
        return None
    if resume.lower() != "auto":
        if not (Path(resume) / "trainer_state.json").is_file():
            raise ValueError(f"train.resume={resume!r} is not a checkpoint folder "
                             "(no trainer_state.json); use auto, never or a checkpoint-N folder")
        return resume
    return newest_complete(folder)[0] if Path(folder).is_dir() else None


def whole_run(history: list[dict[str, Any]], resumed: int, session_loss: float,
              steps: int) -> tuple[float, int]:
    """(mean train loss, tokens seen) over every step, not only those after ``resumed``."""
    def tokens(entries: list[dict[str, Any]]) -> int:
        return int(max((h.get("num_tokens", 0) for h in entries), default=0))

    if not resumed:
        return session_loss, tokens(history)
    before = [h for h in history if h.get("step", 0) <= resumed]
    after = [h for h in history if h.get("step", 0) > resumed]
    total, covered, prev = 0.0, 0, 0
    for h in before:  # each logged loss is the mean since the previous log
        if "loss" in h:
            total += float(h["loss"]) * (h["step"] - prev)
            covered += h["step"] - prev
            prev = h["step"]
    n = max(steps - resumed, 0)
    loss = (total + session_loss * n) / max(covered + n, 1)
    return loss, tokens(before) + tokens(after)
