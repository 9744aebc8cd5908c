"""E-mail (.eml, RFC 822) to document text: headers that matter, then the readable body.

The plain-text part is preferred; an HTML-only mail goes through the HTML converter.
Attachments are listed by name, not inlined. Names in From/To/Cc go to meta.people so the
sanitizer masks them wherever they appear in the text.
"""

from __future__ import annotations

from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import getaddresses, parsedate_to_datetime
from pathlib import Path
from typing import Any


class NotMail(ValueError):
    """The file has no mail headers or no readable body."""


def read_eml(path: Path) -> tuple[str, str, dict[str, Any]]:
    """(subject, text, info) of one message; info has people, emails and created_at."""
    with open(path, "rb") as fh:
        msg = BytesParser(policy=policy.default).parse(fh)
    if not isinstance(msg, EmailMessage) or not (msg["From"] or msg["Subject"]):
        raise NotMail("no e-mail headers (From/Subject)")
    subject = str(msg["Subject"] or "").strip()
    people: list[str] = []
    emails: list[str] = []
    head = []
    for field in ("From", "To", "Cc", "Date"):
        value = msg[field]
        if value is None:
            continue
        head.append(f"{field}: {value}")
        if field != "Date":
            for name, addr in getaddresses([str(value)]):
                people.append(name.strip())
                emails.append(addr.strip())
    body = _body(msg)
    attached = [p.get_filename() for p in msg.iter_attachments() if p.get_filename()]
    parts = [f"# {subject}" if subject else "", "\n".join(head), body]
    if attached:
        parts.append("Attachments: " + ", ".join(attached))
    if not body.strip():
        raise NotMail("e-mail without a readable body")
    try:
        created = parsedate_to_datetime(str(msg["Date"])).isoformat() if msg["Date"] else ""
    except (TypeError, ValueError):
        created = ""
    return subject, "\n\n".join(p for p in parts if p), {
        "people": [p for p in people if p],
        "emails": [e for e in emails if e], "created_at": created}


def _body(msg: EmailMessage) -> str:
    part = msg.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    try:
        content = part.get_content()
    except (LookupError, UnicodeDecodeError):  # unknown or lying charset
        raw = part.get_payload(decode=True) or b""
        content = raw.decode("utf-8", errors="replace")
    if part.get_content_subtype() == "html":
        from .markup.html import html_to_text, parse

        return html_to_text(parse(content))
    return str(content)
