"""The shipped sample company, cleaned: nothing planted survives, all knowledge does."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from alchemy.config import ROOT
from alchemy.records import read_jsonl
from alchemy.runner import Runner

PLANTED = json.loads((ROOT / "data" / "planted.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def cleaned(tmp_path_factory):
    from tests.conftest import compose_cfg

    tmp = tmp_path_factory.mktemp("sample")
    cfg = compose_cfg("pipeline.stages=[clean,index]", f"paths.cache_dir={tmp}/cache")
    stages = Runner(cfg, tmp / "run").run()["stages"]
    text = (tmp / "run" / "train.jsonl").read_text(encoding="utf-8")
    records = list(read_jsonl(tmp / "run" / "train.jsonl"))
    # The retrieval index is scanned too: its passages and its vocabulary are text on disk.
    index = [p for p in sorted(Path(stages["index"]["artifact"]).rglob("*")) if p.is_file()
             and p.suffix in (".json", ".jsonl")]
    assert any(p.name == "passages.jsonl" for p in index)
    text += "\n".join(p.read_text(encoding="utf-8") for p in index)
    return stages, text, records


def _present(value: str, text: str) -> bool:
    return value in text or json.dumps(value)[1:-1] in text


@pytest.mark.parametrize("item", PLANTED["secrets"] + PLANTED["pii"],
                         ids=lambda e: f"{e['type']}:{e['value'][:12]}")
def test_no_planted_secret_or_pii_survives(cleaned, item) -> None:
    assert not _present(item["value"], cleaned[1]), f"{item['type']} leaked from {item.get('where')}"


@pytest.mark.parametrize("item", PLANTED["keep"], ids=lambda e: f"{e['type']}:{e['value'][:12]}")
def test_knowledge_is_kept(cleaned, item) -> None:
    assert _present(item["value"], cleaned[1]), f"{item['type']} was destroyed"


def test_no_person_name_survives(cleaned) -> None:
    for name in PLANTED["people"]:
        assert name not in cleaned[1], name


def test_every_source_contributes_and_nothing_is_lost_silently(cleaned) -> None:
    stages, _, records = cleaned
    clean = stages["clean"]
    assert set(clean["by_source"]) == {"jira", "confluence", "github", "git", "documents"}
    dropped = sum(clean["dropped"].values())
    # every parsed record is either written, dropped with a reason, or quarantined as superseded
    assert clean["records_in"] == clean["records_out"] + dropped + 1
    assert clean["quarantined"] == 1 and clean["leaks"] == {}
    assert len(records) == clean["records_out"] and len({r["id"] for r in records}) == len(records)
