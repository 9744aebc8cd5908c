"""Live ingest against real HTTP servers on 127.0.0.1: pagination, rate limits, increments.

Every server here is started by the test on 127.0.0.1 with a free port; nothing else is
contacted. Request counts are taken on the server side.
"""

from __future__ import annotations

import base64
import json
import logging
from pathlib import Path

import pytest

from alchemy.config import source_options
from alchemy.records import Quarantine, Record
from alchemy.runner import Runner, StageFailed
from alchemy.sources import confluence, github, jira
from alchemy.stages import ConfigError
from tests.fixtures.sources.fake_atlassian import FakeConfluence, FakeJira
from tests.fixtures.sources.fake_github import FakeGithub
from tests.fixtures.sources.live_server import serve

TOKEN = "tok-SECRET-9f8e7d6c5b4a"
EMAIL = "bot@lumen.test"
INGEST = "pipeline.stages=[ingest]"


@pytest.fixture(autouse=True)
def _env(monkeypatch):
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    for var in ("JIRA_EMAIL", "JIRA_API_TOKEN", "CONFLUENCE_EMAIL", "CONFLUENCE_API_TOKEN",
                "GITHUB_TOKEN"):
        monkeypatch.delenv(var, raising=False)


@pytest.fixture
def waits(monkeypatch) -> list[float]:
    """Seconds the client chose to wait (rate limits, Retry-After), without spending them."""
    seen: list[float] = []
    monkeypatch.setattr("alchemy.sources.live.http._sleep", seen.append)
    return seen


def ingest(cfg, run_dir: Path) -> tuple[dict, Path]:
    runner = Runner(cfg, run_dir)
    stage = runner.run()["stages"]["ingest"]
    return stage, runner.store.path("ingest", runner.fp("ingest"))


def records(module, raw: Path) -> list[Record | Quarantine]:
    cfg = source_options(module.SOURCE, raw_dir=str(raw))
    if hasattr(module, "parse_dir"):
        return list(module.parse_dir(raw, cfg))
    return [x for f in sorted(raw.rglob("*.json")) for x in module.parse_file(f, cfg)]


def assert_no_secret(*places: Path | str) -> None:
    for place in places:
        if isinstance(place, str):
            assert TOKEN not in place
            continue
        for f in [place] if place.is_file() else place.rglob("*"):
            if f.is_file():
                assert TOKEN.encode() not in f.read_bytes(), f


def test_jira_cloud_token_pages_rate_limit_and_increments(make_cfg, tmp_path, monkeypatch,
                                                          waits, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    monkeypatch.setenv("JIRA_EMAIL", EMAIL)
    monkeypatch.setenv("JIRA_API_TOKEN", TOKEN)
    basic = "Basic " + base64.b64encode(f"{EMAIL}:{TOKEN}".encode()).decode()
    api = FakeJira(cloud=True, auth=basic)
    with serve(api) as url:
        api.failures.append((429, {"Retry-After": "2"}, {"errorMessages": ["Rate limited"]}))
        cfg = make_cfg("source=jira", f"source.jira.url={url}", "source.jira.page_size=3", INGEST)
        first, art = ingest(cfg, tmp_path / "r1")
        searches = [c for c in api.calls if c.path == "/rest/api/3/search/jql"]
        # 429 then 3 pages (3 + 3 + 1 issues) chained by nextPageToken, plus PAY-2's comments
        assert [c.body.get("nextPageToken") for c in searches] == [None, None, "tok-3", "tok-6"]
        assert searches[0].body["fields"] == ["*navigable", "comment"]
        assert api.paths().count("/rest/api/3/issue/PAY-2/comment") == 1 and waits == [2.0]
        assert first["cached"] is False and first["by_source"] == {"jira": 7}
        assert first["pulled"]["jira"]["fetched"] == 7
        inventory = json.loads((art / "inventory.json").read_text())
        assert inventory["jira"]["in_artifact"] and inventory["jira"]["raw_dir"] == "raw/jira"
        recs = {r.id: r for r in records(jira, art / "raw" / "jira")}
        assert sorted(recs) == [f"jira:PAY-{i}" for i in range(1, 8)]
        pay2 = recs["jira:PAY-2"]
        assert "Service **ledger-2** listens on port 8402." in pay2.text
        assert pay2.text.count("comment ") == 4 and pay2.url == f"{url}/browse/PAY-2"

        api.calls.clear()  # nothing changed upstream: one query, then every stage is a hit
        again, _ = ingest(cfg, tmp_path / "r2")
        assert again["cached"] is True and len(api.calls) == 1
        assert "updated >= -" in api.calls[0].body["jql"]

        api.touch("PAY-5")
        api.calls.clear()
        third, art3 = ingest(cfg, tmp_path / "r3")
        assert third["cached"] is False and len(api.calls) == 1
        assert third["pulled"]["jira"]["fetched"] == 1 and third["by_source"] == {"jira": 7}
        assert "Status: Reopened" in {r.id: r for r in records(jira, art3 / "raw" / "jira")}[
            "jira:PAY-5"].text
    assert_no_secret(tmp_path, caplog.text)


def test_jira_server_pat_offset_pages_then_full_and_offline(make_cfg, tmp_path, monkeypatch,
                                                            waits) -> None:
    monkeypatch.setenv("JIRA_API_TOKEN", TOKEN)
    api = FakeJira(cloud=False, auth=f"Bearer {TOKEN}")
    with serve(api) as url:
        base = ("source=jira", f"source.jira.url={url}", "source.jira.page_size=3",
                "source.jira.jql='project = PAY ORDER BY key'", INGEST)
        first, art = ingest(make_cfg(*base), tmp_path / "r1")
        starts = [c.query["startAt"] for c in api.calls if c.path == "/rest/api/2/search"]
        assert starts == ["0", "3", "6"] and first["pulled"]["jira"]["fetched"] == 7
        rec = next(r for r in records(jira, art / "raw" / "jira") if r.id == "jira:PAY-3")
        assert "Service **ledger-3** listens on port 8403." in rec.text  # v2 wiki markup
        assert "```bash\nkubectl rollout restart deploy/ledger-3\n```" in rec.text

        api.calls.clear()
        ingest(make_cfg(*base), tmp_path / "r2")
        jql = api.calls[0].query["jql"]
        assert jql.startswith("(project = PAY) AND updated >= -") and jql.endswith("ORDER BY key")

        del api.issues["PAY-7"]  # deleted upstream: only a full pull notices
        full, art = ingest(make_cfg(*base, "source.jira.sync=full"), tmp_path / "r3")
        assert full["by_source"] == {"jira": 6} and not (art / "raw/jira/issues/PAY-7.json").exists()
        api.calls.clear()
        offline, _ = ingest(make_cfg(*base, "source.jira.sync=offline"), tmp_path / "r4")
        assert api.calls == [] and offline["by_source"] == {"jira": 6}


def test_bad_credentials_and_unknown_url_name_the_setting(make_cfg, tmp_path, monkeypatch,
                                                          waits) -> None:
    monkeypatch.setenv("JIRA_API_TOKEN", TOKEN)
    api = FakeJira(cloud=False, auth="Bearer another-token")
    with serve(api) as url:
        cfg = make_cfg("source=jira", f"source.jira.url={url}", INGEST)
        with pytest.raises(ConfigError, match=r"HTTP 401 .*\$JIRA_API_TOKEN") as err:
            ingest(cfg, tmp_path / "r1")
        assert TOKEN not in str(err.value)
        api.auth = f"Bearer {TOKEN}"
        with pytest.raises(ConfigError, match=r"HTTP 404 .*source\.jira\.url"):
            ingest(make_cfg("source=jira", f"source.jira.url={url}/nowhere", INGEST), tmp_path)
    monkeypatch.setenv("JIRA_EMAIL", EMAIL)
    monkeypatch.delenv("JIRA_API_TOKEN")
    with pytest.raises(ConfigError, match=r"needs the account e-mail .*\$JIRA_API_TOKEN"):
        ingest(make_cfg("source=jira", "source.jira.url=http://127.0.0.1:9", INGEST), tmp_path)


def test_server_down_fails_the_stage_then_the_next_run_resumes(make_cfg, tmp_path,
                                                               waits) -> None:
    api = FakeJira(cloud=False, auth=None)
    route = api.route
    api.route = lambda call: (503, {}, None) if call.query.get("startAt") == "3" else route(call)
    with serve(api) as url:
        cfg = make_cfg("source=jira", f"source.jira.url={url}", "source.jira.retries=2",
                       "source.jira.page_size=3", INGEST)
        with pytest.raises(StageFailed, match=r"HTTP 503 .*\(after 3 tries\)"):
            ingest(cfg, tmp_path / "r1")  # page 1 stored, page 2 failed three times
        assert len(api.calls) == 5 and len(waits) == 2  # page 1, PAY-2 comments, 3 tries
        api.route = route
        stage, _ = ingest(cfg, tmp_path / "r2")  # the cursor did not move: all of it again
        assert stage["by_source"] == {"jira": 7} and stage["pulled"]["jira"]["fetched"] == 7


def test_confluence_space_tree_users_and_increments(make_cfg, tmp_path, monkeypatch,
                                                    waits, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    monkeypatch.setenv("CONFLUENCE_EMAIL", EMAIL)
    monkeypatch.setenv("CONFLUENCE_API_TOKEN", TOKEN)
    api = FakeConfluence(auth="Basic " + base64.b64encode(f"{EMAIL}:{TOKEN}".encode()).decode())
    with serve(api) as url:
        base = ("source=confluence", f"source.confluence.url={url}/wiki",
                "source.confluence.spaces=[ENG]", "source.confluence.page_size=2", INGEST)
        first, art = ingest(make_cfg(*base), tmp_path / "r1")
        listing = [c for c in api.calls if c.path == "/wiki/rest/api/content"]
        assert [c.query.get("start", "0") for c in listing] == ["0", "2", "4"]  # _links.next
        lookups = sorted(c.query["accountId"] for c in api.calls if c.path.endswith("/user"))
        assert lookups == ["acc-0", "acc-2", "acc-3"]  # acc-1 came with version.by
        raw = art / "raw" / "confluence"
        assert json.loads((raw / "users.json").read_text()) == {
            "acc-0": "Mei Tanaka", "acc-1": "Jonas Lindqvist", "acc-2": "Amara Okafor"}
        recs = {r.id: r for r in records(confluence, raw) if isinstance(r, Record)}
        assert sorted(recs) == ["confluence:100", "confluence:101", "confluence:102",
                                "confluence:103", "confluence:200"]
        page = recs["confluence:103"]
        assert page.text.startswith("# Ledger restart\nPath: Engineering > Runbooks > Restarts")
        assert "Ask @user before touching ledger-103." in page.text  # acc-3: deleted, 404
        assert "Ask Amara Okafor before touching ledger-102." in recs["confluence:102"].text
        assert "Info: Port 8443." in page.text and page.url == f"{url}/wiki/spaces/ENG/pages/103"

        api.calls.clear()
        again, _ = ingest(make_cfg(*base), tmp_path / "r2")
        assert again["cached"] is True and [c.path for c in api.calls] == [
            "/wiki/rest/api/content/search"]
        assert 'space = "ENG" and type = page' in api.calls[0].query["cql"]
        api.touch("102")
        api.calls.clear()
        third, art = ingest(make_cfg(*base), tmp_path / "r3")
        assert third["pulled"]["confluence"]["fetched"] == 1 and len(api.calls) == 1
        assert "drain first" in (art / "raw/confluence/pages/102.json").read_text()

        api.calls.clear()  # a page and its child pages, by id
        tree, art = ingest(make_cfg("source=confluence", f"source.confluence.url={url}/wiki",
                                    "source.confluence.pages=[102]", INGEST), tmp_path / "r4")
        assert sorted(p.name for p in (art / "raw/confluence/pages").iterdir()) == [
            "102.json", "103.json"]
    assert_no_secret(tmp_path, caplog.text)


def test_github_enterprise_link_pages_rate_limits_and_since(make_cfg, tmp_path, monkeypatch,
                                                           waits, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    api = FakeGithub(auth=f"Bearer {TOKEN}", quota=6)
    with serve(api) as url:
        api.failures.append((403, {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "0"},
                             {"message": "API rate limit exceeded"}))
        base = ("source=github", f"source.github.api_url={url}/api/v3",
                "source.github.repos=[acme/ledger]", "source.github.per_page=2", INGEST)
        first, art = ingest(make_cfg(*base), tmp_path / "r1")
        pages = [c.query.get("page", "1") for c in api.calls if c.path.endswith("/ledger/pulls")]
        assert pages == ["1", "1", "2", "3"]  # the 403 retried, then Link rel="next" twice
        assert waits[0] == 1.0 and any(w > 1 for w in waits[1:])  # spent quota: wait for reset
        assert first["pulled"]["github"]["fetched"] == 5
        raw = art / "raw" / "github"
        assert (raw / "acme__ledger" / "pulls" / "3.json").is_file()
        out = records(github, raw)
        assert not [q for q in out if isinstance(q, Quarantine)]  # the plain issue's comment left out
        pr = {r.id: r for r in out}["github:acme/ledger#3"]
        assert "## Reviews\n\n**mei** approved (2024-02-13):\nApproved fix 3." in pr.text
        assert "**mei** on `ledger/post.py` (line 3):" in pr.text
        assert "## Discussion\n\n**diego** (2024-02-13):\nShip 3." in pr.text

        api.calls.clear()
        api.remaining = 1000
        again, _ = ingest(make_cfg(*base), tmp_path / "r2")
        assert again["cached"] is True
        assert [c.path.rsplit("/ledger", 1)[1] for c in api.calls] == [
            "/pulls", "/pulls/comments", "/issues/comments"]
        assert api.calls[1].query["since"] == "2024-02-15T12:00:00Z"
        api.touch(2)
        api.calls.clear()
        third, art = ingest(make_cfg(*base), tmp_path / "r3")
        # page 1 is PR 2 (new) and PR 5 (as old as the cursor), so page 2 is read to its
        # first older PR; only PR 2 changed, so only its reviews are read again. Issue
        # comments since the cursor: #5's, the plain issue's and the new one, on two pages.
        assert [c.path.rsplit("/ledger", 1)[1] for c in api.calls] == [
            "/pulls", "/pulls", "/pulls/2/reviews", "/pulls/comments", "/issues/comments",
            "/issues/comments"]
        assert third["pulled"]["github"]["fetched"] == 1
        pr = {r.id: r for r in records(github, art / "raw" / "github")}["github:acme/ledger#2"]
        assert pr.title == "Ledger fix 2 (v2)" and "Reopened: flaky." in pr.text and "Ship 2." in pr.text
        with pytest.raises(ConfigError, match=r"HTTP 404 .*'acme/nope'"):
            ingest(make_cfg(*base[:2], "source.github.repos=[acme/nope]", INGEST), tmp_path)
    assert_no_secret(tmp_path, caplog.text)


def test_clean_reads_pulled_files_like_exports(make_cfg, tmp_path, monkeypatch, waits) -> None:
    monkeypatch.setenv("JIRA_API_TOKEN", TOKEN)
    api = FakeJira(cloud=False, auth=f"Bearer {TOKEN}", n=4)
    with serve(api) as url:
        cfg = make_cfg("source=jira", f"source.jira.url={url}", "pipeline.stages=[ingest,clean]")
        stages = Runner(cfg, tmp_path / "run").run()["stages"]
    assert stages["clean"]["by_source"] == {"jira": 4} and stages["clean"]["quarantined"] == 0
    corpus = [json.loads(line) for line in (tmp_path / "run" / "train.jsonl").open()]
    assert [r["id"] for r in corpus] == [f"jira:PAY-{i}" for i in range(1, 5)]
    assert corpus[0]["meta"]["path"] == "issues/PAY-1.json" and corpus[0]["url"].startswith(url)
    assert "Jonas Lindqvist" not in (tmp_path / "run" / "train.jsonl").read_text()  # masked
    assert_no_secret(tmp_path)
