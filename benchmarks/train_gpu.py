"""GPU budget check: TinyLlama-1.1B LoRA (the seed's setup) peak VRAM and tokens/s, seq 512/1024.

Runs alchemy's own train_adapter with conf/train/gpu-8gb.yaml (bf16/fp16, batch 2 x accumulation
8, gradient checkpointing, LoRA r16 on every linear layer) on examples long enough to fill each
sequence. Without ``--model-path`` (a local TinyLlama-1.1B-Chat folder) it uses a randomly
initialised Llama of TinyLlama's exact shape: memory and speed depend on the shape, not the
weights. Needs a CUDA/ROCm GPU; the seed claims 8 GB, the goal is <= 6 GB.

    python -m benchmarks.train_gpu [--model-path DIR] [--steps 10]
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

from omegaconf import OmegaConf

from alchemy.config import LoraConfig, TrainConfig, schema_dict

ROOT = Path(__file__).resolve().parent.parent
TINYLLAMA_SHAPE = dict(vocab_size=32000, hidden_size=2048, intermediate_size=5632,
                       num_hidden_layers=22, num_attention_heads=32, num_key_value_heads=4,
                       max_position_embeddings=2048, tie_word_embeddings=False)


def _random_tinyllama(dest: Path) -> Path:
    """A TinyLlama-shaped model with the offline tiny tokenizer (ids fit the vocab)."""
    from transformers import LlamaConfig, LlamaForCausalLM

    from alchemy.train.tiny import build_tokenizer

    tok = build_tokenizer()
    ids = tok.convert_tokens_to_ids
    cfg = LlamaConfig(**TINYLLAMA_SHAPE, bos_token_id=ids("<|im_start|>"),
                      eos_token_id=ids("<|im_end|>"), pad_token_id=ids("<pad>"))
    LlamaForCausalLM(cfg).save_pretrained(dest)
    tok.save_pretrained(dest)
    return dest


def _long_pairs(path: Path, words: int, n: int = 64) -> Path:
    with path.open("w", encoding="utf-8") as fh:
        for i in range(n):
            answer = " ".join(f"word{(i * 7 + j) % 500}" for j in range(words))
            msgs = [{"role": "user", "content": f"Tell me about item {i}."},
                    {"role": "assistant", "content": answer}]
            fh.write(json.dumps({"messages": msgs}) + "\n")
    return path


def main() -> None:
    import torch

    from alchemy.train.sft import train_adapter

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model-path", help="local TinyLlama-1.1B-Chat folder")
    parser.add_argument("--steps", type=int, default=10)
    args = parser.parse_args()
    if not torch.cuda.is_available():
        raise SystemExit("needs a CUDA/ROCm GPU (torch.cuda.is_available() is False)")
    # train=gpu-8gb as Hydra composes it: the schema's defaults, cpu-quick, then gpu-8gb
    options = [OmegaConf.load(ROOT / f"conf/train/{name}.yaml") for name in ("cpu-quick", "gpu-8gb")]
    for option in options:
        option.pop("defaults", None)
    train = schema_dict(TrainConfig, **OmegaConf.to_container(OmegaConf.merge(*options)))  # type: ignore[arg-type]
    lora = schema_dict(LoraConfig, **OmegaConf.to_container(OmegaConf.load(ROOT / "conf/lora/default.yaml")))  # type: ignore[arg-type]
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        path = args.model_path or str(_random_tinyllama(work / "tinyllama-shape"))
        model_cfg = {"name": "tinyllama-1.1b", "path": path, "gguf": None, "random_init": False,
                     "dtype": "auto", "chat_template": "zephyr" if args.model_path else "chatml",
                     "system_prompt": None}
        for seq in (512, 1024):
            torch.cuda.reset_peak_memory_stats()
            data = _long_pairs(work / f"pairs{seq}.jsonl", words=seq)  # truncated to seq
            m = train_adapter(model_cfg, lora, train | {"max_length": seq, "max_steps": args.steps,
                                                        "save_steps": 0, "resume": "never"},
                              data, work / f"adapter{seq}", work / "cache")
            peak = torch.cuda.max_memory_allocated() / 2**30
            print(json.dumps({"seq": seq, "peak_vram_gb": round(peak, 2),
                              "tokens_per_s": round(m["tokens_seen"] / m["train_seconds"], 1),
                              "seconds_per_step": m["seconds_per_step"],
                              "precision": m["precision"], "gpu": torch.cuda.get_device_name(0)}))


if __name__ == "__main__":
    main()
