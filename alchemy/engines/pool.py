"""Worker processes for the Python engine, or none: ``workers=1`` runs every task in-process.

Linux uses the ``forkserver`` start method (a clean, single-threaded parent to fork from, so
a driver that already has threads, e.g. a Spark gateway in the same test session, is never
forked); macOS and Windows use ``spawn``. Results come back in submission order with a
bounded number of tasks in flight, so a fast producer never piles batches up in memory.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from typing import Any

PRELOAD = ["alchemy.engines.python_tasks"]


def cpu_count() -> int:
    """Cores this process may use (respects CPU affinity and container limits where visible)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # macOS, Windows
        return max(1, os.cpu_count() or 1)


def resolve_workers(workers: int | None) -> int:
    if workers is not None and workers < 1:
        raise ValueError(f"engine.workers must be >= 1 or null (every core), not {workers}")
    return workers or cpu_count()


class Workers:
    """A process pool of ``n`` workers, or the calling process itself when n == 1."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.pool: Any = None
        if n > 1:
            method = "forkserver" if sys.platform.startswith("linux") else "spawn"
            ctx = multiprocessing.get_context(method)
            if method == "forkserver":
                ctx.set_forkserver_preload(PRELOAD)
            self.pool = ctx.Pool(n)

    def __enter__(self) -> Workers:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.pool is not None:
            self.pool.terminate() if exc[0] else self.pool.close()
            self.pool.join()

    def unordered(self, fn: Callable[..., Any], args: list[tuple[Any, ...]]) -> Iterator[Any]:
        """fn(*a) for every a, as they finish."""
        if self.pool is None:
            yield from (fn(*a) for a in args)
            return
        yield from self.pool.imap_unordered(_star, [(fn, a) for a in args])

    def ordered(self, fn: Callable[..., Any], args: Iterable[tuple[Any, ...]],
                window: int | None = None) -> Iterator[Any]:
        """fn(*a) for every a, in order, with at most ``window`` tasks submitted ahead."""
        if self.pool is None:
            yield from (fn(*a) for a in args)
            return
        window = window or 2 * self.n
        pending: deque[Any] = deque()
        for a in args:
            pending.append(self.pool.apply_async(fn, a))
            if len(pending) >= window:
                yield pending.popleft().get()
        while pending:
            yield pending.popleft().get()


def _star(job: tuple[Callable[..., Any], tuple[Any, ...]]) -> Any:
    fn, a = job
    return fn(*a)
