"""Retrieval over the clean corpus: passages with provenance, a BM25 (or dense) index, prompts."""
