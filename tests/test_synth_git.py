"""Commit pairs a maintainer would ask (why, when and in which release, which change added a
function), never a question about a hash; merges and commits that say nothing give none.

The commits are modelled on a public library's history: a fix with a reasoned body that adds a
helper and a changelog entry under a setext release heading, a release commit, branch and PR
merges, and one-word commits.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

from alchemy.runner import Runner
from alchemy.sources.git import _record
from alchemy.synth.offline import pairs_for
from alchemy.synth.offline_git import trivial

DIFF = """diff --git a/HISTORY.md b/HISTORY.md
index 1a2b3c4..5d6e7f8 100644
--- a/HISTORY.md
+++ b/HISTORY.md
@@ -1,6 +1,9 @@
 Release History
 ===============

 2.27.0 (2022-01-03)
 -------------------
+- Netrc credentials are no longer sent to a host other than the one
+  the netrc entry names.
+
 2.26.0 (2021-07-13)
diff --git a/src/requests/utils.py b/src/requests/utils.py
index 9f8e7d6..0a1b2c3 100644
--- a/src/requests/utils.py
+++ b/src/requests/utils.py
@@ -200,3 +200,9 @@ def get_netrc_auth(url, raise_errors=False):
+def netrc_host_matches(host, entry):
+    \"\"\"True when the netrc entry is for this exact host.\"\"\"
+    return host == entry
"""


def _rec(subject: str, body: str = "", diff: str = "", files=(), parents=1, sha="3f2a9c1b7e") -> dict:
    commit = {"sha": sha * 4, "parents": ["p"] * parents, "author_name": "Ada Lovelace",
              "author_email": "ada@acme.io", "date": "2022-01-03T10:00:00+00:00", "subject": subject,
              "body": body, "diff": diff, "is_merge": parents > 1,
              "files": [{"path": p, "status": "M", "additions": 3, "deletions": 0} for p in files]}
    return _record(commit, "requests", "requests.commits.jsonl", {}).to_dict()


FIX = _rec("Only send netrc credentials to the matching host",
           "A netrc entry for one host was used for any redirect target, leaking the\n"
           "credentials to other hosts. Check the host before using the entry.\n\n"
           "Signed-off-by: Ada Lovelace <ada@acme.io>",
           DIFF, ("HISTORY.md", "src/requests/utils.py"))


def test_fix_gives_why_release_and_introduced_pairs() -> None:
    assert trivial(FIX) is None
    pairs = {p["chunk"]: p for p in pairs_for(FIX, 3, 1200)}
    assert set(pairs) == {"why", "when", "introduced:netrc_host_matches", "what"}
    assert pairs["why"]["question"].startswith(("Why was src/requests/utils.py changed",
                                                "Why did src/requests/utils.py change"))
    why = pairs["why"]["answer"]
    assert "leaking the\ncredentials" in why and "Signed-off-by" not in why
    when = pairs["when"]
    assert when["question"] == ("In which requests release did this change ship: Netrc credentials are no "
                                "longer sent to a host other than the one the netrc entry names?")
    assert when["answer"].startswith("2.27.0: the changelog lists")
    intro = pairs["introduced:netrc_host_matches"]
    assert "src/requests/utils.py" in intro["question"] and "def netrc_host_matches" in intro["answer"]
    for p in pairs.values():
        assert not re.search(r"\b[0-9a-f]{7,}\b", p["question"]), p["question"]  # nobody asks a hash


def test_release_merges_and_empty_commits() -> None:
    release = _rec("v2.27.0", files=("src/requests/__version__.py",))
    assert trivial(release) is None
    (pair,) = [p for p in pairs_for(release, 3, 1200) if p["chunk"] == "release"]
    assert pair["question"] == "When was requests 2.27.0 released?"
    assert pair["answer"].startswith("requests 2.27.0 was released on 2022-01-03")
    assert trivial(_rec("Merge branch 'main' into proposed/3.0.0", parents=2)) == "merge"
    assert trivial(_rec("Merge pull request #6 from <PERSON_1>/x", parents=2)) == "merge"
    merged = _rec("Merge pull request #5978 from <PERSON_1>/all-proxy-docs", "Document ALL_PROXY support",
                  parents=2)
    assert trivial(merged) is None
    assert [p["question"] for p in pairs_for(merged, 3, 1200)] == [
        "Which pull request brought in 'Document ALL_PROXY support' in requests?"]
    typo = _rec("typo", diff="diff --git a/x b/x\n-teh\n+the\n", files=("README.md",))
    assert trivial(typo) == "says_nothing"
    assert trivial(_rec("Update README.md", files=("README.md",))) == "says_nothing"


def test_synth_stage_skips_trivial_commits(make_cfg, tmp_path: Path) -> None:
    repo = tmp_path / "proj"
    repo.mkdir()
    env = {**os.environ, "GIT_AUTHOR_NAME": "Ada Lovelace", "GIT_AUTHOR_EMAIL": "ada@acme.io",
           "GIT_COMMITTER_NAME": "Ada Lovelace", "GIT_COMMITTER_EMAIL": "ada@acme.io",
           "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}

    def git(*args: str) -> None:
        subprocess.run(["git", *args], cwd=repo, env=env, check=True, capture_output=True)

    git("init", "-q", "-b", "main")
    (repo / "retry.py").write_text("def backoff(attempt):\n    return min(60, 2 ** attempt)\n")
    git("add", ".")
    git("commit", "-q", "-m", "Add exponential backoff for retried requests",
        "-m", "Retrying at a fixed interval hammered servers that were already overloaded, so the "
              "delay now doubles with every attempt up to a minute.")
    (repo / "retry.py").write_text("def backoff(attempt):\n    return min(60, 2 ** attempt)\n\n")
    git("commit", "-q", "-am", "wip")
    cfg = make_cfg("pipeline.stages=[ingest,clean,synth]", "source=git", f"source.git.repos=[{repo}]",
                   "synth.eval_fraction=0")
    stages = Runner(cfg, tmp_path / "run").run()["stages"]
    assert stages["synth"]["commits_skipped"] == {"says_nothing": 1}
    rows = [json.loads(line) for line in
            (Path(stages["synth"]["artifact"]) / "sft_train.jsonl").read_text().splitlines()]
    rows += [json.loads(line) for line in
             (Path(stages["synth"]["artifact"]) / "sft_eval.jsonl").read_text().splitlines()]
    questions = [r["messages"][-2]["content"] for r in rows]
    assert "Which change introduced `backoff` in retry.py?" in questions or \
        "When and why was `backoff` added to retry.py?" in questions
    assert not any("wip" in q for q in questions)
