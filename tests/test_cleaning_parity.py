"""The clean pass's fast paths give what the plain definitions give, byte for byte.

Each fast path (one split per record, tokens put back into a canonical form, the ASCII JSON
encoder, C-speed pre-checks in ``normalise`` and ``strip_boilerplate``, the batch MinHash) is
compared with the plain definition it replaces, on random text full of odd whitespace, case,
escapes and tokens.
"""

from __future__ import annotations

import json
import random
import re
import string
import sys
import unicodedata
from collections import Counter
from dataclasses import replace

import numpy as np
import pytest

from alchemy.cleaning import boilerplate, minhash
from alchemy.cleaning.boilerplate import strip_boilerplate
from alchemy.cleaning.options import CleanOptions, clean_options, lsh_setup
from alchemy.cleaning.pipeline import _masked_key, encode, phase1_batch
from alchemy.cleaning.quality import char_counts, quality_reason, repeated_line_ratio
from alchemy.cleaning.text import exact_key, normalise
from alchemy.config import CleanConfig, SanitizerConfig, schema_dict
from alchemy.records import Record
from alchemy.sanitize import SanitizeContext
from alchemy.sanitize.tokens import CLOSE, OPEN, render, token

OPTS = clean_options(schema_dict(CleanConfig))  # the default clean settings, as the engines get them

ODD = ["\t", "\n", "\n\n\n", "\r", "\r\n", "\x0b", "\x0c", "\x1c", "\x1f", "\x7f", "\x00", "\x85", "\u00a0",
       "\u2003", "\u3000", "\u200b", "\u2028", "\ufeff", "😀", "\\", "\\u", '"', "<", ">", "<person>", "<b>",
       "Σ", "ΑΣ", "İ", "\u212a", "ß", "ﬁ", "e\u0301", "é", "::", "!!", "##", " ", "  ", " \n", "\t\n",
       OPEN, CLOSE]
FIELDS = tuple(Record.__dataclass_fields__)
WORDS = "the ledger Service RETRIES every Request twice before paging on-call thanks best regards".split()
TOKENS = [token(b"k", "PERSON", "Ann"), token(b"k", "EMAIL", "a@b.c"), token(b"k", "AWS_KEY", "x"),
          OPEN + "Person:" + "ab" * 16 + CLOSE, OPEN + "EMAIL:" + "AB" * 16 + CLOSE]


def _text(r: random.Random, n: int = 40) -> str:
    out = []
    for _ in range(r.randint(0, n)):
        x = r.random()
        out.append(r.choice(WORDS) if x < 0.6 else r.choice(ODD) if x < 0.85 else
                   r.choice(TOKENS) if x < 0.95 else "".join(r.choices(string.printable, k=5)))
        out.append(r.choice([" ", " ", " ", "", "\n", "  "]))
    return "".join(out)


def _texts(seed: int, count: int = 400) -> list[str]:
    r = random.Random(seed)
    return [_text(r, r.choice([3, 40, 200])) for _ in range(count)]


def test_lower_case_never_moves_whitespace() -> None:
    """Why one split serves both ``len(text.split())`` and ``text.lower().split()``."""
    for cp in range(sys.maxunicode + 1):
        c = chr(cp)
        low = c.lower()
        assert low and all(x.isspace() == c.isspace() for x in low), hex(cp)


def _old_char_counts(text: str) -> tuple[int, int]:
    space = sum(1 for c in text if c.isspace() and (not c.isascii() or c in string.whitespace))
    return sum(map(str.isalnum, text)), space


def _old_repeated(text: str) -> float:
    lines = [x for x in (x.strip() for x in text.split("\n")) if len(x) >= 4]
    return 0.0 if len(lines) < 4 else sum(n - 1 for n in Counter(lines).values()) / len(lines)


@pytest.mark.parametrize("opts", [OPTS, replace(OPTS, min_chars=1, min_words=1, languages=("en",)),
                                  replace(OPTS, min_chars=1, min_words=30, max_symbol_ratio=0.1)])
def test_quality_with_shared_words_is_quality(opts: CleanOptions) -> None:
    for text in _texts(1):
        assert char_counts(text) == _old_char_counts(text)
        assert repeated_line_ratio(text) == _old_repeated(text)
        assert quality_reason(text, opts, text.lower().split()) == quality_reason(text, opts)


def _old_normalise(text: str) -> str:
    if not text.isascii():
        text = unicodedata.normalize("NFC", text).replace("\u00a0", " ")
        text = re.sub(r"[\u200b\u200c\u200d\u2060\ufeff\u00ad]", "", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", "", text)
    return re.sub(r"\n{3,}", "\n\n", re.sub(r"[ \t]+\n", "\n", text)).strip()


def test_normalise_prechecks_change_nothing() -> None:
    for text in _texts(2) + ["a \t \nb", "a\r\r\n\n\nb", "\x00\n \n\t\n\n", "x\ud83d"]:
        assert normalise(text) == _old_normalise(text)


def test_encode_is_json_dumps() -> None:
    r = random.Random(3)
    for text in _texts(3):
        meta = {"people": [r.choice(TOKENS), r.choice(ODD)], "n": r.random(), "k": None}
        rec = Record("a:1", "a", "x", r.choice(ODD + WORDS), text, meta=meta if r.random() < 0.5 else {})
        plain = json.dumps({f: getattr(rec, f) for f in FIELDS}, ensure_ascii=False)
        assert encode(rec) == plain


def test_exact_key_from_the_shown_canonical_form() -> None:
    for text in _texts(4) + ["ΑΣ" + TOKENS[0] + "Σ x", "x <email> " + TOKENS[1], TOKENS[0] + ">" + TOKENS[2]]:
        shown = render(text)
        assert _masked_key(text, shown, " ".join(shown.lower().split())) == exact_key(text)


def test_disclaimer_words_skip_only_what_cannot_match(monkeypatch) -> None:
    r = random.Random(7)
    tails = ["This email and any attachments are CONFIDENTIAL.", "If you are not the intended\nrecipient",
             "this message is privıleged", "Please consider the environment before printing", "Kind\nAnn"]
    texts = [f"{t}\n\nBest regards,\n{r.choice(tails)}\n\n{r.choice(tails)}" for t in _texts(7, 200)]
    fast = [strip_boilerplate(t) for t in texts]
    monkeypatch.setattr(boilerplate, "_DISCLAIMER_WORDS", ("",))  # "" is in every text: always search
    assert [strip_boilerplate(t) for t in texts] == fast
    assert sum(n > 2 for _, n in fast) > 50


def test_fold_letters_are_all_non_ascii_letters_that_ignorecase_maps_to_ascii() -> None:
    letters = re.compile("|".join(string.ascii_lowercase), re.I)
    found = {cp for cp in range(128, sys.maxunicode + 1) if letters.match(chr(cp))}
    assert found == {ord(c) for c in "\u0130\u0131\u017f\u212a"}
    assert all(boilerplate._FOLDS.match(chr(cp)) for cp in found)


def _perms() -> tuple[np.ndarray, np.ndarray]:
    _, _, a, b = lsh_setup(0.8, 128, 1)
    return np.array(a, np.uint32), np.array(b, np.uint32)


def test_batch_minhash_is_per_shingle_minhash(monkeypatch) -> None:
    from datasketch import MinHash

    monkeypatch.setattr(minhash, "_MAX_WORDS", 50)  # the word cache is emptied mid-batch too
    a, b = _perms()
    texts = _texts(5, 60)
    sig = minhash.signatures(texts, 5, a, b)
    assert np.array_equal(minhash.word_signatures([t.lower().split() for t in texts], 5, a, b), sig)
    for text, row in zip(texts, sig, strict=True):
        words = text.lower().split()
        ref = MinHash(num_perm=128, seed=1, hashfunc=minhash.shingle_hash)
        if words:
            ref.update_batch([tuple(words[i:i + 5]) for i in range(len(words) - 4)] or [tuple(words)])
        assert np.array_equal(ref.hashvalues, row)


def _reference_phase1(ctx: SanitizeContext, opts: CleanOptions, rows: list[str]) -> tuple:
    """phase1_batch's results by the plain definitions: every step on its own text."""
    p1s, reasons, keys, shown_all = [], [], [], []
    for row in rows:
        masked = ctx.sanitize_record(Record.from_dict(json.loads(row))).record
        masked.text, removed = strip_boilerplate(masked.text)
        shown = render(masked.text)
        reason = quality_reason(shown, opts)
        reason = "boilerplate" if removed and reason in ("too_short", "too_few_words") else reason
        p1s.append(json.dumps({f: getattr(masked, f) for f in FIELDS}, ensure_ascii=False))
        reasons.append(reason)
        keys.append(exact_key(masked.text))
        shown_all.append(shown)
    kept = [i for i, r in enumerate(reasons) if r is None]
    sigs = minhash.signatures([shown_all[i] for i in kept], opts.shingle, *opts.permutations())
    return p1s, reasons, keys, kept, sigs


@pytest.mark.parametrize("enabled", [False, True])
def test_phase1_batch_matches_the_plain_steps(enabled: bool) -> None:
    bands, rows_, a, b = lsh_setup(0.8, 128, 1)
    opts = replace(OPTS, bands=bands, rows=rows_, perm_a=a, perm_b=b, min_chars=10, min_words=3)
    scfg = schema_dict(SanitizerConfig, enabled=enabled, key_env="", leak_gate="none")
    ctx = SanitizeContext(scfg, ["Ann Lee"], key=b"k")
    r = random.Random(6)
    tails = ["", " Mail ann.lee@example.com or call +44 20 7946 0000.", "\n\nBest regards,\nAnn"]
    texts = [t + r.choice(tails) for t in _texts(6, 300)]
    rows = [encode(Record(f"a:{i}", "a", "x", "T", t, meta={"author": "Ann Lee"}))
            for i, t in enumerate(texts)]
    batch = phase1_batch(ctx, opts, rows)
    p1s, reasons, keys, kept, sigs = _reference_phase1(ctx, opts, rows)
    assert batch.p1 == p1s and batch.reasons == reasons and batch.keys.tolist() == [list(k) for k in keys]
    assert len(kept) > 100 and np.array_equal(batch.sigs[kept], sigs)
