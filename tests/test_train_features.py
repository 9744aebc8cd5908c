"""Training features on model=tiny-random: resume after a crash, CPT, ROCm shims, pair configs."""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

import pytest

pytest.importorskip("trl")

from alchemy.train.compat import apply_if_needed  # noqa: E402
from alchemy.train.sft import last_checkpoint, train_adapter  # noqa: E402
from tests.test_train import LORA, TINY, TRAIN, _write_pairs  # noqa: E402


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("cache")


@pytest.fixture(scope="module")
def pairs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _write_pairs(tmp_path_factory.mktemp("data") / "sft_train.jsonl", 16)


def _callback(on_step):  # noqa: ANN001, ANN202 - a TrainerCallback calling on_step(step)
    from transformers import TrainerCallback

    class Hook(TrainerCallback):
        def on_step_end(self, args, state, control, **kw):  # noqa: ANN001, ANN003, ANN201
            on_step(state.global_step)

    return Hook()


def test_resume_auto_continues_from_last_checkpoint(cache: Path, pairs: Path,
                                                    tmp_path: Path) -> None:
    ckpt = tmp_path / "train_checkpoints" / "key"
    train = TRAIN | {"max_steps": 5, "save_steps": 2, "resume": "auto"}

    def crash(step: int) -> None:
        if step == 3:  # after checkpoint-2 was saved, before checkpoint-4
            raise RuntimeError("simulated kill")

    with pytest.raises(RuntimeError, match="simulated kill"):
        train_adapter(TINY, LORA, train, pairs, tmp_path / "a1", cache, checkpoint_dir=ckpt,
                      callbacks=[_callback(crash)])
    assert (ckpt / "checkpoint-2" / "trainer_state.json").is_file()
    assert not (tmp_path / "a1" / "adapter_config.json").exists()

    seen: list[int] = []
    m = train_adapter(TINY, LORA, train, pairs, tmp_path / "a2", cache, checkpoint_dir=ckpt,
                      callbacks=[_callback(seen.append)])
    assert seen == [3, 4, 5]  # three steps run, not five
    assert m["resumed_from_step"] == 2 and m["steps"] == 5
    assert [s for s, _ in m["loss_curve"]] == [1, 2, 3, 4, 5]  # the whole curve survives
    assert (tmp_path / "a2" / "adapter_model.safetensors").is_file()
    assert not ckpt.exists()  # checkpoints are removed once the adapter is saved


def _checkpoint(folder: Path, step: int) -> Path:
    path = folder / f"checkpoint-{step}"
    path.mkdir(parents=True)
    (path / "adapter_model.safetensors").write_bytes(b"weights")
    (path / "trainer_state.json").write_text(json.dumps({"global_step": step}))
    return path


def test_resume_never_and_bad_path(tmp_path: Path) -> None:
    _checkpoint(tmp_path, 3)
    assert last_checkpoint(tmp_path, "auto").endswith("checkpoint-3")
    assert last_checkpoint(tmp_path / "checkpoint-3", str(tmp_path / "checkpoint-3"))
    with pytest.raises(ValueError, match="not a checkpoint"):
        last_checkpoint(tmp_path, str(tmp_path / "nope"))
    assert last_checkpoint(tmp_path, "never") is None and not tmp_path.exists()


def test_resume_skips_checkpoints_torn_by_a_kill_while_saving(tmp_path: Path) -> None:
    _checkpoint(tmp_path, 2)
    (tmp_path / "checkpoint-6").mkdir()  # killed right after the folder was made
    torn = _checkpoint(tmp_path, 4)
    (torn / "trainer_state.json").write_text('{"global_st')  # killed while writing the state
    assert last_checkpoint(tmp_path, "auto").endswith("checkpoint-2")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["checkpoint-2"]  # broken ones removed


def test_kill_while_saving_then_resume_reports_whole_run(cache: Path, pairs: Path,
                                                         tmp_path: Path) -> None:
    train = TRAIN | {"max_steps": 6, "save_steps": 2, "logging_steps": 1, "resume": "auto"}
    whole = train_adapter(TINY, LORA, train, pairs, tmp_path / "whole", cache,
                          checkpoint_dir=tmp_path / "c0")
    ckpt = tmp_path / "c1"

    def crash(step: int) -> None:
        if step == 5:
            (ckpt / "checkpoint-4" / "trainer_state.json").unlink()  # as if killed mid-save
            raise RuntimeError("simulated kill")

    with pytest.raises(RuntimeError, match="simulated kill"):
        train_adapter(TINY, LORA, train, pairs, tmp_path / "a1", cache, checkpoint_dir=ckpt,
                      callbacks=[_callback(crash)])
    m = train_adapter(TINY, LORA, train, pairs, tmp_path / "a2", cache, checkpoint_dir=ckpt)
    assert m["resumed_from_step"] == 2 and m["broken_checkpoints"] == ["checkpoint-4"]
    assert m["steps"] == 6
    # whole-run figures, not only the four resumed steps'
    assert m["train_loss"] == pytest.approx(whole["train_loss"], abs=1e-5)  # resumed part alone: 6e-4 off
    assert m["tokens_seen"] == whole["tokens_seen"]


def test_cpt_phase_then_sft_gives_one_adapter(cache: Path, pairs: Path, tmp_path: Path) -> None:
    texts = ["Acme was founded by Ada Lovelace in Paris. Acme sells rocket skates. " * 6] * 8
    cpt = TRAIN["cpt"] | {"enabled": True, "max_steps": 3, "learning_rate": 1e-3, "max_length": 64}
    out = tmp_path / "adapter"
    m = train_adapter(TINY, LORA, TRAIN | {"cpt": cpt}, pairs, out, cache, cpt_texts=texts)
    assert m["cpt_steps"] == 3 and math.isfinite(m["cpt_loss"]) and m["cpt_docs"] == 8
    assert m["steps"] == TRAIN["max_steps"]
    assert sorted(p.name for p in out.glob("adapter_*")) == ["adapter_config.json",
                                                            "adapter_model.safetensors"]
    assert not [p for p in out.iterdir() if p.is_dir()]  # no second adapter folder
    assert json.loads((out / "adapter_config.json").read_text())["r"] == LORA["r"]
    with pytest.raises(ValueError, match="cpt"):
        train_adapter(TINY, LORA, TRAIN | {"cpt": cpt}, pairs, tmp_path / "b", cache, cpt_texts=[])


def test_rocm_shims_only_when_pieces_are_missing(monkeypatch: pytest.MonkeyPatch, cache: Path,
                                                 pairs: Path, tmp_path: Path) -> None:
    import torch

    assert apply_if_needed() == []  # a healthy torch is left alone
    dist = torch.distributed
    # Simulate a ROCm Windows build: no distributed backend, DTensor fails to import.
    monkeypatch.setattr(dist, "is_available", lambda: False)
    for name in ("is_initialized", "get_rank", "get_world_size", "barrier"):
        monkeypatch.delattr(dist, name)
    for mod in ("torch.distributed.tensor", "torch.distributed._tensor"):
        monkeypatch.setitem(sys.modules, mod, None)  # `import` now raises ImportError
    with pytest.raises(ImportError):
        from torch.distributed.tensor import DTensor  # noqa: F401

    applied = apply_if_needed()
    assert "torch.distributed.is_initialized" in applied
    assert "torch.distributed.tensor.DTensor" in applied
    assert dist.is_initialized() is False and dist.get_world_size() == 1 and dist.get_rank() == 0
    from torch.distributed.tensor import DTensor

    assert not isinstance(torch.zeros(1), DTensor)
    assert apply_if_needed() == []  # idempotent
    # and single-device training still works under the simulated build
    m = train_adapter(TINY, LORA, TRAIN | {"max_steps": 2}, pairs, tmp_path / "a", cache)
    assert m["steps"] == 2 and (tmp_path / "a" / "adapter_model.safetensors").is_file()


def test_model_lora_pair_config_composes(make_cfg) -> None:
    pair = make_cfg("model=tiny-random", "lora=attention")
    assert list(pair.lora.target_modules) == ["q_proj", "v_proj"]  # model_lora/tiny-random_attention
    no_pair = make_cfg("model=smollm2-135m", "lora=attention")  # optional: no file, no error
    assert list(no_pair.lora.target_modules) == ["q_proj", "k_proj", "v_proj", "o_proj"]
    assert make_cfg("model=tiny-random").lora.target_modules == "all-linear"
    assert make_cfg("model=tiny-random", "lora=attention", "lora.r=4").lora.r == 4
