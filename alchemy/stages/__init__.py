"""The pipeline's stages: what each reads, what config shapes it, what it writes.

A stage's fingerprint covers its own config subtrees, its inputs' fingerprints and the
package version (see runner.py), so any change upstream or in its own keys is a cache miss
and anything else is a hit. Each stage's code lives in its own module, imported only when the
runner needs it (heavy libraries are imported inside the functions), and follows one contract.
All of it is optional except ``run``:

``validate(cfg) -> None``
    Checks of the stage's settings that ``alchemy.validate`` (types, ranges) cannot make:
    cross-key rules, files the config names. Raises ``ConfigError``. The runner calls it for
    every planned stage before planning or any work, so a bad setting is exit 2 up front.
``prepare(cfg) -> Any``
    Side effects the fingerprint needs first (ingest: sync a live source's mirror). Called
    once per stage and runner, when its fingerprint is first needed (on a cache hit too).
    The result goes to ``fingerprint`` and to ``run`` as ``ctx.prepared`` (None without one).
``fingerprint(cfg, prepared) -> Any``
    Extra JSON-serialisable data that shapes the output beyond the declared config subtrees
    (the hash of a file the config names, the contents of a source's exports): the
    fingerprint payload's ``extra``. Pure: no side effects, no checks (those are validate's).
``run(ctx) -> None``
    Does the work: reads ``ctx.inputs``, writes into ``ctx.out``, fills ``ctx.metrics``.

Only functions defined in the stage's module count (:meth:`Stage.hook`): a name it imports,
such as ``alchemy.cache.fingerprint``, is no hook.

What the runner must know about a stage is declared here, in its :class:`Stage`, never in
the runner by name: a live stage (``live``, or ``live_when`` a config key is true: it always
runs, never a cache hit) and an input that may come from outside the run (:class:`External`).
"""

from __future__ import annotations

import importlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from omegaconf import DictConfig, OmegaConf

from alchemy.context import StageContext
from alchemy.errors import ConfigError

__all__ = ["ORDER", "STAGES", "ConfigError", "External", "Stage", "StageContext",
           "check_stage_names"]


@dataclass(frozen=True)
class External:
    """An input that may come from outside this run instead of an upstream stage's artifact.

    When the stage is requested, the folder named by config ``key`` is used (checked by
    ``check``); without one, and when the ``replaces`` stage is not requested itself, the
    newest complete artifact of that stage gives ``folder``. Either way the stage no longer
    reads ``replaces``: it gets the folder as ``ctx.inputs[name]``, and the folder's resolved
    path enters its fingerprint. Otherwise ``replaces`` is an input as usual.
    """

    replaces: str  # the input stage it stands in for
    key: str  # config key naming a folder
    folder: str  # the folder inside an artifact of ``replaces``
    name: str  # its name in ctx.inputs and in the fingerprint payload
    check: Any = None  # check(path) -> None, raising ConfigError; for a folder from ``key``


@dataclass(frozen=True)
class Stage:
    name: str
    inputs: tuple[str, ...]  # upstream stages whose artifacts this one reads
    config_keys: tuple[str, ...]  # config subtrees that shape the output
    outputs: tuple[str, ...]  # files/folders copied into the run directory
    module: str  # alchemy.stages.<module>: run(ctx) and optionally validate/prepare/fingerprint
    ignore_keys: tuple[str, ...] = ()  # keys under config_keys that never change the output
    live: bool = False  # answers people while it runs (serve): never a cache hit
    live_when: str | None = None  # a config key: the stage is live when it is true
    external: External | None = None  # an input that may come from outside the run

    def load(self) -> Any:
        return importlib.import_module(f"alchemy.stages.{self.module}")

    def hook(self, name: str) -> Any:
        """The module's ``validate``, ``prepare`` or ``fingerprint``, or None. Only a function
        defined in the stage's module counts: an imported name (alchemy.cache.fingerprint) is
        not a hook."""
        module = self.load()
        fn = getattr(module, name, None)
        return fn if getattr(fn, "__module__", None) == module.__name__ else None

    def is_live(self, cfg: DictConfig) -> bool:
        return self.live or bool(self.live_when and OmegaConf.select(cfg, self.live_when))


def check_adapter(path: Path) -> None:
    """A PEFT adapter folder, or a ConfigError naming the folder and what is wrong with it."""
    config = path / "adapter_config.json"
    if not config.is_file():
        raise ConfigError(f"infer.adapter: {path} is not an adapter folder (no adapter_config.json)")
    try:
        data = json.loads(config.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigError(f"infer.adapter: {config} is not valid JSON ({exc})") from None
    if not isinstance(data, dict) or not data.get("peft_type"):
        raise ConfigError(f"infer.adapter: {config} is not a PEFT adapter config (no 'peft_type'); "
                          "point infer.adapter at a folder written by the train stage or PEFT")


# infer and serve answer with this run's adapter, infer.adapter, or the newest trained one.
ADAPTER = External(replaces="train", key="infer.adapter", folder="adapter", name="adapter",
                   check=check_adapter)


STAGES: dict[str, Stage] = {
    s.name: s
    for s in [
        # How a live pull talks to its server never changes what it pulled.
        Stage("ingest", (), ("source",), (), "ingest",
              ignore_keys=tuple(f"source.*.{k}" for k in ("sync", "timeout_s", "retries",
                                                          "page_size", "per_page", "max_wait_s",
                                                          "token_env", "email_env"))),
        # The engine is not part of the clean fingerprint: both engines write the same output.
        Stage("clean", ("ingest",), ("clean", "sanitizer"),
              ("train.jsonl", "quarantine.jsonl", "dropped.jsonl", "dropped_sample.jsonl", "train",
               "train_location.json"),
              "clean", ignore_keys=("sanitizer.key_env",)),
        # Passages of the clean corpus for grounded answers; k, evidence and the prompt budget are read
        # at question time, so they never rebuild it.
        Stage("index", ("clean",), ("retrieval",), (), "index",
              ignore_keys=("retrieval.k", "retrieval.max_context_tokens", "retrieval.rrf_k",
                           "retrieval.evidence_sentences")),
        # index: grounded (RAFT) pairs read their passages from it, as answers at eval time do.
        Stage("synth", ("clean", "index"), ("synth", "retrieval"),
              ("sft_train.jsonl", "sft_eval.jsonl", "facts.jsonl"), "synth",
              # transport, pacing and budget: they never change what a reply says
              ignore_keys=tuple(f"synth.{k}" for k in (
                  "concurrency", "api_key_env", "rpm", "tpm", "timeout_s", "max_retries",
                  "backoff_s", "backoff_max_s", "breaker_failures", "breaker_window_s",
                  "max_cost_usd")) + ("retrieval.rrf_k",)),
        # clean: train.jsonl feeds the optional CPT phase (train.cpt)
        Stage("train", ("synth", "clean"), ("model", "lora", "train"), ("adapter",), "train",
              ignore_keys=tuple(f"train.{k}" for k in ("logging_steps", "resume", "report_to"))),
        Stage("eval", ("train", "synth", "clean", "index"), ("model", "eval", "retrieval"),
              ("eval.json", "eval_samples.jsonl", "fact_samples.jsonl", "loss.png", "eval.png"),
              "evaluate"),
        # A chat (infer.chat) is live input: each one runs, never a cache hit.
        Stage("infer", ("train", "index"), ("model", "infer", "retrieval"), ("answer.json",),
              "infer", ignore_keys=("infer.adapter",), live_when="infer.chat", external=ADAPTER),
        # A live endpoint: runs until stopped; its artifact records what was served.
        Stage("serve", ("train", "index"), ("model", "serve", "retrieval"), (), "serve",
              live=True, external=ADAPTER),
        # The merged folder and its merged-vs-unmerged check (export.* keys are optional).
        Stage("export", ("train",), ("model", "export"), ("merged", "export.json"), "export"),
    ]
}

ORDER = list(STAGES)


def check_stage_names(names: list[str], key: str) -> None:
    bad = [n for n in names if n not in STAGES and not (key == "pipeline.force" and n == "all")]
    if bad:
        raise ConfigError(f"{key}: unknown stage(s) {bad}; valid stages: {', '.join(ORDER)}")
