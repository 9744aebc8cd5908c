"""Evidence selection: the reader sees the sentences that bear on the question, under their heading."""

from __future__ import annotations

from alchemy.retrieval.evidence import idf_table, select
from alchemy.retrieval.index import Index, build
from alchemy.retrieval.passages import Passage, passages


def _p(i: int, text: str) -> Passage:
    return Passage(f"doc:{i}#0", f"doc:{i}", "md", "page", f"Doc {i}", "", "", text)


PASSAGES = [
    _p(1, "# Orbit cache\nThe team meets on Tuesdays. orbit-cache listens on port 7311. "
          "Its logs go to the archive."),
    _p(2, "# Relay\nlunar-relay keeps logs for 9 days. The team meets on Fridays."),
    _p(3, "# Payments\nService: orbit-cache; Port: 7311; Language: Rust."),
]


def test_the_sentence_with_the_rare_question_terms_is_kept_under_its_heading() -> None:
    idf = idf_table(PASSAGES)
    out = select("Which port does orbit-cache listen on?", PASSAGES, 2, idf)
    assert out[0] == "# Orbit cache\norbit-cache listens on port 7311."
    # a table row is one sentence: its cells stay together
    assert out[1] == "# Payments\nService: orbit-cache; Port: 7311; Language: Rust."
    assert all("Tuesdays" not in t and "lunar-relay" not in t for t in out)


def test_kept_sentences_keep_their_passage_order_and_rank() -> None:
    idf = idf_table(PASSAGES)
    out = select("How long does lunar-relay keep logs, and where do orbit-cache logs go?",
                 PASSAGES, 3, idf)
    assert out[0].startswith("# Orbit cache\n") and out[1].startswith("# Relay\n")
    assert out[0].index("7311") < out[0].index("archive")  # sentences in their own order


def test_no_shared_term_returns_the_passages_whole() -> None:
    idf = idf_table(PASSAGES)
    assert select("Quelle heure est-il ?", PASSAGES, 2, idf) == [p.text for p in PASSAGES]


def test_index_evidence_is_whole_passages_at_zero(tmp_path) -> None:
    records = [{"id": "a", "source": "md", "title": "A", "text": "# A\n\nbilling-api listens on "
                "port 8125. The billing team meets on Mondays. Invoices go out monthly."}]
    build(list(passages(records, 64, 8, 8)), tmp_path / "idx", "bm25")
    index = Index(tmp_path / "idx")
    found = [h.passage for h in index.search("billing-api port", 1)]
    assert index.evidence("billing-api port", found, 0) == [found[0].text]
    assert "Mondays" not in index.evidence("billing-api port", found, 1)[0]
