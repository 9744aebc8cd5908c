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
import functools
import importlib
from collections.abc import Callable
from typing import Any

from omegaconf import DictConfig, OmegaConf
from omegaconf.errors import OmegaConfBaseException

from alchemy.engines import ENGINES, OUTPUTS
from alchemy.errors import ConfigError
from alchemy.train.chat_templates import TEMPLATES
from alchemy.train.device import DEVICES, DTYPES, PRECISIONS

Rule = tuple[str, Callable[[Any], bool], object]  # key, test, what the value must be


class OneOf:
    """A choice setting's legal values: a tuple, or ``"module:NAME"`` of the tuple in the module
    that acts on the value (imported only when checked: a run's start stays light)."""

    def __init__(self, names: tuple[str, ...] | str, lower: bool = False) -> None:
        self._names, self.lower = names, lower  # lower: the code lower-cases the value first

    @property
    def names(self) -> tuple[str, ...]:
        if isinstance(self._names, str):  # a tuple, a dict's keys or an Enum's values
            module, _, attr = self._names.partition(":")
            found = getattr(importlib.import_module(module), attr)
            return tuple(str(getattr(n, "value", n)) for n in found)
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
# Choices: the tuple of the module that acts on the value, where it has one; a value equal to
# the schema's default is not looked up (its defaults are legal: tests/test_validate_settings.py).
RULES: list[Rule] = [
    _choice("engine.name", ENGINES),
    _choice("engine.output", OUTPUTS),
    _choice("sanitizer.mode", "alchemy.sanitize.context:MODES"),
    _choice("sanitizer.leak_gate", "alchemy.sanitize.gate:BACKENDS"),
    _choice("train.device", DEVICES, lower=True),
    _choice("train.precision", PRECISIONS, lower=True),
    _choice("train.lr_scheduler_type", "transformers.trainer_utils:SchedulerType"),
    # transformers' TrainingArguments.train_sampling_strategy
    _choice("train.sampling", ("random", "sequential", "group_by_length", "batch_rebalance")),
    _choice("model.dtype", DTYPES, lower=True),
    _choice("model.chat_template", tuple(TEMPLATES)),
    _choice("lora.bias", ("none", "all", "lora_only")),  # PEFT's LoraConfig.bias
    _choice("source.documents.parser", "alchemy.sources.documents:PARSERS"),
    *(_choice(f"source.{n}.sync", "alchemy.sources.live:SYNC_MODES")
      for n in ("jira", "confluence", "github", "git")),
    *(_choice(f"source.{n}.deployment", "alchemy.sources.live:DEPLOYMENTS")
      for n in ("jira", "confluence")),
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
    ("retrieval.evidence_sentences", _ge(0), ">= 0 (0: whole passages)"),
    ("serve.port", _between(0, 65535), "in 0..65535"),
]
PAIRS = [("clean.min_chars", "clean.max_chars"), ("synth.min_pairs", "synth.max_pairs")]


def _near_dup(cfg: DictConfig) -> str | None:
    near = cfg.clean.near_dup
    if not near.enabled:
        return None
    if (near.threshold, near.num_perm) != (_schema_default("clean.near_dup.threshold"),
                                           _schema_default("clean.near_dup.num_perm")):
        from alchemy.cleaning.options import lsh_setup  # numpy: only for settings of one's own

        try:
            lsh_setup(float(near.threshold), int(near.num_perm), int(near.seed))
        except ValueError as exc:
            return str(exc)
    if near.bands and near.rows and near.bands * near.rows > near.num_perm:
        return (f"clean.near_dup.bands x clean.near_dup.rows ({near.bands * near.rows}) exceeds "
                f"clean.near_dup.num_perm ({near.num_perm})")
    return None


def _report_to(cfg: DictConfig) -> str | None:
    from alchemy.train.tracking import parse

    try:
        parse(cfg.train.report_to)
    except ValueError as exc:
        return str(exc)
    return None


def _precision_on_cpu(cfg: DictConfig) -> str | None:
    if str(cfg.train.precision).lower() == "fp16" and str(cfg.train.device).lower() == "cpu":
        return "train.precision=fp16 needs a GPU (train.device=cpu); use fp32 or bf16 on CPU"
    return None


def _resume(cfg: DictConfig) -> str | None:
    from pathlib import Path

    from alchemy.train.resume import NEVER

    resume = str(cfg.train.resume or "never").strip()
    if resume.lower() in NEVER | {"auto"} or (Path(resume) / "trainer_state.json").is_file():
        return None
    return (f"train.resume={resume!r} is not a checkpoint folder (no trainer_state.json); use "
            "auto, never or a checkpoint-N folder")


def _sanitizer_patterns(cfg: DictConfig) -> str | None:
    """Extra rules, allowlist regexes and ip_allow networks compile (checked only when given)."""
    import ipaddress
    import re

    s = cfg.sanitizer
    for i, rule in enumerate(s.rules):
        key = f"sanitizer.rules[{i}]"
        if OmegaConf.is_missing(rule, "type") or OmegaConf.is_missing(rule, "pattern"):
            return f"{key}: needs a type and a pattern"
        if rule.family not in ("secret", "pii"):  # the families sanitizer.secrets/pii switch
            return f"{key}.family={rule.family!r}: must be secret or pii"
        from alchemy.sanitize.context import SanitizeContext

        try:
            SanitizeContext._rule(rule)
        except (ValueError, re.error) as exc:
            return f"{key}: {exc}"
    for i, pattern in enumerate(s.allowlist):
        try:
            re.compile(pattern)
        except re.error as exc:
            return f"sanitizer.allowlist[{i}]={pattern!r}: not a regex ({exc})"
    for i, net in enumerate(s.ip_allow):
        try:
            ipaddress.ip_network(str(net), strict=False)
        except ValueError as exc:
            return f"sanitizer.ip_allow[{i}]: {exc}"
    return None


def _leak_gate_installed(cfg: DictConfig) -> str | None:
    s = cfg.sanitizer
    if not s.enabled or s.leak_gate not in ("kingfisher", "detect-secrets"):
        return None
    from alchemy.sanitize.gate import resolve_backend

    try:
        resolve_backend(s.leak_gate)
    except ValueError as exc:
        return str(exc)
    return None


def _remote_output(cfg: DictConfig) -> str | None:
    scheme = str(cfg.engine.output_dir or "").split("://")[0]
    if scheme not in ("", "file") and cfg.engine.name != "spark":
        return (f"engine.output_dir: s3a:// and hdfs:// outputs need engine=spark "
                f"(engine.name={cfg.engine.name})")
    return None


# checks across keys, or of what a value must parse as: each returns the problem (naming the key)
CHECKS: list[Callable[[DictConfig], str | None]] = [
    _near_dup, _remote_output, _report_to, _precision_on_cpu, _resume, _sanitizer_patterns,
    _leak_gate_installed,
]


@functools.lru_cache(maxsize=1)
def _schema() -> DictConfig:
    """The schema's defaults, each source's included (the schema's source.<name> is null)."""
    from alchemy.config import AlchemyConfig, source_options
    from alchemy.sources import NAMES

    return OmegaConf.merge(OmegaConf.structured(AlchemyConfig),
                           {"source": {n: source_options(n) for n in NAMES}})


def _schema_default(key: str) -> Any:
    return OmegaConf.select(_schema(), key, default=None)


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
            if value != _schema_default(key) and not ok(value):
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
