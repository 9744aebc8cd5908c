"""Every detector family catches its value in a realistic line; every decoy kind survives."""

from __future__ import annotations

import base64

import pytest

from alchemy.config import SanitizerConfig, schema_dict
from alchemy.sanitize import Sanitizer

CFG = schema_dict(SanitizerConfig, key_env="", leak_gate="none")
PEM = (
    "-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEAUr1wzUey7VQbtcc704Ojfe0LHPhSxZE7YTMhezZd9Bw2d4Qj\n"
    "wLJ2ts/EBOuW9HbANtn+sJCtk4+ZspV7LsL+TwgYits7B5+zgWpa+Uc+9jNrUgv5\n-----END RSA PRIVATE KEY-----"
)
BASIC = base64.b64encode(b"svc-deploy:Xq7!pL2vR9").decode()

# (type, line, the secret inside it)
CASES = [
    ("AWS_KEY", "aws_access_key_id = {v}", "AKIA4LPNQ7RZT2VXW3YB"),
    ("AWS_SECRET", "aws_secret_access_key: {v}", "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"),
    ("AWS_SECRET", "AKIA4LPNQ7RZT2VXW3YB,{v}", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzXq2Lr8Tq1"),
    (
        "GCP_KEY",
        '{{"type": "service_account", "private_key_id": "{v}",',
        "3f4a9c0e1b2d3f4a9c0e1b2d3f4a9c0e1b2d3f4a",
    ),
    ("PRIVATE_KEY", '"private_key": "{v}\\n",', PEM.replace("\n", "\\n")),
    ("GOOGLE_API_KEY", "maps key: {v}", "AIzaSyD9x7Qm3Lk2Jh5Gf8Ds1Az4Xc6Vb0Nm2Qw"),
    (
        "AZURE_KEY",
        "DefaultEndpointsProtocol=https;AccountName=acme;AccountKey={v};EndpointSuffix=core.windows.net",
        "q8Zr3mX1vB7nL5kJ2hG9fD4sA6pO0iU3yT8rE5wQ1aZ2xC7vB4nM9kL6jH3gF0dS8aP5oI2uY7tR4eW1qQ==",
    ),
    (
        "AZURE_KEY",
        "https://acme.blob.core.windows.net/x/a.csv?sv=2022-11-02&sp=r&sig={v}",
        "k3J9xQ2mZ7pL5vB8nR1tY4wE6uI0oP3aS5dF7gH9jK2%3D",
    ),
    ("AZURE_KEY", "client_secret={v}", "bP88Q~rcBcYjzzOhg1Hnn76Wm3jGgakZiZ.8vMgR"),
    (
        "GITHUB_TOKEN",
        "git clone https://x-access-token:{v}@github.com/acme/ledger.git",
        "ghs_bszFT2xRQoI1funKBBA2P0UEObUUADMScN4A",
    ),
    (
        "GITHUB_TOKEN",
        "export GH_TOKEN={v}",
        "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",
    ),
    ("GITLAB_TOKEN", "registry login with {v} today", "glpat-Xr7vK2pQ9mZ4tL8wN3bY"),
    ("NPM_TOKEN", "//registry.npmjs.org/:_authToken={v}", "npm_Q7xK2mP9vL4tR8wN3bY6zA1cD5fG0hJ2kS7u"),
    (
        "PYPI_TOKEN",
        "password = {v}",
        "pypi-AgEIcHlwaS5vcmcCJDk3ZjJhNWE4LWE2YzMtNDg4OS1iZjA5LTg3YjY1ZDk1YjQ0OAACKlsz",
    ),
    ("DOCKER_TOKEN", "docker login -u acmeci -p {v}", "dckr_pat_7xQ2mK9pL4vR8tN3wB6yZ1aC5dF"),
    ("SLACK_TOKEN", "SLACK_BOT_TOKEN: {v}", "xoxb-5829174630-7391048265173-9rdPsJjGXUiEeqrmZM6QDWZH"),
    (
        "WEBHOOK",
        "alerts go to https://{v}",
        "hooks.slack.com/services/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",
    ),
    (
        "WEBHOOK",
        "https://{v}",
        "discord.com/api/webhooks/112233445566778899/Xr7vK2pQ9mZ4tL8wN3bY6zA1cD5fG0hJ2kS7uV",
    ),
    (
        "WEBHOOK",
        "Teams: https://acme.{v}",
        "webhook.office.com/webhookb2/7f1c2d3e-4b5a-6789-0abc-def123456789@aa/IncomingWebhook/q8Zr3mX1vB7nL5kJ",
    ),
    ("STRIPE_KEY", 'STRIPE_SECRET_KEY="{v}"', "sk_live_51j8qM4PQ6f7bwlbyIAr90JUC0OBvy4l"),
    (
        "OPENAI_KEY",
        'OpenAI(api_key="{v}")',
        "sk-proj-M4Het9U8kRdCFw4dz-Qstf2ekoBKmmJYhT3BlbkFJhjiarGMIvjwK_wVg",
    ),
    (
        "ANTHROPIC_KEY",
        "ANTHROPIC_API_KEY={v}",
        "sk-ant-api03-Xr7vK2pQ9mZ4tL8wN3bY6zA1cD5fG0hJ2kS7uVq8Zr3mX1vB7nL5kJ2hG9fD4sA6pO0iU3yT8rE5wQ1aZ2xC7vB4nM9kL-AA",
    ),
    ("DEEPSEEK_KEY", "the DeepSeek key is {v}", "sk-3f4a9c0e1b2d8e7f6a5b4c3d2e1f0a9b"),
    ("HF_TOKEN", "huggingface-cli login --token {v}", "hf_XrvKpQmZtLwNbYzAcDfGhJkSuVqZrmXvBnLk"),
    (
        "JWT",
        "Cookie: session={v}",
        "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJsZWRnZXIiLCJpYXQiOjE3MDB9.c2lnbmF0dXJlLXZhbHVlLTEyMw",
    ),
    ("PRIVATE_KEY", "{v}", PEM),
    ("PRIVATE_KEY", "{v}\n(truncated)", PEM.split("\n-----END")[0]),
    ("PASSWORD", "DATABASE_URL=postgresql://app:{v}@db.internal:5432/ledger", "oncuaC1R11hUPa"),
    ("PASSWORD", "LP_SMTP_PASSWORD={v}", "Wn5#tK2v!Qz8rLp"),
    ("PASSWORD", "  password: {v}", "Tr1nity-Ledger-2024"),
    ("SECRET", '{{"api_key": "{v}", "region": "eu-west-1"}}', "q8Zr3mX1vB7nL5kJ2hG9fD4sA6pO0iU3"),
    ("SECRET", "[auth]\nsecret_key = {v}", "x7!Qm2#pL9$vR4"),
    ("PASSWORD", "<password>{v}</password>", "gzcOikiyWjpSxf"),
    ("PASSWORD", "run it with --password {v} once", "h0pk1ns~21s"),
    ("PASSWORD", "the admin password is {v} for now", "Sup3r-S3cret!"),
    (
        "TOKEN",
        'curl -H "Authorization: Bearer {v}" https://api.acme.io',
        "lpk_live_liyUWNh1cBJDLeYIoqWCsMCD7vwiL80D",
    ),
    ("TOKEN", "Authorization: Basic {v}", BASIC),
    ("PASSWORD", "curl -u elastic:{v} https://localhost:9200", "P@ssw0rd$1"),
    ("PASSWORD", "Server=tcp:acme.database.windows.net,1433;User ID=app;Password={v};", "xSwNycqkOOPttF9"),
    ("SECRET", "the HMAC signing key for webhooks is {v} until rotation", "vGhRFrCj4EVzku7Lrjoau/lOWh+CpSAs"),
    ("EMAIL", "ping me at {v}.", "priya.raman@lumenpay.io"),
    ("EMAIL", "From: {v}", "49699333+dependabot[bot]@users.noreply.github.com"),
    ("PHONE", "on-call: {v}", "+44 20 7946 0958"),
    ("PHONE", "call {v} after 6", "+1 (415) 555-0142"),
    ("PHONE", "Merchant contact: {v}.", "212-555-0187"),
    ("PHONE", "office 020 7946 0321 or mobile {v}", "07700 900123"),
    ("PHONE", "Mobile: {v}", "03.93.92.16.85"),
    ("IP", "ssh deploy@{v} and tail", "10.42.7.19"),
    ("IP", "the node answers on {v}", "2a01:4f8:4f2a:10::17"),
    ("CARD", "paid with {v} twice", "4111 1111 1111 1111"),
    ("CARD", "card={v}", "5555555555554444"),
    ("CARD", "amex {v}", "378282246310005"),
    ("IBAN", "refund to {v} approved", "GB82 WEST 1234 5698 7654 32"),
    ("IBAN", "IBAN: {v} BANK", "DE89370400440532013000"),
    ("IBAN", "bank account {v} please", "gb82 west 1234 5698 7654 32"),  # lower case, printed groups
    ("IBAN", "iban {v}.", "de89370400440532013000"),  # lower case, named
    ("IBAN", "Acct: {v}", "Fr1420041010050500013M02606"),  # mixed case, a banking word before it
    ("IBAN", "moved 12345678 {v} today", "DE89370400440532013000"),  # digits just before it
    ("SSN", "SSN on the form: {v}", "078-05-1120"),
    ("SSN", "social security number 078 05 {v}", "1120"),
]


@pytest.mark.parametrize("kind,line,value", CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_detects(kind, line, value) -> None:
    text = line.format(v=value)
    out, n = Sanitizer(CFG).mask_text(text)
    assert value not in out, out
    assert f"<{kind}_1>" in out, out


DECOYS = [
    "fixed in commit 9fceb02d0ae598e95dc970b74767f19372d61af8 (short 95b83b9) on main",
    "request id 550e8400-e29b-41d4-a716-446655440000 failed;\n"
    "kms_key_id: 8825ae56-2179-437d-806c-10b5e0cfab4c",
    "upgrade to 1.4.0 then 0.110.1, pin grpcio==1.62.1 and build v2.14.1.7; 10.2.3.4.5 is a version",
    "image: registry.acme.io/ledger@sha256:a4c123b1612dd272d1371c17149d439536b3216fdaeeb975729fae923d5a4fd1",
    "see OPS-101, LEDG-88 and PAY-227 for the follow-up",
    "incident started 2024-02-07 09:31 (2024-02-07T09:31:00Z), ts 1713448800, ms 1713448800000",
    "listens on port 8443; pgbouncer.ledger.svc.cluster.local:6432; localhost:9090 and 127.0.0.1:8600",
    "the handler lives in src/ledger/idempotency.py and /etc/nginx/nginx.conf, migrations/002_keys.sql",
    "api_key: <YOUR_API_KEY>  password: ${DB_PASSWORD}  token: changeme  secret: xxxxxxxxxxxx",
    "password: $REDIS_PASSWORD token = os.environ['API_TOKEN'] key = process.env.SLACK_TOKEN",
    'password = self.password\ntoken = get_token()\nsecret: "{{ .Values.secret }}"',
    '"integrity": "sha512-Xc3PZ1ZnAa2Z7qTtQkPjXyU4fGk2m4ZQ5yAa8Pq9l3p0ZrW'
    'm8tY9uV1sQ2kL7jH6gF5dS4aP3oI2uY1tR0eW9q=="',
    "    --hash=sha256:3f4a9c0e1b2d8e7f6a5b4c3d2e1f0a9b3f4a9c0e1b2d8e7f6a5b4c3d2e1f0a9b",
    'checksum = "3f4a9c0e1b2d8e7f6a5b4c3d2e1f0a9b3f4a9c0e1b2d8e7f6a5b4c3d2e1f0a9b"',
    "secret_name: lumenpay/prod/ledger-service/db_password and token_url: https://auth.acme.io/token",
    "max_tokens: 4096, public_key: 9Cnzj4p4WGeKLs1Pt8QuKUpRKfFLfRYC9AIKjbJTWit",
    "refunds totalled £23,410.56 (2341056 minor units); 482 refunds",
    "card 4111 1111 1111 1112 fails Luhn; IBAN GB82 WEST 1234 5698 7654 33 fails mod 97; SSN 000-12-3456",
    "build id de89370400440532013000 passed, cache de89370400440532013000x",  # ids: valid mod 97
    "keyboard shortcuts: press the key, tokenizer config, the signal was passed",
    "password: ... and token= ... and secret: ---",
    "metadata at 169.254.169.254 and 0.0.0.0:80",
    "Signed-off-by: dependabot[bot] <support@github.com>"[:32],
]


@pytest.mark.parametrize("text", DECOYS)
def test_keeps(text) -> None:
    assert Sanitizer(CFG).mask_text(text)[0] == text
