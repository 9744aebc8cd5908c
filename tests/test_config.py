"""Every option file and recipe composes; typos, wrong types and unknown options fail early."""

from __future__ import annotations

import subprocess
import sys

import pytest
from omegaconf import OmegaConf

from alchemy.config import CONF_DIR, RECIPES_DIR
from tests.conftest import compose_cfg

GROUPS = ["source", "engine", "sanitizer", "synth", "model", "lora", "train", "retrieval"]
OPTIONS = [(g, p.stem) for g in GROUPS for p in sorted((CONF_DIR / g).glob("*.yaml"))]
RECIPES = sorted(p.stem for p in RECIPES_DIR.glob("*.yaml"))


@pytest.mark.parametrize("group,option", OPTIONS)
def test_every_option_composes(group: str, option: str) -> None:
    cfg = compose_cfg(f"{group}={option}")
    OmegaConf.to_container(cfg, resolve=True)  # every interpolation resolves
    if group == "source" and option != "sample":
        assert list(k for k, v in cfg.source.items() if v is not None) == [option]


@pytest.mark.parametrize("recipe", RECIPES)
def test_every_recipe_composes(recipe: str) -> None:
    cfg = compose_cfg(f"recipe={recipe}")
    OmegaConf.to_container(cfg, resolve=True)


def test_default_is_offline_demo() -> None:
    cfg = compose_cfg()
    assert cfg.synth.generator == "offline"
    assert cfg.model.name == "smollm2-135m"
    assert cfg.pipeline.stages == ["ingest", "clean", "index", "synth", "train", "eval", "infer"]
    assert cfg.retrieval.method == "bm25" and cfg.eval.questions.endswith("data/FACTS.md")
    assert all(cfg.source[n] is not None for n in ("jira", "confluence", "github", "git",
                                                   "documents"))


def test_deepseek_recipe_is_the_seed_setup() -> None:
    cfg = compose_cfg("recipe=deepseek-tinyllama")
    assert cfg.synth.model == "deepseek/deepseek-chat"
    assert cfg.synth.api_key_env == "DEEPSEEK_API_KEY"
    assert cfg.model.path == "TinyLlama/TinyLlama-1.1B-Chat-v1.0"
    assert cfg.lora.r == 16 and cfg.lora.target_modules == "all-linear"
    assert cfg.train.vram_gb == 8 and cfg.train.gradient_accumulation_steps > 1
    assert cfg.train.precision == "auto"  # 16-bit on a GPU


def test_command_line_beats_recipe() -> None:
    cfg = compose_cfg("recipe=deepseek-tinyllama", "model=tiny-random", "lora.r=4")
    assert cfg.model.name == "tiny-random" and cfg.lora.r == 4


def test_several_sources_keep_their_keys() -> None:
    cfg = compose_cfg("source=[jira,documents]", "source.jira.raw_dir=/exports/jira")
    assert cfg.source.jira.raw_dir == "/exports/jira"
    assert cfg.source.documents.raw_dir is None  # only source=sample points at the sample data
    assert compose_cfg().source.documents.raw_dir.endswith("data/raw/documents")
    assert cfg.source.confluence is None


def test_public_override_keys_exist() -> None:
    cfg = compose_cfg()
    for key in ["paths.cache_dir", "pipeline.stages", "source.jira.raw_dir", "engine.workers",
                "engine.master", "synth.model", "synth.api_base", "synth.concurrency", "lora.r",
                "train.max_steps", "infer.prompt", "infer.adapter", "pipeline.force"]:
        assert OmegaConf.select(cfg, key, default="MISSING") != "MISSING", key


@pytest.mark.parametrize("override,needle", [
    ("lora.rank=3", "lora.rank"),
    ("train.max_steps=many", "max_steps"),
    ("model=no-such-model", "Available options in 'model'"),
    ("paths.cache_dir=${oc.env:ALCHEMY_UNSET_VAR}", "paths.cache_dir"),  # interpolation
    ("clean.near_dup.threshold=7", "clean.near_dup.threshold=7"),  # range, before any stage
    ("+clean.typo_key=1", "clean.typo_key"),  # + does not get past the schema
])
def test_bad_config_exits_2_and_names_the_problem(tmp_path, override: str, needle: str) -> None:
    proc = subprocess.run([sys.executable, "-m", "alchemy.cli", override,
                           f"hydra.run.dir={tmp_path}"], capture_output=True, text=True, cwd=tmp_path)
    assert proc.returncode == 2
    assert needle in proc.stderr


@pytest.mark.parametrize("override,needle", [
    ("paths.cache_dir=${nope.key}", "paths.cache_dir: Interpolation key 'nope.key' not found"),
    ("paths.cache_dir=${paths.cache_dir}", "paths.cache_dir: Recursive interpolation"),
    ("engine.workers=0", "engine.workers=0: must be >= 1"),
    ("clean.filters.min_words=-5", "clean.filters.min_words=-5"),
    ("synth.eval_fraction=1.5", "synth.eval_fraction"),
    ("clean.min_chars=500", "clean.min_chars=500 is above clean.max_chars"),
    ("+train.warmup_stepz=3", "unknown key(s) train.warmup_stepz"),
])
def test_config_errors_are_caught_before_any_stage(override: str, needle: str) -> None:
    from alchemy.stages import ConfigError
    from alchemy.validate import validate

    over = [override, "clean.max_chars=400"] if "min_chars" in override else [override]
    with pytest.raises(ConfigError) as info:
        validate(compose_cfg(*over))
    assert needle in str(info.value)


@pytest.mark.parametrize("group,option", OPTIONS)
def test_every_option_passes_validation(group: str, option: str) -> None:
    from alchemy.validate import validate

    validate(compose_cfg(f"{group}={option}"))


@pytest.mark.parametrize("recipe", RECIPES)
def test_every_recipe_passes_validation(recipe: str) -> None:
    from alchemy.validate import validate

    validate(compose_cfg(f"recipe={recipe}"))


def test_missing_data_folder_names_the_key(tmp_path) -> None:
    proc = subprocess.run([sys.executable, "-m", "alchemy.cli", "source=jira",
                           "source.jira.raw_dir=/no/such/dir", f"hydra.run.dir={tmp_path}",
                           f"paths.cache_dir={tmp_path}/cache"],
                          capture_output=True, text=True, cwd=tmp_path)
    assert proc.returncode == 2
    assert "source.jira.raw_dir" in proc.stderr and "/no/such/dir" in proc.stderr
