#!/usr/bin/env bash
# Rebuild data/raw/git/ledger-service.bundle: the (fictional) Lumenpay ledger-service repository,
# January to September 2024, with merge commits for pull requests #34 #38 #41 #47 #50 #53 #58 #61
# (see data/raw/github/pulls.json), one open branch (PR #66), and a commit that leaks AWS
# credentials into config/staging.yaml which a later commit removes.
#
# Deterministic: fixed authors, committers and dates, isolated from the user's git config, so
# running it twice gives the same commit SHAs (the bundle bytes may differ; the SHAs do not).
#
#   bash data/make_git_history.sh            # writes data/raw/git/ledger-service.bundle
#   git clone data/raw/git/ledger-service.bundle /tmp/ledger-service
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
OUT="$HERE/raw/git/ledger-service.bundle"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

# Isolate from any user/system git configuration (signing, hooks, templates, autocrlf ...).
export HOME="$WORK" GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null TZ=UTC LC_ALL=C
umask 022

REPO="$WORK/ledger-service"
git -c init.defaultBranch=main init -q --template= "$REPO"
cd "$REPO"
git config commit.gpgsign false
git config core.autocrlf false
git config user.name "Lumenpay Build"
git config user.email "build@lumenpay.io"

JONAS=("Jonas Lindqvist" "jonas.lindqvist@lumenpay.io")
DIEGO=("Diego Fernández" "diego.fernandez@lumenpay.io")
MEI=("Mei Tanaka" "mei.tanaka@lumenpay.io")
LIAM=("Liam O'Connor" "liam.oconnor@lumenpay.io")
BOT=("dependabot[bot]" "49699333+dependabot[bot]@users.noreply.github.com")

# commit NAME EMAIL DATE MESSAGE...   (every further argument is one more paragraph)
commit() {
  local name="$1" email="$2" date="$3"; shift 3
  local args=()
  for m in "$@"; do args+=(-m "$m"); done
  git add -A
  GIT_AUTHOR_NAME="$name" GIT_AUTHOR_EMAIL="$email" GIT_AUTHOR_DATE="$date" \
  GIT_COMMITTER_NAME="$name" GIT_COMMITTER_EMAIL="$email" GIT_COMMITTER_DATE="$date" \
    git commit -q "${args[@]}"
}

# merge_pr BRANCH NUMBER MERGER_NAME MERGER_EMAIL DATE TITLE  (as GitHub's merge button does)
merge_pr() {
  local branch="$1" num="$2" name="$3" email="$4" date="$5" title="$6"
  git checkout -q main
  GIT_AUTHOR_NAME="$name" GIT_AUTHOR_EMAIL="$email" GIT_AUTHOR_DATE="$date" \
  GIT_COMMITTER_NAME="GitHub" GIT_COMMITTER_EMAIL="noreply@github.com" GIT_COMMITTER_DATE="$date" \
    git merge -q --no-ff "$branch" -m "Merge pull request #$num from lumenpay/$branch" -m "$title"
}

branch() { git checkout -q -b "$1" main; }

mkdir -p src/ledger tests config migrations .github/workflows deploy

# ---------------------------------------------------------------- 1. skeleton
cat > README.md <<'EOF'
# ledger-service

The Lumenpay double-entry ledger. Every money movement on the platform (captures, refunds,
chargebacks, fees, payouts) is recorded here as a balanced journal entry.

- Owner: Ledger team (lead: Jonas Lindqvist), Slack `#team-ledger`
- Language: Python (FastAPI)
- Listens on port **8443**
- Datastore: PostgreSQL 15

## Running locally

```bash
docker compose up -d postgres
pip install -e ".[dev]"
uvicorn ledger.app:app --port 8443
curl -s localhost:8443/healthz
```
EOF

cat > pyproject.toml <<'EOF'
[project]
name = "ledger-service"
version = "0.1.0"
requires-python = ">=3.11"
dependencies = [
  "fastapi==0.109.0",
  "uvicorn[standard]==0.27.0",
  "psycopg[binary,pool]==3.1.17",
  "pyyaml==6.0.1",
]

[project.optional-dependencies]
dev = ["pytest==7.4.4", "httpx==0.26.0"]
EOF

cat > src/ledger/__init__.py <<'EOF'
"""Lumenpay ledger-service."""

__version__ = "0.1.0"
EOF

cat > src/ledger/app.py <<'EOF'
from fastapi import FastAPI

from ledger import __version__

app = FastAPI(title="ledger-service", version=__version__)


@app.get("/healthz")
def healthz() -> dict:
    """Liveness: the process is up. Never touches the database."""
    return {"status": "ok", "version": __version__}
EOF

cat > Dockerfile <<'EOF'
FROM python:3.11-slim@sha256:a4c123b1612dd272d1371c17149d439536b3216fdaeeb975729fae923d5a4fd1
WORKDIR /app
COPY pyproject.toml .
COPY src/ src/
RUN pip install --no-cache-dir .
EXPOSE 8443
CMD ["uvicorn", "ledger.app:app", "--host", "0.0.0.0", "--port", "8443"]
EOF

cat > .gitignore <<'EOF'
__pycache__/
*.pyc
.venv/
.env
EOF
commit "${JONAS[@]}" "2024-01-08T10:12:00+0000" "Initial skeleton for ledger-service" \
  "FastAPI app with a /healthz liveness endpoint, served by uvicorn on port 8443."

# ---------------------------------------------------------------- 2. models
cat > src/ledger/models.py <<'EOF'
"""Double-entry ledger model.

Amounts are ALWAYS integer minor units (pence, cents) in an int64 together with an ISO 4217
currency code. Never use float for money; see ADR-019.
"""

from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID


@dataclass(frozen=True)
class Posting:
    account_id: str
    amount_minor: int  # positive = debit, negative = credit
    currency: str  # ISO 4217, e.g. "GBP"


@dataclass(frozen=True)
class JournalEntry:
    id: UUID
    merchant_id: str
    kind: str  # capture | refund | chargeback | fee | payout
    postings: list[Posting] = field(default_factory=list)
    created_at: datetime | None = None

    def is_balanced(self) -> bool:
        totals: dict[str, int] = {}
        for p in self.postings:
            totals[p.currency] = totals.get(p.currency, 0) + p.amount_minor
        return all(v == 0 for v in totals.values())
EOF

cat > migrations/001_init.sql <<'EOF'
CREATE TABLE accounts (
    id          TEXT PRIMARY KEY,
    merchant_id TEXT NOT NULL,
    currency    CHAR(3) NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE journal_entries (
    id          UUID PRIMARY KEY,
    merchant_id TEXT NOT NULL,
    kind        TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE postings (
    journal_entry_id UUID NOT NULL REFERENCES journal_entries (id),
    account_id       TEXT NOT NULL REFERENCES accounts (id),
    amount_minor     BIGINT NOT NULL,
    currency         CHAR(3) NOT NULL
);
EOF
commit "${JONAS[@]}" "2024-01-09T14:40:00+0000" "Add double-entry models with integer minor units (ADR-019)" \
  "Accounts, journal_entries and postings tables. amount_minor is BIGINT; a journal entry
must balance to zero per currency before it is written."

# ---------------------------------------------------------------- 3. endpoint
cat > src/ledger/app.py <<'EOF'
from uuid import uuid4

from fastapi import FastAPI, HTTPException
from pydantic import BaseModel

from ledger import __version__
from ledger.models import JournalEntry, Posting

app = FastAPI(title="ledger-service", version=__version__)


class PostingIn(BaseModel):
    account_id: str
    amount_minor: int
    currency: str


class JournalEntryIn(BaseModel):
    merchant_id: str
    kind: str
    postings: list[PostingIn]


@app.get("/healthz")
def healthz() -> dict:
    """Liveness: the process is up. Never touches the database."""
    return {"status": "ok", "version": __version__}


@app.post("/v1/journal-entries", status_code=201)
def create_journal_entry(body: JournalEntryIn) -> dict:
    entry = JournalEntry(
        id=uuid4(),
        merchant_id=body.merchant_id,
        kind=body.kind,
        postings=[Posting(**p.model_dump()) for p in body.postings],
    )
    if not entry.is_balanced():
        raise HTTPException(status_code=422, detail="journal entry does not balance")
    return {"id": str(entry.id)}
EOF

cat > tests/test_postings.py <<'EOF'
from fastapi.testclient import TestClient

from ledger.app import app

client = TestClient(app)


def test_balanced_entry_is_accepted():
    r = client.post("/v1/journal-entries", json={
        "merchant_id": "mch_4QZ7T2", "kind": "capture",
        "postings": [
            {"account_id": "acc_merchant_pending", "amount_minor": 1250, "currency": "GBP"},
            {"account_id": "acc_scheme_receivable", "amount_minor": -1250, "currency": "GBP"},
        ]})
    assert r.status_code == 201


def test_unbalanced_entry_is_rejected():
    r = client.post("/v1/journal-entries", json={
        "merchant_id": "mch_4QZ7T2", "kind": "capture",
        "postings": [{"account_id": "acc_merchant_pending", "amount_minor": 1250, "currency": "GBP"}]})
    assert r.status_code == 422
EOF
commit "${DIEGO[@]}" "2024-01-11T11:05:00+0000" "Add POST /v1/journal-entries endpoint" \
  "Rejects entries that do not balance per currency with 422."

# ---------------------------------------------------------------- 4. config
cat > src/ledger/config.py <<'EOF'
"""Configuration.

Convention (all Lumenpay services): every setting is an environment variable with the LP_
prefix. config/<env>.yaml holds non-secret defaults; secrets are never written in these files,
they are referenced as ${NAME} and resolved at start-up from AWS Secrets Manager under
lumenpay/<env>/ledger-service/.
"""

import os
from dataclasses import dataclass

import yaml


@dataclass(frozen=True)
class Settings:
    env: str
    port: int
    db_url: str
    db_pool_size: int
    log_level: str


def load(env: str | None = None) -> Settings:
    env = env or os.environ.get("LP_ENV", "dev")
    with open(f"config/{env}.yaml", encoding="utf-8") as fh:
        file_cfg = yaml.safe_load(fh) or {}
    get = lambda key, default=None: os.environ.get(f"LP_{key.upper()}", file_cfg.get(key, default))  # noqa: E731
    return Settings(
        env=env,
        port=int(get("port", 8443)),
        db_url=os.path.expandvars(get("db_url")),
        db_pool_size=int(get("db_pool_size", 50)),
        log_level=get("log_level", "info"),
    )
EOF

cat > config/dev.yaml <<'EOF'
# Local development only. docker-compose starts postgres with password "changeme".
port: 8443
db_url: postgresql://ledger:changeme@localhost:5432/ledger
db_pool_size: 5
log_level: debug
EOF

cat > config/prod.yaml <<'EOF'
port: 8443
db_url: postgresql://ledger_app:${DB_PASSWORD}@ledger-prod.cluster-c9x2kq.eu-west-1.rds.amazonaws.com:5432/ledger
db_pool_size: 50
log_level: info
EOF
commit "${JONAS[@]}" "2024-01-12T16:20:00+0000" "Config loader: read LP_* environment variables" \
  "Settings come from LP_-prefixed env vars, falling back to config/<env>.yaml. Secrets are
referenced as \${NAME} and injected from AWS Secrets Manager (lumenpay/<env>/ledger-service/)."

# ---------------------------------------------------------------- 5. CI
cat > .github/workflows/ci.yml <<'EOF'
name: ci
on:
  pull_request:
  push:
    branches: [main]
jobs:
  test:
    runs-on: ubuntu-22.04
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-python@v5
        with:
          python-version: "3.11"
      - run: pip install -e ".[dev]"
      - run: pytest -q
  image:
    needs: test
    if: github.ref == 'refs/heads/main'
    runs-on: ubuntu-22.04
    steps:
      - uses: actions/checkout@v4
      - run: docker build -t registry.lumenpay.io/ledger-service:${{ github.sha }} .
      - run: docker push registry.lumenpay.io/ledger-service:${{ github.sha }}
EOF
cat >> Dockerfile <<'EOF'
HEALTHCHECK --interval=10s --timeout=2s CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8443/healthz')"
EOF
commit "${MEI[@]}" "2024-01-16T09:30:00+0000" "Add CI workflow and container healthcheck" \
  "Tests on every PR; on main the image is pushed to registry.lumenpay.io/ledger-service tagged
with the commit SHA. Argo CD picks the tag up from the gitops repo."

# ---------------------------------------------------------------- 6. idempotency (in-process cache) PR #34
branch feature/idempotency-cache
cat > src/ledger/idempotency.py <<'EOF'
"""Idempotency-Key handling.

gateway-api retries POSTs with the same Idempotency-Key header. We remember the response for
each key for a while so a retry returns the first result instead of posting twice.
"""

import time

_TTL_SECONDS = 15 * 60
_seen: dict[tuple[str, str], tuple[float, dict]] = {}


def lookup(merchant_id: str, key: str) -> dict | None:
    hit = _seen.get((merchant_id, key))
    if hit and time.monotonic() - hit[0] < _TTL_SECONDS:
        return hit[1]
    return None


def remember(merchant_id: str, key: str, response: dict) -> None:
    _seen[(merchant_id, key)] = (time.monotonic(), response)
EOF
python3 - <<'PY'
import re
p = "src/ledger/app.py"
s = open(p, encoding="utf-8").read()
s = s.replace("from fastapi import FastAPI, HTTPException", "from fastapi import FastAPI, Header, HTTPException")
s = s.replace("from ledger import __version__\n", "from ledger import __version__, idempotency\n")
s = s.replace(
    "def create_journal_entry(body: JournalEntryIn) -> dict:\n",
    "def create_journal_entry(body: JournalEntryIn, idempotency_key: str = Header(...)) -> dict:\n"
    "    cached = idempotency.lookup(body.merchant_id, idempotency_key)\n"
    "    if cached is not None:\n"
    "        return cached\n")
s = s.replace('    return {"id": str(entry.id)}\n',
    '    response = {"id": str(entry.id)}\n'
    '    idempotency.remember(body.merchant_id, idempotency_key, response)\n'
    '    return response\n')
open(p, "w", encoding="utf-8").write(s)
PY
commit "${DIEGO[@]}" "2024-01-18T15:47:00+0000" "Add Idempotency-Key handling with an in-process TTL cache" \
  "Responses are remembered for 15 minutes per (merchant_id, idempotency_key) so that
gateway-api retries do not create a second journal entry."
merge_pr feature/idempotency-cache 34 "${JONAS[@]}" "2024-01-19T10:02:00+0000" \
  "Idempotency-Key support for POST /v1/journal-entries"

# ---------------------------------------------------------------- 7. release 0.2.0
cat > CHANGELOG.md <<'EOF'
# Changelog

## 0.2.0 - 2024-01-23
- POST /v1/journal-entries with Idempotency-Key support
- LP_* configuration, CI, container healthcheck

## 0.1.0 - 2024-01-08
- Skeleton, /healthz
EOF
sed -i 's/__version__ = "0.1.0"/__version__ = "0.2.0"/' src/ledger/__init__.py
sed -i 's/^version = "0.1.0"/version = "0.2.0"/' pyproject.toml
commit "${JONAS[@]}" "2024-01-23T12:00:00+0000" "Release 0.2.0"

# ---------------------------------------------------------------- 8. the leak (direct push to main)
cat > config/staging.yaml <<'EOF'
port: 8443
db_url: postgresql://ledger_app:bMgf9KMEN2qBrysf@ledger-stg.cluster-c9x2kq.eu-west-1.rds.amazonaws.com:5432/ledger
db_pool_size: 20
log_level: info
# S3 bucket for settlement files (reconciliation spike)
settlement_bucket: lp-stg-settlement-files
aws_access_key_id: AKIA4LPNQ7RZT2VXW3YB
aws_secret_access_key: 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
EOF
commit "${DIEGO[@]}" "2024-01-29T18:36:00+0000" "config: add staging settings"

# ---------------------------------------------------------------- 9. readyz PR #38
branch feature/readyz
cat > src/ledger/db.py <<'EOF'
"""Database access: one psycopg connection pool per process."""

from psycopg_pool import ConnectionPool

from ledger.config import Settings

_pool: ConnectionPool | None = None


def init(settings: Settings) -> ConnectionPool:
    global _pool
    _pool = ConnectionPool(settings.db_url, min_size=2, max_size=settings.db_pool_size)
    return _pool


def ping() -> bool:
    if _pool is None:
        return False
    with _pool.connection(timeout=1.0) as conn:
        conn.execute("SELECT 1")
    return True
EOF
cat >> src/ledger/app.py <<'EOF'


@app.get("/readyz")
def readyz() -> dict:
    """Readiness: the database answers. Kubernetes stops routing traffic to a pod that fails."""
    from ledger import db

    try:
        ok = db.ping()
    except Exception:  # noqa: BLE001
        ok = False
    if not ok:
        raise HTTPException(status_code=503, detail="database unavailable")
    return {"status": "ready"}
EOF
commit "${JONAS[@]}" "2024-01-30T10:15:00+0000" "Add /readyz that checks database connectivity" \
  "/healthz stays a pure liveness probe; /readyz runs SELECT 1 through the pool (1 s timeout)
and returns 503 when the database is unreachable. Refs LEDG-74."
merge_pr feature/readyz 38 "${DIEGO[@]}" "2024-01-31T09:40:00+0000" \
  "Readiness probe /readyz (LEDG-74)"

# ---------------------------------------------------------------- 10. remove the leak PR #41
branch security/remove-staging-credentials
cat > config/staging.yaml <<'EOF'
port: 8443
db_url: postgresql://ledger_app:${DB_PASSWORD}@ledger-stg.cluster-c9x2kq.eu-west-1.rds.amazonaws.com:5432/ledger
db_pool_size: 20
log_level: info
# S3 bucket for settlement files. Access via the pod's IAM role (IRSA), never static keys.
settlement_bucket: lp-stg-settlement-files
EOF
commit "${LIAM[@]}" "2024-02-01T08:55:00+0000" "Remove leaked AWS credentials from config/staging.yaml (LEDG-88)" \
  "The access key was deactivated in IAM at 08:31 UTC and deleted after CloudTrail showed no
use outside our staging VPC. The bucket is now read through the pod's IAM role (IRSA) and the
database password comes from \${DB_PASSWORD}, injected from AWS Secrets Manager."
python3 - <<'PY'
p = ".github/workflows/ci.yml"
s = open(p, encoding="utf-8").read()
s = s.replace("jobs:\n", "jobs:\n  secrets:\n    runs-on: ubuntu-22.04\n    steps:\n"
              "      - uses: actions/checkout@v4\n        with:\n          fetch-depth: 0\n"
              "      - uses: gitleaks/gitleaks-action@v2\n", 1)
open(p, "w", encoding="utf-8").write(s)
PY
commit "${LIAM[@]}" "2024-02-01T09:20:00+0000" "ci: scan every push for secrets with gitleaks" \
  "Would have blocked the staging config commit from 2024-01-29."
merge_pr security/remove-staging-credentials 41 "${JONAS[@]}" "2024-02-01T10:03:00+0000" \
  "Remove leaked staging credentials and add gitleaks to CI (LEDG-88)"

# ---------------------------------------------------------------- 11. idempotency fix PR #47 (OPS-101)
branch fix/idempotency-unique-constraint
cat > migrations/002_idempotency_keys.sql <<'EOF'
-- OPS-101: the in-process cache did not survive scaling ledger-service from 2 to 6 pods.
-- The database is now the single source of truth for idempotency (ADR-014).
CREATE TABLE idempotency_keys (
    merchant_id      TEXT        NOT NULL,
    idempotency_key  TEXT        NOT NULL,
    journal_entry_id UUID        NOT NULL REFERENCES journal_entries (id),
    response         JSONB       NOT NULL,
    created_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT idempotency_keys_merchant_key_uniq UNIQUE (merchant_id, idempotency_key)
);
CREATE INDEX idempotency_keys_created_at_idx ON idempotency_keys (created_at);
EOF
cat > src/ledger/idempotency.py <<'EOF'
"""Idempotency-Key handling, backed by PostgreSQL (ADR-014).

The key and the journal entry are written in the same transaction. A concurrent retry that
lands on another pod hits the UNIQUE (merchant_id, idempotency_key) constraint and gets the
stored response instead of creating a second entry. Keys are kept for
LP_IDEMPOTENCY_TTL_HOURS (default 72 hours), longer than gateway-api's retry window.
"""

import json

from psycopg import Connection


def lookup(conn: Connection, merchant_id: str, key: str) -> dict | None:
    row = conn.execute(
        "SELECT response FROM idempotency_keys WHERE merchant_id = %s AND idempotency_key = %s",
        (merchant_id, key),
    ).fetchone()
    return row[0] if row else None


def insert(conn: Connection, merchant_id: str, key: str, entry_id: str, response: dict) -> None:
    """Insert the key inside the caller's transaction. Raises UniqueViolation when a
    concurrent retry (possibly on another pod) already claimed it; the caller rolls back."""
    conn.execute(
        "INSERT INTO idempotency_keys (merchant_id, idempotency_key, journal_entry_id, response)"
        " VALUES (%s, %s, %s, %s)",
        (merchant_id, key, entry_id, json.dumps(response)),
    )
EOF
cat >> src/ledger/db.py <<'EOF'


def connection():
    """A pooled connection as a context manager (returned to the pool on exit)."""
    assert _pool is not None, "db.init() not called"
    return _pool.connection(timeout=2.0)


def insert_entry(conn, entry) -> None:
    conn.execute(
        "INSERT INTO journal_entries (id, merchant_id, kind) VALUES (%s, %s, %s)",
        (entry.id, entry.merchant_id, entry.kind),
    )
    with conn.cursor() as cur:
        cur.executemany(
            "INSERT INTO postings (journal_entry_id, account_id, amount_minor, currency)"
            " VALUES (%s, %s, %s, %s)",
            [(entry.id, p.account_id, p.amount_minor, p.currency) for p in entry.postings],
        )
EOF
python3 - <<'PY'
p = "src/ledger/app.py"
s = open(p, encoding="utf-8").read()
start = s.index('@app.post("/v1/journal-entries"')
end = s.index('@app.get("/readyz")')
s = s[:start] + """@app.post("/v1/journal-entries", status_code=201)
def create_journal_entry(body: JournalEntryIn, idempotency_key: str = Header(...)) -> dict:
    from psycopg import errors

    from ledger import db

    entry = JournalEntry(
        id=uuid4(),
        merchant_id=body.merchant_id,
        kind=body.kind,
        postings=[Posting(**p.model_dump()) for p in body.postings],
    )
    if not entry.is_balanced():
        raise HTTPException(status_code=422, detail="journal entry does not balance")
    with db.connection() as conn:
        cached = idempotency.lookup(conn, body.merchant_id, idempotency_key)
        if cached is not None:
            return cached
        response = {"id": str(entry.id)}
        try:
            with conn.transaction():
                db.insert_entry(conn, entry)
                idempotency.insert(conn, body.merchant_id, idempotency_key, str(entry.id), response)
        except errors.UniqueViolation:
            # A concurrent retry won the race; its entry is the only one. Return it.
            return idempotency.lookup(conn, body.merchant_id, idempotency_key)
        return response


""" + s[end:]
open(p, "w", encoding="utf-8").write(s)
PY
commit "${DIEGO[@]}" "2024-02-09T17:10:00+0000" "Persist idempotency keys in PostgreSQL with UNIQUE (merchant_id, idempotency_key)" \
  "Fixes OPS-101 / LEDG-40. The per-pod in-memory cache meant a retry routed to a different pod
was not recognised and posted a second refund. The key row and the journal entry are now
written in one transaction."

cat >> src/ledger/idempotency.py <<'EOF'


def purge_expired(conn: Connection, ttl_hours: int = 72) -> int:
    """Delete keys older than LP_IDEMPOTENCY_TTL_HOURS. Run hourly by the ledger-maintenance CronJob."""
    cur = conn.execute(
        "DELETE FROM idempotency_keys WHERE created_at < now() - make_interval(hours => %s)",
        (ttl_hours,),
    )
    return cur.rowcount
EOF
python3 - <<'PY'
p = "src/ledger/config.py"
s = open(p, encoding="utf-8").read()
s = s.replace("    log_level: str\n", "    log_level: str\n    idempotency_ttl_hours: int\n", 1)
s = s.replace('        log_level=get("log_level", "info"),\n',
              '        log_level=get("log_level", "info"),\n'
              '        idempotency_ttl_hours=int(get("idempotency_ttl_hours", 72)),\n')
open(p, "w", encoding="utf-8").write(s)
PY
commit "${DIEGO[@]}" "2024-02-10T11:25:00+0000" "Purge idempotency keys older than LP_IDEMPOTENCY_TTL_HOURS (default 72)"

cat > tests/test_idempotency.py <<'EOF'
"""Regression test for OPS-101: two pods receive the same retry concurrently."""

import concurrent.futures as cf

import pytest


@pytest.mark.integration
def test_concurrent_retries_create_one_entry(ledger_client_factory):
    clients = [ledger_client_factory() for _ in range(6)]  # one client per "pod"
    body = {"merchant_id": "mch_4QZ7T2", "kind": "refund", "postings": [
        {"account_id": "acc_merchant_balance", "amount_minor": 4599, "currency": "GBP"},
        {"account_id": "acc_refunds_payable", "amount_minor": -4599, "currency": "GBP"}]}
    headers = {"Idempotency-Key": "8825ae56-2179-437d-806c-10b5e0cfab4c"}
    with cf.ThreadPoolExecutor(6) as pool:
        results = list(pool.map(lambda c: c.post("/v1/journal-entries", json=body, headers=headers), clients))
    assert len({r.json()["id"] for r in results}) == 1
EOF
commit "${JONAS[@]}" "2024-02-12T09:05:00+0000" "Add regression test for concurrent retries across pods (OPS-101)"
merge_pr fix/idempotency-unique-constraint 47 "${JONAS[@]}" "2024-02-12T13:30:00+0000" \
  "Store idempotency keys in PostgreSQL with a unique constraint (OPS-101)"

# ---------------------------------------------------------------- 12. release 1.0.0
python3 - <<'PY'
p = "CHANGELOG.md"
s = open(p, encoding="utf-8").read()
s = s.replace("# Changelog\n\n", "# Changelog\n\n## 1.0.0 - 2024-02-14\n"
  "- Idempotency keys stored in PostgreSQL, UNIQUE (merchant_id, idempotency_key), kept 72 hours (OPS-101)\n"
  "- /readyz readiness probe\n- gitleaks secret scanning in CI\n\n", 1)
open(p, "w", encoding="utf-8").write(s)
PY
sed -i 's/__version__ = "0.2.0"/__version__ = "1.0.0"/' src/ledger/__init__.py
sed -i 's/^version = "0.2.0"/version = "1.0.0"/' pyproject.toml
commit "${JONAS[@]}" "2024-02-14T15:00:00+0000" "Release 1.0.0"

# ---------------------------------------------------------------- 13. reconciliation PR #50
branch feature/nightly-reconciliation
cat > src/ledger/reconcile.py <<'EOF'
"""Nightly reconciliation (runs 02:15 Europe/London as the ledger-reconcile CronJob).

Compares each merchant's ledger balance with the settlement file the acquiring bank drops in
s3://lp-prod-settlement-files/YYYY/MM/DD/. A difference of one minor unit or more raises a
RECONCILIATION_MISMATCH alert to the Ledger on-call (PagerDuty schedule ledger-primary).
Added after OPS-101, which finance found by hand two days late.
"""

from collections import defaultdict


def diff_balances(ledger: dict[str, int], settlement: dict[str, int]) -> dict[str, int]:
    """Return merchant_id -> (ledger - settlement) in minor units, only where non-zero."""
    out: dict[str, int] = defaultdict(int)
    for merchant in set(ledger) | set(settlement):
        delta = ledger.get(merchant, 0) - settlement.get(merchant, 0)
        if delta:
            out[merchant] = delta
    return dict(out)
EOF
commit "${DIEGO[@]}" "2024-03-05T16:45:00+0000" "Add nightly reconciliation job comparing ledger balances with settlement files"
merge_pr feature/nightly-reconciliation 50 "${JONAS[@]}" "2024-03-06T10:10:00+0000" \
  "Nightly reconciliation against settlement files (LEDG-63)"

# ---------------------------------------------------------------- 14. dependabot PR #53
branch dependabot/pip/fastapi-0.110.1
sed -i 's/"fastapi==0.109.0"/"fastapi==0.110.1"/' pyproject.toml
commit "${BOT[@]}" "2024-04-08T05:12:00+0000" "Bump fastapi from 0.109.0 to 0.110.1" \
  "Bumps [fastapi](https://github.com/tiangolo/fastapi) from 0.109.0 to 0.110.1." \
  "Signed-off-by: dependabot[bot] <support@github.com>"
merge_pr dependabot/pip/fastapi-0.110.1 53 "${DIEGO[@]}" "2024-04-09T08:30:00+0000" \
  "Bump fastapi from 0.109.0 to 0.110.1"

# ---------------------------------------------------------------- 15. canary rollout (direct)
cat > deploy/rollout.yaml <<'EOF'
# Argo Rollouts canary for ledger-service (see the Deploy Guide in Confluence, ADR-011).
# Argo CD syncs this from the gitops repo; promotion is automatic unless analysis fails.
apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata:
  name: ledger-service
  namespace: ledger
spec:
  replicas: 6
  strategy:
    canary:
      analysis:
        templates:
          - templateName: error-rate-and-latency   # 5xx > 1% or p99 > 2x baseline => rollback
      steps:
        - setWeight: 10
        - pause: {duration: 15m}
        - setWeight: 50
        - pause: {duration: 15m}
        - setWeight: 100
  template:
    spec:
      containers:
        - name: ledger-service
          image: registry.lumenpay.io/ledger-service
          ports:
            - containerPort: 8443
            - containerPort: 9102   # Prometheus /metrics
          livenessProbe:
            httpGet: {path: /healthz, port: 8443}
          readinessProbe:
            httpGet: {path: /readyz, port: 8443}
EOF
commit "${MEI[@]}" "2024-05-20T13:00:00+0000" "deploy: canary rollout 10% -> 50% -> 100% with 15 minute pauses" \
  "Automatic rollback when the 5xx rate exceeds 1% or p99 latency exceeds twice the baseline.
Co-authored-by: Jonas Lindqvist <jonas.lindqvist@lumenpay.io>"

# ---------------------------------------------------------------- 16. PgBouncer PR #58 (OPS-139)
branch fix/pgbouncer-pooling
cat > config/prod.yaml <<'EOF'
port: 8443
# All traffic goes through PgBouncer (transaction pooling) on port 6432, not to RDS directly.
# ADR-016, OPS-139.
db_url: postgresql://ledger_app:${DB_PASSWORD}@pgbouncer.ledger.svc.cluster.local:6432/ledger
db_pool_size: 20
log_level: info
EOF
sed -i 's#@ledger-stg.cluster-c9x2kq.eu-west-1.rds.amazonaws.com:5432/ledger#@pgbouncer.ledger.svc.cluster.local:6432/ledger#' config/staging.yaml
cat > deploy/pgbouncer.ini <<'EOF'
[databases]
ledger = host=ledger-prod.cluster-c9x2kq.eu-west-1.rds.amazonaws.com port=5432 dbname=ledger

[pgbouncer]
listen_port = 6432
pool_mode = transaction
max_client_conn = 2000
default_pool_size = 120
server_idle_timeout = 60
EOF
commit "${MEI[@]}" "2024-07-23T10:40:00+0000" "Route database traffic through PgBouncer (transaction mode) on port 6432" \
  "OPS-139: 12 pods x 50 connections = 600 exceeded RDS max_connections (500). PgBouncer
multiplexes up to 2000 client connections onto 120 server connections."
sed -i 's/int(get("db_pool_size", 50))/int(get("db_pool_size", 20))/' src/ledger/config.py
commit "${MEI[@]}" "2024-07-23T11:02:00+0000" "Lower LP_DB_POOL_SIZE default from 50 to 20"
merge_pr fix/pgbouncer-pooling 58 "${JONAS[@]}" "2024-07-24T09:15:00+0000" \
  "PgBouncer transaction pooling for ledger-service (OPS-139)"

# ---------------------------------------------------------------- 17. statement_timeout PR #61
branch fix/statement-timeout
python3 - <<'PY'
p = "src/ledger/db.py"
s = open(p, encoding="utf-8").read()
s = s.replace(
    "    _pool = ConnectionPool(settings.db_url, min_size=2, max_size=settings.db_pool_size)\n",
    "    # statement_timeout=5s: a stuck query must never hold a PgBouncer server connection for\n"
    "    # minutes (OPS-139).\n"
    "    _pool = ConnectionPool(\n"
    "        settings.db_url,\n"
    "        min_size=2,\n"
    "        max_size=settings.db_pool_size,\n"
    "        kwargs={\"options\": \"-c statement_timeout=5000\"},\n"
    "    )\n")
open(p, "w", encoding="utf-8").write(s)
PY
commit "${JONAS[@]}" "2024-07-29T14:30:00+0000" "Set statement_timeout=5s on every connection" \
  "Part of the OPS-139 follow-ups (LEDG-55)."
python3 - <<'PY'
p = "src/ledger/db.py"
s = open(p, encoding="utf-8").read()
s = s.replace(
    "    # statement_timeout=5s: a stuck query must never hold a PgBouncer server connection for\n"
    "    # minutes (OPS-139).\n"
    "    _pool = ConnectionPool(\n"
    "        settings.db_url,\n"
    "        min_size=2,\n"
    "        max_size=settings.db_pool_size,\n"
    "        kwargs={\"options\": \"-c statement_timeout=5000\"},\n"
    "    )\n",
    "    # statement_timeout (5 s) is set on the ledger_app role, see migrations/003: PgBouncer\n"
    "    # rejects the `options` startup parameter, and SET does not survive transaction pooling.\n"
    "    _pool = ConnectionPool(settings.db_url, min_size=2, max_size=settings.db_pool_size)\n")
open(p, "w", encoding="utf-8").write(s)
PY
cat > migrations/003_statement_timeout.sql <<'EOF'
-- OPS-139 / LEDG-55: no ledger query may run longer than 5 seconds.
-- Set on the role because PgBouncer (transaction mode) cannot carry per-session settings.
ALTER ROLE ledger_app SET statement_timeout = '5s';
ALTER ROLE ledger_app SET idle_in_transaction_session_timeout = '10s';
EOF
commit "${JONAS[@]}" "2024-07-30T08:45:00+0000" "Move statement_timeout to the ledger_app role" \
  "PgBouncer answers 'unsupported startup parameter: options' to the previous approach
(review comment from Mei). ALTER ROLE applies to every server connection PgBouncer opens."
merge_pr fix/statement-timeout 61 "${DIEGO[@]}" "2024-07-30T09:50:00+0000" \
  "statement_timeout 5s on ledger connections (LEDG-55)"

# ---------------------------------------------------------------- 18. release 1.4.0
python3 - <<'PY'
p = "CHANGELOG.md"
s = open(p, encoding="utf-8").read()
s = s.replace("# Changelog\n\n", "# Changelog\n\n## 1.4.0 - 2024-08-01\n"
  "- PgBouncer (transaction mode, port 6432) in front of PostgreSQL; LP_DB_POOL_SIZE default 20 (OPS-139)\n"
  "- statement_timeout 5 s on the ledger_app role (LEDG-55)\n\n"
  "## 1.3.0 - 2024-05-20\n- Canary rollout 10% / 50% / 100%, 15 minute pauses, automatic rollback\n\n"
  "## 1.2.0 - 2024-04-09\n- fastapi 0.110.1\n\n"
  "## 1.1.0 - 2024-03-06\n- Nightly reconciliation against settlement files\n\n", 1)
open(p, "w", encoding="utf-8").write(s)
PY
sed -i 's/__version__ = "1.0.0"/__version__ = "1.4.0"/' src/ledger/__init__.py
sed -i 's/^version = "1.0.0"/version = "1.4.0"/' pyproject.toml
commit "${JONAS[@]}" "2024-08-01T11:00:00+0000" "Release 1.4.0"

# ---------------------------------------------------------------- 19. open PR #66 (not merged)
branch chore/python-3.12
sed -i 's#^FROM python:3.11-slim@sha256:[0-9a-f]*#FROM python:3.12-slim@sha256:2aabfe228f219e9cb0eb53f16947ccf25ec84d8dbc74254770f58904dba41ecc#' Dockerfile
sed -i 's/python-version: "3.11"/python-version: "3.12"/' .github/workflows/ci.yml
sed -i 's/requires-python = ">=3.11"/requires-python = ">=3.12"/' pyproject.toml
commit "${DIEGO[@]}" "2024-09-16T10:20:00+0000" "Build and test on Python 3.12 (LEDG-70)"
git checkout -q main

# ---------------------------------------------------------------- bundle
# GitHub deletes merged PR branches; only main and the open PR's branch are left.
for b in $(git for-each-ref --format='%(refname:short)' refs/heads/ --merged main); do
  [ "$b" = main ] || git branch -q -d "$b"
done
mkdir -p "$(dirname "$OUT")"
rm -f "$OUT"
git bundle create -q "$OUT" --all
echo "wrote $OUT ($(wc -c < "$OUT") bytes), main at $(git rev-parse main)"
