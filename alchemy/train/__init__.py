"""Model training: model resolution, chat templates, LoRA/SFT, evaluation and generation.

Import the submodules (``alchemy.train.sft`` ...) directly: they pull in torch and transformers,
which the data stages and ``alchemy --help`` must not pay for. This package file stays light.
"""

__all__ = [
    "chat_templates",
    "data",
    "device",
    "evaluate",
    "generate",
    "loading",
    "models",
    "sft",
    "tiny",
]
