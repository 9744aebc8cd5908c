"""Training throughput: alchemy's train_adapter vs a plain TRL SFTTrainer script, TRL's loss, packing.

Same model, data, LoRA and SFT settings; each variant runs in its own process so peak memory
(max RSS on CPU, max allocated on CUDA) is its own. Tokens/s counts real (non-pad) tokens of the
examples the steps consumed, measured after one warm-up step.

    python -m benchmarks.train_bench                      # model=tiny-random, seconds
    python -m benchmarks.train_bench --model smollm2-135m --steps 6
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from omegaconf import OmegaConf

from alchemy.config import LoraConfig, ModelConfig, TrainConfig, schema_dict

ROOT = Path(__file__).resolve().parent.parent
VARIANTS = ("alchemy", "plain-trl", "alchemy-trl-loss", "alchemy-packing")


def _pairs(path: Path, n: int = 64) -> Path:
    """Chat pairs of varied length, like the synth stage's (short questions, longer answers)."""
    with path.open("w", encoding="utf-8") as fh:
        for i in range(n):
            answer = " ".join(f"The service number {i} listens on port {8000 + i}." for _ in
                              range(1 + i % 6))
            msgs = [{"role": "user", "content": f"Which port does service {i} use?"},
                    {"role": "assistant", "content": answer}]
            fh.write(json.dumps({"messages": msgs}) + "\n")
    return path


def _cfgs(model: str) -> tuple[dict, dict, dict]:
    """The sections train_adapter gets: the schema's defaults with the model option's values and
    the plain-TRL variant's settings (random batches, no checkpoints)."""
    option = OmegaConf.to_container(OmegaConf.load(ROOT / "conf" / "model" / f"{model}.yaml"))
    model_cfg = schema_dict(ModelConfig, **option)  # type: ignore[arg-type]
    lora = schema_dict(LoraConfig, r=16, alpha=32, dropout=0.0)
    train = schema_dict(TrainConfig, per_device_train_batch_size=4, learning_rate=2e-4, max_length=256,
                        logging_steps=1, device="auto", precision="auto", save_steps=0,
                        resume="never", sampling="random", gradient_accumulation_steps=1)
    return model_cfg, lora, train


def _worker(variant: str, model: str, steps: int, work: Path) -> dict:
    import torch

    from alchemy.train.data import read_chats
    from alchemy.train.loading import load_base
    from alchemy.train.sft import train_adapter

    model_cfg, lora, train = _cfgs(model)
    train |= {"max_steps": steps, "packing": variant == "alchemy-packing",
              "lean_loss": variant != "alchemy-trl-loss"}
    data = _pairs(work / "sft_train.jsonl")
    cache = work / "cache"
    start = time.perf_counter()
    if variant == "plain-trl":
        from datasets import Dataset
        from peft import LoraConfig
        from trl import SFTConfig, SFTTrainer

        m, tok = load_base(model_cfg, cache, "cpu" if not torch.cuda.is_available() else "cuda",
                           "fp32" if not torch.cuda.is_available() else "bf16")
        ds = Dataset.from_list([{"messages": c} for c in read_chats(data)])
        args = SFTConfig(output_dir=str(work / "out"), max_steps=steps, max_length=256,
                         per_device_train_batch_size=4, learning_rate=2e-4, logging_steps=1,
                         assistant_only_loss=True, report_to="none", save_strategy="no",
                         bf16=torch.cuda.is_available(), use_cpu=not torch.cuda.is_available())
        peft = LoraConfig(r=16, lora_alpha=32, lora_dropout=0.0, target_modules="all-linear",
                          task_type="CAUSAL_LM")
        trainer = SFTTrainer(model=m, args=args, train_dataset=ds, processing_class=tok,
                             peft_config=peft)
        t0 = time.perf_counter()
        trainer.train()
        seconds = time.perf_counter() - t0
        tokens = max(h.get("num_tokens", 0) for h in trainer.state.log_history)
    else:
        metrics = train_adapter(model_cfg, lora, train, data, work / "adapter", cache)
        seconds, tokens = metrics["train_seconds"], metrics["tokens_seen"]
    peak = (torch.cuda.max_memory_allocated() / 2**20 if torch.cuda.is_available()
            else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    return {"variant": variant, "steps": steps, "seconds": round(seconds, 2),
            "tokens": tokens, "tokens_per_s": round(tokens / seconds, 1),
            "peak_mb": round(peak, 1), "total_seconds": round(time.perf_counter() - start, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="tiny-random")
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--worker", choices=VARIANTS)
    args = parser.parse_args()
    if args.worker:
        with tempfile.TemporaryDirectory() as tmp:
            print(json.dumps(_worker(args.worker, args.model, args.steps, Path(tmp))))
        return
    rows = []
    for variant in VARIANTS:
        out = subprocess.run([sys.executable, "-m", "benchmarks.train_bench", "--worker", variant,
                              "--model", args.model, "--steps", str(args.steps)],
                             capture_output=True, text=True, cwd=ROOT, check=True)
        rows.append(json.loads(out.stdout.strip().splitlines()[-1]))
        print(json.dumps(rows[-1]))
    base = next(r for r in rows if r["variant"] == "plain-trl")
    for r in rows:
        print(f"{r['variant']:16} {r['tokens_per_s']:>9} tok/s  {r['peak_mb']:>8} MB peak  "
              f"ratio vs plain TRL {r['tokens_per_s'] / base['tokens_per_s']:.2f}")
    print("tokens = real (non-pad) tokens TRL counted; packing fills each row up to max_length")


if __name__ == "__main__":
    main()
