"""Confluence exports to Records: REST content JSON (storage XHTML) and HTML space exports.

Storage format hides people behind account ids; a users.json ({accountId: displayName}) next
to the pages or in any parent folder up to raw_dir resolves them, so mentions read as names in
the text and land in meta.people for the sanitizer.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from ..records import Quarantine, Record
from . import bounded
from .markup.common import demote, drop_empty_sections, iso_date, load_json, rel_path, tidy, uniq

PATTERNS = ("**/*.json", "**/*.html")
SOURCE = "confluence"
USERS_FILE = "users.json"


@bounded
def parse_file(path: Path, cfg: Mapping[str, Any]) -> Iterator[Record | Quarantine]:
    """Yield one Record per page in a REST JSON file or an HTML export page."""
    yield from _parse(Path(path), cfg)  # bounded() quarantines anything it raises


def _parse(path: Path, cfg: Mapping[str, Any]) -> Iterator[Record | Quarantine]:
    path = Path(path)
    rel = rel_path(path, cfg)
    if path.name == USERS_FILE:  # the people directory, not content; say so if it is broken
        data, err = load_json(path)
        if err or not isinstance(data, (dict, list)):
            yield Quarantine(SOURCE, rel, f"users map unusable: {err or 'not an object'}")
        return
    users = load_users(path, cfg)
    if path.suffix.lower() in (".html", ".htm"):
        yield _export_page(path, rel, users, cfg)
        return
    data, err = load_json(path)
    if err:
        yield Quarantine(SOURCE, rel, err)
        return
    base = str(cfg.get("base_url") or "")
    if isinstance(data, dict) and isinstance(data.get("results"), list):
        links = data.get("_links") if isinstance(data.get("_links"), dict) else {}
        base = base or str(links.get("base") or "")
        pages = data["results"]
    elif isinstance(data, dict) and "id" in data and ("body" in data or "title" in data):
        pages = [data]
    elif isinstance(data, list):
        pages = data
    else:
        yield Quarantine(SOURCE, rel, "no Confluence content found (expected a page object or "
                         "a {'results': [...]} page of them)")
        return
    for page in pages:
        pid = str(page.get("id") or "") if isinstance(page, dict) else ""
        qid = f"{SOURCE}:{pid}" if pid else ""
        if not pid or not isinstance(page.get("title"), str):
            yield Quarantine(SOURCE, rel, "page without id/title", id=qid)
        elif page.get("type", "page") not in ("page", "blogpost"):
            yield Quarantine(SOURCE, rel, f"unsupported content type {page.get('type')!r}", qid)
        else:
            try:
                yield _rest_page(page, rel, users, base, cfg)
            except Exception as exc:  # one broken page must not stop the file
                yield Quarantine(SOURCE, rel, f"unparseable page: {type(exc).__name__}: {exc}", qid)


def load_users(path: Path, cfg: Mapping[str, Any]) -> dict[str, str]:
    """Merge users.json files from raw_dir down to the file's folder (nearest wins)."""
    folder = Path(path).resolve().parent
    top = Path(cfg["raw_dir"]).resolve() if cfg.get("raw_dir") else folder
    chain = [folder]
    while chain[-1] != top and top in chain[-1].parents:
        chain.append(chain[-1].parent)
    users: dict[str, str] = {}
    for d in reversed(chain):
        data, err = load_json(d / USERS_FILE) if (d / USERS_FILE).is_file() else (None, "")
        if isinstance(data, dict) and isinstance(data.get("results"), list):
            data = data["results"]
        if isinstance(data, list):
            data = {u.get("accountId") or u.get("userKey") or u.get("username"):
                    u.get("displayName") for u in data if isinstance(u, dict)}
        if isinstance(data, dict):
            users.update({str(k): str(v) for k, v in data.items() if k and isinstance(v, str)})
    return users


def _display_names(obj: Any, out: list[str]) -> list[str]:
    """Every displayName outside page bodies, in order; scalars are not visited."""
    if isinstance(obj, dict):
        if isinstance(obj.get("displayName"), str):
            out.append(obj["displayName"])
        for k, v in obj.items():
            if k != "body" and isinstance(v, (dict, list)):
                _display_names(v, out)
    elif isinstance(obj, list):
        for v in obj:
            if isinstance(v, (dict, list)):
                _display_names(v, out)
    return out


def _body(page: Mapping[str, Any], users: Mapping[str, str], people: list[str]) -> str:
    from .markup.adf import adf_to_text
    from .markup.storage import storage_to_text

    body = page.get("body") or {}
    for rep in ("storage", "view", "export_view", "styled_view"):
        value = (body.get(rep) or {}).get("value")
        if isinstance(value, str):
            return storage_to_text(value, users, people)
    adf = (body.get("atlas_doc_format") or {}).get("value")
    if isinstance(adf, str):
        adf = json.loads(adf)
    return adf_to_text(adf, people) if isinstance(adf, dict) else ""


def _compose(title: str, crumbs: list[str], labels: list[str], body: str) -> str:
    head = [f"# {title}"]
    if crumbs:
        head.append("Path: " + " > ".join(crumbs))
    if labels:
        head.append("Labels: " + ", ".join(labels))
    return tidy("\n".join(head) + "\n\n" + drop_empty_sections(demote(body, 1)))


def _rest_page(page: dict[str, Any], rel: str, users: Mapping[str, str], base: str,
               cfg: Mapping[str, Any]) -> Record:
    people: list[str] = []
    text = _body(page, users, people)
    space = page.get("space") or {}
    space_key = str(space.get("key") or page.get("spaceId") or "")
    ancestors = [str(a.get("title")) for a in page.get("ancestors") or [] if a.get("title")]
    raw_labels = page.get("labels") or (page.get("metadata") or {}).get("labels") or {}
    if isinstance(raw_labels, dict):
        raw_labels = raw_labels.get("results") or []
    labels = [str(x.get("name") if isinstance(x, dict) else x) for x in raw_labels]
    version = page.get("version") or {}
    history = page.get("history") or {}
    links = page.get("_links") or {}
    base = str(links.get("base") or base).rstrip("/")
    webui = str(links.get("webui") or "")
    url = webui if webui.startswith("http") else (base + webui if base and webui else "")
    crumbs = [str(space.get("name") or space_key)] * bool(space_key) + ancestors
    title = page["title"].strip()
    return Record(
        id=f"{SOURCE}:{page['id']}", source=SOURCE, kind="page", title=title,
        text=_compose(title, crumbs, labels, text), url=url,
        created_at=iso_date(version.get("when") or version.get("createdAt")
                            or history.get("createdDate") or page.get("createdAt")),
        meta={"path": rel, "space": space_key, "ancestors": ancestors, "labels": labels,
              "version": version.get("number"),
              "author": (version.get("by") or {}).get("displayName", ""),
              "people": uniq(_display_names(page, []) + people)},
    )


def _export_page(path: Path, rel: str, users: Mapping[str, str],
                 cfg: Mapping[str, Any]) -> Record | Quarantine:
    """One page of an HTML space export: content from #main-content, chrome dropped."""
    from .markup.dom import parse, text_of
    from .markup.storage import StorageRenderer

    try:
        root = parse(path.read_text(encoding="utf-8", errors="replace"))
    except OSError as exc:
        return Quarantine(SOURCE, rel, f"unreadable: {exc}")
    page = _Selector(root)
    if any("Available Pages" in text_of(h) for h in page.all(lambda el: el.tag in ("h2", "h3"))):
        return Quarantine(SOURCE, rel, "space index page (navigation only)")
    crumbs = [text_of(a, " ", strip=True) for a in page.all(_tag("a"), under=_id("breadcrumbs"))]
    node = page.first(_id("title-text"), _tag("title"))
    title = " ".join(text_of(node, " ", strip=True).split()) if node is not None else ""
    if crumbs and title.startswith(crumbs[0] + " : "):
        title = title[len(crumbs[0]) + 3 :]
    title = title or path.stem
    main = page.first(_id("main-content"), _class("wiki-content"), _tag("body"))
    people: list[str] = []
    body = tidy(StorageRenderer(users, people).children(main)) if main is not None else ""
    if not body.strip():
        return Quarantine(SOURCE, rel, "export page without content", id="")
    meta_box = page.first(_class("page-metadata"))
    names = [text_of(el, " ", strip=True) for el in page.all(
        _class("author"), _class("editor"), under=_class("page-metadata"),
        also=lambda el: el.tag == "a" and bool({"confluence-userlink", "user-mention"}
                                                & set(el.classes())))]
    created = ""
    if meta_box is not None and (m := re.search(r"on (\w{3} \d{1,2}, \d{4})",
                                                text_of(meta_box, " "))):
        try:
            created = datetime.strptime(m.group(1), "%b %d, %Y").date().isoformat()
        except ValueError:
            created = ""
    labels = uniq(text_of(a, strip=True) for a in page.all(
        _tag("a"), under=lambda el: _id("labels-section")(el) or _class("labels")(el)))
    pid = m.group(1) if (m := re.search(r"_(\d+)$", path.stem)) else path.stem
    return Record(
        id=f"{SOURCE}:{pid}", source=SOURCE, kind="page", title=title,
        text=_compose(title, crumbs, labels, body), url="", created_at=created,
        meta={"path": rel, "space": crumbs[0] if crumbs else "", "ancestors": crumbs[1:],
              "labels": labels, "version": None, "author": names[0] if names else "",
              "people": uniq(names + people)},
    )


Test = Callable[[Any], bool]


def _tag(name: str) -> Test:
    return lambda el: el.tag == name


def _id(name: str) -> Test:
    return lambda el: el.get("id", "") == name


def _class(name: str) -> Test:
    return lambda el: name in el.classes()


class _Selector:
    """The CSS selectors the export parser used with BeautifulSoup, as tests on dom.Nodes:
    ``all(a, b, under=c)`` is "c a, c b", results in document order like select()."""

    def __init__(self, root: Any) -> None:
        self.tags = list(root.descendants())

    def all(self, *tests: Test, under: Test | None = None, also: Test | None = None) -> list[Any]:
        def hit(el: Any) -> bool:
            return (any(t(el) for t in tests)
                    and (under is None or any(under(up) for up in el.ancestors())))

        return [el for el in self.tags if hit(el) or (also is not None and also(el))]

    def first(self, *tests: Test) -> Any:
        """select_one(tests[0]) or select_one(tests[1]) or ...: the first test that finds one."""
        return next((el for t in tests for el in self.tags if t(el)), None)
