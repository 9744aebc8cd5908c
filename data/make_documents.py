"""Rebuild the sample manuals in data/raw/documents/ (fictional company Lumenpay).

    python data/make_documents.py

Writes
  raw/documents/lumenpay-platform-operations-manual.pdf   (reportlab)
  raw/documents/developer-onboarding-guide.docx           (python-docx)

Deterministic: fixed document dates and metadata, reportlab invariant mode, and the DOCX zip is
rewritten with fixed member timestamps, so re-running gives byte-identical files. The Markdown
runbook in the same folder is hand-written, not generated.

The text deliberately contains fake personal data (phone numbers, e-mail addresses) for the
sanitizer tests; every such value is listed in data/planted.json.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import zipfile
from pathlib import Path

OUT = Path(__file__).resolve().parent / "raw" / "documents"
DOC_DATE = dt.datetime(2024, 9, 20, 9, 0, 0, tzinfo=dt.timezone.utc)

SERVICES = [
    # name, team, port, language, datastores
    ("gateway-api", "Payments Edge", "8080", "Go 1.22", "Redis 7 (rate limits)"),
    ("ledger-service", "Ledger", "8443", "Python 3.11 / FastAPI", "PostgreSQL 15 via PgBouncer :6432"),
    ("risk-engine", "Risk", "9090 (gRPC)", "Python 3.11", "Redis, ClickHouse"),
    ("payout-scheduler", "Treasury", "8600", "Java 21 / Spring Boot", "PostgreSQL 15"),
    ("notify-hub", "Platform", "7070", "TypeScript / Node.js 20", "Kafka, DynamoDB"),
    ("merchant-portal", "Growth", "3000", "TypeScript / Next.js 14", "none (uses gateway-api)"),
]


# --------------------------------------------------------------------------------------- PDF
def build_pdf(path: Path) -> None:
    os.environ["SOURCE_DATE_EPOCH"] = str(int(DOC_DATE.timestamp()))
    from reportlab import rl_config

    rl_config.invariant = 1
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
    from reportlab.lib.units import mm
    from reportlab.platypus import (
        ListFlowable,
        ListItem,
        PageBreak,
        Paragraph,
        SimpleDocTemplate,
        Spacer,
        Table,
        TableStyle,
    )

    ss = getSampleStyleSheet()
    body = ParagraphStyle("body", parent=ss["BodyText"], fontSize=10, leading=13.5, spaceAfter=5)
    small = ParagraphStyle("small", parent=body, fontSize=8.5, leading=11)
    h1, h2 = ss["Heading1"], ss["Heading2"]

    def P(text, style=body):
        return Paragraph(text, style)

    def bullets(items, numbered=False):
        return ListFlowable([ListItem(P(i), leftIndent=12) for i in items],
                            bulletType="1" if numbered else "bullet", start="1" if numbered else None,
                            leftIndent=14, bulletFontSize=8)

    def table(rows, widths):
        t = Table([[P(c, small) for c in r] for r in rows], colWidths=widths, repeatRows=1)
        t.setStyle(TableStyle([
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#DDE6F0")),
            ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#8899AA")),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ]))
        return t

    def footer(canvas, doc):
        canvas.saveState()
        canvas.setFont("Helvetica", 8)
        canvas.drawString(20 * mm, 12 * mm, "Lumenpay Platform Operations Manual - v3.2 - INTERNAL")
        canvas.drawRightString(190 * mm, 12 * mm, f"Page {doc.page}")
        canvas.restoreState()

    s = []
    s += [Spacer(1, 30 * mm), P("Lumenpay Platform Operations Manual", ss["Title"]),
          P("Version 3.2 - September 2024 - owner: Mei Tanaka (SRE lead, Platform team)", ss["Italic"]),
          Spacer(1, 8 * mm),
          P("This manual describes how Lumenpay's payment platform is run in production: the services and who owns "
            "them, where they run, how changes are deployed, how configuration and secrets are handled, and how "
            "on-call and incidents work. It is the printable companion of the Engineering and Operations spaces in "
            "Confluence. If the two disagree, Confluence wins and this manual is out of date."),
          P("Lumenpay is a London-based payments company. We acquire card payments for small and medium merchants in "
            "the UK and the EU, keep a double-entry ledger of every money movement, and pay merchant balances out "
            "daily by Bacs (GBP) and SEPA (EUR)."),
          Spacer(1, 6 * mm), P("Contents", h2),
          bullets(["Platform overview", "Environments and infrastructure", "Deploying changes",
                   "Configuration and secrets", "On-call and incident management", "Incident history 2024",
                   "Emergency contacts"], numbered=True),
          PageBreak()]

    s += [P("1. Platform overview", h1),
          P("Six services make up the platform. All of them run as containers on Kubernetes and expose Prometheus "
            "metrics. The table lists the port each service listens on inside the cluster."),
          table([["Service", "Owning team", "Port", "Language", "Datastores"]] + [list(r) for r in SERVICES],
                [32 * mm, 27 * mm, 20 * mm, 37 * mm, 52 * mm]),
          Spacer(1, 4 * mm),
          P("<b>Request path.</b> A merchant calls gateway-api (port 8080 behind the load balancer on 443). gateway-api "
            "checks the API key and the rate limit (300 requests per minute per key by default, 1,200 on the Enterprise "
            "plan), asks risk-engine for a fraud score over gRPC on port 9090, authorises with the card scheme and posts "
            "a journal entry to ledger-service on port 8443 with an Idempotency-Key. An event goes to the Kafka topic "
            "merchant-events, from which notify-hub (port 7070) delivers the merchant's webhook."),
          P("<b>Risk decisions.</b> risk-engine returns a score between 0 and 1: below 0.60 approve, 0.60 to 0.85 approve "
            "with a 3-D Secure challenge, 0.85 and above decline. Its p99 latency budget is 80 ms; gateway-api treats a "
            "timeout as 0.5 so that risk-engine can never stop payments."),
          P("<b>Money.</b> Every amount on the platform is an integer number of minor units (pence, cents) in a 64-bit "
            "integer with an ISO 4217 currency code (ADR-019). Floating point is never used for money. The ledger "
            "itself lives in PostgreSQL rather than DynamoDB because a journal entry must write all of its postings in "
            "one ACID transaction and finance needs SQL for reconciliation (ADR-007)."),
          P("<b>Payouts.</b> payout-scheduler submits the daily GBP payout batch at 15:30 Europe/London, before the "
            "bank's 16:00 Bacs cutoff. EUR payouts go by SEPA at 14:00 Europe/Berlin."),
          P("<b>Webhooks.</b> notify-hub retries a failed webhook delivery 8 times with exponential backoff over 24 "
            "hours, then marks the event FAILED; merchants can replay it from merchant-portal."),
          P("2. Environments and infrastructure", h1),
          table([["Environment", "Cluster", "AWS region", "Notes"],
                 ["production", "lp-prod-euw1 (EKS)", "eu-west-1 (Ireland)", "all merchant traffic"],
                 ["staging", "lp-stg-euw1 (EKS)", "eu-west-1", "auto-deployed from main"],
                 ["disaster recovery", "lp-dr-euc1 (EKS)", "eu-central-1 (Frankfurt)", "RPO 5 minutes, RTO 60 minutes; tested quarterly"]],
                [32 * mm, 38 * mm, 38 * mm, 60 * mm]),
          Spacer(1, 3 * mm),
          P("Container images are built by GitHub Actions and pushed to registry.lumenpay.io, tagged with the git commit "
            "SHA and deployed by digest. Logs go to Loki, metrics to Prometheus, dashboards are in Grafana, alerts are "
            "routed by Alertmanager to PagerDuty. The last DR test (OPS-155, 29 August 2024) restored service in the DR "
            "region in 41 minutes with 2.1 seconds of replication lag."),
          PageBreak()]

    s += [P("3. Deploying changes", h1),
          P("All deployments are GitOps with Argo CD (ADR-011). CI never talks to a cluster; it builds an image and opens a "
            "pull request in the lumenpay/gitops repository that bumps the image tag."),
          bullets(["A pull request needs <b>two approvals</b>, one of them from the owning team, and green CI "
                   "(tests and gitleaks secret scanning).",
                   "Merging to main deploys to staging automatically. Production is a second, reviewed bump PR.",
                   "Argo Rollouts runs a canary: <b>10% of traffic for 15 minutes, then 50% for 15 minutes, then 100%</b>.",
                   "The canary is rolled back automatically if its HTTP 5xx rate is above <b>1%</b> or its p99 latency "
                   "is more than <b>twice the stable baseline</b>.",
                   "Rolling back a finished deploy means reverting the bump commit in the gitops repository."]),
          P("<b>Deploy freeze.</b> There are no production deploys from <b>Friday 15:00 UTC until Monday 09:00 UTC</b>, "
            "nor on UK bank holidays. Argo CD enforces the freeze with a deny sync window (OPS-120). An emergency fix "
            "during the freeze needs an incident ticket and the approval of the on-call SRE."),
          P("4. Configuration and secrets", h1),
          bullets(["Every setting is an environment variable with the <b>LP_</b> prefix, for example LP_PORT, LP_DB_URL, "
                   "LP_DB_POOL_SIZE, LP_LOG_LEVEL. Environment variables override config/&lt;env&gt;.yaml.",
                   "Secrets are stored only in AWS Secrets Manager under <b>lumenpay/&lt;env&gt;/&lt;service&gt;/&lt;name&gt;</b> "
                   "and reach pods as environment variables through the External Secrets operator. Files reference them "
                   "as ${NAME}, e.g. ${DB_PASSWORD}.",
                   "Secrets never appear in config files, tickets, chat or logs. LP_LOG_LEVEL=debug is refused in "
                   "production since OPS-152.",
                   "Local development uses docker-compose with the throwaway password changeme."]),
          P("5. On-call and incident management", h1),
          P("Every team has a weekly PagerDuty rotation with a primary and a secondary. <b>Handover is on Monday at 10:00 "
            "UTC.</b> Incidents are coordinated in the Slack channel <b>#inc-bridge</b>; the on-call SRE is incident "
            "commander unless they hand over."),
          table([["Severity", "Meaning", "Acknowledge within", "Postmortem"],
                 ["SEV-1", "money moved incorrectly or payments fully down", "5 minutes", "within 5 business days"],
                 ["SEV-2", "degraded service, or security exposure without confirmed misuse", "15 minutes", "within 5 business days"],
                 ["SEV-3", "minor, no merchant impact", "next business day", "optional"]],
                [20 * mm, 75 * mm, 35 * mm, 38 * mm]),
          Spacer(1, 3 * mm),
          P("Postmortems are blameless, written in the Operations space under Postmortems, and reviewed by the VP "
            "Engineering, Amara Okafor."),
          PageBreak()]

    s += [P("6. Incident history 2024", h1),
          P("The incidents below shaped most of the rules in this manual."),
          table([["Ticket", "Date", "Service", "What happened", "Permanent fix"],
                 ["OPS-101 (SEV-1)", "7 Feb", "ledger-service",
                  "After scaling from 2 to 6 pods, retries reached pods whose in-memory idempotency cache did not know the "
                  "key; 482 refunds were posted twice (GBP 23,410.56).",
                  "Idempotency keys in PostgreSQL with UNIQUE (merchant_id, idempotency_key), kept 72 hours; nightly "
                  "reconciliation."],
                 ["OPS-127 (SEV-2)", "1 Apr", "payout-scheduler",
                  "Cron evaluated in UTC; after clocks went forward the batch ran at 16:30 London and missed the 16:00 "
                  "Bacs cutoff. 1,206 payouts one day late.",
                  "Schedule in Europe/London (CRON_TZ), batch at 15:30, alert at 15:45."],
                 ["OPS-114 (SEV-2)", "18 Apr", "gateway-api",
                  "Envoy did not reload the rotated TLS certificate; 502 errors for 23 minutes.",
                  "Certificates through Envoy SDS with a file watch (hot reload)."],
                 ["OPS-139 (SEV-1)", "22 Jul", "ledger-service",
                  "12 pods x 50 connections = 600 exceeded PostgreSQL max_connections of 500; 47 minutes of failures.",
                  "PgBouncer in transaction mode on port 6432, pool size 20 per pod, statement_timeout 5 s (ADR-016)."],
                 ["OPS-152 (SEV-2)", "10 Sep", "notify-hub",
                  "Debug logging wrote the Stripe live secret key into Loki for 18 hours.",
                  "Key rolled within 2 hours; credential redaction in all logs; debug level banned in production."]],
                [22 * mm, 13 * mm, 31 * mm, 54 * mm, 50 * mm]),
          P("7. Emergency contacts", h1),
          P("Page through PagerDuty. Use these numbers only if PagerDuty or Slack is unavailable."),
          table([["Name", "Role", "Phone", "E-mail"],
                 ["Mei Tanaka", "SRE lead, default incident commander", "+44 7700 900456", "mei.tanaka@lumenpay.io"],
                 ["Jonas Lindqvist", "Ledger team lead", "+44 7700 900123", "jonas.lindqvist@lumenpay.io"],
                 ["Hannah Becker", "Treasury team lead", "+44 7700 900789", "hannah.becker@lumenpay.io"],
                 ["Tomás Novak", "Payments Edge team lead", "+420 601 555 218", "tomas.novak@lumenpay.io"],
                 ["Incident bridge", "conference line", "+44 20 7946 0958", "incidents@lumenpay.io"]],
                [32 * mm, 55 * mm, 32 * mm, 51 * mm]),
          Spacer(1, 4 * mm),
          P("Glossary", h2),
          bullets(["<b>Bacs cutoff</b>: 16:00 Europe/London; payout files submitted later are paid a business day later.",
                   "<b>Idempotency-Key</b>: header that makes a retried POST return the first result instead of acting twice.",
                   "<b>Minor units</b>: the smallest unit of a currency (pence for GBP, cents for EUR).",
                   "<b>RPO / RTO</b>: maximum data loss / maximum time to restore service after a disaster."])]

    doc = SimpleDocTemplate(str(path), pagesize=A4, leftMargin=20 * mm, rightMargin=20 * mm,
                            topMargin=18 * mm, bottomMargin=20 * mm,
                            title="Lumenpay Platform Operations Manual", author="Mei Tanaka",
                            subject="Production operations of the Lumenpay payment platform",
                            creator="Lumenpay docs build", keywords="operations, on-call, deploy, incidents")
    doc.build(s, onFirstPage=footer, onLaterPages=footer)


# -------------------------------------------------------------------------------------- DOCX
def build_docx(path: Path) -> None:
    from docx import Document
    from docx.shared import Pt

    d = Document()
    d.styles["Normal"].font.name = "Calibri"
    d.styles["Normal"].font.size = Pt(11)

    cp = d.core_properties
    cp.author = "Amara Okafor"
    cp.last_modified_by = "Jonas Lindqvist"
    cp.title = "Developer Onboarding Guide"
    cp.subject = "Lumenpay engineering onboarding"
    cp.keywords = "onboarding; engineering; lumenpay"
    cp.category = "Engineering handbook"
    cp.comments = "Maintained by the Engineering management team. Last reviewed September 2024."
    cp.revision = 7
    cp.created = dt.datetime(2023, 10, 2, 9, 30, 0)
    cp.modified = dt.datetime(2024, 9, 18, 16, 45, 0)
    cp.last_printed = dt.datetime(2024, 9, 19, 8, 0, 0)

    d.add_heading("Developer Onboarding Guide", level=0)
    p = d.add_paragraph("Welcome to Lumenpay engineering. This guide gets you from your first login to your first "
                        "production deploy. Your onboarding buddy will walk through it with you; ask them, or ")
    p.add_run("#eng-help").bold = True
    p.add_run(" on Slack, whenever something here is unclear or wrong.")

    d.add_heading("Your first week", level=1)
    for step in [
        "Day 1: laptop, SSO, GitHub (organisation lumenpay), Jira and Confluence access. Read the Service Catalogue.",
        "Day 2: run ledger-service locally (see Local development below) and make a journal entry with curl.",
        "Day 3: shadow your team's on-call for a day; read the postmortems of OPS-101 and OPS-139.",
        "Day 4: pick a starter ticket labelled good-first-issue in your team's Jira project.",
        "Day 5: open your first pull request. It needs two approvals and green CI.",
    ]:
        d.add_paragraph(step, style="List Number")

    d.add_heading("Accounts to request", level=2)
    for item in ["GitHub: ask your team lead to add you to the lumenpay organisation team of your squad.",
                 "AWS: read-only SSO role for staging on day 1; production access only after 4 weeks and the security training.",
                 "PagerDuty: added to your team's rotation after 8 weeks.",
                 "Grafana, Loki and Argo CD: through SSO, no request needed."]:
        d.add_paragraph(item, style="List Bullet")

    d.add_heading("Teams and who to ask", level=1)
    rows = [("Team", "Lead", "Owns", "E-mail"),
            ("Payments Edge", "Tomás Novak", "gateway-api", "tomas.novak@lumenpay.io"),
            ("Ledger", "Jonas Lindqvist", "ledger-service", "jonas.lindqvist@lumenpay.io"),
            ("Risk", "Priya Raman", "risk-engine", "priya.raman@lumenpay.io"),
            ("Treasury", "Hannah Becker", "payout-scheduler", "hannah.becker@lumenpay.io"),
            ("Platform", "Mei Tanaka (SRE lead)", "clusters, Argo CD, notify-hub (Kwame Mensah)", "mei.tanaka@lumenpay.io"),
            ("Growth", "Sofia Rossi", "merchant-portal", "sofia.rossi@lumenpay.io"),
            ("Security", "Liam O'Connor", "secrets, access, gitleaks", "liam.oconnor@lumenpay.io")]
    t = d.add_table(rows=len(rows), cols=4)
    t.style = "Table Grid"
    for r, row in enumerate(rows):
        for c, val in enumerate(row):
            cell = t.cell(r, c)
            cell.text = val
            if r == 0:
                cell.paragraphs[0].runs[0].bold = True
    d.add_paragraph("Engineering is led by Amara Okafor, VP Engineering (amara.okafor@lumenpay.io). "
                    "IT helpdesk: +44 20 7946 0321, weekdays 08:00-18:00 UK time.")

    d.add_heading("Our services", level=1)
    for name, team, port, lang, store in SERVICES:
        para = d.add_paragraph(style="List Bullet")
        para.add_run(name).bold = True
        para.add_run(f" - {team} team, port {port}, {lang}; datastores: {store}.")

    d.add_heading("Engineering conventions", level=1)
    d.add_heading("Money", level=2)
    d.add_paragraph("Amounts are integers in minor units (amount_minor, fee_minor) with an ISO 4217 currency code. "
                    "Never use float or double for money (ADR-019). A 1.4% + 20p fee is computed as "
                    "(amount_minor * 140 + 5000) // 10000 + 20.")
    d.add_heading("Datastores", level=2)
    d.add_paragraph("The ledger runs on PostgreSQL, not DynamoDB (ADR-007): double-entry postings need multi-row, "
                    "serializable transactions, and reconciliation is easiest in SQL. ledger-service reaches it only "
                    "through PgBouncer on port 6432 (ADR-016).")
    d.add_heading("Idempotency", level=2)
    d.add_paragraph("Every POST that moves money carries an Idempotency-Key. ledger-service stores keys in PostgreSQL "
                    "with a unique constraint on (merchant_id, idempotency_key) for 72 hours - never in process memory; "
                    "that mistake caused OPS-101.")
    d.add_heading("Configuration", level=2)
    for item in ["Settings are LP_-prefixed environment variables (LP_PORT, LP_DB_URL, LP_DB_POOL_SIZE, LP_LOG_LEVEL).",
                 "Per-environment defaults in config/dev.yaml, config/staging.yaml, config/prod.yaml.",
                 "Secrets only in AWS Secrets Manager under lumenpay/<env>/<service>/<name>; files use ${DB_PASSWORD}-style references.",
                 "gitleaks runs in CI and blocks any commit that contains a credential."]:
        d.add_paragraph(item, style="List Bullet")
    d.add_heading("Shipping", level=2)
    d.add_paragraph("Two approvals per pull request. Deploys go through Argo CD with a 10% / 50% / 100% canary and 15 "
                    "minute pauses; automatic rollback above 1% errors or twice the baseline p99 latency. No production "
                    "deploys from Friday 15:00 UTC to Monday 09:00 UTC.")

    d.add_heading("Local development", level=1)
    d.add_paragraph("Clone the repository, start PostgreSQL with docker-compose (user ledger, password changeme - "
                    "local only) and run the service:")
    for line in ["git clone git@github.com:lumenpay/ledger-service.git && cd ledger-service",
                 "docker compose up -d postgres",
                 'pip install -e ".[dev]" && uvicorn ledger.app:app --port 8443',
                 "curl -s localhost:8443/healthz",
                 'export LUMENPAY_API_KEY="<YOUR_API_KEY>"   # a sandbox key, lpk_test_...']:
        para = d.add_paragraph(style="No Spacing")
        run = para.add_run(line)
        run.font.name = "Consolas"
        run.font.size = Pt(9.5)

    d.add_heading("On-call", level=1)
    d.add_paragraph("You join your team's PagerDuty rotation after 8 weeks, first as secondary. Rotations are weekly "
                    "with handover on Monday at 10:00 UTC. SEV-1 pages must be acknowledged within 5 minutes. "
                    "Incidents are run in #inc-bridge and every SEV-1 or SEV-2 gets a blameless postmortem within 5 "
                    "business days.")

    d.add_heading("Glossary", level=1)
    for term, meaning in [("ADR", "Architecture Decision Record, in Confluence under Engineering > Architecture Decision Records."),
                          ("IC", "Incident commander, by default the on-call SRE."),
                          ("Bacs cutoff", "16:00 Europe/London, the bank deadline for same-day GBP payouts.")]:
        para = d.add_paragraph(style="List Bullet")
        para.add_run(term + ": ").bold = True
        para.add_run(meaning)

    buf = io.BytesIO()
    d.save(buf)
    # Rewrite the zip with fixed timestamps and order so the bytes are reproducible.
    src = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            zi = zipfile.ZipInfo(info.filename, date_time=(2024, 9, 18, 16, 45, 0))
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = 0o644 << 16
            dst.writestr(zi, src.read(info.filename))


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    pdf = OUT / "lumenpay-platform-operations-manual.pdf"
    docx = OUT / "developer-onboarding-guide.docx"
    build_pdf(pdf)
    build_docx(docx)
    for f in (pdf, docx):
        print(f"wrote {f} ({f.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
