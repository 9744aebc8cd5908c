"""Model training: model resolution and loading, chat templates, LoRA/SFT + CPT, generation.

Evaluation lives in :mod:`alchemy.eval`, the merged export in :mod:`alchemy.export`.

Import the submodules (``alchemy.train.sft`` ...) directly: they pull in torch and transformers,
which the data stages and ``alchemy --help`` must not pay for. This package file stays light.
"""

__all__ = [
    "chat_templates",
    "data",
    "device",
    "generate",
    "loading",
    "models",
    "sft",
    "tiny",
]
