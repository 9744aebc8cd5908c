"""The live connectors' shared HTTP client: redirects, retries, messages without secrets."""

from __future__ import annotations

import socket

import pytest

from alchemy.sources.live.http import AccessError, HttpClient, PullError, Response, _safe
from tests.fixtures.sources.live_server import Api, Call, Reply, serve

SECRET = "Bearer tok-SECRET-0123456789"


class Echo(Api):
    """Answers /to?u=URL with a redirect there, anything else with what it was sent."""

    def route(self, call: Call) -> Reply:
        if call.path == "/to":
            return 302, {"Location": call.query["u"]}, None
        return 200, {}, {"path": call.path, "auth": call.auth}


@pytest.fixture(autouse=True)
def _no_waits(monkeypatch):
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setattr("alchemy.sources.live.http._sleep", lambda s: None)


def test_redirects_keep_the_credential_on_its_host_only() -> None:
    home, other = Echo(), Echo()
    with serve(home) as url, serve(other) as elsewhere:
        http = HttpClient(url, "source.x", auth=SECRET)
        same, _ = http.get_json("/to", {"u": f"{url}/landed"})
        assert same == {"path": "/landed", "auth": SECRET}
        away, _ = http.get_json("/to", {"u": f"{elsewhere}/landed"})
        assert away == {"path": "/landed", "auth": None}  # another port is another origin
        assert http.requests == 4 and SECRET not in repr(http)


def test_unreachable_server_is_a_pull_error_after_retries() -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    http = HttpClient(f"http://127.0.0.1:{port}", "source.jira", auth=SECRET, retries=2, timeout=2)
    with pytest.raises(PullError, match=r"source\.jira: cannot reach .*after 3 tries") as err:
        http.get_json("/rest/api/2/search", {"jql": "order by key"})
    assert "tok-SECRET" not in str(err.value) and http.requests == 3


def test_errors_name_the_setting_and_never_the_secret() -> None:
    api = Echo(auth="Bearer right")
    with serve(api) as url:
        http = HttpClient(url, "source.github", auth=SECRET,
                          hints={401: "check the token in $GITHUB_TOKEN"})
        with pytest.raises(AccessError) as err:
            http.get_json("/repos/acme/ledger/pulls", {"access_token": "tok-SECRET-x"})
    text = str(err.value)
    assert text.startswith("source.github: HTTP 401 from http://127.0.0.1:")
    assert "access_token=…" in text and "tok-SECRET" not in text
    assert text.endswith("check the token in $GITHUB_TOKEN") and err.value.status == 401


def test_waits_are_capped_and_link_headers_parsed(monkeypatch) -> None:
    api = Echo()
    with serve(api) as url:
        api.failures.append((429, {"Retry-After": "7200"}, None))
        http = HttpClient(url, "source.github", max_wait=60)
        with pytest.raises(PullError, match=r"wait 7200s, more than the limit of 60s"):
            http.get_json("/x")
    resp = Response(200, "u", _headers(Link='<https://h/x?page=2>; rel="next", '
                                            '<https://h/x?page=9>; rel="last"'), b"[]")
    assert resp.next_link() == "https://h/x?page=2"
    assert _safe("https://user:pw@h:8/p?token=abc&page=2") == "https://h:8/p?token=…&page=2"


def _headers(**values: str):
    from email.message import Message

    msg = Message()
    for key, value in values.items():
        msg[key] = value
    return msg
