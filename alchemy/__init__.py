"""alchemy: turn a company's own knowledge into a fine-tuned LoRA adapter."""

__version__ = "0.1.0"
