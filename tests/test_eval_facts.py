"""Fact questions: loading (both formats, bad files), key-term grading, the judge."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from alchemy.eval.questions import QuestionsError, load_questions
from alchemy.eval.scoring import CORRECT, INCORRECT, NOT_ATTEMPTED, grade, holds, key_terms, summarise


def test_markdown_and_jsonl_questions(tmp_path) -> None:
    md = tmp_path / "facts.md"
    md.write_text("# Facts\n\nSome prose.\n\n- Q: Which port does billing use? A: 7443. [wiki, git]\n"
                  "* Q: Who runs billing? A: The Money team.\n", encoding="utf-8")
    qs = load_questions(md)
    assert [(q.question, q.answer, q.tags) for q in qs] == [
        ("Which port does billing use?", "7443.", ("wiki", "git")),
        ("Who runs billing?", "The Money team.", ())]
    jl = tmp_path / "q.jsonl"
    jl.write_text(json.dumps({"question": "Port?", "answer": "7443", "id": "p"}) + "\n\n"
                  + json.dumps({"question": "Team?", "answer": "Money"}) + "\n", encoding="utf-8")
    assert [q.id for q in load_questions(jl)] == ["p", "q3"]


@pytest.mark.parametrize("content,needle", [
    (None, "no such file"), ("", "holds no questions"), ("just prose\n", "holds no questions"),
    ("- Q: a question without an answer\n", ":1: a '- Q:' line"),
    ('{"question": "x"}\n', ":1: needs non-empty"), ('{"question": "x", "answer": "y"\n', "not JSON"),
])
def test_bad_questions_files_say_what_is_wrong(tmp_path, content, needle) -> None:
    path = tmp_path / ("q.jsonl" if content and content.startswith("{") else "q.md")
    if content is not None:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(QuestionsError, match=needle.replace("(", r"\(")):
        load_questions(path)


def test_key_terms_skip_parentheses_question_words_and_fold_accents() -> None:
    assert key_terms("8080 (behind the load balancer on 443).") == ["8080"]
    assert key_terms("Python (3.11) with FastAPI.", "What language is billing written in?") \
        == ["python", "fastapi"]
    assert key_terms("Led by Tomás Novak.") == ["led", "tomas", "novak"]
    assert key_terms("Kafka topic merchant-events.", "Which Kafka topic?") == ["merchant-events"]
    assert key_terms("Within 5 minutes.") == ["5"]
    assert key_terms("cold") == ["cold"]  # no key term: the content words


@pytest.mark.parametrize("reply,verdict", [
    ("billing listens on port 7443.", CORRECT),
    ("Port 7443", CORRECT),
    ("It uses 74430.", INCORRECT),  # a number is matched whole
    ("Ports 7443, 8080, 9090 and 3000 are used.", INCORRECT),  # spraying numbers earns nothing
    ("I don't know.", NOT_ATTEMPTED),
    ("The sources do not say.", NOT_ATTEMPTED),
    ("", NOT_ATTEMPTED),
    ("Port 8080.", INCORRECT),
])
def test_grade(reply, verdict) -> None:
    assert grade(reply, "7443.", "Which port does billing listen on?").verdict == verdict


def test_grade_needs_the_headline_and_half_the_terms() -> None:
    ref = "PostgreSQL 15, reached through PgBouncer on port 6432."
    assert grade("PostgreSQL 15 behind PgBouncer", ref).verdict == CORRECT
    assert grade("PgBouncer on 6432", ref).verdict == INCORRECT  # no headline term
    assert grade("Postgresql", ref).verdict == INCORRECT  # 1 of 4
    assert grade("Fernandez did it", "Diego Fernández").verdict == INCORRECT  # first term missing
    assert grade("Diego Fernandez did it", "Diego Fernández").verdict == CORRECT


def test_holds_ignores_other_numbers_in_passages() -> None:
    passages = "ports: ledger 8443, gateway 8080, risk 9090, portal 3000, payouts 8600"
    assert holds(passages, "8443.") and not holds(passages, "7070.")


def test_summary_counts_hallucination_among_attempted() -> None:
    s = summarise([CORRECT, CORRECT, INCORRECT, NOT_ATTEMPTED])
    assert s == {"questions": 4, "correct": 2, "incorrect": 1, "not_attempted": 1,
                 "accuracy": 0.5, "hallucination_rate": round(1 / 3, 4)}


def test_missing_questions_file_exits_2_before_any_stage(tmp_path) -> None:
    proc = subprocess.run([sys.executable, "-m", "alchemy.cli", "model=tiny-random",
                           f"eval.questions={tmp_path}/nope.md", f"hydra.run.dir={tmp_path}/run",
                           f"paths.cache_dir={tmp_path}/cache"],
                          capture_output=True, text=True, cwd=tmp_path)
    assert proc.returncode == 2
    assert "eval.questions" in proc.stderr and "nope.md" in proc.stderr
    assert not (tmp_path / "cache" / "clean").exists()  # nothing ran


def test_judge_grades_over_http_and_marks_itself_unavailable() -> None:
    from alchemy.eval.judge import Judge, judge_all
    from tests.synth_helpers import serve

    gen = serve()
    srv = next(gen)
    try:
        judge = Judge("openai/judge", srv.url, None, timeout_s=5)
        items = [("Port?", "7443", "It is 7443."), ("Port?", "7443", "8080"),
                 ("Port?", "7443", "The sources do not say.")]
        assert judge_all(judge, items) == [CORRECT, INCORRECT, NOT_ATTEMPTED]
        assert len(srv.log) == 3
        srv.down = True  # 503 from now on: the judge drops out, nothing raises
        assert judge_all(judge, items) is None and judge.unavailable
    finally:
        next(gen, None)
    missing = Judge("openai/judge", "http://127.0.0.1:9", "NO_SUCH_KEY_VAR_X", 1)
    assert missing.grade("q", "a", "a") is None and "NO_SUCH_KEY_VAR_X" in missing.unavailable


def _billing_and(tmp_path, other: dict):  # noqa: ANN001, ANN202
    """A BM25 index of a billing-api page (port 8125) and ``other``."""
    from alchemy.retrieval.index import Index, build
    from alchemy.retrieval.passages import passages

    billing = {"id": "a", "source": "md", "title": "Billing", "text": "# Billing\n\nbilling-api "
               "listens on port 8125 and is written in Rust, for the invoices of every merchant."}
    build(list(passages([billing, other], 64, 8, 8)), tmp_path / "idx", "bm25")
    return Index(tmp_path / "idx")


def test_recall_counts_questions_whose_answer_the_corpus_lacks_apart(tmp_path) -> None:
    """A masked name is in no passage: its question is reported as not in the corpus, and the
    retriever's recall over the others is reported beside the plain figure."""
    from alchemy.eval.facts import build_prompts
    from alchemy.eval.questions import Question

    index = _billing_and(tmp_path, {"id": "b", "source": "md", "title": "Teams", "text": "# Teams"
                                    "\n\nThe Billing team is led by <PERSON_1> and owns "
                                    "billing-api together with the invoice archive."})
    questions = [Question("1", "Which port does billing-api use?", "8125"),
                 Question("2", "Who leads the Billing team?", "Ada Quist")]
    p = build_prompts(questions, [], index, 2, 200, 0)
    assert p.in_corpus == [True, False]
    figures = p.recall_figures()
    assert figures["recall_at_k"] == 0.5
    assert figures["answer_in_corpus"] == 1 and figures["recall_at_k_in_corpus"] == 1.0
    assert figures["context_recall"] == 0.5  # whole passages: the prompt holds what they hold
    cut = build_prompts(questions, [], index, 2, 200, 0, evidence_sentences=1)
    shown = cut.grounded[0][0]["content"]
    assert "8125" in shown and "led by" not in shown  # one sentence: the other passage is out
    assert cut.recall_figures()["context_recall"] == 0.5


def test_abstain_refuses_without_the_model_when_no_passage_names_the_subject(tmp_path) -> None:
    """Refused prompts never reach the model and count as declines; the rest are answered."""
    from alchemy.eval.facts import answer_side, build_prompts, score_side
    from alchemy.eval.questions import Question

    index = _billing_and(tmp_path, {"id": "b", "source": "md", "title": "Payouts", "text":
                                    "# Payouts\n\npayout-worker runs every night at 02:00 UTC "
                                    "and pays the merchants their balance."})
    questions = [Question("1", "Which port does billing-api use?", "8125"),
                 Question("2", "When does payout-worker run?", "02:00 UTC"),
                 Question("3", "Which port does ledger-api use?", "9443")]
    p = build_prompts(questions, [], index, 1, 200, 3, abstain=True)
    assert p.refusals["grounded"] == [None, None, "The sources do not mention ledger-api."]
    # put with the other question's passages, billing-api and payout-worker are missing too
    assert all(r is not None for r in p.refusals["unanswerable"])
    seen: list[list[dict]] = []

    def generate(convs: list[list[dict]], grounded: bool) -> list[str]:
        seen.extend(convs if grounded else [])
        return ["It is 8125 and 02:00 UTC."] * len(convs)

    replies = answer_side(generate, p)
    assert len(seen) == 2 and replies["grounded"][2] == "The sources do not mention ledger-api."
    fig, verdicts = score_side(p, replies)
    assert fig["abstention"] == 1.0 and verdicts[1][2] == "not_attempted"
    plain = build_prompts(questions, [], index, 1, 200, 3)
    assert plain.refusals["grounded"] == [None, None, None]
