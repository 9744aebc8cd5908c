"""The unstructured documents parser: same Records as the native one, offline, no crash.

Documents are built here (python-docx, python-pptx, reportlab, plain files); every test that
partitions runs with sockets refused and asserts that nothing tried to connect, since
unstructured swallows its own telemetry errors and would otherwise hide an attempt.
"""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import pytest

from alchemy.config import source_options
from alchemy.records import Quarantine, Record
from alchemy.sources import documents, unstructured_docs

MAIL = """From: Ada Lovelace <ada@acme.test>
To: Ops Team <ops@acme.test>, Grace Hopper <grace@acme.test>
Subject: Ledger maintenance tonight
Date: Mon, 01 Apr 2024 10:00:00 +0000
Content-Type: text/plain; charset=utf-8

Hi team,

ledger-service goes read-only at 22:00 for the Postgres 15 upgrade.
"""
MARKDOWN = """---
title: Payout runbook
---
# Payouts

The scheduler pays merchants every business day.

## Steps

- check the batch
    - read the log
- re-run it

| Env | Port |
|-----|------|
| prod | 8600 |

```
kubectl get pods
```
"""


@pytest.fixture
def offline(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """unstructured importable, and every connect / name lookup refused and recorded."""
    pytest.importorskip("unstructured")
    attempts: list[Any] = []

    def refuse(*args: Any, **kwargs: Any) -> Any:
        attempts.append(args[1:] or args)
        raise OSError("network disabled in tests")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    yield attempts
    assert attempts == [], f"network attempted: {attempts}"


def parse(path: Path, parser: str = "unstructured") -> list[Record | Quarantine]:
    opts = source_options("documents", raw_dir=str(path.parent), parser=parser)
    return list(documents.parse_file(path, opts))


def one(path: Path, parser: str = "unstructured") -> Record:
    (rec,) = parse(path, parser)
    assert isinstance(rec, Record), rec
    return rec


def make_docx(path: Path) -> Path:
    import docx

    doc = docx.Document()
    doc.core_properties.author = "Ada Lovelace"
    doc.core_properties.last_modified_by = "Grace Hopper"
    doc.add_heading("Payments Runbook", 0)
    doc.add_heading("Deploying", 1)
    doc.add_paragraph("The service listens on port 8080 and is deployed by Argo CD.")
    doc.add_paragraph("Restart the pods", style="List Bullet")
    doc.add_paragraph("Check the dashboard", style="List Bullet")
    doc.add_heading("Rollback steps", 2)
    table = doc.add_table(rows=2, cols=2)
    for (r, c), text in {(0, 0): "Env", (0, 1): "Port", (1, 0): "prod", (1, 1): "8080"}.items():
        table.cell(r, c).text = text
    doc.save(str(path))
    return path


def test_docx_headings_lists_table_and_people(tmp_path: Path, offline: list[Any]) -> None:
    rec = one(make_docx(tmp_path / "guide.docx"))
    assert (rec.id, rec.title, rec.meta["path"]) == ("documents:guide.docx", "Payments Runbook",
                                                     "guide.docx")
    assert rec.text.startswith("# Payments Runbook\n\n# Deploying\n\nThe service listens on port")
    assert "\n\n- Restart the pods\n- Check the dashboard\n\n## Rollback steps\n\n" in rec.text
    assert rec.text.endswith("| Env | Port |\n|---|---|\n| prod | 8080 |")
    assert rec.meta["people"] == ["Ada Lovelace", "Grace Hopper"]
    assert rec.meta["author"] == "Ada Lovelace" and rec.meta["parser"] == "unstructured"


def test_pptx_slide_titles_body_and_people(tmp_path: Path, offline: list[Any]) -> None:
    pptx = pytest.importorskip("pptx")
    deck = pptx.Presentation()
    deck.core_properties.author = "Amara Okafor"
    slide = deck.slides.add_slide(deck.slide_layouts[1])
    slide.shapes.title.text = "Quarterly Review"
    slide.placeholders[1].text_frame.text = "Revenue grew by ten percent"
    deck.save(str(tmp_path / "deck.pptx"))
    rec = one(tmp_path / "deck.pptx")
    assert rec.text == "## Quarterly Review\n\nRevenue grew by ten percent"
    assert rec.title == "Quarterly Review" and rec.meta["people"][0] == "Amara Okafor"


def test_pdf_fast_strategy_text_title_and_author(tmp_path: Path, offline: list[Any]) -> None:
    if not unstructured_docs.available(".pdf"):
        pytest.skip("unstructured's [pdf] extra is not installed")
    pytest.importorskip("reportlab")
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.platypus import Paragraph, SimpleDocTemplate

    styles = getSampleStyleSheet()
    SimpleDocTemplate(str(tmp_path / "m.pdf"), author="Grace Hopper", title="Ops Manual").build([
        Paragraph("Operations Manual", styles["Title"]),
        Paragraph("Backups run nightly at 02:00 and are kept for thirty days.", styles["BodyText"])])
    rec = one(tmp_path / "m.pdf")
    assert rec.text == ("## Operations Manual\n\n"
                        "Backups run nightly at 02:00 and are kept for thirty days.")
    assert (rec.title, rec.meta["people"], rec.meta["pages"]) == ("Ops Manual", ["Grace Hopper"], 1)


def test_eml_headers_body_and_people(tmp_path: Path, offline: list[Any]) -> None:
    (tmp_path / "mail.eml").write_text(MAIL)
    rec = one(tmp_path / "mail.eml")
    assert rec.text.startswith("# Ledger maintenance tonight\n\nFrom: Ada Lovelace <ada@acme.test>\n")
    assert rec.text.endswith("Hi team,\n\nledger-service goes read-only at 22:00 for the "
                             "Postgres 15 upgrade.")
    assert rec.meta["people"] == ["Ada Lovelace", "Ops Team", "Grace Hopper"]
    assert rec.created_at == "2024-04-01T10:00:00+00:00"


def test_markdown_and_html_structure(tmp_path: Path, offline: list[Any]) -> None:
    (tmp_path / "run.md").write_text(MARKDOWN)
    rec = one(tmp_path / "run.md")
    assert rec.title == "Payout runbook" and "title:" not in rec.text
    assert rec.text == ("# Payouts\n\nThe scheduler pays merchants every business day.\n\n"
                        "## Steps\n\n- check the batch\n  - read the log\n- re-run it\n\n"
                        "| Env | Port |\n|---|---|\n| prod | 8600 |\n\n```\nkubectl get pods\n```")
    (tmp_path / "p.html").write_text("<h2>Deploys</h2><p>We deploy with Argo CD.</p>"
                                     "<ol><li>build</li><li>ship</li></ol>")
    assert one(tmp_path / "p.html").text == "## Deploys\n\nWe deploy with Argo CD.\n\n- build\n- ship"


def test_plain_text_heading_found_without_the_spacy_model(tmp_path: Path,
                                                          offline: list[Any]) -> None:
    (tmp_path / "notes.txt").write_text("Overview\n\nThe ledger service stores balances.\n\n"
                                        "It runs on three nodes.\n")
    rec = one(tmp_path / "notes.txt")
    assert rec.text == ("## Overview\n\nThe ledger service stores balances.\n\n"
                        "It runs on three nodes.")


def test_ids_paths_and_people_match_the_native_parser(tmp_path: Path, offline: list[Any]) -> None:
    make_docx(tmp_path / "guide.docx")
    (tmp_path / "mail.eml").write_text(MAIL)
    (tmp_path / "run.md").write_text(MARKDOWN)
    for name in ("guide.docx", "mail.eml", "run.md"):
        native, other = one(tmp_path / name, "native"), one(tmp_path / name)
        assert (other.id, other.title, other.created_at) == (native.id, native.title,
                                                             native.created_at)
        assert {k: v for k, v in other.meta.items() if k != "parser"} == native.meta


def test_bad_files_are_quarantined_with_the_native_reasons(tmp_path: Path,
                                                           offline: list[Any]) -> None:
    (tmp_path / "broken.docx").write_bytes(b"PK\x03\x04 not really a zip")
    (tmp_path / "empty.txt").write_text("")
    (tmp_path / "latin1.txt").write_bytes("caf\xe9".encode("latin-1"))
    (tmp_path / "junk.txt").write_bytes(b"\x00\x01\x02" * 100)
    (tmp_path / "junk.eml").write_text("just some words\n")
    for name in ("broken.docx", "empty.txt", "latin1.txt", "junk.txt", "junk.eml"):
        native, (q,) = parse(tmp_path / name, "native"), parse(tmp_path / name)
        assert isinstance(q, Quarantine) and q.id == f"documents:{name}", q
        assert [q.reason] == [n.reason for n in native]  # type: ignore[union-attr]


def test_offline_nlp_replaces_the_download_and_tags_verbs(offline: list[Any]) -> None:
    unstructured_docs.partitioner(".txt")  # fits the offline pipeline
    import os

    from unstructured.nlp import tokenize
    from unstructured.partition.text_type import contains_verb

    from alchemy.sources.unstructured_offline import has_model

    assert os.environ["DO_NOT_TRACK"] == "1" and os.environ["UNSTRUCTURED_DISABLE_NOTICE"] == "1"
    if not has_model():
        assert tokenize._get_nlp.__module__ == "alchemy.sources.unstructured_offline"
    with pytest.raises(RuntimeError, match="never downloads"):
        tokenize._install_spacy_model()
    assert contains_verb("The service listens on port 8080")
    assert contains_verb("Backups were rotated") and contains_verb("Restart the pods")
    assert not contains_verb("Deployment guide") and not contains_verb("Emergency contacts")


def test_auto_falls_back_to_native_and_unknown_parser_is_quarantined(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Runs without unstructured too: auto = native when unstructured cannot read a format."""
    (tmp_path / "a.md").write_text("# A\n\n**bold** text\n")
    monkeypatch.setitem(unstructured_docs._loaded, "md", "cannot read .md with unstructured")
    rec = one(tmp_path / "a.md", "auto")
    assert rec.text == "# A\n\n**bold** text" and "parser" not in rec.meta
    (q,) = parse(tmp_path / "a.md", "unstructured")
    assert isinstance(q, Quarantine) and q.reason == "cannot read .md with unstructured"
    (q,) = parse(tmp_path / "a.md", "fancy")
    assert isinstance(q, Quarantine) and "parser='fancy'" in q.reason
