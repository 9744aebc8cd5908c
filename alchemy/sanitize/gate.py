"""The leak gate: an independent scanner re-reads the masked output; findings fail the run.

Independent means other rules written by other people: by default Kingfisher (MongoDB's
secret scanner, Rust + Vectorscan, ~800 rules including the Betterleaks/gitleaks set, scans
in process and offline) used as a library; detect-secrets' plugins are the fallback when
Kingfisher is not installed. A finding is reported by rule and record id, never by value.
The gate reads rendered text (tokens shown as ``<TYPE>``), so placeholders never trip it.
"""

from __future__ import annotations

import importlib.metadata
import logging
from collections.abc import Callable
from typing import Any

log = logging.getLogger("alchemy")

BACKENDS = ("auto", "kingfisher", "detect-secrets", "self", "none")
_SCANNERS: dict[str, Any] = {}  # per process: scanners are built lazily and never pickled


def _installed(dist: str) -> str | None:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return None


def resolve_backend(name: str) -> str:
    """The backend 'auto' stands for here: kingfisher, else detect-secrets, else self."""
    if name not in BACKENDS:
        raise ValueError(f"sanitizer.leak_gate must be one of {', '.join(BACKENDS)}, not {name!r}")
    if name != "auto":
        dist = {"kingfisher": "kingfisher-secret-scanner", "detect-secrets": "detect-secrets"}.get(name)
        if dist and not _installed(dist):
            raise ValueError(f"sanitizer.leak_gate={name} needs the {dist} package (pip install {dist})")
        return name
    for backend, dist in (("kingfisher", "kingfisher-secret-scanner"), ("detect-secrets", "detect-secrets")):
        if _installed(dist):
            return backend
    log.warning("sanitizer: no independent scanner installed; the leak gate re-runs alchemy's own detectors")
    return "self"


def describe(backend: str) -> str:
    dist = {"kingfisher": "kingfisher-secret-scanner", "detect-secrets": "detect-secrets"}.get(backend)
    return f"{backend} {_installed(dist)}" if dist else backend


Finder = Callable[[str], list[tuple[str, str]]]  # text -> [(rule or type, value)]


def _kingfisher() -> Finder:
    from kingfisher_sdk import Rules, Scanner

    scanner = Scanner(Rules(confidence="medium"), base64=False)

    def scan(text: str) -> list[tuple[str, str]]:
        return [(f.rule_id, f.secret) for f in scanner.scan(text, timeout=30.0) if f.visible]

    return scan


def _detect_secrets() -> Finder:
    from detect_secrets.core.plugins.util import get_mapping_from_secret_type_to_class

    # the entropy and IP plugins flag every digest and address we keep on purpose; the rest are
    # the provider formats and keyword rules
    skip = {"Base64 High Entropy String", "Hex High Entropy String", "Public IP (ipv4)"}
    plugins = [
        cls() for kind, cls in sorted(get_mapping_from_secret_type_to_class().items()) if kind not in skip
    ]

    def scan(text: str) -> list[tuple[str, str]]:
        found = []
        for n, line in enumerate(text.splitlines(), 1):
            if len(line) > 10_000:
                line = line[:10_000]
            for plugin in plugins:
                found += [
                    (s.type, s.secret_value or "")
                    for s in plugin.analyze_line(filename="record.txt", line=line, line_number=n)
                ]
        return found

    return scan


def scanner(
    backend: str,
    self_scan: Callable[[str], list[str]] | None = None,
    keep: Callable[[str], bool] | None = None,
) -> Callable[[str], list[str]]:
    """The scan function for a backend (built once per process): text -> finding types.

    ``keep`` is the do-not-mask list (placeholders, allowlist): a finding whose value is on it
    (``postgres://app:changeme@localhost``) is not a leak. Values are looked at, never returned.
    """
    if backend == "none":
        return lambda text: []
    if backend == "self":
        assert self_scan is not None
        return self_scan
    if backend not in _SCANNERS:
        _SCANNERS[backend] = _kingfisher() if backend == "kingfisher" else _detect_secrets()
    find: Finder = _SCANNERS[backend]
    return lambda text: [kind for kind, value in find(text) if not (keep and keep(value))]
