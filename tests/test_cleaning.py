"""Record functions both engines share: MinHash (vs datasketch), filters, boilerplate, dedup."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

import numpy as np
import pytest

from alchemy.cleaning import dedup
from alchemy.cleaning.boilerplate import strip_boilerplate
from alchemy.cleaning.minhash import _CHUNK, band_keys, shingle_hash, signatures
from alchemy.cleaning.options import CleanOptions, clean_options, lsh_setup
from alchemy.cleaning.pipeline import phase1_batch, prepare
from alchemy.cleaning.quality import language, quality_reason, repeated_line_ratio
from alchemy.cleaning.text import exact_key
from alchemy.config import CleanConfig, SanitizerConfig, schema_dict
from alchemy.records import Record
from alchemy.sanitize import SanitizeContext
from alchemy.validate import validate
from tests.conftest import compose_cfg

TEXT = ("The ledger service stores journal entries in PostgreSQL and the gateway retries "
        "every request twice before it gives up and pages the on-call engineer")


def options(**clean: Any) -> CleanOptions:
    """The engines' CleanOptions for the schema's clean section with these values set."""
    return clean_options(schema_dict(CleanConfig, **clean))


OPTS = options()


def _perms(num_perm: int = 128, seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    _, _, a, b = lsh_setup(0.8, num_perm, seed)
    return np.array(a, np.uint32), np.array(b, np.uint32)


def test_signatures_are_datasketch_minhash_bit_for_bit() -> None:
    from datasketch import MinHash

    a, b = _perms()
    long_words = [f"w{i % 7919}" for i in range(_CHUNK + 500)]  # folded in over two blocks
    texts = [TEXT, "two words", "", TEXT.upper() + " extra", " ".join(long_words)]
    sig = signatures(texts, 5, a, b)
    for text, row in zip(texts, sig, strict=True):
        words = text.lower().split()
        ref = MinHash(num_perm=128, seed=1, hashfunc=shingle_hash)
        if words:
            shingles = [tuple(words[i:i + 5]) for i in range(len(words) - 4)] or [tuple(words)]
            ref.update_batch(shingles)
        assert np.array_equal(ref.hashvalues, row)
    assert (sig[2] == 0xFFFFFFFF).all()


def test_lsh_parameters_come_from_datasketch() -> None:
    from datasketch import MinHashLSH

    opts = options(near_dup={"threshold": 0.85, "num_perm": 64})
    lsh = MinHashLSH(threshold=0.85, num_perm=64)
    assert (opts.bands, opts.rows) == (lsh.b, lsh.r) and opts.need == 55
    with pytest.raises(ValueError, match="clean.near_dup.threshold"):  # before any stage
        validate(compose_cfg("clean.near_dup.threshold=1.5"))


@pytest.mark.parametrize("num_perm", [16, 64, 128, 200])
def test_band_split_and_permutations_are_datasketchs_without_importing_it(num_perm: int) -> None:
    """lsh_setup computes what datasketch computes (its import costs 0.4 s of every run)."""
    from datasketch import MinHash, MinHashLSH

    def outcome(fn: Any) -> Any:
        try:
            return fn()
        except ValueError:  # fewer than 2 bands: both refuse
            return "refused"

    def split(t: float) -> tuple[int, int]:
        lsh = MinHashLSH(threshold=t, num_perm=num_perm)
        return lsh.b, lsh.r

    for threshold in np.round(np.arange(0.05, 1.0, 0.05), 2):
        ref = outcome(lambda t=float(threshold): split(t))
        assert outcome(lambda t=float(threshold): lsh_setup(t, num_perm, 1)[:2]) == ref, threshold
    for seed in (1, 42):
        a, b = MinHash(num_perm=num_perm, seed=seed).permutations
        assert lsh_setup(0.8, num_perm, seed)[2:] == (tuple(map(int, a)), tuple(map(int, b)))
    with pytest.raises(ValueError, match="fewer than 2 LSH bands"):
        lsh_setup(1.0, num_perm, 1)


def test_band_keys_match_for_near_duplicates_only() -> None:
    a, b = _perms()
    near = TEXT.replace("twice", "three times")
    other = "A completely different runbook about payout scheduling windows and cron jobs in UTC"
    sig = signatures([TEXT, near, other], 5, a, b)
    keys = band_keys(sig, 9, 13)
    assert keys.dtype == np.int64 and keys.shape == (3, 9)
    assert np.count_nonzero(sig[0] == sig[1]) > np.count_nonzero(sig[0] == sig[2])
    assert not (keys[0] == keys[2]).any()
    assert np.array_equal(band_keys(sig, 9, 13), keys)  # a pure function


@pytest.mark.parametrize(("text", "reason"), [
    ("short", "too_short"),
    ("x" * 60, "too_few_words"),
    ("!!! ### $$$ %%% ^^^ &&& *** ((( ))) ___ +++ === ~~~ ??? " * 3 + "ok words here", "symbols"),
    ("\n".join(["same line again and again"] * 8 + ["one other line here"]), "repeated_lines"),
    (TEXT, None),
])
def test_quality_reasons(text: str, reason: str | None) -> None:
    assert quality_reason(text, OPTS) == reason


def test_language_check_is_optional_and_keeps_unknown() -> None:
    german = "Der Dienst ist nicht erreichbar und die Buchungen werden mit der Warteschlange " * 3
    assert language(german) == "de" and language(TEXT) == "en" and language("x = y + 1; z()") is None
    assert quality_reason(german, OPTS) is None
    assert quality_reason(german, replace(OPTS, languages=("en",))) == "language"
    code = "def f(x):\n    return x + 1  # code has no language"
    assert quality_reason(code, replace(OPTS, languages=("en",))) is None


def test_repeated_lines_ignores_short_lines() -> None:
    assert repeated_line_ratio("}\n}\n}\n}\nreal line one\nreal line two") == 0.0


def test_boilerplate_is_stripped() -> None:
    text = ("Restart the ledger pods after the migration finished.\n\n"
            "Best regards,\nPriya Raman\nSRE lead\n\n"
            "Sent from my iPhone\n\nThis email and any attachments are confidential and intended only "
            "for the addressee.")
    out, removed = strip_boilerplate(text)
    assert out == "Restart the ledger pods after the migration finished." and removed == 5
    pr = ("## Discussion\n\n**codecov[bot]** (2024-02-09):\n#### Coverage report\nAll lines covered\n\n"
          "**alice** (2024-02-10):\nShip it on Wednesday.\n\n## Reviews\n\nLooks good.")
    out, _ = strip_boilerplate(pr)
    assert "codecov" not in out and "Coverage" not in out and "Ship it on Wednesday." in out
    assert "Looks good." in out
    assert strip_boilerplate(TEXT) == (TEXT, 0)
    sig, n = strip_boilerplate("The runbook is in Confluence.\n--\nJonas\n+44 20 7946 0000")
    assert sig == "The runbook is in Confluence." and n == 3


def test_exact_key_is_case_and_space_insensitive() -> None:
    assert exact_key("Hello  World\n") == exact_key("hello world")
    assert exact_key("hello world") != exact_key("hello world!")


def test_prepare_replaces_lone_surrogates() -> None:
    rec = Record("a:1", "a", "x", "t\ud83d", "broken \ud83d emoji", meta={"who": ["x\udc00"]})
    out = prepare(rec, OPTS)
    assert out.text == "broken \ufffd emoji" and out.meta["who"] == ["x\ufffd"]


def test_phase1_batch_quarantines_a_poisoned_record() -> None:
    ctx = SanitizeContext(schema_dict(SanitizerConfig, key_env="", leak_gate="none",
                                      rules=[{"type": "POISON", "pattern": "POISON-PILL", "group": 3}]))
    from alchemy.cleaning.pipeline import encode

    rows = [encode(Record("a:1", "a", "x", "", TEXT)),
            encode(Record("a:2", "a", "x", "", TEXT + " POISON-PILL"))]
    batch = phase1_batch(ctx, OPTS, rows)
    assert batch.reasons == [None, "error"] and batch.p1[1] is None
    assert batch.quarantine == [{"source": "a", "path": "", "reason": "clean error: IndexError", "id": "a:2"}]


def test_greedy_near_resolution_only_drops_for_kept_records() -> None:
    # a~b, b~c, a!~c: b goes (dup of a); c stays, because its only similar record b was dropped
    assert dedup.resolve_near([("b", "c", 110), ("a", "b", 120)]) == {"b": ("a", 120)}
    # d is similar to two kept records: it is attributed to the smallest
    assert dedup.resolve_near([("c", "d", 120), ("a", "d", 110)]) == {"d": ("a", 110)}


def test_exact_groups_and_star_edges() -> None:
    keys = np.array([[1, 1], [2, 2], [1, 1], [1, 1], [3, 3]], np.int64)
    eligible = np.array([True, True, True, False, True])
    d, f = dedup.exact_groups(keys, eligible)
    assert d.tolist() == [2] and f.tolist() == [0]
    band = np.array([7, 5, 7, 7, 5], np.int64)
    edges = dedup.star_edges(band, np.array([0, 1, 2, 3, 4]))
    assert sorted(map(tuple, edges.tolist())) == [(0, 2), (0, 3), (1, 4)]
    sigs = np.array([[1, 2, 3], [0, 0, 0], [1, 2, 9], [1, 2, 3], [0, 0, 1]], np.uint32)
    assert sorted(dedup.verify(edges, sigs, need=2).tolist()) == [[0, 2, 2], [0, 3, 3], [1, 4, 2]]


@pytest.mark.parametrize("overrides,needle", [
    (["clean.near_dup.bands=20", "clean.near_dup.rows=10"], "exceeds clean.near_dup.num_perm (128)"),
    (["clean.near_dup.threshold=0.99", "clean.near_dup.num_perm=4"], "fewer than 2 LSH bands"),
])
def test_near_dup_settings_fail_before_any_stage(overrides: list[str], needle: str) -> None:
    from alchemy.errors import ConfigError

    with pytest.raises(ConfigError, match=re.escape(needle)):
        validate(compose_cfg(*overrides))
    validate(compose_cfg(*overrides, "clean.near_dup.enabled=false"))  # off: not checked
