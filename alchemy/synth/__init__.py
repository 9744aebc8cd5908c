"""Synthesis: cleaned records -> grounded instruction/answer pairs.

offline.py, offline_rules.py   the default, rule-based generator (no network, deterministic)
chunker.py                     structure- and token-aware chunks with provenance
prompts.py                     prompt rendering (templates from synth.prompt), language
client.py, limits.py           one litellm call: deadline, retries, backoff, RPM/TPM, breaker
llm.py                         the asyncio pool over chunks: cache, budget, repair, feedback
callcache.py                   per-call reply cache (SQLite), survives kill -9
validate.py, grounding.py      every reply parsed and every pair checked, reasons counted
cost.py                        litellm's offline price and tokenizer tables
dataset.py, pipeline.py        split by document, near-duplicate removal; the stage's LLM path

Nothing here imports litellm at module level: the offline path never loads it.
"""
