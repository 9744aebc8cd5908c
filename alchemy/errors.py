"""The errors every layer may raise: the ground floor of the import graph (imports nothing)."""

from __future__ import annotations


class ConfigError(ValueError):
    """A problem with the user's configuration; the CLI exits with code 2."""


class StageFailed(RuntimeError):
    """A stage raised; its partial artifact was discarded (the CLI exits with code 1)."""
