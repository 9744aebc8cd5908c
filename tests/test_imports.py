"""The import graph: no cycles, and no arrow pointing up (libraries never import stages/runner)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent / "alchemy"
TOP = ("alchemy.stages", "alchemy.runner", "alchemy.cli", "alchemy.summary", "alchemy.help")  # the CLI layer


def _modules() -> dict[str, Path]:
    out = {}
    for path in ROOT.rglob("*.py"):
        name = ".".join(("alchemy", *path.relative_to(ROOT).with_suffix("").parts))
        out[name.removesuffix(".__init__")] = path
    return out


def _graph() -> dict[str, set[str]]:
    mods = _modules()

    def resolve(name: str) -> str | None:
        while name and name not in mods:
            name = name.rpartition(".")[0]
        return name or None

    graph: dict[str, set[str]] = {m: set() for m in mods}
    for mod, path in mods.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets = []
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                targets = [f"{node.module}.{a.name}" for a in node.names] + [node.module]
            elif isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            if isinstance(node, ast.ImportFrom):  # one arrow per name imported
                targets = targets[:-1] or targets
            for t in targets:
                if t.startswith("alchemy") and (r := resolve(t)) and r != mod:
                    graph[mod].add(r)
    return graph


def test_no_import_cycles() -> None:
    graph = _graph()
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(m: str) -> None:
        state[m] = 1
        stack.append(m)
        for n in sorted(graph[m]):
            assert state.get(n) != 1, f"import cycle: {' -> '.join(stack[stack.index(n):] + [n])}"
            if n not in state:
                visit(n)
        stack.pop()
        state[m] = 2

    for m in sorted(graph):
        if m not in state:
            visit(m)


def test_libraries_never_import_the_layers_above() -> None:
    graph = _graph()
    for mod, deps in graph.items():
        if mod.startswith(TOP) or mod == "alchemy":
            continue
        up = [d for d in deps if d.startswith(TOP)]
        assert not up, f"{mod} imports {up}: errors live in alchemy.errors, contexts in alchemy.context"
    for floor in ("alchemy.errors", "alchemy.context"):
        assert not graph[floor], f"{floor} must import nothing of alchemy"


def test_stages_share_code_through_lower_modules_only() -> None:
    """A stage module imports no other stage module: what two stages share lives below them."""
    graph = _graph()
    for mod, deps in graph.items():
        if mod.startswith("alchemy.stages."):
            other = sorted(d for d in deps if d.startswith("alchemy.stages.") and d != mod)
            assert not other, f"{mod} imports {other}: move what they share into a library module"


def test_the_runner_names_no_stage() -> None:
    """What the runner must know of a stage is declared in alchemy/stages/__init__.py."""
    import re

    from alchemy.stages import STAGES

    text = (ROOT / "runner.py").read_text(encoding="utf-8")
    for name in STAGES:
        found = [n for n, line in enumerate(text.splitlines(), 1) if re.search(rf"\b{name}\b", line)]
        assert not found, f"runner.py names the stage {name!r} (lines {found})"
