"""Record functions every engine shares, so Python and Spark give byte-identical output.

text.py (normalise, truncate, exact keys), boilerplate.py (signatures, "Sent from...", bot
comments), quality.py (length, symbol ratio, repeated lines, language), minhash.py
(datasketch-compatible MinHash and LSH band keys, batched), dedup.py (the one definition of
exact/near duplicates), pipeline.py (the per-record steps in order), options.py (settings).
"""
