"""Checks on the composed config before any stage runs; each failure names its key (exit 2).

Three kinds, in order: every interpolation resolves (``${oc.env:UNSET}``, a missing key or a
self-reference is a config error, not a traceback); no key the schema does not know (Hydra's
``+key=value`` adds one silently to a typed section; free-form mappings such as
``engine.conf`` take anything); numbers within their ranges and choice settings among their
choices (``clean.near_dup.threshold=7`` or ``sanitizer.mode=hide`` would otherwise be
accepted, or fail only after ingest ran); then CHECKS across keys.
"""

from __future__ import annotations

import dataclasses
import importlib
from collections.abc import Callable
from typing import Any

from omegaconf import DictConfig, OmegaConf
from omegaconf.errors import OmegaConfBaseException

from alchemy.engines import ENGINES, OUTPUTS
from alchemy.errors import ConfigError

Rule = tuple[str, Callable[[Any], bool], object]  # key, test, what the value must be


class OneOf:
    """A choice setting's legal values: a tuple, or ``"module:NAME"`` of the tuple in the module
    that acts on the value (imported only when checked: a run's start stays light)."""

    def __init__(self, names: tuple[str, ...] | str, lower: bool = False) -> None:
        self._names, self.lower = names, lower  # lower: the code lower-cases the value first

    @property
    def names(self) -> tuple[str, ...]:
        if isinstance(self._names, str):
            module, _, attr = self._names.partition(":")
            return tuple(getattr(importlib.import_module(module), attr))
        return tuple(self._names)

    def __call__(self, value: Any) -> bool:
        return (str(value).lower() if self.lower else value) in self.names

    def __str__(self) -> str:
        return "one of " + ", ".join(self.names)


def _choice(key: str, names: tuple[str, ...] | str, lower: bool = False) -> Rule:
    test = OneOf(names, lower)
    return key, test, test


def _ge(n: float) -> Callable[[Any], bool]:
    return lambda v: v >= n


def _between(lo: float, hi: float, open_lo: bool = False) -> Callable[[Any], bool]:
    return lambda v: (v > lo if open_lo else v >= lo) and v <= hi


# key, test (skipped when the value is null), what the value must be
RULES: list[Rule] = [
    _choice("engine.name", ENGINES),
    _choice("engine.output", OUTPUTS),
    ("engine.workers", _ge(1), ">= 1 (or null: every core)"),
    ("engine.batch_bytes", _ge(1), ">= 1"),
    ("engine.spill_bytes", _ge(1), ">= 1"),
    ("engine.auto_spark_min_bytes", _ge(0), ">= 0"),
    ("sanitizer.entropy", _ge(0), ">= 0"),
    ("clean.min_chars", _ge(0), ">= 0"),
    ("clean.max_chars", _ge(1), ">= 1"),
    ("clean.dropped_sample", _ge(0), ">= 0"),
    ("clean.filters.min_words", _ge(0), ">= 0"),
    ("clean.filters.max_symbol_ratio", _ge(0), ">= 0"),
    ("clean.filters.max_repeated_line_ratio", _between(0, 1), "between 0 and 1"),
    ("clean.near_dup.threshold", _between(0, 1, open_lo=True), "above 0 and at most 1"),
    ("clean.near_dup.num_perm", _ge(1), ">= 1"),
    ("clean.near_dup.shingle", _ge(1), ">= 1"),
    ("clean.near_dup.bands", _ge(1), ">= 1 (or null)"),
    ("clean.near_dup.rows", _ge(1), ">= 1 (or null)"),
    ("synth.concurrency", _ge(1), ">= 1"),
    ("synth.min_pairs", _ge(0), ">= 0"),
    ("synth.max_pairs", _ge(1), ">= 1"),
    ("synth.eval_fraction", _between(0, 1), "between 0 and 1"),
    ("synth.min_overlap", _between(0, 1), "between 0 and 1"),
    ("synth.dedup_threshold", _between(0, 1, open_lo=True), "above 0 and at most 1"),
    ("synth.max_retries", _ge(0), ">= 0"),
    ("synth.max_attempts", _ge(1), ">= 1"),
    ("synth.temperature", _ge(0), ">= 0"),
    ("synth.chunk.max_tokens", _ge(1), ">= 1"),
    ("synth.chunk.overlap_tokens", _ge(0), ">= 0"),
    ("lora.r", _ge(1), ">= 1"),
    ("lora.alpha", _between(0, float("inf"), open_lo=True), "> 0"),
    ("lora.dropout", lambda v: 0 <= v < 1, "at least 0 and below 1"),
    ("train.per_device_train_batch_size", _ge(1), ">= 1"),
    ("train.gradient_accumulation_steps", _ge(1), ">= 1"),
    ("train.learning_rate", _between(0, float("inf"), open_lo=True), "> 0"),
    ("train.warmup_ratio", _between(0, 1), "between 0 and 1"),
    ("train.max_length", _ge(1), ">= 1"),
    ("train.logging_steps", _ge(1), ">= 1"),
    ("train.save_steps", _ge(0), ">= 0 (0: no checkpoints)"),
    ("train.num_train_epochs", _between(0, float("inf"), open_lo=True), "> 0"),
    *((f"eval.{k}", _ge(1), ">= 1") for k in ("max_samples", "max_length", "max_new_tokens",
                                             "fact_max_new_tokens")),
    *((f"eval.{k}", _ge(0), ">= 0") for k in ("generate_samples", "text_samples", "unanswerable")),
    *((f"retrieval.{k}", _ge(1), ">= 1") for k in ("k", "chunk_tokens", "max_context_tokens",
                                                  "rrf_k")),
    ("retrieval.min_tokens", _ge(0), ">= 0"),
    ("serve.port", _between(0, 65535), "in 0..65535"),
]
PAIRS = [("clean.min_chars", "clean.max_chars"), ("synth.min_pairs", "synth.max_pairs")]


def _near_dup(cfg: DictConfig) -> str | None:
    near = cfg.clean.near_dup
    if not near.enabled:
        return None
    from alchemy.cleaning.options import lsh_setup

    try:
        lsh_setup(float(near.threshold), int(near.num_perm), int(near.seed))
    except ValueError as exc:
        return str(exc)
    if near.bands and near.rows and near.bands * near.rows > near.num_perm:
        return (f"clean.near_dup.bands x clean.near_dup.rows ({near.bands * near.rows}) exceeds "
                f"clean.near_dup.num_perm ({near.num_perm})")
    return None


def _remote_output(cfg: DictConfig) -> str | None:
    scheme = str(cfg.engine.output_dir or "").split("://")[0]
    if scheme not in ("", "file") and cfg.engine.name != "spark":
        return (f"engine.output_dir: s3a:// and hdfs:// outputs need engine=spark "
                f"(engine.name={cfg.engine.name})")
    return None


# checks across keys, or of what a value must parse as: each returns the problem (naming the key)
CHECKS: list[Callable[[DictConfig], str | None]] = [_near_dup, _remote_output]


def _resolve(cfg: DictConfig) -> None:
    try:
        OmegaConf.to_container(cfg, resolve=True)
    except OmegaConfBaseException as exc:
        key = getattr(exc, "full_key", None) or "config"
        raise ConfigError(f"{key}: {str(exc).splitlines()[0]}") from None


def unknown_keys(node: DictConfig, path: str = "") -> list[str]:
    """Keys of typed (dataclass) sections that their schema does not declare."""
    found = []
    kind = OmegaConf.get_type(node)
    if dataclasses.is_dataclass(kind):
        fields = {f.name for f in dataclasses.fields(kind)}
        found += [f"{path}{k}" for k in node.keys() if k not in fields]
    for k in node.keys():
        child = node._get_node(k)
        if isinstance(child, DictConfig) and not child._is_none() and not child._is_missing():
            found += unknown_keys(child, f"{path}{k}.")
    return found


def validate(cfg: DictConfig) -> None:
    """Raise ConfigError for the first problem found, naming its key."""
    _resolve(cfg)
    extra = unknown_keys(cfg)
    if extra:
        raise ConfigError(f"unknown key(s) {', '.join(extra)}: not in the schema (alchemy/config.py),"
                          " so nothing would read them; check the spelling")
    for key, ok, must in RULES:
        value = OmegaConf.select(cfg, key, default=None)
        if value is None:
            continue
        if isinstance(ok, OneOf):
            if not ok(value):
                raise ConfigError(f"{key}={value!r}: must be {must}")
            continue
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            continue
        if not ok(value):
            raise ConfigError(f"{key}={value}: must be {must}")
    for lo, hi in PAIRS:
        a, b = OmegaConf.select(cfg, lo, default=None), OmegaConf.select(cfg, hi, default=None)
        if isinstance(a, (int, float)) and isinstance(b, (int, float)) and a > b:
            raise ConfigError(f"{lo}={a} is above {hi}={b}")
    for check in CHECKS:
        problem = check(cfg)
        if problem:
            raise ConfigError(problem)
