"""An OpenAI-compatible chat endpoint over base + adapter, grounded in the index."""
