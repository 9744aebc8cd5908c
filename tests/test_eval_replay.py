"""The base side's fact replies are replayed from the cache only when nothing changed."""

from __future__ import annotations

import json

import pytest

pytest.importorskip("torch")


def test_replies_are_computed_once_then_replayed(tmp_path) -> None:
    from alchemy.eval.replay import replay

    calls: list[int] = []

    def answer() -> dict[str, list[str]]:
        calls.append(1)
        return {"closed": ["8443"]}

    assert replay(tmp_path, "k1", answer) == {"closed": ["8443"]}
    assert replay(tmp_path, "k1", answer) == {"closed": ["8443"]} and len(calls) == 1
    (tmp_path / "answers" / "k1.json").write_text("{broken")
    assert replay(tmp_path, "k1", answer) == {"closed": ["8443"]} and len(calls) == 2
    assert json.loads((tmp_path / "answers" / "k1.json").read_text()) == {"closed": ["8443"]}
    assert replay(tmp_path, "k2", answer) and len(calls) == 3  # another key: computed


def test_the_key_covers_prompts_settings_and_base_weights_but_not_lora() -> None:
    import torch

    from alchemy.eval.replay import key

    model = torch.nn.Linear(3, 3)
    base = key(model, "cpu", {"name": "m"}, {"max_new_tokens": 8}, [["Q?"]])
    assert base == key(model, "cpu", {"name": "m"}, {"max_new_tokens": 8}, [["Q?"]])
    assert base != key(model, "cpu", {"name": "m"}, {"max_new_tokens": 8}, [["Other?"]])
    assert base != key(model, "cpu", {"name": "m"}, {"max_new_tokens": 9}, [["Q?"]])
    model.register_parameter("lora_A", torch.nn.Parameter(torch.ones(2)))
    assert key(model, "cpu", {"name": "m"}, {"max_new_tokens": 8}, [["Q?"]]) == base
    with torch.no_grad():
        model.weight[0, 0] += 1.0
    assert key(model, "cpu", {"name": "m"}, {"max_new_tokens": 8}, [["Q?"]]) != base
