"""Secret and PII masking in two phases, so any number of workers give byte-identical output.

Placeholders are numbered by first appearance in the id-sorted output (``<EMAIL_1>``,
``<EMAIL_2>``), and the same value gets the same placeholder in every record of a run. If
workers numbered values themselves, the numbers would depend on which process saw a value
first. So masking is split:

Phase 0, on the driver: collect the names that structured data gives, from every record,
and build one context (config + a per-run HMAC key + those names)::

    people = collect_people(rec.meta for rec in records)   # or stream metas; a sorted list
    ctx = SanitizeContext(cfg.sanitizer, people)           # picklable: plain data only

Phase 1, anywhere, in parallel, in any order (multiprocessing pool, Spark ``mapInArrow``)::

    result = ctx.sanitize_record(rec)   # -> Phase1(record | None, counts by type, leak findings)

Each value becomes an opaque token ``\\ue000TYPE:<hmac>\\ue001`` (keyed HMAC of type and
value, so the same value gives the same token everywhere and nothing is brute-forceable from
it). ``record`` is None when ``mode=drop_record`` dropped it. The leak gate has already
scanned the result (``leaks``: rule or type names, never values). Detectors and scanners are
built lazily once per process, so pickling ``ctx`` is cheap.

Dedup may run on phase-1 text (the same value always gives the same token), so that only
kept records are numbered. Phase 2, sequentially, over the kept records in id order::

    numberer = Numberer(ctx.mode)
    for rec in records_sorted_by_id:
        rec = numberer.record(rec)      # tokens -> <TYPE_n> (or <TYPE> when mode=redact)

Phase 2 is a regex substitution (hundreds of MB/s), holds only digests, and its output holds
no digest. Distributed form (Spark): collect ``Numberer.tokens_in_order(rec)`` per record,
order by record id, ``Numberer(mode).learn(...)`` on the driver, broadcast it; ``record()`` is
then a pure lookup that runs in parallel.

``SanitizeStats`` sums phase-1 results (``add``, ``merge`` across workers) into the clean
stage's report.json figures: masks by type and by source, leak-gate findings by type with
record ids. ``Sanitizer`` runs both phases in one process (call order = numbering order).
"""

from alchemy.sanitize.context import Phase1, SanitizeContext
from alchemy.sanitize.masker import Sanitizer, SanitizeStats
from alchemy.sanitize.names import collect_people, people_of
from alchemy.sanitize.tokens import Numberer

__all__ = [
    "Numberer",
    "Phase1",
    "SanitizeContext",
    "SanitizeStats",
    "Sanitizer",
    "collect_people",
    "people_of",
]
