"""Decoys of every "do not mask" kind, each in one line of context (the values must survive).

Git SHAs, UUIDs, versions, docker digests, Jira keys, timestamps, ports, file paths,
placeholders, env references, lock-file hashes, amounts, and key names that are not secrets.
"""

from __future__ import annotations

import base64
import hashlib
import string
import uuid

from benchmarks.sanitize_values import H, _one, rs


def _ts(r) -> str:
    day = f"2024-{r.randint(1, 12):02d}-{r.randint(1, 28):02d}"
    return f"{day}T{r.randint(0, 23):02d}:{r.randint(0, 59):02d}:00Z"


DECOYS = {
    "git_sha": lambda r: _one("fixed in commit {v}", "git_sha", rs(r, 40, H)),
    "short_sha": lambda r: _one("reverted {v} on main", "git_sha", rs(r, 7, H)),
    "uuid": lambda r: _one("request id {v} failed", "uuid", str(uuid.UUID(int=r.getrandbits(128)))),
    "version": lambda r: _one(
        "upgrade to {v} next sprint", "version", f"{r.randint(0, 12)}.{r.randint(0, 30)}.{r.randint(0, 9)}"
    ),
    "version4": lambda r: _one(
        "build v{v} shipped",
        "version",
        f"{r.randint(1, 9)}.{r.randint(0, 9)}.{r.randint(0, 9)}.{r.randint(0, 99)}",
    ),
    "digest": lambda r: _one("image: registry.acme.io/ledger@{v}", "docker_digest", "sha256:" + rs(r, 64, H)),
    "jira": lambda r: _one(
        "see {v} for the follow-up", "jira_key", f"{r.choice(['PAY', 'OPS', 'LEDG'])}-{r.randint(1, 9999)}"
    ),
    "timestamp": lambda r: _one(
        "incident started {v}",
        "timestamp",
        _ts(r),
    ),
    "timestamp2": lambda r: _one(
        "deployed at {v} UTC",
        "timestamp",
        f"2024-{r.randint(1, 12):02d}-{r.randint(1, 28):02d} {r.randint(0, 23):02d}:{r.randint(0, 59):02d}",
    ),
    "epoch": lambda r: _one('"ts": {v},', "timestamp", str(r.randint(1_600_000_000, 1_800_000_000))),
    "port": lambda r: _one("listens on port {v}", "port", str(r.randint(1024, 65535))),
    "hostport": lambda r: _one("connect to pgbouncer.ledger.svc:{v}", "port", str(r.randint(1024, 65535))),
    "path": lambda r: _one(
        "the handler lives in {v}",
        "path",
        f"src/{r.choice(['ledger', 'gateway', 'risk'])}/{rs(r, 8, string.ascii_lowercase)}.py",
    ),
    "abs_path": lambda r: _one(
        "logs rotate under {v}", "path", f"/var/log/{rs(r, 6, string.ascii_lowercase)}/app.log"
    ),
    "placeholder": lambda r: _one(
        "api_key: {v}",
        "placeholder",
        r.choice(["<YOUR_API_KEY>", "changeme", "xxxxxxxxxxxx", "<token>", "REDACTED", "your-api-key-here"]),
    ),
    "env_ref": lambda r: _one(
        "password: {v}",
        "env_ref",
        r.choice(
            [
                "${DB_PASSWORD}",
                "$REDIS_PASSWORD",
                "${{ secrets.NPM_TOKEN }}",
                "%(db_password)s",
                "{{ .Values.password }}",
            ]
        ),
    ),
    "env_code": lambda r: _one(
        "token = {v}",
        "env_ref",
        r.choice(["os.environ['API_TOKEN']", "process.env.SLACK_TOKEN", 'os.getenv("GH_TOKEN")']),
    ),
    "npm_lock": lambda r: _one(
        '      "integrity": "{v}",', "lock_hash", "sha512-" + base64.b64encode(r.randbytes(64)).decode()
    ),
    "pip_hash": lambda r: _one(
        "    --hash={v}", "lock_hash", "sha256:" + hashlib.sha256(r.randbytes(8)).hexdigest()
    ),
    "cargo_lock": lambda r: _one('checksum = "{v}"', "lock_hash", hashlib.sha256(r.randbytes(8)).hexdigest()),
    "amount": lambda r: _one(
        "refunds totalled {v}", "amount", f"£{r.randint(1, 99)},{r.randint(100, 999)}.{r.randint(10, 99)}"
    ),
    "secret_name": lambda r: _one(
        "secret_name: {v}", "secret_name", f"acme/prod/{r.choice(['ledger', 'risk'])}/db_password"
    ),
    "max_tokens": lambda r: _one("max_tokens: {v}", "number", str(r.choice([512, 1024, 2048, 4096, 8192]))),
    "kms_key_id": lambda r: _one("kms_key_id: {v}", "uuid", str(uuid.UUID(int=r.getrandbits(128)))),
    "ipv4_version": lambda r: _one("pin grpcio=={v}", "version", f"1.{r.randint(10, 99)}.{r.randint(0, 9)}"),
}
