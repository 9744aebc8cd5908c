"""Writing into the run directory atomically: a copy (or text) beside the target, then a rename.

A kill or a full disk while results are copied leaves at most a hidden ``.<name>.part-*``
beside the target (removed on failure), never a truncated ``train.jsonl``. A folder
(``adapter/``) is copied whole beside the old one and swapped in with two renames.
"""

from __future__ import annotations

import errno
import os
import shutil
import uuid
from pathlib import Path


def _part(dst: Path) -> Path:
    return dst.parent / f".{dst.name}.part-{os.getpid()}-{uuid.uuid4().hex[:8]}"


def publish(src: Path, dst: Path) -> None:
    """Copy a file or folder to ``dst`` so that ``dst`` is always either old or new, whole."""
    tmp = _part(dst)
    try:
        if src.is_dir():
            shutil.copytree(src, tmp)
            if dst.exists():
                old = _part(dst)
                os.replace(dst, old)
                os.replace(tmp, dst)
                shutil.rmtree(old, ignore_errors=True)
                return
        else:
            shutil.copy2(src, tmp)
        os.replace(tmp, dst)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True) if tmp.is_dir() else tmp.unlink(missing_ok=True)
        raise


def write_atomic(dst: Path, text: str) -> None:
    """Write text to ``dst`` through a temporary file and a rename."""
    tmp = _part(dst)
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, dst)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def run_dir_error(exc: OSError, target: Path) -> str:
    """The one-line message for a failed write of ``target`` (in the run directory)."""
    if exc.errno == errno.ENOSPC:
        return f"could not write {target}: no space left on device"
    return f"could not write {target}: {exc.strerror or exc}"
