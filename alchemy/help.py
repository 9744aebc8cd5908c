"""`alchemy --help`: every config group with its options and current choice, every stage.

conf/config.yaml's hydra.help.template calls the resolvers registered here, so the lists come
from what Hydra can load (conf/, recipes/, any added search path) and from alchemy.stages,
never from a hand-kept copy; tests/test_cli_help.py checks that each has its line here.
"""

from __future__ import annotations

from typing import Any

from omegaconf import DictConfig, OmegaConf

# What each group chooses; a group without an entry is still listed (as "options").
GROUPS: dict[str, str] = {
    "source": "where raw data is (a list reads several: source=[git,documents])",
    "engine": "where the clean pass runs",
    "sanitizer": "secret and PII masking",
    "synth": "instruction-pair generator",
    "model": "base model",
    "lora": "LoRA adapter shape",
    "train": "SFT schedule and precision",
    "retrieval": "passages for grounded answers",
    "recipe": "a whole experiment from recipes/, applied last",
    # picked by `optional model_lora: ${model}_${lora}` in config.yaml
    "model_lora": "model-specific LoRA targets: <model>_<lora>, applied by itself if present",
}
STAGES: dict[str, str] = {
    "ingest": "read the sources into records",
    "clean": "filter, deduplicate, mask secrets and PII: train.jsonl",
    "index": "passages of the clean corpus for retrieval",
    "synth": "question-answer pairs: sft_train.jsonl, sft_eval.jsonl",
    "train": "LoRA fine-tune: adapter/",
    "eval": "base vs adapter on held-out pairs: eval.json",
    "infer": "answer infer.prompt (or chat with infer.chat=true)",
    "serve": "an OpenAI-compatible endpoint (runs until stopped)",
    "export": "merge the adapter into the base model: merged/",
}


def register() -> None:
    """Make ${alchemy_groups:} and ${alchemy_stages:} usable in hydra.help (idempotent)."""
    OmegaConf.register_new_resolver("alchemy_groups", groups_help, replace=True)
    OmegaConf.register_new_resolver("alchemy_stages", stages_help, replace=True)


def _options() -> dict[str, list[str]]:
    """Each top-level config group Hydra can load, with its options."""
    from hydra.core.global_hydra import GlobalHydra

    loader = GlobalHydra.instance().config_loader()
    return {g: sorted(loader.get_group_options(g)) for g in loader.list_groups("")
            if g != "hydra" and loader.get_group_options(g)}


def groups_help(*, _root_: DictConfig) -> str:
    """Two lines per group: what it chooses and the current choice, then the options."""
    choices: Any = OmegaConf.select(_root_, "hydra.runtime.choices", default=None) or {}
    options = _options()
    named = [g for g in GROUPS if g in options] + sorted(set(options) - set(GROUPS))
    width = max(map(len, named), default=0)
    lines = []
    for group in named:
        now = choices.get(group)  # none for a list (source=[git,documents]) or a missing file
        now = f" (now: {now})" if now in options[group] else ""
        lines += [f"{group:<{width}}  {GROUPS.get(group, 'options')}{now}",
                  f"{'':<{width}}    " + " | ".join(options[group])]
    return "\n".join(lines)


def stages_help(*, _root_: DictConfig) -> str:
    """Every stage in run order with what it does; the default list of this config."""
    from alchemy.stages import ORDER

    width = max(map(len, ORDER))
    lines = [f"{name:<{width}}  {STAGES.get(name, '')}".rstrip() for name in ORDER]
    default = OmegaConf.select(_root_, "pipeline.stages", default=None)
    if default is not None:
        lines.append(f"this run: pipeline.stages=[{','.join(default)}]")
    return "\n".join(lines)
