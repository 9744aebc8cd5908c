"""Live pulls: Jira, Confluence and GitHub over HTTP, git from local repositories.

Each pull writes what an export of that system would contain (one issue, page or PR per
file, comment lists, ``users.json``, ``<repo>.commits.jsonl`` dumps) into a mirror that
survives between runs (see mirror.py), so the parsers read pulled data exactly like exports.

``sync`` modes (``source.<name>.sync``): ``incremental`` (default) fetches only what changed
since the last pull; ``full`` forgets the mirror and pulls everything again (this is how items
deleted upstream disappear); ``offline`` uses the last mirror without contacting the server.
"""

from __future__ import annotations

import base64
import importlib
import logging
import os
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .http import AccessError, HttpClient, PullError
from .mirror import Mirror, locked

__all__ = ["AccessError", "PullError", "Pulled", "credentials", "is_live", "sync"]
log = logging.getLogger("alchemy")
SYNC_MODES = ("incremental", "full", "offline")
DEPLOYMENTS = ("auto", "cloud", "server")  # Atlassian sources


@dataclass
class Pulled:
    """The mirrors of one source after a sync, (subfolder, mirror) each, and the figures."""

    name: str
    mirrors: list[tuple[str, Mirror]] = field(default_factory=list)
    figures: dict[str, Any] = field(default_factory=dict)

    def digest(self) -> list[tuple[str, str, str]]:
        return sorted((prefix, m.root.name, m.digest()) for prefix, m in self.mirrors)


def is_live(name: str, scfg: Mapping[str, Any]) -> bool:
    """Whether a source is pulled (a URL / repos given) rather than read from raw_dir."""
    if name in ("jira", "confluence"):
        return bool(scfg["url"])
    if name == "github":
        return bool(scfg["repos"])
    return False


def mirrored(name: str, scfg: Mapping[str, Any]) -> bool:
    """Sources whose data goes through a mirror: live ones, and git (incremental dumps)."""
    return name == "git" or is_live(name, scfg)


def credentials(scfg: Mapping[str, Any], setting: str, url: str) -> tuple[str | None, bool]:
    """(Authorization header or None, is_cloud) for an Atlassian source, from the environment.

    Cloud (``deployment=cloud``, or auto with an e-mail set or an atlassian.net URL): e-mail
    + API token as basic auth. Server/Data Center: a personal access token as a bearer token.
    Only the variables' names ever appear in messages.
    """
    email_env, token_env = scfg["email_env"] or "", scfg["token_env"] or ""
    email, token = os.environ.get(email_env, ""), os.environ.get(token_env, "")
    mode = str(scfg["deployment"])
    if mode not in DEPLOYMENTS:
        raise AccessError(f"{setting}.deployment: {mode!r} is not one of auto, cloud, server")
    host = urllib.parse.urlsplit(url).hostname or ""
    cloud = mode == "cloud" or (mode == "auto" and (bool(email) or host.endswith(".atlassian.net")))
    if cloud:
        if not (email and token):
            raise AccessError(f"{setting}: Atlassian Cloud needs the account e-mail in ${email_env} "
                              f"({setting}.email_env) and an API token in ${token_env} "
                              f"({setting}.token_env); one of them is not set")
        pair = base64.b64encode(f"{email}:{token}".encode()).decode()
        return f"Basic {pair}", True
    if not token:
        log.warning("%s: $%s is not set; pulling anonymously", setting, token_env)
        return None, False
    return f"Bearer {token}", False


def client(scfg: Mapping[str, Any], setting: str, base: str, auth: str | None,
           hints: dict[int, str], **extra: Any) -> HttpClient:
    return HttpClient(base, setting, auth=auth, hints=hints,
                      timeout=float(scfg["timeout_s"]), retries=int(scfg["retries"]),
                      max_wait=float(scfg["max_wait_s"]), **extra)


def secrets_of(scfg: Mapping[str, Any]) -> tuple[str, ...]:
    """The token a source uses, so the mirror can make sure it never reaches a file."""
    token = os.environ.get(str(scfg.get("token_env") or ""), "")  # git has no token_env
    return (token,) if len(token) >= 8 else ()


def sync(name: str, scfg: Mapping[str, Any], state_root: Path) -> Pulled:
    """Bring the source's mirror(s) up to date and return them; raises PullError/AccessError."""
    mode = str(scfg["sync"])
    setting = f"source.{name}"
    if mode not in SYNC_MODES:
        raise AccessError(f"{setting}.sync: {mode!r} is not one of {', '.join(SYNC_MODES)}")
    module = importlib.import_module(f"alchemy.sources.live.{name}")
    pulled = Pulled(name)
    for prefix, root, target in module.scopes(scfg, Path(state_root) / name):
        with locked(root):
            mirror = Mirror(root, secrets_of(scfg))
            if mode == "offline":
                if not mirror.state.get("cursor"):
                    raise AccessError(f"{setting}.sync=offline, but {target} was never pulled: "
                                      "run once with sync=incremental")
                figures: dict[str, Any] = {"offline": True}
            else:
                if mode == "full":
                    mirror.reset()
                try:
                    figures = module.pull(mirror, target, scfg, setting)
                finally:  # keep the file map true even when a pull stops half way; the
                    mirror.save()  # cursor only moves at a pull's end, so nothing is skipped
        pulled.mirrors.append((prefix, mirror))
        for key, value in figures.items():
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                pulled.figures[key] = pulled.figures.get(key, 0) + value
    pulled.figures["files"] = sum(len(m.state["files"]) for _, m in pulled.mirrors)
    return pulled
