"""Merging an adapter: the merged folder reproduces base + adapter, and a mismatch fails loudly."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("trl")

from alchemy.export import ExportMismatchError, merge_and_verify  # noqa: E402
from tests.test_train import LORA, TINY, TRAIN, _write_pairs  # noqa: E402

PROMPTS = ["Who founded Acme?", "Where is Acme based?"]


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    from alchemy.train.sft import train_adapter

    root = tmp_path_factory.mktemp("export")
    pairs = _write_pairs(root / "sft_train.jsonl", 16)
    train = TRAIN | {"max_steps": 6, "learning_rate": 1e-2}
    train_adapter(TINY, LORA, train, pairs, root / "adapter", root / "cache")
    return root / "adapter", root / "cache"


def test_merged_equals_unmerged(trained: tuple[Path, Path], tmp_path: Path) -> None:
    import torch
    from transformers import AutoModelForCausalLM

    from alchemy.train.models import resolve_model

    adapter, cache = trained
    check = merge_and_verify(TINY, cache, adapter, tmp_path / "merged", PROMPTS)
    assert check["greedy_text_identical"] and check["max_abs_logit_diff"] <= 1e-3
    assert check["prompts"] == 2 and check["dtype"] == "float32"
    assert not (tmp_path / "merged" / "adapter_config.json").exists()
    # the merge really changed the weights: merged != base, so the check is not vacuous
    base = AutoModelForCausalLM.from_pretrained(resolve_model(TINY, cache))
    merged = AutoModelForCausalLM.from_pretrained(tmp_path / "merged")
    ids = torch.tensor([[1, 5, 9, 13]])
    with torch.inference_mode():
        assert (base(ids).logits - merged(ids).logits).abs().max() > 1e-3


def test_mismatch_fails_with_the_difference(trained: tuple[Path, Path], tmp_path: Path) -> None:
    adapter, cache = trained
    with pytest.raises(ExportMismatchError, match=r"max \|logit diff\|"):
        merge_and_verify(TINY, cache, adapter, tmp_path / "merged", PROMPTS[:1], atol=-1.0)
