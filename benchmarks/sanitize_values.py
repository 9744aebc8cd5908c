"""Generators of planted values (every detector family) and decoys (every do-not-mask kind).

Each generator returns one line of realistic context and the labelled values in it. Values are
random in the real formats (valid Luhn, valid IBAN checksum, real JWT structure).
"""

from __future__ import annotations

import base64
import random
import string
import uuid

L, D, H = string.ascii_letters, string.digits, "0123456789abcdef"
B64 = L + D + "+/"


def rs(r: random.Random, n: int, alphabet: str = L + D) -> str:
    return "".join(r.choice(alphabet) for _ in range(n))


def _luhn(prefix: str, n: int, r: random.Random) -> str:
    body = prefix + rs(r, n - len(prefix) - 1, D)
    total = 0
    for i, c in enumerate(reversed(body + "0")):
        d = int(c)
        total += (d * 2 - 9 if d > 4 else d * 2) if i % 2 else d
    return body + str((10 - total % 10) % 10)


def _iban(r: random.Random) -> str:
    country, n = r.choice([("DE", 18), ("GB", 18), ("FR", 23), ("NL", 14), ("ES", 20)])
    bban = rs(r, 4, string.ascii_uppercase) + rs(r, n - 4, D) if country in ("GB", "NL") else rs(r, n, D)
    num = int("".join(str(int(c, 36)) for c in bban + country + "00"))
    iban = f"{country}{98 - num % 97:02d}{bban}"
    return " ".join(iban[i : i + 4] for i in range(0, len(iban), 4)) if r.random() < 0.5 else iban


def _jwt(r: random.Random) -> str:
    def enc(b: bytes) -> str:
        return base64.urlsafe_b64encode(b).decode().rstrip("=")

    head = enc(b'{"alg":"HS256","typ":"JWT"}')
    body = enc(f'{{"sub":"usr_{rs(r, 8)}","iat":{r.randint(1.6e9, 1.8e9)}}}'.encode())
    return f"{head}.{body}.{enc(r.randbytes(32))}"


def _pem(r: random.Random, kind: str) -> str:
    lines = [rs(r, 64, B64) for _ in range(r.randint(4, 12))] + [rs(r, 24, B64) + "=="]
    return f"-----BEGIN {kind}PRIVATE KEY-----\n" + "\n".join(lines) + f"\n-----END {kind}PRIVATE KEY-----"


def _one(template: str, kind: str, value: str) -> tuple[str, list[tuple[str, str]]]:
    return template.format(v=value), [(kind, value)]


def _gcp_json(r: random.Random):
    key, kid, mail = _pem(r, ""), rs(r, 40, H), f"etl-{rs(r, 5, H)}@acme-prod.iam.gserviceaccount.com"
    pem = key.replace("\n", "\\n")
    doc = (
        f'{{"type": "service_account", "project_id": "acme-prod", "private_key_id": "{kid}", '
        f'"private_key": "{pem}\\n", "client_email": "{mail}"}}'
    )
    return doc, [("GCP_KEY", kid), ("PRIVATE_KEY", key.split("\n")[1]), ("EMAIL", mail)]


def _azure_conn(r: random.Random):
    key = rs(r, 86, B64) + "=="
    return (
        f"AZURE_STORAGE=DefaultEndpointsProtocol=https;AccountName=acmelogs;AccountKey={key};"
        f"EndpointSuffix=core.windows.net"
    ), [("AZURE_KEY", key)]


def _azure_sas(r: random.Random):
    sig = rs(r, 43, L + D) + "%3D"
    return (
        f"download with https://acmelogs.blob.core.windows.net/exports/a.csv?sv=2022-11-02&ss=b&srt=o"
        f"&sp=r&se=2025-01-01T00:00:00Z&sig={sig}"
    ), [("AZURE_KEY", sig)]


def _names_in_chat(r: random.Random):
    domain = r.choice(["acme.io", "gmail.com", "example.co.uk"])
    mail = f"{rs(r, 6, string.ascii_lowercase)}.{rs(r, 7, string.ascii_lowercase)}@{domain}"
    return f"ping me at {mail} if the job fails", [("EMAIL", mail)]


def _phone(r: random.Random):
    v = r.choice(
        [
            f"+44 20 7946 {r.randint(1000, 9999)}",
            f"+1 (415) 555-{r.randint(1000, 9999)}",
            f"+49 30 {r.randint(1000000, 9999999)}",
            f"+33 1 {r.randint(10, 99)} {r.randint(10, 99)} {r.randint(10, 99)} {r.randint(10, 99)}",
            f"212-555-{r.randint(1000, 9999)}",
            f"(646) 555-{r.randint(1000, 9999)}",
            f"07700 {r.randint(100000, 999999)}",
            f"+91 98{r.randint(10000000, 99999999)}",
            f"020 7946 {r.randint(1000, 9999)}",
        ]
    )
    return f"on-call phone: {v}, escalate after 10 minutes", [("PHONE", v)]


SECRETS = {
    "aws_key": lambda r: _one(
        "aws_access_key_id = {v}", "AWS_KEY", "AKIA" + rs(r, 16, string.ascii_uppercase + "234567")
    ),
    "aws_secret": lambda r: _one("AWS_SECRET_ACCESS_KEY={v}", "AWS_SECRET", rs(r, 40, B64)),
    "gcp_json": _gcp_json,
    "gcp_api": lambda r: _one("  maps_api_key: {v}", "GOOGLE_API_KEY", "AIza" + rs(r, 35, L + D + "_-")),
    "azure_conn": _azure_conn,
    "azure_sas": _azure_sas,
    "azure_ad": lambda r: _one(
        "client_secret={v}", "AZURE_KEY", rs(r, 3) + "8Q~" + rs(r, 34, L + D + "_~.-")
    ),
    "github": lambda r: _one(
        "git clone https://x-access-token:{v}@github.com/acme/ledger.git",
        "GITHUB_TOKEN",
        r.choice(["ghp_", "gho_", "ghs_"]) + rs(r, 36),
    ),
    "github_pat": lambda r: _one(
        "export GH_TOKEN={v}", "GITHUB_TOKEN", "github_pat_11" + rs(r, 20) + "_" + rs(r, 59)
    ),
    "gitlab": lambda r: _one(
        "registry login with {v} (expires Friday)", "GITLAB_TOKEN", "glpat-" + rs(r, 20, L + D + "_-")
    ),
    "npm": lambda r: _one("//registry.npmjs.org/:_authToken={v}", "NPM_TOKEN", "npm_" + rs(r, 36)),
    "pypi": lambda r: _one("password = {v}", "PYPI_TOKEN", "pypi-AgEIcHlwaS5vcmc" + rs(r, 60, L + D + "_-")),
    "docker": lambda r: _one(
        "docker login -u acmeci -p {v}", "DOCKER_TOKEN", "dckr_pat_" + rs(r, 27, L + D + "_-")
    ),
    "slack": lambda r: _one(
        "SLACK_BOT_TOKEN: {v}", "SLACK_TOKEN", f"xoxb-{rs(r, 11, D)}-{rs(r, 13, D)}-{rs(r, 24)}"
    ),
    "slack_hook": lambda r: _one(
        "alerts go to {v}",
        "WEBHOOK",
        f"https://hooks.slack.com/services/T{rs(r, 8, string.ascii_uppercase + D)}/"
        f"B{rs(r, 8, string.ascii_uppercase + D)}/{rs(r, 24)}",
    ),
    "discord_hook": lambda r: _one(
        "webhook: {v}",
        "WEBHOOK",
        f"https://discord.com/api/webhooks/{rs(r, 18, D)}/{rs(r, 68, L + D + '_-')}",
    ),
    "teams_hook": lambda r: _one(
        "Teams channel hook {v}",
        "WEBHOOK",
        f"https://acme.webhook.office.com/webhookb2/{uuid.UUID(int=r.getrandbits(128))}"
        f"@{uuid.UUID(int=r.getrandbits(128))}/IncomingWebhook/{rs(r, 32, H)}/"
        f"{uuid.UUID(int=r.getrandbits(128))}",
    ),
    "stripe": lambda r: _one('STRIPE_SECRET_KEY="{v}"', "STRIPE_KEY", "sk_live_" + rs(r, 40)),
    "openai": lambda r: _one(
        'client = OpenAI(api_key="{v}")',
        "OPENAI_KEY",
        "sk-proj-" + rs(r, 40, L + D + "_-") + "T3BlbkFJ" + rs(r, 40, L + D + "_-"),
    ),
    "anthropic": lambda r: _one(
        "ANTHROPIC_API_KEY={v}", "ANTHROPIC_KEY", "sk-ant-api03-" + rs(r, 93, L + D + "_-") + "AA"
    ),
    "deepseek": lambda r: _one(
        "use the DeepSeek key {v} for the synth stage", "DEEPSEEK_KEY", "sk-" + rs(r, 32, H)
    ),
    "huggingface": lambda r: _one("huggingface-cli login --token {v}", "HF_TOKEN", "hf_" + rs(r, 34, L)),
    "jwt": lambda r: _one("Cookie: session={v}", "JWT", _jwt(r)),
    "pem": lambda r: (lambda k: (k, [("PRIVATE_KEY", k.split("\n")[2])]))(
        _pem(r, r.choice(["RSA ", "EC ", "OPENSSH ", ""]))
    ),
    "url_cred": lambda r: _one(
        "DATABASE_URL=postgresql://app:{v}@db.internal:5432/ledger", "PASSWORD", rs(r, 16)
    ),
    "yaml_pw": lambda r: _one("  password: {v}", "PASSWORD", rs(r, 6) + r.choice("!#%-_") + rs(r, 6)),
    "json_key": lambda r: _one('{{"api_key": "{v}", "region": "eu-west-1"}}', "SECRET", rs(r, 32)),
    "ini_secret": lambda r: _one("secret_key = {v}", "SECRET", rs(r, 24, L + D + "!@#$%^&*")),
    "xml_pw": lambda r: _one("<password>{v}</password>", "PASSWORD", rs(r, 14)),
    "bearer": lambda r: _one(
        'curl -H "Authorization: Bearer {v}" https://api.acme.io/v1/me', "TOKEN", rs(r, 40, L + D + "._-")
    ),
    "basic": lambda r: _one(
        "Authorization: Basic {v}", "TOKEN", base64.b64encode(f"svc:{rs(r, 12)}".encode()).decode()
    ),
    "conn_str": lambda r: _one(
        "Server=tcp:acme.database.windows.net,1433;Database=ledger;User ID=app;Password={v};",
        "PASSWORD",
        rs(r, 14),
    ),
    "entropy": lambda r: _one(
        "the HMAC signing key for webhooks is {v} until rotation", "SECRET", rs(r, 32, B64)
    ),
    "email": _names_in_chat,
    "phone": _phone,
    "ipv4": lambda r: _one(
        "ssh deploy@{v} and tail the logs",
        "IP",
        f"10.{r.randint(0, 255)}.{r.randint(0, 255)}.{r.randint(1, 254)}",
    ),
    "ipv6": lambda r: _one(
        "the node answers on {v}",
        "IP",
        f"2a01:4f8:{r.randint(1, 0xFFFF):x}:{r.randint(1, 0xFFFF):x}::{r.randint(1, 0xFFF):x}",
    ),
    "card": lambda r: _one(
        "customer paid with card {v} twice",
        "CARD",
        r.choice([_luhn("4", 16, r), _luhn("5" + str(r.randint(1, 5)), 16, r), _luhn("37", 15, r)]),
    ),
    "iban": lambda r: _one("refund to IBAN {v} approved", "IBAN", _iban(r)),
    "ssn": lambda r: _one(
        "SSN on the form: {v}", "SSN", f"{r.randint(100, 665)}-{r.randint(10, 99)}-{r.randint(1000, 9999)}"
    ),
}
