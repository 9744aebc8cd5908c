"""Settings the stages used to reject deep inside a run are rejected before any stage runs:
ConfigError naming the key (the CLI exits 2), checked by alchemy/validate.py's RULES and CHECKS."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from omegaconf import OmegaConf

from alchemy.errors import ConfigError
from alchemy.validate import CHECKS, RULES, OneOf, _schema, validate
from tests.conftest import compose_cfg

# (overrides, what the message must say); before, each failed only inside its stage
BAD = [
    (["sanitizer.mode=hide"], "sanitizer.mode='hide': must be one of mask, redact, drop_record"),
    (["sanitizer.leak_gate=magic"], "sanitizer.leak_gate='magic': must be one of auto, kingfisher"),
    (["train.device=tpu"], "train.device='tpu': must be one of auto, cpu, cuda, mps"),
    (["train.precision=fp8"], "train.precision='fp8': must be one of auto, fp32, bf16, fp16"),
    (["train.precision=fp16", "train.device=cpu"], "train.precision=fp16 needs a GPU"),
    (["train.lr_scheduler_type=sawtooth"], "train.lr_scheduler_type='sawtooth': must be one of linear"),
    (["train.sampling=shuffled"], "train.sampling='shuffled': must be one of random"),
    (["train.report_to=wandb"], "train.report_to: unknown ['wandb']"),
    (["train.resume=/no/such/checkpoint-7"], "train.resume='/no/such/checkpoint-7' is not a checkpoint"),
    (["model.dtype=float8"], "model.dtype='float8': must be one of auto, float32"),
    (["model.chat_template=llama3"], "model.chat_template='llama3': must be one of chatml, zephyr"),
    (["lora.bias=some"], "lora.bias='some': must be one of none, all, lora_only"),
    (["source=documents", "source.documents.parser=magic"],
     "source.documents.parser='magic': must be one of native, unstructured, auto"),
    (["source=jira", "source.jira.sync=sometimes"], "source.jira.sync='sometimes': must be one of"),
    (["source=confluence", "source.confluence.deployment=cloudy"],
     "source.confluence.deployment='cloudy': must be one of auto, cloud, server"),
    (["sanitizer.rules=[{type: 'bad type', pattern: x}]"], "sanitizer.rules[0]: sanitizer.rules: type"),
    (["sanitizer.rules=[{type: EMP}]"], "sanitizer.rules[0]: needs a type and a pattern"),
    (["sanitizer.rules=[{type: EMP, pattern: 'EMP-('}]"], "sanitizer.rules[0]: missing )"),
    (["sanitizer.rules=[{type: EMP, pattern: x, family: credit}]"],
     "sanitizer.rules[0].family='credit': must be secret or pii"),
    (["sanitizer.allowlist=['(']"], "sanitizer.allowlist[0]='(': not a regex"),
    (["sanitizer.ip_allow=[10.0.0.0/33]"], "sanitizer.ip_allow[0]: "),
    (["retrieval.evidence_sentences=-1"], "retrieval.evidence_sentences"),
]


@pytest.mark.parametrize("overrides,needle", BAD)
def test_bad_setting_is_a_config_error_naming_its_key(overrides: list[str], needle: str) -> None:
    with pytest.raises(ConfigError) as info:
        validate(compose_cfg(*overrides))
    assert needle in str(info.value)


def test_a_leak_gate_that_is_not_installed_fails_before_any_stage(monkeypatch) -> None:
    from alchemy.sanitize import gate

    monkeypatch.setattr(gate, "_installed", lambda dist: None)
    with pytest.raises(ConfigError, match="sanitizer.leak_gate=kingfisher needs the kingfisher"):
        validate(compose_cfg("sanitizer.leak_gate=kingfisher"))
    validate(compose_cfg("sanitizer.leak_gate=kingfisher", "sanitizer=off"))  # no gate runs


def test_the_same_settings_pass_when_legal() -> None:
    validate(compose_cfg("sanitizer.mode=redact", "train.device=CPU", "train.precision=fp32",
                         "train.lr_scheduler_type=linear", "train.sampling=random",
                         "train.report_to='tensorboard,mlflow'", "train.resume=never",
                         "model.dtype=bfloat16", "model.chat_template=zephyr", "lora.bias=all",
                         "sanitizer.rules=[{type: EMP_ID, pattern: 'EMP-(\\d+)', group: 1}]",
                         "sanitizer.ip_allow=[10.0.0.0/8]", "clean.near_dup.threshold=0.9"))


def test_the_schema_defaults_are_among_their_choices() -> None:
    """validate looks a choice up only when it differs from the schema's default: safe, since
    every default is legal."""
    schema = _schema()
    for key, test, _ in RULES:
        if isinstance(test, OneOf):
            value = OmegaConf.select(schema, key)
            assert value is None or test(value), (key, value, test.names)
    assert all(check(compose_cfg()) is None for check in CHECKS)


def test_a_bad_setting_stops_the_runner_before_any_stage(make_cfg, tmp_path: Path) -> None:
    from alchemy.runner import Runner

    cfg = make_cfg("sanitizer.mode=hide")
    with pytest.raises(ConfigError, match="sanitizer.mode"):
        Runner(cfg, tmp_path / "run")
    assert not (tmp_path / "cache").exists() or not any((tmp_path / "cache").iterdir())


@pytest.mark.parametrize("overrides,needle", [
    (["train.device=tpu"], "train.device='tpu'"),
    (["sanitizer.leak_gate=magic"], "sanitizer.leak_gate='magic'"),
])
def test_bad_setting_exits_2_naming_the_key(tmp_path: Path, overrides: list[str], needle: str) -> None:
    proc = subprocess.run([sys.executable, "-m", "alchemy.cli", *overrides, f"hydra.run.dir={tmp_path}",
                           f"paths.cache_dir={tmp_path}/cache"], capture_output=True, text=True, cwd=tmp_path)
    assert proc.returncode == 2, proc.stderr[-2000:]
    assert needle in proc.stderr
    assert not (tmp_path / "cache").exists() or not any((tmp_path / "cache").iterdir())
