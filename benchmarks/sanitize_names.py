"""Person-name precision and recall on a real-shaped git history (a few hundred authors).

Authors are drawn the way public histories have them: "First Last" (some first names and
surnames are common words: Max, Can, Will, Mark, Young, Black), one-word lower-case names that
are words ("travis", "unknown"), logins, accented names stored NFD, a name with a symbol in
front; each has a GitHub noreply e-mail. Commits mention people the ways histories do
(``Author:``, sign-offs, merge logins, ``@mentions``, thanks, possessives, AUTHORS lines with
people who never committed) and use the same words as ordinary words (``.travis.yml``,
``Max retries exceeded``, ``26 Jan 2013``, ``max_retries = Max(3)``).

Precision: the share of masked PERSON spans that overlap a person mention. Recall: person
mentions fully masked. Decoys kept: ordinary uses of name words left intact.
"""

from __future__ import annotations

import random
import unicodedata
from collections import Counter
from typing import Any

from alchemy.config import SanitizerConfig, schema_dict
from alchemy.records import Record
from alchemy.sanitize import SanitizeContext, collect_people
from alchemy.sanitize.names import handle_aliases

FIRST = ("Max Can Will Mark Grant Jan Rose Bill Dean Frank Kenneth Cory Nate Ian Armin David Priya "
         "Jérémy Rubén Tamás Kenji Matthew Alex Daniel Sofia Ana Lukas Mei Olga Omar Aisha Ravi "
         "Yuki Chloe Hugo Sven Ingrid Pavel Zoe Marta Ruby Julia").split()
LAST = ("Young Black Long Rich Bare Comer Baker Reitz Benfield Prewitt Cordasco Ronacher Lord "
        "Raman Bethmont Abad Gulácsi Matsuda Daley Kowalski Novak Okafor Lindqvist Moreau Rossi "
        "Tanaka Haddad Schmidt Nguyen Petrov Kaur Silva Jansen Dubois Fischer Costa Ivanova").split()
WORD_AUTHORS = ("travis", "unknown", "build")
UNKNOWN_SURNAMES = "Willmer Greenfeld Pilgrim Karpinsky Ourisman Tauber".split()
# an ordinary use of each common-word name part, as histories and docs have them
DECOYS = {
    "Max": "Max retries exceeded with url: /status", "Can": "Can't handle the redirect",
    "Will": "Will be removed in 3.0.", "Mark": "Mark the test as flaky.",
    "Grant": "Grant read access to the bucket.", "Jan": "Released on 26 Jan 2013.",
    "Rose": "Latency rose by 5%. Rose charts updated.", "Bill": "Bill the usage monthly.",
    "Dean": "Dean's list: n/a", "Frank": "Frank feedback welcome.",
    "Young": "Young objects are collected first.",
    "Ruby": "Most apps in Ruby land use Rack; the Ruby side agrees.", "Julia": "Benchmarks in Julia too.",
    "Black": "Black formatting applied.", "Long": "Long lines wrapped.", "Rich": "Rich text output.",
    "Bare": "Bare domains are rejected.", "Baker": "Baker recipe in docs/cook.md",
    "travis": "M .travis.yml: run the travis job on 3.12", "unknown": "an unknown domain fails",
    "build": "build the docs with make html",
}
CODE = "max_retries = Max(3)\nself.mark_done(will=True)\nNew Features\n------------\n"


def _authors(n: int, rng: random.Random) -> list[dict[str, str]]:
    people, seen = [], set()
    while len(people) < n:
        first, last = rng.choice(FIRST), rng.choice(LAST)
        if (first, last) in seen:
            continue
        seen.add((first, last))
        login = (first[0] + last).lower() if rng.random() < 0.5 else f"{first.lower()}{rng.randint(1, 99)}"
        login = unicodedata.normalize("NFKD", login).encode("ascii", "ignore").decode()
        stored = f"{first} {last}"
        if not stored.isascii() and rng.random() < 0.5:
            stored = unicodedata.normalize("NFD", stored)  # git keeps what the client wrote
        elif rng.random() < 0.02:
            stored = "☿ " + stored
        people.append({"name": stored, "first": first, "last": last, "login": login,
                       "email": f"{rng.randint(1000, 99999)}+{login}@users.noreply.github.com"})
    for w in WORD_AUTHORS:
        people.append({"name": w, "first": w, "last": "", "login": w, "email": f"{w}@ci.invalid"})
    return people


class _Text:
    """A text built piece by piece, with the offsets of person mentions and decoys."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.size = 0
        self.people: list[tuple[int, int]] = []
        self.decoys: list[tuple[int, int]] = []

    def add(self, s: str, label: str = "") -> None:
        if label:
            (self.people if label == "P" else self.decoys).append((self.size, self.size + len(s)))
        self.parts.append(s)
        self.size += len(s)

    @property
    def text(self) -> str:
        return "".join(self.parts)


def _commit(i: int, a: dict[str, str], other: dict[str, str], rng: random.Random) -> tuple[Record, _Text]:
    t = _Text()
    full = unicodedata.normalize("NFC", a["name"]).lstrip("☿ ")
    if rng.random() < 0.2:
        t.add(f"Merge pull request #{i} from ")
        t.add(a["login"], "P")
        t.add("/fix-redirects\n\n")
    else:
        t.add("Fix redirect handling\n\n")
    word = rng.choice([other["first"], other["last"] or other["first"]])
    if word in DECOYS:
        t.add(DECOYS[word], "D")
        t.add("\n")
    if rng.random() < 0.3:
        t.add(CODE, "D")
    pick = rng.random()
    if pick < 0.2 and other["last"]:
        t.add("Thanks @")
        t.add(other["login"], "P")
        t.add(" for the report. Reported by ")
        t.add(other["first"], "P")
        t.add(".\n")
    elif pick < 0.4 and other["last"]:
        t.add("Builds on ")
        t.add(f"{other['first']} {other['last']}", "P")
        t.add("'s patch.\n")
    elif pick < 0.55 and other["last"]:
        t.add("+- ")
        t.add(f"{other['first']} {rng.choice(UNKNOWN_SURNAMES)}", "P")  # never committed
        t.add(" <contributor@mail.io>\n")
    elif pick < 0.65 and other["last"]:
        t.add(other["first"], "P")  # a first name alone starting a sentence: the hard case
        t.add(" found the cause.\n")
    if a["last"]:
        t.add("\nSigned-off-by: ")
        t.add(full, "P")
        t.add(f" <{a['email']}>\n")
    t.add("\nAuthor: ")
    if a["name"].startswith("☿ "):
        t.add("☿ ")  # the symbol is no part of the person
    t.add(unicodedata.normalize("NFC", a["name"]).removeprefix("☿ "), "P")
    meta = {"author": a["name"], "people": [a["name"]], "emails": [a["email"]],
            "aliases": handle_aliases([(a["name"], a["email"])])}
    return Record(f"git:bench@{i:06d}", "git", "commit", "", t.text, meta=meta), t


def make_history(n_authors: int = 300, commits: int = 3000, seed: int = 5) -> list[tuple[Record, _Text]]:
    rng = random.Random(seed)
    people = _authors(n_authors, rng)
    return [_commit(i, rng.choice(people), rng.choice(people), rng) for i in range(commits)]


def name_eval(cfg: dict[str, Any], n_authors: int = 300, commits: int = 3000) -> dict[str, Any]:
    """Name precision, recall and decoys kept of phase 1's PERSON spans on the history."""
    history = make_history(n_authors, commits)
    ctx = SanitizeContext({**cfg, "secrets": False}, collect_people(r.meta for r, _ in history))
    c: Counter[str] = Counter()
    wrong: Counter[str] = Counter()
    for rec, t in history:
        spans = [(a, b) for a, b, kind, _ in ctx.spans(rec.text) if kind == "PERSON"]
        for a, b in spans:
            ok = any(a < pb and pa < b for pa, pb in t.people)
            c["masks"] += 1
            c["masks_person"] += ok
            if not ok:
                wrong[rec.text[a:b]] += 1
        for pa, pb in t.people:
            c["people"] += 1
            covered = sum(min(b, pb) - max(a, pa) for a, b in spans if a < pb and pa < b)
            c["people_masked"] += covered >= pb - pa
        for da, db in t.decoys:
            c["decoys"] += 1
            c["decoys_kept"] += not any(a < db and da < b for a, b in spans)
    return {
        "authors": n_authors + len(WORD_AUTHORS),
        "commits": commits,
        "precision": round(c["masks_person"] / max(1, c["masks"]), 4),
        "not_the_person": round(1 - c["masks_person"] / max(1, c["masks"]), 4),
        "recall": round(c["people_masked"] / max(1, c["people"]), 4),
        "decoys_kept": round(c["decoys_kept"] / max(1, c["decoys"]), 4),
        "masks": c["masks"],
        "mentions": c["people"],
        "wrong_top": dict(wrong.most_common(8)),
    }


if __name__ == "__main__":
    import json

    cfg = schema_dict(SanitizerConfig, key_env="", leak_gate="none")
    print(json.dumps(name_eval(cfg), indent=1, ensure_ascii=False))
