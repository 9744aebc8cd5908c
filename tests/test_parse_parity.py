"""The fast Jira/Confluence parse paths give exactly what the slower originals gave.

dom.py + render.py replace BeautifulSoup for Confluence pages; the rewritten regexes and the
fast paths in common.py replace per-line loops. Each is checked here against its reference
(BeautifulSoup and html.Renderer, which the other HTML sources still use, or the original
code kept below) on fixed tricky inputs and seeded random ones.
"""

from __future__ import annotations

import random
import re
from datetime import datetime

import pytest

from alchemy.config import source_options
from alchemy.records import Quarantine
from alchemy.sources import jira
from alchemy.sources.markup import common, dom, wiki
from alchemy.sources.markup.html import Renderer
from alchemy.sources.markup.html import parse as soup_parse
from alchemy.sources.markup.render import TreeRenderer, squash
from alchemy.sources.markup.storage import storage_to_text

TAGS = ["p", "div", "span", "b", "em", "s", "a href='https://x.y/z'", "a", "code", "pre",
        "pre class='language-py'", "ul", "ol", "ol start='2'", "ul class='inline-task-list'", "li",
        "li class='checked'", "table", "tr", "td", "th", "h2", "blockquote", "hr", "br", "time",
        "time datetime='2024'", "input type='checkbox' checked", "script", "style", "rt",
        "textarea", "title", "body", "html", "img", "div class='title'", "span class='aui-icon'",
        "div class='confluence-information-macro confluence-information-macro-tip'", "x-odd",
        "p {ns}class='toc-macro'"]
TEXT = [" ", "  ", "\n", "\t", "\r\n", "\xa0", "\u200b", "\x1c", "\x01", "text", "two words",
        "&amp;", "&lt;x&gt;", "&nbsp;", "**", "```", "# h", "<!-- c -->", "<![CDATA[ a\n b ]]>",
        "<?pi x?>", "<!DOCTYPE html>", "<", "&", "</html>", "<body>", "</p>", "<td>", "\ufeff"]
MARKS = ["*", "+", "(", ")", "/", "x", "!", "i", "?", "on", "off", "y", "n", "a", " ", "\n", "_",
         "\u00e9", "(x)", "**", "++", "\n\n\n", "#", "## ", "```", "~~~", "\xa0", "\u200b", "\t"]


def random_html(r: random.Random, depth: int = 0) -> str:
    out = []
    for _ in range(r.randint(0, 5)):
        if r.random() < 0.4 or depth > 4:
            out.append(r.choice(TEXT))
        else:
            tag = r.choice(TAGS)
            closing = "" if r.random() < 0.1 else f"</{tag.split()[0]}>"
            out.append(f"<{tag}>{random_html(r, depth + 1)}{closing}")
    return "".join(out)


def soup_shape(node) -> list:
    from bs4 import NavigableString, Tag
    from bs4.element import PreformattedString

    kinds = {"Script": "script", "Stylesheet": "style", "TemplateString": "template",
             "RubyTextString": "rt", "RubyParenthesisString": "rp", "NavigableString": ""}
    out: list = []
    for kid in node.children:
        if isinstance(kid, Tag):
            attrs = {k: v if isinstance(v, str) else list(v) for k, v in kid.attrs.items()}
            out.append((kid.name, attrs, soup_shape(kid)))
        elif isinstance(kid, NavigableString) and not isinstance(kid, PreformattedString):
            out.append((kinds[type(kid).__name__], str(kid)))
    return out


def dom_shape(node: dom.Node, lists: set[str]) -> list:
    out: list = []
    for kid in node.kids:
        if isinstance(kid, dom.Node):
            attrs = {k: v.split() if k in lists else v for k, v in kid.attrs.items()}
            out.append((kid.tag, attrs, dom_shape(kid, lists)))
        else:
            out.append((kid.kind if isinstance(kid, dom.Contained) else "", str(kid)))
    return out


def cases(seed: int, n: int) -> list[str]:
    r = random.Random(seed)
    fixed = ["", " ", "<html></html>after", "<p>a<!DOCTYPE x>\t b</p>", "<p a=1 {y}b=2>x</p>",
             "<ul> <li>a</li> </ul>", "<pre>\n\n x</pre>", "<p>cut <b>off", "<p>\x01 ctl</p>",
             "<td>cell</td>", "<p>a<rt>ruby</rt> <script>s</script></p>", "\ufeff<p>bom</p>"]
    return fixed + [random_html(r) for _ in range(n)]


@pytest.mark.parametrize("seed", [1, 2])
def test_dom_builds_the_tree_beautifulsoup_builds(seed: int):
    for markup in cases(seed, 150):
        soup = soup_parse(markup)
        lists = {k for node in soup.find_all(True) for k, v in node.attrs.items()
                 if not isinstance(v, str)}
        assert dom_shape(dom.parse(markup), lists) == soup_shape(soup), markup


@pytest.mark.parametrize("seed", [3, 4])
def test_tree_renderer_gives_html_renderer_text(seed: int):
    for markup in cases(seed, 150):
        soup = soup_parse(markup)
        expected = Renderer().children(soup.body or soup)
        assert TreeRenderer().document(dom.parse(markup)) == expected, markup
        pairs = zip(soup.find_all(True), dom.parse(markup).descendants(), strict=True)
        for node, el in pairs:  # the same elements in the same order: get_text() on each
            assert dom.text_of(el) == node.get_text(), markup
            assert dom.text_of(el, " ", strip=True) == node.get_text(" ", strip=True), markup


def test_storage_edge_cases():
    people: list[str] = []
    users = {"u1": "Ada Lovelace", "u2": "Grace Hopper"}
    xhtml = ('<p><ac:link><ri:user ri:account-id="u1" /></ac:link> <ac:link><ri:user '
             'ri:account-id="u2" /></ac:link> <ac:link><ri:user ri:account-id="u9" /></ac:link>'
             '</p><ac:structured-macro ac:name="code"><ac:parameter ac:name="language">sql'
             '</ac:parameter><ac:plain-text-body><![CDATA[SELECT 1 < 2;]]></ac:plain-text-body>'
             '</ac:structured-macro><ac:task-list><ac:task><ac:task-status>complete'
             '</ac:task-status><ac:task-body>Ship</ac:task-body></ac:task></ac:task-list>')
    assert storage_to_text(xhtml, users, people) == (
        "Ada Lovelace Grace Hopper @user\n\n```sql\nSELECT 1 < 2;\n```\n\n- [x] Ship")
    assert people == ["Ada Lovelace", "Grace Hopper"]
    assert storage_to_text("<html></html>kept after html") == "kept after html"
    assert storage_to_text("<p>a<!DOCTYPE x>\t b</p><pre>a<!DOCTYPE x> </pre>") == "a b\n\n```\na\n```"
    with pytest.raises(UnicodeEncodeError):  # as BeautifulSoup: the page is quarantined
        storage_to_text("<p>\ud800</p>")


def test_squash_is_the_whitespace_regex():
    r = random.Random(5)
    for _ in range(3000):
        s = "".join(r.choice(MARKS + ["\x85", "\u2028", "\x0b", "  "]) for _ in range(r.randint(0, 12)))
        assert squash(s) == re.sub(r"\s+", " ", s)


# --- wiki markup and the text helpers, against the original code --------------------------------

ORIGINAL = {  # pattern as it was -> (rewritten pattern, replacement)
    r"(?<![\w*])\*(?=\S)([^*\n]+?)(?<=\S)\*(?![\w*])": (wiki._BOLD, r"**\1**"),
    r"(?<![\w+])\+(?=\S)([^+\n]+?)(?<=\S)\+(?![\w+])": (wiki._UNDER, r"\1"),
    r"(?<!\S)\((?:/|x|!|i|\?|on|off|y|n)\)(?!\S)": (wiki._EMOTICON, "E"),
    r"\n{3,}": (common._BLANKS, "\n\n"),
}


def test_rewritten_regexes_match_the_same_text():
    r = random.Random(6)
    for _ in range(5000):
        s = "".join(r.choice(MARKS) for _ in range(r.randint(0, 25)))
        for old, (new, repl) in ORIGINAL.items():
            assert re.sub(old, repl, s) == new.sub(repl, s), (old, s)


def ref_tidy(text: str) -> str:
    text = common.ZERO_WIDTH.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    out, fence, blank = [], "", 0
    for line in text.split("\n"):
        line = line.rstrip()
        m = common._FENCE.match(line)
        if fence:
            out.append(line)
            if m and m.group(1).startswith(fence) and line.strip() == m.group(1):
                fence = ""
            continue
        fence = m.group(1) if m else fence
        blank = blank + 1 if not line else 0
        if blank <= 1:
            out.append(line)
    return "\n".join(out).strip("\n")


def ref_demote(text: str, levels: int = 2) -> str:
    out, in_fence = [], ""
    for line in text.split("\n"):
        m = common._FENCE.match(line)
        if m and (not in_fence or line.strip() == m.group(1)):
            in_fence = "" if in_fence else m.group(1)
        elif not in_fence and (h := re.match(r"(#{1,6}) ", line)):
            line = "#" * min(6, len(h.group(1)) + levels) + line[len(h.group(1)) :]
        out.append(line)
    return "\n".join(out)


def ref_drop_empty_sections(text: str) -> str:
    lines, out, in_fence = text.split("\n"), [], False
    for i, line in enumerate(lines):
        if common._FENCE.match(line):
            in_fence = not in_fence
        h = None if in_fence else re.match(r"(#{1,6}) ", line)
        if h:
            nxt = next((ln for ln in lines[i + 1 :] if ln.strip()), "")
            m = re.match(r"(#{1,6}) ", nxt)
            if not nxt or (m and len(m.group(1)) <= len(h.group(1))):
                continue
        out.append(line)
    return "\n".join(out)


def ref_iso_date(s: str) -> str:
    for fmt in ("%Y-%m-%dT%H:%M:%S.%f%z", "%Y-%m-%dT%H:%M:%S%z"):
        try:
            return datetime.strptime(s.replace("Z", "+0000"), fmt).isoformat(timespec="seconds")
        except ValueError:
            pass
    return s


def test_text_helpers_match_the_original_loops():
    r = random.Random(7)
    for _ in range(4000):
        s = "".join(r.choice(MARKS + ["\r\n", "x\n", "#### y\n", "\n\n"]) for _ in range(30))
        assert common.tidy(s) == ref_tidy(s), s
        assert common.demote(s) == ref_demote(s) and common.demote(s, 1) == ref_demote(s, 1), s
        assert common.drop_empty_sections(s) == ref_drop_empty_sections(s), s


def test_iso_date_fast_path_matches_strptime():
    r = random.Random(8)
    for _ in range(3000):
        d = [f"{r.choice([0, 1, 9, 12, 24, 29, 31, 59, 60, 99]):02d}" for _ in range(6)]
        tz = r.choice(["Z", "+0000", "-0130", "+0060", "+2400", ""])
        s = f"20{d[0]}-{d[1]}-{d[2]}T{d[3]}:{d[4]}:{d[5]}{r.choice(['', '.123'])}{tz}"
        assert common.iso_date(s) == ref_iso_date(s), s


def test_wiki_placeholder_cycle_is_quarantined_not_a_hang(tmp_path):
    page = tmp_path / "cycle.json"
    page.write_text('{"key": "A-1", "fields": {"description": "{code}\\u00000\\u0000{code}"}}')
    (item,) = jira.parse_file(page, source_options("jira", raw_dir=str(tmp_path)))
    assert isinstance(item, Quarantine) and "placeholder cycle" in item.reason
