"""Token F1 and ROUGE-L on strings whose scores are known by hand (SQuAD / rouge-score rules)."""

from __future__ import annotations

import math

import pytest

from alchemy.eval.metrics import lcs_length, mean, rouge_l, token_f1, tokens


def test_normalisation_drops_case_punctuation_and_articles() -> None:
    assert tokens("The Ledger-Service, on port 8443!") == ["ledger", "service", "on", "port", "8443"]


def test_token_f1_known_values() -> None:
    assert token_f1("The port is 8443.", "port 8443") == pytest.approx(0.8)  # p 2/3, r 1
    assert token_f1("a b c", "c b a") == 1.0  # a bag of words: order does not matter
    assert token_f1("x y", "z") == 0.0
    assert token_f1("", "") == 1.0 and token_f1("", "something") == 0.0
    # duplicates count at most as often as in the reference
    assert token_f1("go go go", "go now") == pytest.approx(2 * (1 / 3) * 0.5 / (1 / 3 + 0.5))


def test_rouge_l_known_values() -> None:
    # articles are dropped: LCS of [police kill gunman] and [police killed gunman] is 2 of 3
    assert rouge_l("police kill the gunman", "police killed the gunman") == pytest.approx(2 / 3)
    assert rouge_l("the gunman police killed", "police killed the gunman") == pytest.approx(2 / 3)
    assert rouge_l("w x y z", "w x y z") == 1.0
    assert rouge_l("z y x w", "w x y z") == pytest.approx(0.25)  # order matters, unlike F1
    assert token_f1("z y x w", "w x y z") == 1.0
    assert lcs_length(list("abcbdab"), list("bdcaba")) == 4
    assert rouge_l("", "x") == 0.0


def test_mean_of_nothing_is_nan() -> None:
    assert math.isnan(mean([])) and mean([1.0, 2.0]) == 1.5
