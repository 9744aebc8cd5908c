"""Client-side politeness and self-protection: rate limits, backoff, a circuit breaker, a budget.

All of it is plain asyncio state owned by one event loop, so no locks beyond an
``asyncio.Lock`` that keeps waiting callers in arrival order.
"""

from __future__ import annotations

import asyncio
import email.utils
import random
import time
from collections.abc import Callable, Mapping
from typing import Any


class _Bucket:
    """A token bucket refilling ``limit`` per minute, holding at most a second's worth.

    A request larger than the capacity may go once the bucket is full (it then runs a debt), so
    one big prompt never waits forever under a small tokens-per-minute limit.
    """

    def __init__(self, per_minute: int | None, now: float) -> None:
        self.rate = per_minute / 60.0 if per_minute else None
        self.cap = max(1.0, self.rate) if self.rate else 0.0
        self.level, self.t = self.cap, now

    def wait(self, n: float, now: float) -> float:
        if self.rate is None:
            return 0.0
        self.level = min(self.cap, self.level + (now - self.t) * self.rate)
        self.t = now
        need = min(n, self.cap)
        return 0.0 if self.level >= need else (need - self.level) / self.rate

    def take(self, n: float) -> None:
        if self.rate is not None:
            self.level -= n


class RateLimiter:
    """Requests and tokens per minute, plus a shared pause after a 429 with Retry-After."""

    def __init__(self, rpm: int | None, tpm: int | None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.requests = _Bucket(rpm, clock())
        self.tokens = _Bucket(tpm, clock())
        self.paused_until = 0.0
        self.waited_s = 0.0
        self._lock = asyncio.Lock()

    async def acquire(self, tokens: int) -> None:
        async with self._lock:
            while True:
                now = self.clock()
                wait = max(self.paused_until - now, self.requests.wait(1, now),
                           self.tokens.wait(tokens, now))
                if wait <= 0:
                    self.requests.take(1)
                    self.tokens.take(tokens)
                    return
                self.waited_s += wait
                await asyncio.sleep(wait)

    def settle(self, reserved: int, used: int) -> None:
        """Correct the token bucket once the real usage is known."""
        self.tokens.take(used - reserved)

    def pause(self, seconds: float) -> None:
        """Nobody calls for ``seconds`` (the server asked for it)."""
        self.paused_until = max(self.paused_until, self.clock() + seconds)


def retry_after(headers: Mapping[str, Any] | None, now: float | None = None) -> float | None:
    """Seconds the server asked us to wait (Retry-After as seconds or a date, or retry-after-ms)."""
    if not headers:
        return None
    low = {str(k).lower(): str(v) for k, v in dict(headers).items()}
    try:
        if "retry-after-ms" in low:
            return max(0.0, float(low["retry-after-ms"]) / 1000)
        if "retry-after" in low:
            value = low["retry-after"].strip()
            try:
                return max(0.0, float(value))
            except ValueError:
                when = email.utils.parsedate_to_datetime(value).timestamp()
                return max(0.0, when - (now if now is not None else time.time()))
    except (TypeError, ValueError, OverflowError):
        return None
    return None


def backoff(retry: int, base: float, cap: float, asked: float | None = None,
            rng: random.Random | None = None) -> float:
    """Exponential backoff with jitter; at least what the server asked, never below it."""
    rng = rng or random
    if asked is not None:
        return min(asked, 600.0) * (1.0 + 0.1 * rng.random())
    delay = min(cap, base * (2 ** retry))
    return delay * (0.5 + 0.5 * rng.random())


class CircuitBreaker:
    """Opens when ``failures`` calls in a row failed over at least ``window_s`` seconds."""

    def __init__(self, failures: int, window_s: float,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.failures, self.window_s, self.clock = failures, window_s, clock
        self.streak, self.since, self.last = 0, 0.0, ""

    def success(self) -> None:
        self.streak = 0

    def failure(self, what: str) -> None:
        if self.streak == 0:
            self.since = self.clock()
        self.streak += 1
        self.last = what

    @property
    def open(self) -> bool:
        return self.streak >= self.failures and self.clock() - self.since >= self.window_s

    def describe(self) -> str:
        return (f"{self.streak} calls in a row failed over {self.clock() - self.since:.0f}s "
                f"(last: {self.last})")


class Budget:
    """Money: a call is made only if its worst case still fits under ``limit``."""

    def __init__(self, limit: float | None) -> None:
        self.limit, self.spent, self.reserved = limit, 0.0, 0.0

    def reserve(self, worst_case: float) -> bool:
        if self.limit is not None and self.spent + self.reserved + worst_case > self.limit:
            return False
        self.reserved += worst_case
        return True

    def settle(self, reserved: float, actual: float) -> None:
        self.reserved -= reserved
        self.spent += actual
