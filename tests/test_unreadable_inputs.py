"""Inputs that cannot be read are quarantined with a reason; nothing is skipped silently."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from alchemy.listing import list_files
from alchemy.records import read_jsonl
from alchemy.runner import Runner


def _unreadable_file(path: Path) -> None:
    """A file whose read fails, also for root (who ignores mode bits): /proc/self/mem gives EIO."""
    if os.geteuid() == 0:
        if not Path("/proc/self/mem").exists():
            pytest.skip("needs /proc/self/mem to make a file root cannot read")
        path.symlink_to("/proc/self/mem")
    else:
        path.write_text("# secret plans\n\nnobody may read this file at all, not even alchemy.\n")
        path.chmod(0)


@pytest.fixture
def hostile(docs_dir: Path, tmp_path: Path) -> Path:
    _unreadable_file(docs_dir / "unreadable.md")
    (docs_dir / "sub").mkdir()
    (docs_dir / "sub" / "loop").symlink_to("..")  # a symlink loop
    (docs_dir / "gone.md").symlink_to(tmp_path / "nowhere.md")  # a dangling link
    linked = tmp_path / "elsewhere"
    linked.mkdir()
    (linked / "oncall.md").write_text("# On-call\n\nThe on-call rotation changes every Monday at ten "
                                      "and the handover happens in the ops channel.\n")
    (docs_dir / "linked").symlink_to(linked)  # a linked folder: read, not skipped
    if os.geteuid() != 0:
        (docs_dir / "locked").mkdir()
        (docs_dir / "locked").chmod(0)
    return docs_dir


def test_listing_reports_loops_and_dangling_links(hostile: Path) -> None:
    files, problems = list_files(hostile, ("**/*.md",))
    names = sorted(f.relative_to(hostile).as_posix() for f in files)
    assert names == ["deploy.md", "linked/oncall.md", "runbook.md", "unreadable.md"]
    reasons = {Path(p).name: why for p, why in problems}
    assert reasons["loop"].startswith("symlink loop") and reasons["gone.md"].startswith("broken symlink")
    if os.geteuid() != 0:
        assert reasons["locked"].startswith("unreadable folder")


def test_unreadable_file_is_quarantined_and_the_run_goes_on(make_cfg, hostile, tmp_path) -> None:
    cfg = make_cfg("source=documents", f"source.documents.raw_dir={hostile}", "engine=python",
                   "pipeline.stages=[ingest,clean]")
    report = Runner(cfg, tmp_path / "run").run()["stages"]
    assert report["clean"]["records_out"] == 3  # two manuals + the linked folder's page
    skipped = 2 if os.geteuid() == 0 else 3  # the loop, the dangling link (+ the locked folder)
    assert report["ingest"]["skipped"] == {"documents": skipped}
    rows = read_jsonl(tmp_path / "run" / "quarantine.jsonl")
    quarantine = {Path(q["path"]).name: q["reason"] for q in rows}
    assert "unreadable.md" in quarantine and "error" in quarantine["unreadable.md"].lower()
    assert quarantine["loop"].startswith("symlink loop") and "gone.md" in quarantine
