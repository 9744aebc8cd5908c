"""Jira and Confluence parser throughput (MB/s on one core) and output dumps for parity checks.

Parsing is the first part of the clean pass, so its speed bounds the whole pass. This times
the real ``parse_file`` of each source over generated exports (benchmarks/engine_data.py) with
``time.process_time`` and reports the median of several runs. ``--dump`` writes every Record and
Quarantine entry as canonical JSON lines, so a parser change can be checked byte for byte
(``cmp before.jsonl after.jsonl``). ``--stress DIR`` writes a corpus of tricky markup
(macros, mentions, tables, malformed and truncated bodies) for such checks.

    nice -n 10 .venv/bin/python benchmarks/parse_bench.py [--data DIR] [--runs 3] [--dump PATH]
    .venv/bin/python benchmarks/parse_bench.py --stress /tmp/stress --data /tmp/stress --dump X
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from alchemy.config import source_options  # noqa: E402
from alchemy.sources import confluence, jira  # noqa: E402

DEFAULT_DATA = ROOT / "outputs" / "bench-engines" / "data-10mb"
MODULES = {"jira": jira, "confluence": confluence}

STORAGE_BITS = [
    "<p>Owned by <ac:link><ri:user ri:account-id=\"u1\" /></ac:link> <ac:link><ri:user "
    "ri:userkey=\"u2\" /></ac:link>.</p>",
    "<ac:structured-macro ac:name=\"status\"><ac:parameter ac:name=\"title\">DONE"
    "</ac:parameter></ac:structured-macro> <ac:structured-macro ac:name=\"jira\">"
    "<ac:parameter ac:name=\"key\">PAY-1</ac:parameter></ac:structured-macro>",
    "<ac:structured-macro ac:name=\"code\"><ac:parameter ac:name=\"language\">sql"
    "</ac:parameter><ac:parameter ac:name=\"title\">Query</ac:parameter><ac:plain-text-body>"
    "<![CDATA[SELECT 1 <> 2 & 3;\n\n  -- ```\n]]></ac:plain-text-body></ac:structured-macro>",
    "<ac:structured-macro ac:name=\"noformat\"><ac:plain-text-body><![CDATA[raw\ttext]]>"
    "</ac:plain-text-body></ac:structured-macro>",
    "<ac:structured-macro ac:name=\"warning\"><ac:parameter ac:name=\"title\">Careful"
    "</ac:parameter><ac:rich-text-body><p>Do <em>not</em> <strong>round</strong>.</p><ul><li>a"
    "</li></ul></ac:rich-text-body></ac:structured-macro>",
    "<ac:structured-macro ac:name=\"panel\"><ac:rich-text-body><h3>In a panel</h3><p>x</p>"
    "</ac:rich-text-body></ac:structured-macro>",
    "<ac:structured-macro ac:name=\"expand\"><ac:rich-text-body><p>hidden</p>"
    "</ac:rich-text-body></ac:structured-macro><ac:structured-macro ac:name=\"toc\" />",
    "<ac:structured-macro ac:name=\"unknown-x\"><ac:plain-text-body><![CDATA[  body ]]>"
    "</ac:plain-text-body></ac:structured-macro><ac:macro ac:name=\"anchor\">a</ac:macro>",
    "<ac:task-list><ac:task><ac:task-id>1</ac:task-id><ac:task-status>complete</ac:task-status>"
    "<ac:task-body>Ship <strong>it</strong></ac:task-body></ac:task><ac:task><ac:task-status>"
    "incomplete</ac:task-status><ac:task-body>Review</ac:task-body></ac:task></ac:task-list>",
    "<table><tbody><tr><th><p><strong>K</strong></p></th><th>V|W</th></tr><tr><td><p>1</p>"
    "<p>2</p></td><td><table><tr><td>inner</td></tr></table></td></tr></tbody></table>",
    "<ol start=\"3\"><li>three<ul><li>nested <code>x  y</code></li></ul></li><li>four</li>"
    "</ol><ul><ol><li>bad nesting</li></ol></ul>",
    "<p>A&nbsp;b &amp; c &lt;tag&gt; &mdash; <a href=\"https://e.x/a\">link</a> <a href=\""
    "https://e.x/b\">https://e.x/b</a> <a href=\"/rel\">rel</a><br/>next</p>",
    "<p>see <ac:link ac:anchor=\"top\" /> and <ac:link><ri:page ri:content-title=\"Home\" />"
    "<ac:link-body>the <b>home</b> page</ac:link-body></ac:link> <ac:link><ri:attachment "
    "ri:filename=\"f.png\" /></ac:link> <ri:page ri:content-title=\"Bare\" /></p>",
    "<pre>  keep\n   spaces\n</pre><blockquote><p>quoted</p><p>two</p></blockquote><hr />",
    "<h2>Empty section</h2><h2>  Spaced   <em>title</em> </h2><p>\n  text \n with   gaps </p>",
    "<ac:layout><ac:layout-section><ac:layout-cell><p>cell</p></ac:layout-cell>"
    "</ac:layout-section></ac:layout><!-- a comment --><p>after<!--x-->comment</p>",
    "<ac:image><ri:attachment ri:filename=\"a.png\" /></ac:image><ac:emoticon ac:name=\"tick\""
    " /><ac:placeholder>type</ac:placeholder><span class=\"aui-icon\">icon</span>",
    "<div><p>div para</p> tail text <span>span</span></div><input type=\"checkbox\" checked>"
    "<time datetime=\"2024-01-02\">Jan</time><kbd>Ctrl</kbd> <del>old</del><s> </s>",
    "<p>\u200bzero\u00adwidth\r\nline</p><p>  </p>\n\n<p>x</p>",
]
WIKI_BITS = [
    "h1. Title with *bold* and {{mono *x*}}", "h3.no space heading", "* item\n** nested\n* back",
    "# one\n# two\n## two.a\n# three\n- dash", "||H1||H2||\n|a|[x|http://e.x]|\n|{{a|b}}|c|",
    "{code:java|title=T}\nint x = 1; // *not bold*\n{code}", "{noformat}\n{{raw}}\n{noformat}",
    "{quote}\nquoted *b*\n{quote}", "{panel:title=P}\ninside\n{panel}", "{info}\ni\n{info}",
    "{warning:title=W}\nw\n{warning}", "[~accountid:u1] and [~jdoe] and [~unknown]",
    "[mailto:a@b.c] [label|#anchor] [^file.txt] [] [ ] [same|same]", "(/) (x) (!) (i) (on) (y)",
    "{color:red}red{color} {anchor:a} {toc} !image.png! !pic.JPG|thumbnail!", "+under+ a*b*c",
    "bq. a quote", "----", "line\\\\break", "*bold* _em_ -strike- ^sup^ ~sub~ ??cite??",
    "{{{{nested}}}}", "text | with | bars", "\u200b\ttabs\t and trailing   ", "",
]


def stress(out: Path, n: int, seed: int = 0) -> None:
    """Write n Confluence pages, n Jira issues and a few HTML export pages of tricky markup."""
    r = random.Random(seed)
    for name in ("jira", "confluence/export"):
        (out / name).mkdir(parents=True, exist_ok=True)
    users = {"u1": "Ada Lovelace", "u2": "Grace Hopper", "acc-1": "Mei Tanaka"}
    (out / "confluence" / "users.json").write_text(json.dumps(users), encoding="utf-8")

    def mix(bits: list[str], sep: list[str]) -> str:
        body = r.choice(sep).join(r.choice(bits) for _ in range(r.randint(1, 9)))
        return body[: r.randrange(len(body) + 1)] if body and r.random() < 0.2 else body

    pages = [{"id": str(i), "type": "page", "title": f" Page {i} ", "space": {"key": "ENG"},
              "version": {"by": {"displayName": "Priya Raman"}, "number": i},
              "body": {"storage": {"value": mix(STORAGE_BITS, ["", "\n", " "])}}}
             for i in range(n)]
    (out / "confluence" / "stress.json").write_text(json.dumps({"results": pages}), "utf-8")
    for i in range(max(1, n // 20)):
        html = (f"<html><head><title>ENG : T{i}</title></head><body><ol id=\"breadcrumbs\"><li>"
                f"<a>ENG</a></li></ol><div class=\"page-metadata\">Created by <span class="
                f"\"author\">Ada</span> on Mar 0{i % 9 + 1}, 2024</div><div id=\"main-content\">"
                f"{mix(STORAGE_BITS, ['', chr(10)])}</div><div class=\"labels\"><a>l{i}</a></div>"
                "</body></html>")
        (out / "confluence" / "export" / f"T{i}_{i}.html").write_text(html, encoding="utf-8")
    user = {"accountId": "u1", "name": "jdoe", "displayName": "Ada Lovelace",
            "emailAddress": "ada@example.com"}
    issues = [{"key": f"ST-{i}", "fields": {
        "summary": f"Issue {i}", "description": mix(WIKI_BITS, ["\n", "\r\n", " ", "\n\n"]),
        "reporter": user, "labels": ["x"], "resolution": None, "comment": {"comments": [
            {"id": str(c), "author": user, "created": f"2024-0{c + 1}-01",
             "body": mix(WIKI_BITS, ["\n", " "])} for c in range(r.randint(0, 3))]}}}
        for i in range(n)]
    (out / "jira" / "stress.json").write_text(json.dumps({"issues": issues}), encoding="utf-8")


def files(data: Path, source: str) -> list[Path]:
    found = {p for pat in MODULES[source].PATTERNS for p in (data / source).glob(pat)}
    return sorted(p for p in found if p.is_file())


def parse_all(data: Path, source: str) -> list[Any]:
    cfg = source_options(source, raw_dir=str(data / source))
    return [item for path in files(data, source) for item in MODULES[source].parse_file(path, cfg)]


def dump(data: Path, sources: list[str], path: Path) -> int:
    """Every item as one canonical JSON line (kind first); returns the count."""
    n = 0
    with open(path, "w", encoding="utf-8") as fh:
        for source in sources:
            for item in parse_all(data, source):
                row = {"kind": type(item).__name__, **item.to_dict()}
                fh.write(json.dumps(row, sort_keys=True, ensure_ascii=False) + "\n")
                n += 1
    return n


def bench(data: Path, sources: list[str], runs: int) -> dict[str, dict[str, float]]:
    """Median MB/s (process CPU time) of parsing every file of each source."""
    out = {}
    for source in sources:
        size = sum(p.stat().st_size for p in files(data, source))
        times, count = [], 0
        for _ in range(runs):
            t0 = time.process_time()
            count = len(parse_all(data, source))
            times.append(time.process_time() - t0)
        med = statistics.median(times)
        out[source] = {"mb": size / 1e6, "items": count, "cpu_s": round(med, 3),
                       "mb_per_s": round(size / 1e6 / med, 2) if med else 0.0}
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA, help="folder with jira/, confluence/")
    ap.add_argument("--sources", default="jira,confluence")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--dump", type=Path, help="write canonical JSON lines here and skip timing")
    ap.add_argument("--stress", type=Path, help="write a stress corpus here first")
    ap.add_argument("--stress-n", type=int, default=2000)
    args = ap.parse_args()
    sources = args.sources.split(",")
    if args.stress:
        stress(args.stress, args.stress_n)
    elif args.data == DEFAULT_DATA and not (args.data / "done.json").is_file():
        from engine_data import generate

        counts = generate(args.data, 10, seed=10)  # as engine_bench.py
        (args.data / "done.json").write_text(json.dumps(counts), encoding="utf-8")
    if args.dump:
        print(f"{dump(args.data, sources, args.dump)} items -> {args.dump}")
        return
    for source, row in bench(args.data, sources, args.runs).items():
        print(f"{source:11s} {row['mb']:6.2f} MB  {row['items']:6d} items  "
              f"{row['cpu_s']:7.3f} s CPU  {row['mb_per_s']:7.2f} MB/s")


if __name__ == "__main__":
    main()
