"""A tiny randomly initialised Llama with an offline-trained tokenizer (``model=tiny-random``).

Tests and smoke runs need a real causal LM that builds in seconds with no network: a small
byte-level BPE trained on the fixed text below (so every byte is encodable and the build is
deterministic), and a 2-layer Llama initialised from a fixed seed.
"""

from __future__ import annotations

from pathlib import Path

SPECIAL_TOKENS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>", "<pad>"]
VOCAB_SIZE = 768
SEED = 1234

# Plain English in the shape of the data we train on: questions, answers, engineering prose.
_TEXT = """\
The quick brown fox jumps over the lazy dog. A journey of a thousand miles begins with one step.
What is the name of the team that owns the payment service? The payments team owns it.
How do I deploy a new version of the service? Open a pull request, wait for the checks to pass,
and merge it into the main branch. The pipeline builds the image and deploys it to staging first.
Who should I contact about an outage? Page the engineer on call and open an incident ticket.
Where is the documentation for the internal API? It lives on the engineering wiki under Services.
Our company builds software for hospitals, banks and small shops across many countries.
Every release is reviewed by two engineers, tested in staging and announced in the team channel.
The database is backed up every night, and backups are kept for thirty days in another region.
Please write clear commit messages: say what changed and why, in the present tense.
When a customer reports a bug, we reproduce it, write a failing test, fix it and ship the fix.
The assistant answers questions about the company, its products, its processes and its people.
I am a helpful assistant. You are a helpful assistant. We are happy to help you with your question.
Yes, that is correct. No, that is not how it works. It depends on the configuration of the system.
Monday, Tuesday, Wednesday, Thursday, Friday, Saturday and Sunday are the days of the week.
One, two, three, four, five, six, seven, eight, nine, ten, eleven, twelve, twenty, hundred.
January, February, March, April, May, June, July, August, September, October, November, December.
The configuration file sets the timeout, the number of retries and the log level of the service.
Errors are logged with a request id so that support can trace a failed call from end to end.
In a chat, the system sets the rules, the user asks and the assistant answers, turn by turn.
"""


def build_tokenizer():  # noqa: ANN201 - a transformers tokenizer, lazily imported
    """Train the byte-level BPE on the built-in text and wrap it for transformers."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    bpe = Tokenizer(models.BPE())
    bpe.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    bpe.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=VOCAB_SIZE,
        min_frequency=2,
        special_tokens=SPECIAL_TOKENS,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    bpe.train_from_iterator(_TEXT.splitlines() * 4, trainer=trainer)
    return PreTrainedTokenizerFast(
        tokenizer_object=bpe,
        bos_token="<|im_start|>",
        eos_token="<|im_end|>",
        unk_token="<|endoftext|>",
        pad_token="<pad>",
        model_max_length=512,
    )


def build_tiny_random(out: Path) -> None:
    """Write a tiny Llama + tokenizer to `out` (chat template is set by the caller)."""
    import torch
    from transformers import GenerationConfig, LlamaConfig, LlamaForCausalLM

    tokenizer = build_tokenizer()
    ids = tokenizer.convert_tokens_to_ids
    config = LlamaConfig(
        vocab_size=len(tokenizer),
        hidden_size=64,
        intermediate_size=128,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=512,
        bos_token_id=ids("<|im_start|>"),
        eos_token_id=ids("<|im_end|>"),
        pad_token_id=ids("<pad>"),
        tie_word_embeddings=False,
    )
    torch.manual_seed(SEED)
    model = LlamaForCausalLM(config)
    model.generation_config = GenerationConfig(
        bos_token_id=config.bos_token_id,
        eos_token_id=config.eos_token_id,
        pad_token_id=config.pad_token_id,
    )
    model.save_pretrained(out)
    tokenizer.save_pretrained(out)
