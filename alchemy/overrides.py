"""Command-line overrides Hydra's grammar would reject, accepted or explained.

In Hydra's override grammar ``[`` starts a list, so ``engine.master=local[4]`` (Spark's
``local[N]``, ``local[*]``, ``local-cluster[2,1,1024]``) is a parse error. A value shaped
``name[...]`` can only mean that string, so it is quoted before Hydra sees it (each item of a
sweep, ``local[2],local[4]``, too). Any override that still fails gets a hint saying how to
quote it.
"""

from __future__ import annotations

import re

_BRACKETED = re.compile(r"[A-Za-z][\w.:/+-]*\[[^\[\]'\"]*\]")  # local[4], local-cluster[2,1,1024]
QUOTING = ("a value with [ ] { } ( ) = # or a comma goes in double quotes, inside the shell's "
           "single ones: 'engine.master=\"local[4]\"'")


def _parses(override: str) -> bool:
    from hydra.core.override_parser.overrides_parser import OverridesParser
    from hydra.errors import HydraException

    try:
        OverridesParser.create().parse_override(override)
    except HydraException:
        return False
    return True


def _items(value: str) -> list[str]:
    """Split at the commas outside brackets (a sweep's choices)."""
    items, depth, start = [], 0, 0
    for i, ch in enumerate(value):
        depth += {"[": 1, "]": -1}.get(ch, 0)
        if ch == "," and depth == 0:
            items.append(value[start:i])
            start = i + 1
    return items + [value[start:]]


def _is_override(arg: str) -> bool:
    return "=" in arg and not arg.startswith("-")


def quote_bracketed(args: list[str]) -> list[str]:
    """`args` with each `key=name[...]` override quoted (`key="name[...]"`); others unchanged."""
    out = []
    for arg in args:
        if _is_override(arg) and not _parses(arg):
            key, value = arg.split("=", 1)
            items = [f'"{v}"' if _BRACKETED.fullmatch(v) else v for v in _items(value)]
            fixed = f"{key}={','.join(items)}"
            arg = fixed if fixed != arg and _parses(fixed) else arg
        out.append(arg)
    return out


def unparsable(args: list[str]) -> list[str]:
    """The overrides among `args` that Hydra's grammar rejects."""
    return [a for a in args if _is_override(a) and not _parses(a)]
