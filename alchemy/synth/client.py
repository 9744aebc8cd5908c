"""One LLM call through litellm, made dependable: deadline, retries, backoff, rate limits, breaker.

litellm's and the OpenAI SDK's own retries are switched off (``num_retries=0``,
``max_retries=0``) so this module alone decides: 429, 5xx, timeouts, dropped connections and
unreadable bodies are retried with exponential backoff and jitter (a 429's Retry-After is
honoured and pauses every worker); a bad key or an unknown model stops the run at once; a
request the server rejects (400, context too long) fails only its chunk. Every call has a
hard deadline (``asyncio.wait_for``): httpx's timeout is per read, so a server that trickles
bytes would otherwise hold a call forever.
"""

from __future__ import annotations

import asyncio
import os
from collections import Counter
from dataclasses import dataclass
from typing import Any

from alchemy.errors import ConfigError
from alchemy.synth.limits import CircuitBreaker, RateLimiter, backoff, retry_after


class SynthAborted(RuntimeError):
    """The whole run must stop (API down, bad key, unknown model, budget): resume later."""


class CallFailed(RuntimeError):
    """This call failed for good; its chunk is recorded as failed with ``reason``."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason


@dataclass
class Reply:
    content: str
    prompt_tokens: int
    completion_tokens: int
    retries: int = 0


def classify(exc: BaseException) -> str:
    """rate_limited | timeout | connection | server_error | bad_response | auth | not_found |
    json_mode | context_window | bad_request | error."""
    import openai

    status = getattr(exc, "status_code", None)
    text = str(exc).lower()
    if isinstance(exc, asyncio.TimeoutError | openai.APITimeoutError) or status == 408:
        return "timeout"
    if status == 429 or isinstance(exc, openai.RateLimitError):
        return "rate_limited"
    if status in (401, 403):
        return "auth"
    if status == 404:
        return "not_found"
    if status in (400, 413, 422):
        if "response_format" in text or "json_object" in text:
            return "json_mode"
        return "context_window" if "context" in text and "length" in text else "bad_request"
    if isinstance(exc, openai.APIConnectionError):
        return "connection"
    if isinstance(status, int) and status >= 500:
        return "server_error"
    if status == 200 or "json" in text:  # a 200 whose body is not a completion
        return "bad_response"
    return "error"


class LLMClient:
    """Calls ``synth.model`` with retries; shares limiter and breaker across workers."""

    def __init__(self, scfg: Any, api_key: str | None, json_mode: bool) -> None:
        from alchemy.synth.cost import load_litellm

        self.litellm = load_litellm()
        self.scfg, self._key = scfg, api_key
        self.json_mode = json_mode
        self.limiter = RateLimiter(scfg.rpm, scfg.tpm)
        self.breaker = CircuitBreaker(scfg.breaker_failures, scfg.breaker_window_s)
        self.errors: Counter[str] = Counter()  # failed attempts by kind (retried or not)

    def params(self) -> dict[str, Any]:
        """The request parameters that shape a reply (part of the cache key)."""
        return {"temperature": self.scfg.temperature, "max_tokens": self.scfg.max_tokens,
                "json_mode": self.json_mode, **dict(self.scfg.extra_params or {})}

    def scrub(self, text: str) -> str:
        """Error text with the API key blanked out (it must never reach a log or report)."""
        return text.replace(self._key, "***") if self._key else text

    async def _once(self, messages: list[dict[str, Any]]) -> Any:
        kwargs: dict[str, Any] = dict(model=self.scfg.model, messages=messages,
                                      temperature=self.scfg.temperature,
                                      max_tokens=self.scfg.max_tokens, timeout=self.scfg.timeout_s,
                                      num_retries=0, max_retries=0, api_key=self._key or "none")
        if self.scfg.api_base:
            kwargs["api_base"] = self.scfg.api_base
        kwargs.update(self.scfg.extra_params or {})  # e.g. api_version for Azure, top_p
        if self.json_mode:
            kwargs["response_format"] = {"type": "json_object"}
        return await asyncio.wait_for(self.litellm.acompletion(**kwargs),
                                      self.scfg.timeout_s + 1.0)

    async def complete(self, messages: list[dict[str, Any]], est_tokens: int) -> Reply:
        """One reply, after as many retries as ``synth.max_retries`` allows."""
        for retry in range(self.scfg.max_retries + 1):
            if self.breaker.open:
                raise SynthAborted(f"the API looks down: {self.breaker.describe()}")
            await self.limiter.acquire(est_tokens + self.scfg.max_tokens)
            try:
                resp = await self._once(messages)
                content = resp.choices[0].message.content
                usage = getattr(resp, "usage", None)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # classified below; nothing is swallowed silently
                kind, detail = classify(exc), self.scrub(str(exc))[:300]
                self.limiter.settle(est_tokens + self.scfg.max_tokens, 0)
                self.errors[kind] += 1
                if kind in ("auth", "not_found"):
                    raise SynthAborted(f"{kind} error from {self.scfg.model}: {detail}") from None
                if kind == "json_mode" and self.json_mode:
                    self.json_mode = False  # the server rejects response_format: go without
                    continue
                if kind in ("json_mode", "context_window", "bad_request"):
                    raise CallFailed(kind, detail) from None
                self.breaker.failure(f"{kind}: {detail[:120]}")
                if retry == self.scfg.max_retries:
                    raise CallFailed(kind, detail) from None
                asked = retry_after(getattr(exc, "litellm_response_headers", None)
                                    or getattr(getattr(exc, "response", None), "headers", None))
                delay = backoff(retry, self.scfg.backoff_s, self.scfg.backoff_max_s,
                                asked if kind == "rate_limited" else None)
                if kind == "rate_limited" and asked is not None:
                    self.limiter.pause(delay)
                await asyncio.sleep(delay)
                continue
            self.breaker.success()
            p = int(getattr(usage, "prompt_tokens", 0) or est_tokens)
            c = int(getattr(usage, "completion_tokens", 0) or 0)
            self.limiter.settle(est_tokens + self.scfg.max_tokens, p + c)
            if not isinstance(content, str):
                content = ""  # a null content is an empty reply, judged by the validator
            return Reply(content=content, prompt_tokens=p, completion_tokens=c, retries=retry)
        raise CallFailed("retries_exhausted")


def api_key(scfg: Any) -> str | None:
    """The key from the environment variable that ``synth.api_key_env`` names."""
    if not scfg.api_key_env:
        return None
    key = os.environ.get(scfg.api_key_env)
    if not key:
        raise ConfigError(f"synth.api_key_env: the environment variable {scfg.api_key_env} "
                          f"is not set (synth.model={scfg.model})")
    return key
