"""reStructuredText and setext Markdown read with their structure; unread files reported.

Modelled on a public project's docs: Sphinx roles and directives in .rst manuals, a changelog
with setext release headings, and a docs folder holding conf.py, a Makefile and images.
"""

from __future__ import annotations

import json
from pathlib import Path

from alchemy.config import source_options
from alchemy.records import Quarantine, Record
from alchemy.runner import Runner
from alchemy.sources.documents import parse_file

RST = """.. _quickstart:

Quickstart
==========

.. module:: requests.models

See :ref:`Install <install>`, :class:`~requests.Session` and :gh:`the code <src/x.py>`.

.. versionchanged:: 2.1
   Sessions keep :class:`cookies <CookieJar>`.

Make a Request
--------------

Making a request is simple::

    >>> r = requests.get('https://api.github.com/events')

.. note:: Always pass ``timeout``.

.. autoclass:: requests.Session
   :members:

.. toctree::
   :maxdepth: 2

   user/install

+--------+-------+
| Header | Value |
+========+=======+
| a      | 1     |
+--------+-------+

.. include:: /etc/passwd

.. raw:: html

   <script>alert(1)</script>
"""

HISTORY = """Release History
===============

2.27.0 (2022-01-03)
-------------------

**Improvements**

- Officially added support for Python 3.10.

2.26.0 (2021-07-13)
-------------------

A paragraph of two lines,
the second over a rule
---

```text
not a heading
-------------
```
"""


def _one(path: Path) -> Record:
    (item,) = list(parse_file(path, source_options("documents", raw_dir=str(path.parent))))
    assert isinstance(item, Record), item
    return item


def test_rst_headings_roles_and_directives_as_text(tmp_path: Path) -> None:
    (tmp_path / "quickstart.rst").write_text(RST, encoding="utf-8")
    rec = _one(tmp_path / "quickstart.rst")
    assert rec.title == "Quickstart" and rec.meta["format"] == "rst"
    lines = rec.text.splitlines()
    assert lines[0] == "# Quickstart" and "## Make a Request" in lines
    assert "See Install, `Session` and the code." in rec.text
    assert "Changed in version 2.1: Sessions keep `cookies`." in rec.text
    assert "```\n>>> r = requests.get('https://api.github.com/events')\n```" in rec.text
    assert "Always pass `timeout`." in rec.text and "`requests.Session`" in rec.text
    assert "| Header | Value |\n|---|---|\n| a | 1 |" in rec.text
    for markup in (":class:", ":ref:", ":gh:", ".. ", "toctree", "maxdepth", ":members:", "root:", "<script"):
        assert markup not in rec.text, markup


def test_setext_headings_become_sections_and_the_title(tmp_path: Path) -> None:
    (tmp_path / "HISTORY.md").write_text(HISTORY, encoding="utf-8")
    rec = _one(tmp_path / "HISTORY.md")
    assert rec.title == "Release History"
    heads = [line for line in rec.text.splitlines() if line.startswith("#")]
    assert heads == ["# Release History", "## 2.27.0 (2022-01-03)", "## 2.26.0 (2021-07-13)"]
    assert "the second over a rule\n---" in rec.text and "not a heading\n-------------" in rec.text


def test_unread_files_are_reported_not_skipped(make_cfg, tmp_path: Path) -> None:
    raw = tmp_path / "docs"
    (raw / "_static").mkdir(parents=True)
    (raw / "index.rst").write_text(RST, encoding="utf-8")
    (raw / "conf.py").write_text("project = 'x'\n", encoding="utf-8")
    (raw / "Makefile").write_text("html:\n\tsphinx-build . _build\n", encoding="utf-8")
    (raw / "_static" / "logo.png").write_bytes(b"\x89PNG\r\n")
    (raw / ".hidden").write_text("x", encoding="utf-8")
    cfg = make_cfg("pipeline.stages=[ingest,clean]", "source=[documents]", f"source.documents.raw_dir={raw}")
    stages = Runner(cfg, tmp_path / "run").run()["stages"]
    assert stages["ingest"]["unsupported"] == {"documents": {"(none)": 1, ".png": 1, ".py": 1}}
    assert stages["clean"]["unsupported"] == {"documents": {"(none)": 1, ".png": 1, ".py": 1}}
    quarantine = Path(stages["clean"]["artifact"]) / "quarantine.jsonl"
    rows = [json.loads(line) for line in quarantine.read_text(encoding="utf-8").splitlines()]
    assert {(r["path"], r["reason"]) for r in rows} == {
        ("Makefile", "unsupported type (no extension)"), ("_static/logo.png", "unsupported type (.png)"),
        ("conf.py", "unsupported type (.py)")}
    assert stages["clean"]["quarantined"] == 3 and stages["clean"]["records_out"] == 1
    assert Quarantine.__dataclass_fields__.keys() >= {"source", "path", "reason"}
