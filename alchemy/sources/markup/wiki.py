"""Jira/Confluence wiki markup (REST v2 bodies) to Markdown-like text.

Block macros ({code}, {noformat}, {quote}, {panel}) are converted first and parked behind
placeholders so the line-by-line pass (headings, lists, tables) and the inline pass (bold,
monospace, links, mentions) never touch code.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from .common import fence, labelled, md_table, tidy

_CODE = re.compile(r"\{code(?::([^}]*))?\}(.*?)\{code\}", re.S)
_NOFORMAT = re.compile(r"\{noformat(?::[^}]*)?\}(.*?)\{noformat\}", re.S)
_QUOTE = re.compile(r"\{quote\}(.*?)\{quote\}", re.S)
_PANEL = re.compile(r"\{(panel|info|note|warning|tip)(?::([^}]*))?\}(.*?)\{\1\}", re.S)
_SLOT = re.compile(r"\x00(\d+)\x00")
_HEADING = re.compile(r"^h([1-6])\.\s*(.*)$")
_LIST = re.compile(r"^([*#]+|-)\s+(.*)$")
_LIST_LEADS = frozenset("*#-")
_DROP = re.compile(r"\{(?:color(?::[^}]*)?|anchor:[^}]*|toc(?::[^}]*)?)\}")
_IMAGE = re.compile(r"!([^!\s|][^!\n]*?\.(?:png|jpe?g|gif|svg|bmp|webp)(?:\|[^!\n]*)?)!", re.I)
_MONO = re.compile(r"\{\{(.+?)\}\}(?!\})")
_LINK = re.compile(r"\[([^\[\]\n]*)\]")
# Bold, underline and emoticons start with their literal character and check the one before it
# from there ("\*(?<![\w*]\*)" is "(?<![\w*])\*"): the same matches, and the regex engine can
# jump from one candidate character to the next instead of trying every position.
_BOLD = re.compile(r"\*(?<![\w*]\*)(?=\S)([^*\n]+?)(?<=\S)\*(?![\w*])")
_EMOTICONS = {"(/)": "\u2714", "(x)": "\u2718", "(!)": "\u26a0", "(i)": "\u2139", "(?)": "?",
              "(on)": "\u2714", "(off)": "\u2718", "(y)": "\U0001f44d", "(n)": "\U0001f44e"}
_EMOTICON = re.compile(r"\((?<!\S\()(?:/|x|!|i|\?|on|off|y|n)\)(?!\S)")
_UNDER = re.compile(r"\+(?<![\w+]\+)(?=\S)([^+\n]+?)(?<=\S)\+(?![\w+])")
_RULE = re.compile(r"-{4,}")
_CODE_SLOT = re.compile("\x01(\\d+)\x01")
_PANEL_OPEN = ("{panel", "{info", "{note", "{warning", "{tip")


def _params(raw: str | None) -> dict[str, str]:
    """Macro parameters "lang|title=X|k=v" -> {"": "lang", "title": "X", "k": "v"}."""
    out: dict[str, str] = {}
    for part in (raw or "").split("|"):
        key, eq, val = part.partition("=")
        if eq:
            out[key.strip().lower()] = val.strip()
        elif part.strip():
            out.setdefault("", part.strip())
    return out


class NameIndex(dict[str, str]):
    """Display names by lower-cased username/key/accountId, as mentions are looked up."""


def name_index(names: Mapping[str, str] | None) -> NameIndex:
    """Build the index once per issue and pass it for every body: wiki_to_text reuses it."""
    return NameIndex({k.lower(): v for k, v in (names or {}).items() if k and v})


class _Wiki:
    def __init__(self, names: Mapping[str, str] | None, mentions: list[str] | None) -> None:
        self.names = names if isinstance(names, NameIndex) else name_index(names)
        self.mentions = mentions if mentions is not None else []
        self.slots: list[str] = []

    def stash(self, text: str) -> str:
        self.slots.append(text)
        return f"\n\n\x00{len(self.slots) - 1}\x00\n\n"

    def restore(self, text: str) -> str:
        """Put stashed blocks back, nested ones too.

        A source with literal \\x00N\\x00 markers can make a slot contain itself, which
        used to loop forever; an acyclic nesting needs at most len(slots) rounds.
        """
        rounds = 0
        while _SLOT.search(text):
            if rounds > len(self.slots):
                raise ValueError("placeholder cycle: the source contains \\x00N\\x00 markers")
            text = _SLOT.sub(lambda m: self.slots[int(m.group(1))], text)
            rounds += 1
        return text

    def convert(self, src: str) -> str:
        s = src.replace("\r\n", "\n").replace("\r", "\n") if "\r" in src else src
        if "{" in s:  # each macro needs its literal opening tag: skip the scans when absent
            if "{code" in s:
                s = _CODE.sub(lambda m: self.stash(fence(m.group(2),
                                                         _params(m.group(1)).get("", ""))), s)
            if "{noformat" in s:
                s = _NOFORMAT.sub(lambda m: self.stash(fence(m.group(1))), s)
            if "{quote}" in s:
                s = _QUOTE.sub(lambda m: self.stash(self.quote(m.group(1))), s)
            if any(tag in s for tag in _PANEL_OPEN):
                s = _PANEL.sub(self.panel, s)
        return self.lines(s)

    def quote(self, body: str) -> str:
        inner = tidy(self.restore(self.convert(body)))
        return "\n".join(f"> {ln}".rstrip() for ln in inner.split("\n"))

    def panel(self, m: re.Match[str]) -> str:
        kind, params = m.group(1), _params(m.group(2))
        title = params.get("title", "")
        label = title if kind == "panel" else kind.capitalize() + (f" ({title})" if title else "")
        return self.stash(labelled(label, tidy(self.restore(self.convert(m.group(3))))))

    def lines(self, s: str) -> str:
        out: list[str] = []
        table: list[list[str]] = []
        numbers: list[int] = []  # ordered-list counters per depth
        for raw in s.split("\n"):
            line = raw.strip()
            lead = line[:1]
            listed = _LIST.match(line) if lead in _LIST_LEADS else None
            if listed is None:
                numbers = []
            if lead == "|":
                table.append([self.inline(c) for c in _cells(line)])
                continue
            if table:
                out += ["", md_table(table), ""]
                table = []
            if lead == "h" and (m := _HEADING.match(line)):
                out += ["", "#" * int(m.group(1)) + " " + self.inline(m.group(2)), ""]
            elif lead == "b" and line.startswith("bq. "):
                out.append("> " + self.inline(line[4:]))
            elif lead == "-" and _RULE.fullmatch(line):
                out.append("---")
            elif listed:
                marks = listed.group(1)
                depth, ordered = len(marks), marks[-1] == "#"
                numbers = (numbers + [0] * depth)[:depth]
                numbers[-1] = numbers[-1] + 1 if ordered and numbers[-1] > 0 else int(ordered)
                bullet = f"{numbers[-1]}. " if ordered else "- "
                out.append("  " * (depth - 1) + bullet + self.inline(listed.group(2)))
            else:
                out.append(self.inline(line))
        if table:
            out += ["", md_table(table)]
        return "\n".join(out)

    def inline(self, text: str) -> str:
        """Inline markup; each pass runs only if its trigger character occurs in the text."""
        if "\x00" in text:
            return text
        codes: list[str] = []

        def keep(m: re.Match[str]) -> str:
            codes.append(f"`{m.group(1)}`")
            return f"\x01{len(codes) - 1}\x01"

        if "{" in text:
            if "{{" in text:
                text = _MONO.sub(keep, text)
            text = _DROP.sub("", text)
        if "!" in text:
            text = _IMAGE.sub("", text)
        if "{color}" in text:
            text = text.replace("{color}", "")
        if "[" in text:
            text = _LINK.sub(self.link, text)
        if "*" in text:
            text = _BOLD.sub(r"**\1**", text)
        if "+" in text:
            text = _UNDER.sub(r"\1", text)
        if "(" in text:
            text = _EMOTICON.sub(lambda m: _EMOTICONS[m.group(0)], text)
        if "\\\\" in text:
            text = text.replace("\\\\", "\n")
        if "\x01" in text:  # also for a stray \x01 in the source, as before
            text = _CODE_SLOT.sub(lambda m: codes[int(m.group(1))], text)
        return text

    def link(self, m: re.Match[str]) -> str:
        inner = m.group(1).strip()
        if not inner:
            return m.group(0)
        label, bar, target = inner.rpartition("|")
        if not bar:
            label, target = "", inner
        if target.startswith("~"):
            return self.mention(target[1:])
        if target.lower().startswith("mailto:"):
            target = target[7:]
        if target.startswith("^") or target.startswith("#"):
            target = target[1:]
        if not label or label == target:
            return target
        return f"{label} ({target})"

    def mention(self, user: str) -> str:
        key = user.removeprefix("accountid:").removeprefix("accountId:")
        name = self.names.get(key.lower()) or self.names.get(user.lower()) or key
        self.mentions.append(name)
        return name


def _cells(line: str) -> list[str]:
    """Split a wiki table row on | and ||, ignoring bars inside [links] and {{mono}}."""
    cells: list[str] = []
    cur: list[str] = []
    depth = 0
    i = 0
    while i < len(line):
        ch = line[i]
        if ch in "[{":
            depth += 1
        elif ch in "]}" and depth:
            depth -= 1
        if ch == "|" and not depth:
            cells.append("".join(cur))
            cur = []
            if line[i : i + 2] == "||":
                i += 1
        else:
            cur.append(ch)
        i += 1
    cells.append("".join(cur))
    if cells and not cells[0].strip():
        cells = cells[1:]
    if cells and not cells[-1].strip():
        cells = cells[:-1]
    return [c.strip() for c in cells]


def wiki_to_text(
    src: str, names: Mapping[str, str] | None = None, mentions: list[str] | None = None
) -> str:
    """Convert wiki markup; ``names`` maps username/key/accountId to a display name, and
    every resolved mention is appended to ``mentions`` (for meta.people)."""
    if not src:
        return ""
    conv = _Wiki(names, mentions)
    return tidy(conv.restore(conv.convert(src)))
