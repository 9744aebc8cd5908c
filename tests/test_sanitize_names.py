"""Person names on real-shaped history: people masked, ordinary words, paths and code kept.

Each case reproduces what a public project's history showed (authors called "travis", "Max ...",
"Can ...", "New Comer"; NFD names; merge logins; a login and its display name).
"""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path

from alchemy.config import SanitizerConfig, schema_dict, source_options
from alchemy.records import Record
from alchemy.sanitize import Sanitizer, collect_people
from alchemy.sanitize.names import handle_aliases
from alchemy.sources.git import parse_file

CFG = schema_dict(SanitizerConfig, key_env="", leak_gate="none")
AUTHORS = ["travis", "unknown", "Max Mustermann", "Can Ibanoglu", "Ada Bare", "Jan Kowalski",
           "New Comer", "Kenneth Reitz", "Matthew Other"]


def _mask(text: str, people: list[str] = AUTHORS) -> str:
    s = Sanitizer(CFG)
    s.learn_people(people)
    return s.mask_text(text)[0]


def test_common_words_and_paths_are_not_names() -> None:
    text = ("M .travis.yml: run the travis job\nMax retries exceeded with url\nCan't handle it\n"
            "Bare domains are rejected; an unknown domain fails\nReleased 26 Jan 2013\n"
            "**New Features**\nmax_retries = Max(3)")
    assert _mask(text) == text


def test_full_names_anywhere_parts_only_in_person_context() -> None:
    out = _mask("New Comer fixed it. Author: travis\nthanks Max! Reviewed-by: Jan <jan@x.io>\n"
                "Reitz said so; @Can agreed")
    assert "New Comer" not in out and "travis" not in out and "Max" not in out
    assert "Jan" not in out and "Reitz" not in out and "Can" not in out
    assert out.startswith("<PERSON_1> fixed it. Author: <PERSON_2>")


def test_a_part_next_to_an_unknown_surname_is_one_new_person() -> None:
    out = _mask("Disclosed by Matthew Daley of BugFuzz; Matthew Other confirmed.")
    assert out == "Disclosed by <PERSON_1> of BugFuzz; <PERSON_2> confirmed."


def test_a_removed_diff_line_still_masks_the_name() -> None:
    assert _mask("-Kenneth Reitz's Code Style\n+Kenneth Reitz") == "-<PERSON_1>'s Code Style\n+<PERSON_1>"


def test_nfd_names_match_nfc_text() -> None:
    nfd = unicodedata.normalize("NFD", "Jérémy Bethmont")
    out = _mask("Patch by Jérémy Bethmont; Bethmont again", [nfd])
    assert out == "Patch by <PERSON_1>; <PERSON_1> again"


def test_symbols_around_a_name_make_no_second_person() -> None:
    assert _mask("☿ Kenneth Reitz and Kenneth Reitz", ["☿ Kenneth Reitz", "Kenneth Reitz"]) == (
        "☿ <PERSON_1> and <PERSON_1>"
    )


def test_login_and_display_name_share_one_placeholder() -> None:
    out = _mask("Merge pull request #12 from kmatsuda/fix\n\nthanks @kmatsuda, Kenji Matsuda",
                ["Kenji Matsuda", "kmatsuda"])
    assert out == "Merge pull request #12 from <PERSON_1>/fix\n\nthanks @<PERSON_1>, <PERSON_1>"


def test_unknown_merge_logins_are_masked_org_words_kept() -> None:
    out = _mask("Merge pull request #5 from daftshady/exception\nMerge pull request #6 from psf/main")
    assert out == "Merge pull request #5 from <PERSON_1>/exception\nMerge pull request #6 from psf/main"


def test_noreply_and_local_part_aliases() -> None:
    pairs = [("Ian Cordasco", "240830+sigmavirus24@users.noreply.github.com"),
             ("Nate Prewitt", "nate.prewitt@gmail.com"), ("Ops", "info@acme.io")]
    assert handle_aliases(pairs) == {"sigmavirus24": "Ian Cordasco", "nate.prewitt": "Nate Prewitt"}


def test_git_history_end_to_end(tmp_path: Path) -> None:
    """A dump with a noreply author and a merge of theirs: one placeholder in text and meta."""
    commits = [
        {"sha": "a" * 40, "parents": ["b" * 40, "c" * 40], "author_name": "Ian Cordasco",
         "author_email": "240830+sigmavirus24@users.noreply.github.com", "date": "2015-01-01T00:00:00Z",
         "subject": "Merge pull request #9 from sigmavirus24/travis", "body": "Update .travis.yml",
         "files": [{"path": ".travis.yml", "status": "M", "additions": 1, "deletions": 0}], "diff": ""},
    ]
    dump = tmp_path / "proj.commits.jsonl"
    dump.write_text("\n".join(json.dumps(c) for c in commits), encoding="utf-8")
    items = parse_file(dump, source_options("git", raw_dir=str(tmp_path)))
    recs = [r for r in items if isinstance(r, Record)]
    s = Sanitizer(CFG)
    s.learn_people(collect_people(r.meta for r in recs))
    out, _ = s.mask_record(recs[0])
    assert out.title == "Merge pull request #9 from <PERSON_1>/travis"
    assert out.meta["author"] == "<PERSON_1>" and "aliases" not in out.meta and "emails" not in out.meta
    assert ".travis.yml" in out.text and "sigmavirus24" not in json.dumps(out.to_dict())


def test_name_benchmark_precision_and_recall() -> None:
    """The benchmark's real-shaped history: nearly every mask is a person, nearly every person masked."""
    from benchmarks.sanitize_names import name_eval

    res = name_eval(CFG, n_authors=120, commits=600)
    assert res["precision"] >= 0.98 and res["recall"] >= 0.95 and res["decoys_kept"] >= 0.9, res


AUTHORS_RST = """Patches and Suggestions
- Jonathan Wong <evolutionace@gmail.com>
- Shagun Sodhani (`@shagunsodhani <https://github.com/shagunsodhani>`_)
- Константин Подшумок (`@podshumok <https://github.com/podshumok>`_)
- Kenneth Reitz <me@kr.org> `@kennethreitz <https://github.com/kennethreitz>`_
See Max Retries <docs> and Requests Sessions."""


def test_contributor_lists_default_and_strict() -> None:
    """Default: known people, and a login spelt from a known name; strict also the names that
    only a contributor list holds (offline, no NER model), with their logins."""
    default = Sanitizer(CFG)
    default.learn_people(["Kenneth Reitz"])
    out = default.mask_text(AUTHORS_RST)[0]
    assert "- <PERSON_1> <<EMAIL_2>> `@<PERSON_1> <https://github.com/<PERSON_1>>`_" in out
    assert "Jonathan Wong" in out and "shagunsodhani" in out  # nobody's metadata names them
    strict = Sanitizer({**CFG, "strict": True})
    strict.learn_people(["Kenneth Reitz"])
    out = strict.mask_text(AUTHORS_RST)[0]
    for name in ("Jonathan", "Shagun", "shagunsodhani", "Константин", "podshumok", "Reitz"):
        assert name not in out
    assert "- <PERSON_3> (`@<PERSON_3> <https://github.com/<PERSON_3>>`_)" in out
    assert out.endswith("See Max Retries <docs> and Requests Sessions.")


def test_profile_links_of_known_logins() -> None:
    out = _mask("tweet @nateprewitt (https://twitter.com/nateprewitt), code at https://github.com/psf/requests",
                ["Nate Prewitt", "nateprewitt\x1fNate Prewitt"])
    assert out == "tweet @<PERSON_1> (https://twitter.com/<PERSON_1>), code at https://github.com/psf/requests"
