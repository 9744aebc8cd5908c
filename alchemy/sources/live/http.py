"""The one HTTP client every live connector uses: timeouts, retries, rate limits, clear errors.

Plain urllib, so live pulls add no dependency. Credentials travel in an unredirected header
that is re-sent only to the same host; no message, log line or exception ever contains them:
errors name the setting to fix instead.
"""

from __future__ import annotations

import http.client
import json
import logging
import random
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from datetime import datetime
from email.message import Message
from typing import Any

log = logging.getLogger("alchemy")
RETRY_STATUS = {429, 500, 502, 503, 504}
_sleep = time.sleep  # tests replace this to observe waits without spending them


class PullError(RuntimeError):
    """A live pull failed after its retries (network down, server errors)."""

    def __init__(self, message: str, status: int = 0) -> None:
        super().__init__(message)
        self.status = status


class AccessError(PullError):
    """401/403/404 or a missing credential: the user must change a setting."""


@dataclass
class Response:
    status: int
    url: str
    headers: Message
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body.decode("utf-8")) if self.body.strip() else None

    def next_link(self) -> str | None:
        """The rel="next" target of an RFC 8288 Link header (GitHub pagination)."""
        for part in (self.headers.get("Link") or "").split(","):
            url, _, params = part.partition(";")
            if 'rel="next"' in params.replace(" ", "") or "rel=next" in params.replace(" ", ""):
                return url.strip().strip("<>")
        return None


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # surfaced as HTTPError; followed by hand so auth stays on its host


@dataclass
class HttpClient:
    """GET/POST JSON against one service. ``setting`` names the config key in messages."""

    base_url: str
    setting: str
    auth: str | None = None  # full Authorization header value; never logged
    hints: dict[int, str] = field(default_factory=dict)
    timeout: float = 30.0
    retries: int = 5
    max_wait: float = 900.0
    headers: dict[str, str] = field(default_factory=dict)
    requests: int = 0
    _opener: Any = field(default=None, repr=False)

    def __post_init__(self) -> None:
        self.base_url = self.base_url.rstrip("/")
        self._opener = urllib.request.build_opener(_NoRedirect())

    def __repr__(self) -> str:  # dataclass repr would print the credential
        return f"HttpClient({self.base_url!r}, requests={self.requests})"

    def url(self, path: str, params: dict[str, Any] | None = None) -> str:
        url = path if path.startswith(("http://", "https://")) else self.base_url + path
        if params:
            query = urllib.parse.urlencode({k: v for k, v in params.items() if v is not None})
            url += ("&" if "?" in url else "?") + query
        return url

    def get_json(self, path: str, params: dict[str, Any] | None = None) -> tuple[Any, Response]:
        resp = self.request("GET", path, params)
        return resp.json(), resp

    def post_json(self, path: str, body: Any) -> tuple[Any, Response]:
        resp = self.request("POST", path, body=body)
        return resp.json(), resp

    def request(self, method: str, path: str, params: dict[str, Any] | None = None,
                body: Any = None) -> Response:
        """One call with redirects, retries on 429/5xx and network errors, rate-limit waits."""
        url = self.url(path, params)
        attempt = 0
        while True:
            try:
                resp = self._send(method, url, body)
            except (TimeoutError, urllib.error.URLError, ConnectionError,
                    http.client.HTTPException) as exc:
                reason = getattr(exc, "reason", exc)
                if attempt >= self.retries:
                    raise PullError(f"{self.setting}: cannot reach {_safe(url)}: {reason} "
                                    f"(after {attempt + 1} tries)") from None
                attempt += 1
                self._wait(self._backoff(attempt), f"network error: {reason}")
                continue
            limited = self._rate_limited(resp)
            if resp.status in RETRY_STATUS or limited is not None:
                if attempt >= self.retries:
                    raise PullError(f"{self.setting}: HTTP {resp.status} from {_safe(url)} "
                                    f"(after {attempt + 1} tries)")
                attempt += 1
                self._wait(limited if limited is not None else self._retry_after(resp, attempt),
                           f"HTTP {resp.status}")
                continue
            if resp.status >= 400:
                raise self._error(resp, url)
            reset = self._exhausted(resp)
            if reset:  # the quota is spent: wait before the next call rather than fail it
                self._wait(reset, "rate limit reached")
            return resp

    def _send(self, method: str, url: str, body: Any) -> Response:
        origin = urllib.parse.urlsplit(self.base_url).netloc  # credentials go to this host only
        for _ in range(6):
            data = json.dumps(body).encode("utf-8") if body is not None else None
            req = urllib.request.Request(url, data=data, method=method)
            req.add_header("Accept", "application/json")
            req.add_header("User-Agent", "alchemy-ingest")
            for key, value in self.headers.items():
                req.add_header(key, value)
            if data is not None:
                req.add_header("Content-Type", "application/json")
            if self.auth and urllib.parse.urlsplit(url).netloc == origin:
                req.add_unredirected_header("Authorization", self.auth)
            self.requests += 1
            log.debug("%s %s", method, _safe(url))
            try:
                with self._opener.open(req, timeout=self.timeout) as fh:
                    return Response(fh.status, url, fh.headers, fh.read())
            except urllib.error.HTTPError as exc:
                resp = Response(exc.code, url, exc.headers, exc.read() if exc.fp else b"")
            if resp.status in (301, 302, 303, 307, 308) and resp.headers.get("Location"):
                url = urllib.parse.urljoin(url, resp.headers["Location"])
                method = "GET" if resp.status == 303 else method
                continue
            return resp
        raise PullError(f"{self.setting}: too many redirects from {_safe(url)}")

    def _backoff(self, attempt: int) -> float:
        return min(60.0, 0.5 * 2 ** (attempt - 1)) * (1 + random.random() / 4)

    def _retry_after(self, resp: Response, attempt: int) -> float:
        value = resp.headers.get("Retry-After")
        if value:
            try:
                return max(0.0, float(value))
            except ValueError:
                try:
                    when = datetime.strptime(value, "%a, %d %b %Y %H:%M:%S %Z")
                    return max(0.0, when.timestamp() - time.time())
                except ValueError:
                    pass
        return self._backoff(attempt)

    def _rate_limited(self, resp: Response) -> float | None:
        """Seconds to wait when a 403/429 says the quota is spent (GitHub, Atlassian)."""
        if resp.status not in (403, 429):
            return None
        if resp.headers.get("Retry-After"):
            return self._retry_after(resp, 1)
        if resp.headers.get("X-RateLimit-Remaining") == "0":
            return self._exhausted(resp) or 1.0
        return None

    def _exhausted(self, resp: Response) -> float:
        if resp.headers.get("X-RateLimit-Remaining") != "0":
            return 0.0
        reset = resp.headers.get("X-RateLimit-Reset") or ""
        try:  # GitHub: epoch seconds; Atlassian: an ISO timestamp
            at = float(reset)
        except ValueError:
            try:
                at = datetime.fromisoformat(reset.replace("Z", "+00:00")).timestamp()
            except ValueError:
                return 1.0
        return max(0.0, at - time.time()) + 1.0

    def _wait(self, seconds: float, why: str) -> None:
        if seconds > self.max_wait:
            raise PullError(f"{self.setting}: {why}; the server asks to wait {seconds:.0f}s, more "
                            f"than the limit of {self.max_wait:.0f}s (max_wait_s): try again later")
        log.warning("%s: %s, waiting %.1fs", self.setting, why, seconds)
        _sleep(seconds)

    def _error(self, resp: Response, url: str) -> PullError:
        detail = ""
        try:
            data = resp.json()
            if isinstance(data, dict):
                detail = str(data.get("message") or data.get("errorMessages") or "")[:200]
        except ValueError:
            pass
        hint = self.hints.get(resp.status, "")
        msg = f"{self.setting}: HTTP {resp.status} from {_safe(url)}"
        msg += f" ({detail})" if detail else ""
        msg += f": {hint}" if hint else ""
        cls = AccessError if resp.status in (401, 403, 404) else PullError
        return cls(msg, resp.status)


def _safe(url: str) -> str:
    """The URL without user-info or query values that could carry a credential."""
    parts = urllib.parse.urlsplit(url)
    host = parts.hostname or ""
    if parts.port:
        host += f":{parts.port}"
    query = "&".join(f"{k}=…" if k.lower() in ("token", "access_token", "key", "signature")
                     else f"{k}={v}" for k, v in urllib.parse.parse_qsl(parts.query))
    return urllib.parse.urlunsplit((parts.scheme, host, parts.path, query, ""))
