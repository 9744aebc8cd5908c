"""PowerPoint (.pptx) to document text: one "## <slide title>" section per slide.

Bullets keep their indent level, tables become Markdown tables, speaker notes follow as
"Notes:". Core properties (author, last modified by) name people for the sanitizer.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .markup.common import md_table


def read_pptx(path: Path) -> tuple[str, str, dict[str, Any]]:
    """(title, text, info) of a deck; python-pptx is imported only when a deck is read."""
    from pptx import Presentation

    deck = Presentation(str(path))
    sections: list[str] = []
    first_title = ""
    for n, slide in enumerate(deck.slides, 1):
        title_shape = slide.shapes.title
        title = (title_shape.text_frame.text.strip()
                 if title_shape is not None and title_shape.has_text_frame else "")
        first_title = first_title or title
        title_id = title_shape.shape_id if title_shape is not None else None
        blocks = [b for shape in slide.shapes if shape.shape_id != title_id
                  for b in _shape(shape)]
        if slide.has_notes_slide and slide.notes_slide.notes_text_frame is not None:
            notes = slide.notes_slide.notes_text_frame.text.strip()
            if notes:
                blocks.append(f"Notes: {notes}")
        if title or blocks:
            sections.append("\n\n".join([f"## {title or f'Slide {n}'}", *blocks]))
    props = deck.core_properties
    info: dict[str, Any] = {"slides": len(deck.slides),
                            "people": [props.author or "", props.last_modified_by or ""],
                            "created_at": props.created.isoformat() if props.created else ""}
    return (props.title or first_title), "\n\n".join(sections), info


def _shape(shape: Any) -> list[str]:
    if shape.shape_type is not None and getattr(shape, "shapes", None) is not None:
        return [b for inner in shape.shapes for b in _shape(inner)]  # a group
    if getattr(shape, "has_table", False) and shape.has_table:
        rows = [[cell.text for cell in row.cells] for row in shape.table.rows]
        return [md_table(rows)]
    if not getattr(shape, "has_text_frame", False) or not shape.has_text_frame:
        return []
    lines = []
    paragraphs = [p for p in shape.text_frame.paragraphs if "".join(r.text for r in p.runs).strip()]
    bulleted = len(paragraphs) > 1 or any(p.level for p in paragraphs)
    for p in paragraphs:
        text = "".join(r.text for r in p.runs).strip()
        lines.append("  " * p.level + "- " + text if bulleted else text)
    return ["\n".join(lines)] if lines else []
