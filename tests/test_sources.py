"""Source parsers: real export shapes in, exact Markdown-like text and metadata out."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from alchemy.config import source_options
from alchemy.records import Quarantine, Record
from alchemy.sources import confluence, documents, git, github, jira

FIX = Path(__file__).parent / "fixtures" / "sources"


def parse(mod, path: Path, raw_dir: Path | None = None, **cfg) -> list[Record | Quarantine]:
    return list(mod.parse_file(path, source_options(mod.SOURCE, raw_dir=str(raw_dir or path.parent), **cfg)))


def only_record(items: list) -> Record:
    records = [r for r in items if isinstance(r, Record)]
    assert len(records) == 1, items
    return records[0]


def test_importing_parsers_is_cheap():
    code = ("import sys, alchemy.sources.jira, alchemy.sources.confluence, alchemy.sources.github,"
            " alchemy.sources.git, alchemy.sources.documents;"
            " print([m for m in ('bs4', 'lxml', 'pypdf', 'docx') if m in sys.modules])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# --- jira -------------------------------------------------------------------------------------


def test_jira_v2_wiki_markup_issue():
    rec = only_record(parse(jira, FIX / "jira" / "search_v2.json"))
    assert (rec.id, rec.kind) == ("jira:PAY-7", "issue")
    assert rec.title == "Retry storm after gateway timeout"
    assert rec.url == "https://acme.atlassian.net/browse/PAY-7"
    assert rec.created_at == "2024-03-01T09:15:00+01:00"
    text = rec.text
    assert text.startswith("PAY-7: Retry storm after gateway timeout\nType: Bug | "
                           "Status: In Progress | Resolution: Unresolved | Priority: High\n"
                           "Labels: payments, incident\nComponents: gateway-api\n"
                           "Links: blocks PAY-12, is blocked by OPS-3\n\n## Description\n\n"
                           "#### What happened\n")
    assert "The **gateway** retried `POST /charge` without backoff. See runbook " \
           "(https://wiki.acme.test/runbook)." in text
    assert "```python\ndef backoff(n):\n    return min(2 ** n, 30)\n```" in text
    assert "| Env | Errors |\n|---|---|\n| prod | 1200 |\n| staging | 3 |" in text
    assert "Rollback: Revert to 2.2.1" in text
    assert "- first check\n  - nested check\n1. step one" in text
    assert "ping Bob Smith please" in text
    assert "## Comments\n\n**Bob Smith** (2024-03-02):\nFixed in\n\n```\ngateway 2.3.0\n```" in text
    assert "> looks good" in text and "\r" not in text
    meta = rec.meta
    assert meta["path"] == "search_v2.json" and meta["key"] == "PAY-7" and meta["project"] == "PAY"
    assert (meta["author"], meta["assignee"]) == ("Jane Doe", "Bob Smith")
    assert meta["people"] == ["Jane Doe", "Bob Smith"]
    assert meta["emails"] == ["jane.doe@acme.test", "bob.smith@acme.test"]
    assert meta["links"] == ["blocks PAY-12", "is blocked by OPS-3"]
    assert (meta["status"], meta["resolution"], meta["issuetype"]) == ("In Progress", "", "Bug")


def test_jira_v3_adf_issue():
    rec = only_record(parse(jira, FIX / "jira" / "issue_v3.json"))
    assert rec.id == "jira:OPS-9" and rec.url == "https://acme.atlassian.net/browse/OPS-9"
    assert "Type: Task | Status: Done | Resolution: Done | Priority: Medium" in rec.text
    assert "Owner: Liam Brown see docs (https://docs.acme.test)" in rec.text
    assert "Warning: Never reuse old passwords." in rec.text
    assert "```bash\nvault write db/rotate-root/ledger\n```" in rec.text
    assert "| Env | When |\n|---|---|\n| prod | Sunday |" in rec.text
    assert "- one" in rec.text
    assert "**Liam Brown** (2024-04-11):\nDone, VERIFIED" in rec.text
    assert rec.meta["people"] == ["Mei Tan", "Liam Brown"]
    assert rec.meta["author"] == "Mei Tan" and rec.meta["assignee"] == ""


def test_jira_webhook_comment_is_included():
    rec = only_record(parse(jira, FIX / "jira" / "webhook.json"))
    assert rec.id == "jira:PAY-21"
    assert "## Description\n\nCurrency is missing from `refund.completed` events." in rec.text
    assert "## Comments\n\n**Priya Raman** (2024-04-01):\n" \
           "Repro with Priya Raman account, see PAY-20." in rec.text
    assert rec.meta["people"] == ["Priya Raman"] and rec.meta["emails"] == ["priya@acme.test"]


def test_jira_bad_input_is_quarantined(tmp_path: Path):
    (bad,) = parse(jira, FIX / "jira" / "broken.json")
    assert isinstance(bad, Quarantine) and bad.source == "jira" and bad.path == "broken.json"
    assert bad.reason.startswith("invalid JSON")
    page = tmp_path / "page.json"
    page.write_text(json.dumps({"issues": [{"key": "PAY-1"}, {"fields": {}},
                                           {"key": "PAY-2", "fields": {"summary": "ok"}}]}))
    out = parse(jira, page)
    assert [type(x).__name__ for x in out] == ["Quarantine", "Quarantine", "Record"]
    assert out[0].reason == "issue without key/fields" and out[0].id == "jira:PAY-1"
    other = tmp_path / "other.json"
    other.write_text('{"type": "doc", "content": []}')
    assert "no Jira issue found" in parse(jira, other)[0].reason


def test_markup_edge_cases():
    from alchemy.sources.markup import markdown_html_to_text, wiki_to_text
    from alchemy.sources.markup.common import drop_empty_sections

    src = "# (/) one\r\n# (x) two\r\n## sub\r\n# three\r\nuse {{${DB_PASSWORD}}}"
    assert wiki_to_text(src) == (
        "1. \u2714 one\n2. \u2718 two\n  1. sub\n3. three\nuse `${DB_PASSWORD}`")
    assert wiki_to_text("{quote}\n{code}x = 1{code}\n{quote}") == "> ```\n> x = 1\n> ```"
    body = "Run `<div>` and <kbd>Ctrl</kbd>\n- `@bot show <dependency name>`\n<!-- hidden -->"
    assert markdown_html_to_text(body) == "Run `<div>` and `Ctrl`\n- `@bot show <dependency name>`"
    assert drop_empty_sections("## A\ntext\n## Empty\n## B\nmore\n### Tail") == (
        "## A\ntext\n## B\nmore")


# --- confluence -------------------------------------------------------------------------------


def test_confluence_storage_page():
    out = parse(confluence, FIX / "confluence" / "pages.json", raw_dir=FIX / "confluence")
    rec = only_record(out)
    assert (rec.id, rec.kind, rec.title) == ("confluence:98765", "page", "Deploy Guide")
    assert rec.url == "https://acme.atlassian.net/wiki/spaces/ENG/pages/98765/Deploy+Guide"
    assert rec.created_at == "2024-05-02T12:00:00+00:00"
    assert rec.text.startswith("# Deploy Guide\nPath: Engineering > Platform > Runbooks\n"
                               "Labels: deploy, canary\n\n## Overview\n\n")
    assert "Owned by Ada Lovelace with @user. See Incident Process for escalation." in rec.text
    assert "```yaml\ncanary:\n  steps: [10, 50, 100]  # <percent>\n```" in rec.text
    assert "Note: Freeze deploys on Fridays." in rec.text
    assert "- [x] Write the runbook\n- [ ] Review with Grace Hopper" in rec.text
    assert "Old numbers: p99 was 800 ms." in rec.text
    assert "| Step | Weight |\n|---|---|\n| 1 | 10% |" in rec.text
    for dropped in ("maxLevel", "Add more here", "smile", "children"):
        assert dropped not in rec.text
    assert rec.meta == {"path": "pages.json", "space": "ENG", "ancestors": ["Platform", "Runbooks"],
                        "labels": ["deploy", "canary"], "version": 4, "author": "Grace Hopper",
                        "people": ["Grace Hopper", "Ada Lovelace"]}
    (q,) = [x for x in out if isinstance(x, Quarantine)]
    assert q.id == "confluence:555" and "comment" in q.reason
    assert parse(confluence, FIX / "confluence" / "users.json") == []


def test_confluence_users_json_from_parent_folder(tmp_path: Path):
    (tmp_path / "users.json").write_text('{"acc-1": "Ada Lovelace"}')
    (tmp_path / "ENG").mkdir()
    page = tmp_path / "ENG" / "p.json"
    body = '<p>Ask <ac:link><ri:user ri:account-id="acc-1"/></ac:link></p>'
    page.write_text(json.dumps({"id": "7", "title": "T", "body": {"storage": {"value": body}}}))
    rec = only_record(parse(confluence, page, raw_dir=tmp_path))
    assert rec.text == "# T\n\nAsk Ada Lovelace" and rec.meta["people"] == ["Ada Lovelace"]
    assert rec.meta["path"] == "ENG/p.json"


def test_confluence_html_export_page():
    path = FIX / "confluence" / "export" / "Ledger-FAQ_4242.html"
    rec = only_record(parse(confluence, path, raw_dir=FIX / "confluence"))
    assert (rec.id, rec.title, rec.created_at) == ("confluence:4242", "Ledger FAQ", "2024-03-05")
    assert rec.text.startswith("# Ledger FAQ\nPath: Engineering > Platform\n\n"
                               "### Why integer minor units?\n\n"
                               "Floats lose cents. We store `amount_minor` as **BIGINT**.")
    assert "Warning: Never round in the UI." in rec.text
    assert "```sql\nSELECT sum(amount_minor) FROM postings;\n```" in rec.text
    assert "- [x] Migrate old rows\n- [ ] Drop the float column" in rec.text
    for chrome in ("Document generated", "Attachments", "diagram.png", "Created by", "Atlassian"):
        assert chrome not in rec.text
    assert rec.meta["path"] == "export/Ledger-FAQ_4242.html"
    assert rec.meta["space"] == "Engineering" and rec.meta["ancestors"] == ["Platform"]
    assert rec.meta["people"] == ["Ada Lovelace", "Grace Hopper"]


# --- github -----------------------------------------------------------------------------------


def test_github_parse_dir_joins_reviews_and_comments():
    out = list(github.parse_dir(FIX / "github", {}))
    records = [r for r in out if isinstance(r, Record)]
    assert [r.id for r in records] == ["github:acme/ledger#12", "github:acme/ledger#15"]
    pr = records[0]
    assert (pr.kind, pr.title, pr.url) == ("pull_request", "Add idempotency keys",
                                           "https://github.com/acme/ledger/pull/12")
    assert pr.created_at == "2024-02-12T10:00:00+00:00"
    assert pr.text.startswith("PR #12: Add idempotency keys\n"
                              "State: closed (merged) | Author: jonas\n"
                              "Branches: main \u2190 fix/idempotency\nLabels: payments\n\n"
                              "## Description\n\n#### Why\n"
                              "Retries created **duplicate** entries.\n\n"
                              "- [x] tests\n- [ ] docs\n\nZerowidth gone.\n\n")
    assert "template" not in pr.text and "<b>" not in pr.text and "\u200b" not in pr.text
    assert "## Reviews\n\n**mei** approved (2024-02-13):\nLooks good once the TTL is documented." \
        in pr.text
    assert "commented" not in pr.text  # the empty COMMENTED review only wraps a review comment
    assert ("## Review comments\n\n**mei** on `src/ledger/app.py` (line 12):\n```diff\n"
            "@@ -10,6 +10,9 @@ def create(entry):\n     db.begin()\n+    if seen(key):\n"
            ) in pr.text
    assert "What is the TTL of `seen`?\n\n**jonas** replied:\n72 hours, see ADR-019." in pr.text
    assert ("## Discussion\n\n**github-actions[bot]** (2024-02-12):\nCoverage: 91% (+0.4%)\n\n"
            "**diego** (2024-02-12):\nShip it after the **TTL** note.") in pr.text
    assert pr.meta == {"path": "pulls.json", "number": 12, "repo": "acme/ledger", "state": "closed",
                       "merged": True, "author": "jonas", "labels": ["payments"], "base": "main",
                       "head": "fix/idempotency", "people": ["jonas", "mei", "diego"],
                       "bots": ["github-actions[bot]"]}
    bot_pr = records[1]
    assert bot_pr.meta["bots"] == ["dependabot[bot]"] and bot_pr.meta["merged"] is False
    assert ("Bumps fastapi (https://github.com/tiangolo/fastapi).\n\nCommits\n\n- abc Fix"
            in bot_pr.text)
    (orphan,) = [q for q in out if isinstance(q, Quarantine)]
    assert orphan.reason == "orphan review comment for PR #99"
    assert orphan.path == "review_comments.json" and orphan.id == "github:acme/ledger#99"


def test_github_single_files(tmp_path: Path):
    pulls = json.loads((FIX / "github" / "pulls.json").read_text())
    comments = json.loads((FIX / "github" / "issue_comments.json").read_text())
    hook = tmp_path / "hook.json"
    hook.write_text(json.dumps({"action": "opened", "number": 12, "pull_request": pulls[0],
                                "repository": {"full_name": "acme/ledger"}}))
    rec = only_record(parse(github, hook))
    assert rec.id == "github:acme/ledger#12" and "## Discussion" not in rec.text
    embedded = tmp_path / "pr_12.json"
    embedded.write_text(json.dumps({**pulls[0], "comments": comments}))
    assert "**diego** (2024-02-12):" in only_record(parse(github, embedded)).text
    (q,) = parse(github, FIX / "github" / "reviews.json")
    assert isinstance(q, Quarantine) and "parse_dir" in q.reason
    junk = tmp_path / "junk.json"
    junk.write_text('[{"hello": 1}]')
    assert parse(github, junk)[0].reason.startswith("item 0: not a pull request")


# --- git --------------------------------------------------------------------------------------


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    env = {**os.environ, "GIT_AUTHOR_NAME": "Ada Lovelace", "GIT_AUTHOR_EMAIL": "ada@acme.test",
           "GIT_COMMITTER_NAME": "Ada Lovelace", "GIT_COMMITTER_EMAIL": "ada@acme.test",
           "GIT_AUTHOR_DATE": "2024-01-02T03:04:05+01:00",
           "GIT_COMMITTER_DATE": "2024-01-02T03:04:05+01:00", "GIT_CONFIG_GLOBAL": os.devnull,
           "GIT_CONFIG_NOSYSTEM": "1"}
    path = tmp_path / "repo"

    def sh(*args: str) -> None:
        subprocess.run(["git", *args], cwd=path, env=env, check=True, capture_output=True)

    path.mkdir()
    sh("init", "-q", "-b", "main")
    (path / "app.py").write_text("print('hi')\n")
    (path / "logo.bin").write_bytes(b"\x00\xff\x00binary")
    sh("add", ".")
    sh("commit", "-q", "-m", "Initial commit",
       "-m", "Co-authored-by: Grace Hopper <grace@acme.test>")
    sh("checkout", "-q", "-b", "feat")
    (path / "notes.txt").write_bytes(b"caf\xe9 latin-1\n" + b"x" * 400 + b"\n")
    sh("add", ".")
    sh("commit", "-q", "-m", "Add retry notes (#5)")
    sh("checkout", "-q", "main")
    sh("merge", "-q", "--no-ff", "feat", "-m", "Merge pull request #5 from acme/feat")
    return path


def test_git_dump_and_parse(repo: Path, tmp_path: Path):
    out = tmp_path / "raw" / "repo.commits.jsonl"
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=repo, capture_output=True, text=True)
    summary = git.dump_repo(repo, out, max_diff_bytes=200)
    assert summary == {"repo": "repo", "commits": 3, "head": head.stdout.strip(),
                       "incremental": False}
    merge, feat, first = [json.loads(line) for line in out.read_text().splitlines()]
    assert merge["is_merge"] and merge["pr_number"] == 5 and len(merge["parents"]) == 2
    assert feat["pr_number"] == 5 and not feat["is_merge"]
    assert feat["files"] == [{"path": "notes.txt", "status": "A", "additions": 2, "deletions": 0}]
    assert "caf\ufffd latin-1" in feat["diff"] and "[... diff truncated:" in feat["diff"]
    assert first["files"][1] == {"path": "logo.bin", "status": "A", "additions": 0, "deletions": 0,
                                 "binary": True}
    assert first["date"] == "2024-01-02T03:04:05+01:00" and first["author_email"] == "ada@acme.test"
    with out.open("a") as fh:
        fh.write("{not json\n")
    items = list(git.parse_file(out, source_options("git", raw_dir=str(out.parent))))
    kinds = [(type(x).__name__, getattr(x, "kind", "")) for x in items]
    assert kinds == [("Record", "merge"), ("Record", "commit"), ("Record", "commit"),
                     ("Quarantine", "")]
    assert items[-1].path == "repo.commits.jsonl" and items[-1].reason.startswith("line 4: ")
    rec = items[2]
    assert rec.id == f"git:repo@{first['sha'][:12]}" and rec.title == "Initial commit"
    assert rec.text.startswith("Initial commit\n\n"
                               "Co-authored-by: Grace Hopper <grace@acme.test>\n\n"
                               "Author: Ada Lovelace\n\nFiles changed:\n- A app.py (+1 -0)\n"
                               "- A logo.bin (binary)\n\n```diff\ndiff --git a/app.py b/app.py\n")
    assert rec.meta == {"path": "repo.commits.jsonl", "sha": first["sha"], "repo": "repo",
                        "author": "Ada Lovelace", "people": ["Ada Lovelace", "Grace Hopper"],
                        "emails": ["ada@acme.test", "grace@acme.test"], "pr_number": None,
                        "is_merge": False}
    assert items[0].meta["pr_number"] == 5 and items[0].meta["is_merge"] is True


def test_git_dump_from_bundle(repo: Path, tmp_path: Path):
    bundle = tmp_path / "svc.bundle"
    subprocess.run(["git", "bundle", "create", str(bundle), "--all"], cwd=repo, check=True,
                   capture_output=True)
    summary = git.dump_repo(bundle, tmp_path / "svc.commits.jsonl")
    assert summary["repo"] == "svc" and summary["commits"] == 3
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "svc.bundle").write_bytes(bundle.read_bytes())
    (raw / "broken.bundle").write_bytes(b"not a bundle")
    out = list(git.parse_dir(raw, source_options("git")))
    assert [x.meta["path"] for x in out if isinstance(x, Record)] == ["svc.bundle"] * 3
    assert out[0].reason.startswith("unreadable bundle") and out[0].path == "broken.bundle"
    with pytest.raises(RuntimeError):
        git.dump_repo(tmp_path / "nowhere", tmp_path / "x.commits.jsonl")


# --- documents --------------------------------------------------------------------------------


def test_docx_document(tmp_path: Path):
    import docx

    doc = docx.Document()
    doc.core_properties.author = "Ada Lovelace"
    doc.core_properties.last_modified_by = "Grace Hopper"
    doc.add_heading("Operations Manual", level=1)
    doc.add_paragraph("Read this before on-call.")
    doc.add_heading("Escalation", level=2)
    doc.add_paragraph("Page the primary", style="List Bullet")
    doc.add_paragraph("Then the secondary", style="List Bullet")
    for line in ("make deploy", "make verify"):
        doc.add_paragraph().add_run(line).font.name = "Consolas"
    table = doc.add_table(rows=2, cols=2)
    for r, row in enumerate([["Sev", "Response"], ["1", "15 min"]]):
        for c, value in enumerate(row):
            table.cell(r, c).text = value
    (tmp_path / "manuals").mkdir()
    path = tmp_path / "manuals" / "ops.docx"
    doc.save(str(path))
    rec = only_record(parse(documents, path, raw_dir=tmp_path))
    assert (rec.id, rec.kind, rec.title) == ("documents:manuals/ops.docx", "document",
                                             "Operations Manual")
    assert rec.text == ("# Operations Manual\n\nRead this before on-call.\n\n## Escalation\n\n"
                        "- Page the primary\n- Then the secondary\n\n"
                        "```\nmake deploy\nmake verify\n```\n\n"
                        "| Sev | Response |\n|---|---|\n| 1 | 15 min |")
    assert rec.meta["people"] == ["Ada Lovelace", "Grace Hopper"]
    assert rec.meta["path"] == "manuals/ops.docx" and rec.meta["format"] == "docx"


def test_pdf_document_and_encrypted_pdf(tmp_path: Path):
    from pypdf import PdfReader, PdfWriter
    from reportlab.pdfgen import canvas

    path = tmp_path / "guide.pdf"
    pdf = canvas.Canvas(str(path))
    pdf.setAuthor("Grace Hopper")
    pdf.setTitle("Deploy Guide")
    lines = ["Deploys go through Argo CD.", "Rollback by reverting the merge.", "Ask #platform."]
    for n, line in enumerate(lines, 1):
        pdf.drawString(72, 800, "ACME Deploy Guide - INTERNAL")  # running header
        pdf.drawString(72, 720, line)
        if n == 2:
            for x, cell in ((72, "Service"), (200, "Port"), (300, "Owner")):
                pdf.drawString(x, 690, cell)
            for x, cell in ((72, "ledger"), (200, "8443"), (300, "Ledger team")):
                pdf.drawString(x, 675, cell)
        pdf.drawString(300, 40, f"Page {n}")  # page number footer
        pdf.showPage()
    pdf.save()
    rec = only_record(parse(documents, path))
    assert (rec.id, rec.title) == ("documents:guide.pdf", "Deploy Guide")
    assert rec.text == ("Deploys go through Argo CD.\n\nRollback by reverting the merge.\n\n"
                        "Service | Port | Owner\nledger | 8443 | Ledger team\n\nAsk #platform.")
    assert rec.meta["people"] == ["Grace Hopper"] and rec.meta["pages"] == 3
    writer = PdfWriter(clone_from=PdfReader(str(path)))
    writer.encrypt("s3cret")
    locked = tmp_path / "locked.pdf"
    writer.write(str(locked))
    (q,) = parse(documents, locked)
    assert isinstance(q, Quarantine) and q.reason == "encrypted PDF (password required)"


def test_text_markdown_and_html_documents(tmp_path: Path):
    (tmp_path / "runbook.md").write_text("Intro\n\n# Ledger runbook\n\nRestart with care.\n")
    (tmp_path / "front.md").write_text("---\ntitle: Payout runbook\nowner: Treasury\n---\n# x\n")
    (tmp_path / "notes.txt").write_text("plain notes\n")
    (tmp_path / "old.txt").write_bytes(b"caf\xe9")
    (tmp_path / "broken.docx").write_bytes(b"not a zip")
    (tmp_path / "page.html").write_text("<html><head><title>FAQ</title><style>p{}</style></head>"
                                        "<body><nav>menu</nav><h1>FAQ</h1><p>Use <b>TLS</b>.</p>"
                                        "<ul><li>one</li><li>two</li></ul></body></html>")
    got = {p.name: parse(documents, p) for p in sorted(tmp_path.iterdir())}
    assert only_record(got["runbook.md"]).title == "Ledger runbook"
    assert only_record(got["front.md"]).title == "Payout runbook"
    txt = only_record(got["notes.txt"])
    assert (txt.title, txt.text, txt.meta["path"]) == ("notes", "plain notes", "notes.txt")
    assert got["old.txt"][0].reason.startswith("not UTF-8")
    assert got["broken.docx"][0].reason.startswith("unreadable docx file")
    html = only_record(got["page.html"])
    assert (html.title, html.text) == ("FAQ", "# FAQ\n\nUse **TLS**.\n\n- one\n- two")


def test_outputs_are_deterministic():
    def run() -> list[dict]:
        out = []
        for mod, folder in ((jira, "jira"), (confluence, "confluence"), (github, "github")):
            raw = FIX / folder
            files = sorted({p for pat in mod.PATTERNS for p in raw.glob(pat)})
            opts = source_options(folder, raw_dir=str(raw))
            out += [x.to_dict() for f in files for x in mod.parse_file(f, opts)]
        out += [x.to_dict() for x in github.parse_dir(FIX / "github", {})]
        return out

    first = run()
    assert first == run() and len(first) > 10
    assert all(x["meta"]["path"] for x in first if "meta" in x)


def test_bounded_quarantines_anything_a_parser_raises(tmp_path: Path):
    from alchemy.sources import bounded

    def parse_file(path, cfg):
        yield Record("jira:A-1", "jira", "issue", "ok", "kept before the failure")
        raise KeyError("fields")

    parse_file.__module__ = "alchemy.sources.jira"
    items = list(bounded(parse_file)(tmp_path / "x.json", {"raw_dir": str(tmp_path)}))
    assert isinstance(items[0], Record)
    assert isinstance(items[1], Quarantine) and items[1].source == "jira"
    assert items[1].path == "x.json" and items[1].reason == "unparseable file: KeyError: 'fields'"
