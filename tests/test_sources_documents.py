"""Documents beyond PDF/DOCX: e-mail, slides, and the bad inputs the Sources issue lists."""

from __future__ import annotations

from pathlib import Path

import pytest

from alchemy.config import source_options
from alchemy.records import Quarantine, Record
from alchemy.sources import documents


def parse(path: Path) -> list[Record | Quarantine]:
    return list(documents.parse_file(path, source_options("documents", raw_dir=str(path.parent))))


MAIL = """From: Ada Lovelace <ada@acme.test>
To: Ops Team <ops@acme.test>, Grace Hopper <grace@acme.test>
Subject: Ledger maintenance tonight
Date: Mon, 01 Apr 2024 10:00:00 +0000
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="b1"

--b1
Content-Type: multipart/alternative; boundary="b2"

--b2
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: quoted-printable

Hi team,

ledger-service goes read-only at 22:00 for the Postgres 15 upgrade =E2=80=94 expect 20 min.

--b2
Content-Type: text/html; charset=utf-8

<p>Hi team, <b>HTML copy</b></p>
--b2--

--b1
Content-Type: application/pdf
Content-Disposition: attachment; filename="plan.pdf"

JVBERi0=
--b1--
"""


def test_eml_plain_part_headers_people_and_attachments(tmp_path: Path) -> None:
    (tmp_path / "mail.eml").write_text(MAIL)
    (rec,) = parse(tmp_path / "mail.eml")
    assert (rec.id, rec.title, rec.meta["format"]) == ("documents:mail.eml",
                                                       "Ledger maintenance tonight", "eml")
    assert rec.text.startswith("# Ledger maintenance tonight\n\nFrom: Ada Lovelace <ada@acme.test>\n"
                               "To: Ops Team <ops@acme.test>, Grace Hopper <grace@acme.test>\n")
    assert "read-only at 22:00 for the Postgres 15 upgrade \u2014 expect 20 min." in rec.text
    assert "HTML copy" not in rec.text and rec.text.endswith("Attachments: plan.pdf")
    assert rec.meta["people"] == ["Ada Lovelace", "Ops Team", "Grace Hopper"]
    assert rec.created_at == "2024-04-01T10:00:00+00:00"


def test_eml_html_only_and_not_a_mail(tmp_path: Path) -> None:
    (tmp_path / "h.eml").write_text("From: a@acme.test\nSubject: Hi\nContent-Type: text/html\n\n"
                                    "<h1>Deploys</h1><p>Use <b>Argo CD</b>.</p>")
    (rec,) = parse(tmp_path / "h.eml")
    assert rec.text.endswith("# Deploys\n\nUse **Argo CD**.")
    (tmp_path / "junk.eml").write_text("just some words\n")
    (q,) = parse(tmp_path / "junk.eml")
    assert isinstance(q, Quarantine) and q.reason == "no e-mail headers (From/Subject)"


def test_pptx_slides_bullets_tables_notes(tmp_path: Path) -> None:
    pptx = pytest.importorskip("pptx")
    from pptx.util import Inches

    deck = pptx.Presentation()
    deck.core_properties.author = "Amara Okafor"
    deck.core_properties.last_modified_by = "Jonas Lindqvist"
    slide = deck.slides.add_slide(deck.slide_layouts[1])
    slide.shapes.title.text = "Payout scheduler"
    body = slide.placeholders[1].text_frame
    body.text = "Runs at 02:00 UTC"
    sub = body.add_paragraph()
    sub.text, sub.level = "retries 3 times", 1
    slide.notes_slide.notes_text_frame.text = "Mention the Sunday freeze."
    table_slide = deck.slides.add_slide(deck.slide_layouts[5])
    table_slide.shapes.title.text = "Ports"
    table = table_slide.shapes.add_table(2, 2, Inches(1), Inches(2), Inches(4), Inches(1)).table
    for r, row in enumerate([["Service", "Port"], ["ledger", "8443"]]):
        for c, value in enumerate(row):
            table.cell(r, c).text = value
    deck.save(str(tmp_path / "deck.pptx"))
    (rec,) = parse(tmp_path / "deck.pptx")
    assert rec.title == "Payout scheduler" and rec.meta["slides"] == 2
    assert rec.text == ("## Payout scheduler\n\n- Runs at 02:00 UTC\n  - retries 3 times\n\n"
                        "Notes: Mention the Sunday freeze.\n\n## Ports\n\n"
                        "| Service | Port |\n|---|---|\n| ledger | 8443 |")
    assert rec.meta["people"] == ["Amara Okafor", "Jonas Lindqvist"]
    (tmp_path / "bad.pptx").write_bytes(b"PK\x03\x04 truncated")
    (q,) = parse(tmp_path / "bad.pptx")
    assert q.reason.startswith("unreadable pptx file")


def test_bad_inputs_are_quarantined_with_reasons(tmp_path: Path) -> None:
    (tmp_path / "junk.txt").write_bytes(b"\x00\x01\x02binary\x00\x00" * 50)
    (tmp_path / "empty.md").write_bytes(b"")
    (tmp_path / "latin1.txt").write_bytes(b"r\xe9sum\xe9")
    (tmp_path / "cut.pdf").write_bytes(b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog")
    reasons = {p.name: parse(p)[0].reason for p in sorted(tmp_path.iterdir())}
    assert reasons["junk.txt"] == "binary content, not text"
    assert reasons["empty.md"] == "no text content"
    assert reasons["latin1.txt"].startswith("not UTF-8")
    assert reasons["cut.pdf"].startswith("unreadable pdf file")


def test_a_huge_single_record_is_quarantined(monkeypatch, tmp_path: Path) -> None:
    from alchemy import sources
    from alchemy.sources import MAX_RECORD_CHARS, jira

    (tmp_path / "dump.txt").write_text("log line of a pasted dump\n" * (MAX_RECORD_CHARS // 26 + 10))
    (q,) = parse(tmp_path / "dump.txt")
    assert isinstance(q, Quarantine) and q.reason.startswith("record too large: 10,000,")
    assert (q.path, q.id) == ("dump.txt", "documents:dump.txt")
    issue = tmp_path / "issue.json"
    issue.write_text('{"key": "PAY-1", "fields": {"summary": "x", "description": "%s"}}' % ("y" * 500))
    monkeypatch.setattr(sources, "MAX_RECORD_CHARS", 300)
    (q,) = jira.parse_file(issue, source_options("jira", raw_dir=str(tmp_path)))
    assert q.reason == "record too large: 527 characters (limit 300)" and q.id == "jira:PAY-1"
