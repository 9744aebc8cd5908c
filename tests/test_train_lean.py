"""The lean loss: the same number, and the same gradients, as TRL's fused head."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")


def test_lean_loss_matches_trl_on_a_real_batch(tmp_path) -> None:
    from datasets import Dataset
    from peft import LoraConfig
    from transformers import AutoModelForCausalLM, AutoTokenizer
    from trl import SFTConfig, SFTTrainer

    from alchemy.train.chat_templates import set_chat_template
    from alchemy.train.lean import lean_trainer_class
    from alchemy.train.tiny import build_tiny_random

    build_tiny_random(tmp_path / "m")
    rows = [{"messages": [{"role": "user", "content": f"Which port does service {i} use?"},
                          {"role": "assistant", "content": f"Service {i} listens on {8000 + i}."
                           * (1 + i % 3)}]} for i in range(8)]
    losses, grads = [], []
    for cls in (SFTTrainer, lean_trainer_class()):
        torch.manual_seed(0)
        model = AutoModelForCausalLM.from_pretrained(tmp_path / "m")
        tok = AutoTokenizer.from_pretrained(tmp_path / "m")
        tok.pad_token = tok.pad_token or tok.eos_token
        set_chat_template(tok, "chatml", "")
        args = SFTConfig(output_dir=str(tmp_path / "out"), per_device_train_batch_size=8,
                         max_length=64, assistant_only_loss=True, report_to="none",
                         use_cpu=True, save_strategy="no")
        peft = LoraConfig(r=4, lora_alpha=8, target_modules="all-linear", task_type="CAUSAL_LM",
                          init_lora_weights=False)
        trainer = cls(model=model, args=args, train_dataset=Dataset.from_list(rows),
                      processing_class=tok, peft_config=peft)
        batch = next(iter(trainer.get_train_dataloader()))
        assert "attention_mask" in batch and (batch["labels"] == -100).any()
        trainer.model.train()
        loss = trainer.compute_loss(trainer.model, dict(batch))
        loss.backward()
        losses.append(loss.item())
        grads.append(torch.cat([p.grad.flatten() for n, p in trainer.model.named_parameters()
                                if p.requires_grad and p.grad is not None]))
        assert trainer._metrics["train"]["mean_token_accuracy"]
    assert losses[0] == pytest.approx(losses[1], rel=1e-4)
    assert torch.allclose(grads[0], grads[1], rtol=1e-3, atol=1e-6)
