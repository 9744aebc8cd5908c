"""Multi-column PDFs come out in reading order: column by column, tables kept as rows.

The PDFs are built here with reportlab's frames, the way a newsletter or a Federal Register
notice is laid out: a full-width title, then two or three columns of justified prose that
end at different heights, and a page that mixes a full-width paragraph and table with columns.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from alchemy.config import source_options
from alchemy.sources import documents
from alchemy.sources.markup.columns import reading_order

pytest.importorskip("reportlab")

from reportlab.lib.pagesizes import letter  # noqa: E402
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet  # noqa: E402
from reportlab.platypus import (  # noqa: E402
    BaseDocTemplate,
    Frame,
    FrameBreak,
    NextPageTemplate,
    PageTemplate,
    Paragraph,
    Table,
)

ROOT = Path(__file__).resolve().parents[1]
WIDTH, HEIGHT = letter
MARGIN, GAP = 54, 14
STYLES = getSampleStyleSheet()
BODY = ParagraphStyle("body", parent=STYLES["BodyText"], fontSize=9, leading=11, alignment=4)


def _columns(n: int, top: float, bottom: float = MARGIN) -> list[Frame]:
    width = (WIDTH - 2 * MARGIN - GAP * (n - 1)) / n
    return [Frame(MARGIN + i * (width + GAP), bottom, width, top - bottom, leftPadding=0,
                  rightPadding=0, id=f"col{i}") for i in range(n)]


def _section(k: int) -> list:
    text = " ".join(f"S{k}w{j} the ledger reconciles payouts every night" for j in range(1, 6))
    return [Paragraph(f"Section {k}", STYLES["Heading3"]), Paragraph(text + ".", BODY)]


def _build(path: Path, ncols: int, sections: int, mixed: bool = False) -> None:
    """Page 1: title + `ncols` columns; with `mixed`, page 2 adds full-width text and a table."""
    top = HEIGHT - MARGIN - 50
    title = Frame(MARGIN, top, WIDTH - 2 * MARGIN, 50, id="title")
    templates = [PageTemplate(id="cols", frames=[title, *_columns(ncols, top)])]
    story: list = [Paragraph("Notice of Payout Changes", STYLES["Title"]), FrameBreak()]
    for k in range(1, sections + 1):
        story += _section(k)
    if mixed:
        wide = Frame(MARGIN, HEIGHT - MARGIN - 190, WIDTH - 2 * MARGIN, 190, id="wide")
        templates.append(PageTemplate(id="mixed", frames=[wide, *_columns(2, HEIGHT - MARGIN - 190)]))
        story[-1:-1] = [NextPageTemplate("mixed")]
        story += [FrameBreak(), Paragraph("Ports. Every service below listens inside the cluster "
                                          "and exposes Prometheus metrics on the same port.", BODY),
                  Table([["Service", "Port", "Owner"], ["ledger-service", "8443", "Ledger team"],
                         ["payout-scheduler", "8600", "Treasury"]], colWidths=[150, 100, 150]),
                  FrameBreak()]
        for k in range(sections + 1, sections + 5):
            story += _section(k)
    doc = BaseDocTemplate(str(path), pagesize=letter, pageTemplates=templates)
    doc.build(story)


def _text(path: Path) -> str:
    (rec,) = documents.parse_file(path, source_options("documents", raw_dir=str(path.parent)))
    return rec.text


def _in_order(text: str, sections: int) -> None:
    """Every section, and every sentence of it, appears once and in reading order."""
    words = re.findall(r"\bS(\d+)w(\d)\b", text)
    assert [(int(k), int(j)) for k, j in words] == [(k, j) for k in range(1, sections + 1)
                                                    for j in range(1, 6)]
    heads = [int(k) for k in re.findall(r"^Section (\d+)$", text, re.M)]
    assert heads == list(range(1, sections + 1))


@pytest.mark.parametrize("ncols,sections", [(2, 14), (3, 21)])
def test_columns_read_one_after_another(tmp_path: Path, ncols: int, sections: int) -> None:
    path = tmp_path / "notice.pdf"
    _build(path, ncols, sections)
    text = _text(path)
    assert text.startswith("Notice of Payout Changes\n\nSection 1\n")
    _in_order(text, sections)
    assert " | " not in text  # no column joined to its neighbour as a table cell
    # each printed line of a column stays one line: nothing from the next column appended
    assert all(len(ln) < 100 // ncols + 30 for ln in text.splitlines())


def test_mixed_page_keeps_full_width_text_and_table(tmp_path: Path) -> None:
    path = tmp_path / "mixed.pdf"
    _build(path, 2, 14, mixed=True)
    text = _text(path)
    _in_order(text, 18)
    assert ("Service | Port | Owner\nledger-service | 8443 | Ledger team\n"
            "payout-scheduler | 8600 | Treasury") in text
    assert "Ports. Every service below listens inside the cluster" in text
    assert text.index("S14w5") < text.index("Ports.") < text.index("Service | Port")
    assert text.index("payout-scheduler | 8600") < text.index("Section 15")


def test_sentence_running_into_next_column_is_not_broken() -> None:
    lines = ["The ledger closes the day at          of the batch. Payouts then leave",
             "midnight and posts the totals         by Bacs before the 16:00 cutoff",
             "to the general ledger at the end      and arrive the next business day."]
    assert reading_order(lines) == [
        "The ledger closes the day at", "midnight and posts the totals",
        "to the general ledger at the end", "of the batch. Payouts then leave",
        "by Bacs before the 16:00 cutoff", "and arrive the next business day."]
    ended = [ln.replace("at the end  ", "at the end.") for ln in lines]
    assert reading_order(ended)[2:4] == ["to the general ledger at the end.", ""]


def test_tables_and_single_column_lines_are_left_alone() -> None:
    key_value = ["Service            Owner", "ledger-service     Ledger team",
                 "payout-scheduler   Treasury", "notify-hub         Platform"]
    wide_cells = ["OPS-101   7 Feb   ledger-service   After scaling from 2 to 6 pods, retries",
                  "(SEV-1)                            reached pods whose in-memory cache",
                  "OPS-127   1 Apr   payout-scheduler Cron evaluated in UTC; after clocks",
                  "(SEV-2)                            went forward the batch ran late"]
    prose = ["Six services make up the platform. All of them run as containers on Kubernetes",
             "and expose Prometheus metrics. The table lists the port each service listens",
             "on inside the cluster, and the team that owns it and answers its pages."]
    for lines in (key_value, wide_cells, prose):
        assert reading_order(lines) == lines


def test_sample_manual_reads_as_before() -> None:
    """The shipped single-column manual: tables still rows, no line reordered."""
    path = ROOT / "data/raw/documents/lumenpay-platform-operations-manual.pdf"
    text = _text(path)
    assert "gateway-api | Payments Edge | 8080 | Go 1.22 | Redis 7 (rate limits)" in text
    assert ("Jonas Lindqvist | Ledger team lead | +44 7700 900123 | jonas.lindqvist@lumenpay.io"
            in text)
    assert text.index("7. Emergency contacts") < text.index("Glossary")
