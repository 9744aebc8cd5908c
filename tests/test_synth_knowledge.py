"""Atomic facts, their question forms, held-out forms, and grounded (RAFT) pairs."""

from __future__ import annotations

from alchemy.retrieval.index import Index, build
from alchemy.retrieval.passages import passages
from alchemy.retrieval.prompt import NOT_FOUND
from alchemy.synth.dataset import row, split_and_dedup
from alchemy.synth.facts import extract
from alchemy.synth.knowledge import fact_pairs, grounded, questions

DOC = {"id": "wiki:9", "title": "orbit-cache Overview", "kind": "page", "source": "confluence",
       "text": "# orbit-cache Overview\n\nIt listens on port 7311 and keeps entries in Redis 7.\n\n"
               "## Ownership\n\nOwner: Storage team\nOn-call: <PERSON_1>\n\n"
               "## Limits\n\nEntries expire after 900 seconds unless pinned.\n\n"
               "| Service | Port | Language |\n|---|---|---|\n| orbit-cache | 7311 | Rust 1.79 |\n"
               "| comet-queue | 7420 | Go 1.22 |\n"}


def test_facts_name_their_entity() -> None:
    facts = extract(DOC)
    by_statement = {f.statement: f for f in facts}
    assert "The port of comet-queue is 7420." in by_statement
    assert by_statement["The language of orbit-cache is Rust 1.79."].kind == "table"
    assert "orbit-cache listens on port 7311 and keeps entries in Redis 7." in by_statement
    assert by_statement["orbit-cache - Owner: Storage team."].aspect == "owner"
    # a sentence without its entity gets it as a prefix; a masked value is no fact
    assert any(s.startswith("orbit-cache: Entries expire after 900 seconds") for s in by_statement)
    assert not any("<PERSON_1>" in s for s in by_statement)
    port = by_statement["orbit-cache listens on port 7311 and keeps entries in Redis 7."]
    assert (port.aspect, port.value) == ("port", "7311")


def test_several_question_forms_and_the_reverse_direction() -> None:
    table = next(f for f in extract(DOC) if f.statement == "The port of comet-queue is 7420.")
    qs = questions(table, 4)
    assert len(qs) == len(set(qs)) == 4
    assert "What has the port 7420?" in qs  # value -> entity
    assert all("comet-queue" in q for q in qs if "7420" not in q)
    pairs = list(fact_pairs([table], 3))
    assert len(pairs) == 4 and sum(held for *_, held in pairs) == 1  # one form held out


def test_held_out_forms_go_to_eval() -> None:
    rows = [row(f"What is fact {i}?", f"Fact {i}.", {"source_id": "d1", "pair": "fact",
                                                      "held_out": i == 2}, None) for i in range(4)]
    rows.append(row("What is fact 1?", "again", {"source_id": "d1", "pair": "fact"}, None))
    train, evals, dropped = split_and_dedup(rows, set(), 0.8)
    assert [r["messages"][0]["content"] for r in evals] == ["What is fact 2?"]
    assert len(train) == 3 and dropped == 1


def _orbit_index(tmp_path) -> Index:
    """DOC beside six look-alike notes that never give a port: distractors for RAFT pairs."""
    other = [{"id": f"doc:{i}", "title": f"Note {i}", "text": f"The lunar-relay {i} stores logs "
              f"for {i + 2} days in the archive bucket, rotated nightly by the ops team."}
             for i in range(6)]
    build(list(passages([DOC, *other], 48, 8, 8)), tmp_path / "idx", "bm25")
    return Index(tmp_path / "idx")


def test_grounded_pairs_hold_the_oracle_or_say_not_found(tmp_path) -> None:
    index = _orbit_index(tmp_path)
    q, a = "Which port does orbit-cache listen on?", "orbit-cache listens on port 7311."
    message, answer = grounded(q, a, "wiki:9", index, 3, 400, no_oracle=False)
    assert answer == a and "7311" in message and message.count("\n\n") >= 3  # 3 passages + q
    message, answer = grounded(q, a, "wiki:9", index, 2, 400, no_oracle=True)
    assert answer == NOT_FOUND and "7311" not in message
    assert grounded(q, "port 9999", "wiki:9", index, 3, 400, no_oracle=False) is None


def test_cpt_knowledge_text_repeats_each_fact_in_new_orders() -> None:
    from alchemy.synth.knowledge import augmentation

    facts = [{"entity": "orbit-cache", "statement": f"orbit-cache fact {i}."} for i in range(5)]
    facts.append({"entity": "comet-queue", "statement": "comet-queue listens on 7420."})
    texts = augmentation(facts, repeats=3, seed=1)
    joined = " ".join(texts)
    assert all(joined.count(f"orbit-cache fact {i}.") == 3 for i in range(5))
    assert joined.count("comet-queue listens on 7420.") == 3
    orders = {t.split(":", 1)[1] for t in texts if "orbit-cache fact" in t}
    assert len(orders) > 1  # shuffled differently per repeat
    assert all(t.startswith(("About", "What we know", "orbit-cache,", "comet-queue,")) for t in texts)


def test_prose_aspects_are_nouns_not_names_verbs_or_adverbs() -> None:
    """"What is the amazon of ADR-9?" or "the usually within of X" teach nothing: a prose
    aspect must be lower-case words after a determiner or preposition."""
    from alchemy.synth.facts import Fact, aspect_of

    assert aspect_of("We keep it in Amazon DynamoDB today.", "DynamoDB") == ""
    assert aspect_of("The ledger uses PostgreSQL 15 on RDS.", "15") == ""
    assert aspect_of("billing-api listens on port 7311.", "7311") == "port"
    good = Fact("billing-api", "port", "7311", "billing-api listens on port 7311.", "s", "", "prose")
    loose = Fact("refunds", "usually within", "7", "refunds are released usually within 7 days.",
                 "s", "", "prose")
    assert any("port of billing-api" in q for q in questions(good, 6))
    assert not any("usually within" in q and "what" in q.lower().split()[:2]
                   for q in questions(loose, 6))
    assert all(not q.startswith(("What is the usually", "Tell me the usually"))
               for q in questions(loose, 6))


def test_grounded_pairs_with_evidence_keep_the_answer_in_a_shorter_context(tmp_path) -> None:
    index = _orbit_index(tmp_path)
    q, a = "Which port does orbit-cache listen on?", "orbit-cache listens on port 7311."
    message, answer = grounded(q, a, "wiki:9", index, 3, 400, False, evidence_sentences=2)
    assert answer == a and "7311" in message
    whole, _ = grounded(q, a, "wiki:9", index, 3, 400, False)
    assert len(message) < len(whole)


def test_metadata_lines_are_no_part_of_a_fact_and_question_words_no_aspect() -> None:
    """A PR's title line is not glued to the Branches/Labels lines under it, and a column
    named "Where" gives no "What is the where of ...?" question."""
    pr = {"id": "github:r#66", "title": "PR #66: Build on Python 3.12", "kind": "pull_request",
          "source": "github", "meta": {"number": 66},
          "text": "PR #66: Build and test on Python 3.12 (LEDG-70)\nBranches: main <- chore/py312\n"
                  "Labels: python, dependencies\n\nCI runs on Python 3.12 for every push now.\n\n"
                  "| Change | Where |\n|---|---|\n| pool size 20 | PR #58 |\n"}
    facts = extract(pr)
    assert not any("Branches" in f.statement or "Labels" in f.statement for f in facts)
    assert any(f.statement.startswith("PR #66: Build and test on Python 3.12") for f in facts)
    where = next(f for f in facts if f.entity == "pool size 20")
    assert where.statement == "pool size 20 - Where: PR #58." and where.aspect == ""
    assert questions(where, 4) and not any("where" in q.lower() for q in questions(where, 4))
