"""Make ``unstructured`` safe to run offline: no telemetry, no model download.

unstructured 0.27 pings packages.unstructured.io on import (and runs ``nvidia-smi``) unless
DO_NOT_TRACK / SCARF_NO_ANALYTICS is set, prints a sales notice unless
UNSTRUCTURED_DISABLE_NOTICE=1, and on the first text classification downloads the spaCy
model en_core_web_sm from GitHub into site-packages (``unstructured.nlp.tokenize``), which
fails offline. The classifier only needs sentence splits, word tokens and "does this line
contain a verb?" (``text_type.contains_verb``), so when the model is not installed we hand it
a small offline pipeline instead: spaCy's English tokenizer, its rule-based sentencizer and
the verb tagger below, and we make the downloader refuse. On 458 elements of the sample and
shared documents it gives the same element category as en_core_web_sm for 96% (a blank spaCy
pipeline: 84%, with every verb-less paragraph of a .txt/.eml becoming a Title). With
en_core_web_sm installed (``python -m spacy download``) the real model is used instead.
"""

from __future__ import annotations

import functools
import os
import re
from typing import Any

ENV = {"DO_NOT_TRACK": "1", "SCARF_NO_ANALYTICS": "true", "UNSTRUCTURED_DISABLE_NOTICE": "1"}
MODEL = "en_core_web_sm"
_AUX = set("be is am are was were been being has have had having do does did done can could "
           "will would shall should may might must 's 're 'm 've 'll 'd ca wo need needs".split())
_SUBJECT = set("i you we they he she it this that these those which who there".split())
_BEFORE_BASE = _SUBJECT | _AUX | {"to", "please", "not", "n't", "never", "also", "then", "and", "or"}
_IRREGULAR = set("""became began bought brought built came chose did found gave got grew held kept
knew left lost made meant met paid ran rang said saw sent set shut spent stood took told thought
threw went won wrote broke fell""".split())
_ED_NOUNS = set("hundred speed feed seed bleed embed breed creed greed steed".split())
_NOT_VERB = set("the a an of in on at for from with by as and or but if so than into per via "
                "its their our your his her my no not all each every new".split())
# Verbs common in manuals, runbooks and mail (base forms); inflections are derived.
_VERBS = set("""accept access add adjust allow apply approve archive ask assign avoid back become
begin block break bring build call cause change check choose clean clear click close collect
commit compare configure confirm connect contact contain continue copy create deduct define delete
deliver deploy describe detect disable download drop edit enable ensure enter escalate expect
expire export fail fetch file find finish fix follow get give go grant handle happen help hold
ignore import include increase inform install introduce invoke keep know launch lead learn leave
let limit link list listen load lock log look lose make manage mark match mean merge migrate
miss monitor move need note notify offer open order own page pass pause pay pick place plan
point prefer prepare press prevent print process produce protect provide publish pull push put
reach read receive record reduce refer refresh reject release reload remain remember remove
rename replace reply report request require reset resolve respond restart restore resume retry
return review rotate run save say scale schedule see select send serve set share ship show shut
sign skip sort split start stay stop store submit support switch sync take tell test think
track trigger try turn type understand unlock update upgrade upload use validate verify view
wait want warn watch work write""".split())
_WORD = re.compile(r"[a-z]+(?:'[a-z]+)?$")


def prepare() -> None:
    """Set the opt-out switches, then fit the offline pipeline; call before partitioning."""
    for key, value in ENV.items():
        if not os.environ.get(key, "").strip():
            os.environ[key] = value
    from unstructured.nlp import tokenize  # imports unstructured: after the switches above

    if not has_model():
        tokenize._get_nlp = _offline_nlp
    tokenize._install_spacy_model = _refuse_download


def has_model() -> bool:
    """True when the real spaCy model is installed; unstructured then loads it locally."""
    import spacy.util

    return bool(spacy.util.is_package(MODEL))


def _refuse_download() -> None:
    raise RuntimeError(f"{MODEL} is not installed and alchemy never downloads at run time")


@functools.lru_cache(maxsize=1)
def _offline_nlp() -> Any:
    """spaCy's English tokenizer + rule-based sentencizer + the verb tagger: no weights."""
    import spacy
    from spacy.language import Language

    if "alchemy_verbs" not in Language.factories:
        Language.component("alchemy_verbs", func=_tag_verbs)
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    nlp.add_pipe("alchemy_verbs")
    return nlp


def _tag_verbs(doc: Any) -> Any:
    """Penn tags for what is very likely a verb ("VB*"), "NN" for the rest; context rules only."""
    for i, tok in enumerate(doc):
        prev, nxt = doc[i - 1].lower_ if i else "", doc[i + 1].lower_ if i + 1 < len(doc) else ""
        tok.tag_ = _tag(tok.lower_, prev, nxt, i == 0 or bool(tok.is_sent_start))
    return doc


def _tag(word: str, prev: str, nxt: str, first: bool) -> str:
    """One token's tag from the word and its neighbours: only "is there a verb?" matters."""
    if word in _AUX or (word == "n't" and prev):
        return "VBZ" if word in ("is", "has", "does", "'s") else "VB"
    if not _WORD.match(word) or word in _NOT_VERB:
        return "NN"
    if word in _IRREGULAR:
        return "VBD"
    if word in _VERBS:  # base form: imperative first word, or after a subject/aux/"to"
        return "VB" if first or prev in _BEFORE_BASE else "NN"
    if word.endswith("ed") and len(word) > 4 and word not in _ED_NOUNS:
        return "VBD"  # "generated", "rolled": past forms of any verb, known or not
    if _base(word) is None:
        return "NN"
    if word.endswith("ing"):
        return "VBG" if prev in _AUX or first else "NN"
    if prev in _SUBJECT or (prev and prev not in _NOT_VERB and nxt[:1].isalpha()):
        return "VBZ"  # "it listens", "the service stores data": not "emergency contacts"
    return "NN"


def _base(word: str) -> str | None:
    """The known verb that ``word`` inflects (-s, -es, -ed, -ing), else None."""
    for suffix, adds in (("ies", ("y",)), ("es", ("", "e")), ("s", ("",)), ("ied", ("y",)),
                         ("ed", ("", "e")), ("ing", ("", "e"))):
        if word.endswith(suffix) and len(word) > len(suffix) + 1:
            stem = word[: -len(suffix)]
            for add in adds:
                if stem + add in _VERBS:
                    return stem + add
            if len(stem) > 2 and stem[-1] == stem[-2] and stem[:-1] in _VERBS:
                return stem[:-1]  # stopped, running
    return None
