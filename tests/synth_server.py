"""A real OpenAI-compatible chat server on 127.0.0.1 for the synth tests and benchmark.

It answers ``POST .../chat/completions`` the way DeepSeek or vLLM would, so litellm is driven
over real HTTP. Faults are scripted: ``plan`` queues faults for the next requests, ``per_chunk``
makes a given chunk always fail, ``down`` answers 503 to everything, ``hold_after`` stops
answering after N successes (a kill -9 test freezes the run at a known point). Every request is
logged with its chunk hash so tests count calls on the server side. Run standalone for the
benchmark: ``python -m tests.synth_server --latency 0.3`` prints its URL; ``GET /stats`` counts.
"""

from __future__ import annotations

import argparse
import json
import socket
import threading
import time
from collections import Counter, deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.synth_replies import chunk_key, reply_content, request_key, user_text

_STATUS = {"429": 429, "500": 500, "503": 503, "401": 401, "400": 400}
class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 1024  # 64 clients connecting at once must not overflow the backlog


class FakeLLM:
    """The server's behaviour and its call log; ``start()`` binds 127.0.0.1 on a free port."""

    def __init__(self, latency: float = 0.0, retry_after: float = 0.2, hang: float = 5.0,
                 pairs: int = 2, port: int = 0) -> None:
        self.latency, self.retry_after, self.hang, self.pairs = latency, retry_after, hang, pairs
        self.plan: deque[str] = deque()
        self.per_chunk: dict[str, list[str]] = {}  # substring of the document -> faults in turn
        self.down = False
        self.hold_after: int | None = None
        self.reject_json_mode = False  # answer 400 to response_format, like some local servers
        self.in_flight = self.max_in_flight = 0
        self.holding = 0  # requests ever held by hold_after
        self.admitted = 0  # requests let through to a normal answer
        self.released = threading.Event()
        self.drop_held = False  # on release, close held requests unanswered (their client died)
        self.log: list[dict[str, Any]] = []
        self.lock = threading.Lock()
        self.httpd = _Server(("127.0.0.1", port), _handler(self))

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"

    def start(self) -> FakeLLM:
        threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True).start()
        return self

    def stop(self) -> None:
        self.released.set()
        self.httpd.shutdown()
        self.httpd.server_close()

    def stats(self) -> dict[str, Any]:
        with self.lock:
            ok = Counter(e["request"] for e in self.log if e["status"] == 200)
            held = sum(1 for e in self.log if e["kind"] == "dropped")
            return {"requests": len(self.log) - held, "dropped": held, "ok": sum(ok.values()),
                    "distinct_ok": len(ok),
                    "duplicate_ok": sum(c - 1 for c in ok.values()),
                    "max_in_flight": self.max_in_flight,
                    "by_kind": dict(Counter(e["kind"] for e in self.log)),
                    "json_mode": sum(1 for e in self.log if e.get("json_mode"))}

    def control(self, body: dict[str, Any]) -> dict[str, Any]:
        """Set ``hold_after``, ``drop_held``, ``latency``; ``release`` frees held requests."""
        for k in ("hold_after", "drop_held", "latency"):
            if k in body:
                setattr(self, k, body[k])
        if body.get("reset"):
            with self.lock:
                self.log.clear()
            self.released.clear()
            self.holding = self.max_in_flight = self.admitted = 0
        if body.get("release"):
            self.released.set()
        return self.stats()

    def fault_for(self, body: dict[str, Any]) -> str:
        with self.lock:
            if self.down:
                return "503"
            prompt = json.dumps(body.get("messages", []))
            for needle, faults in self.per_chunk.items():
                if needle in prompt and faults:
                    return faults.pop(0) if len(faults) > 1 else faults[0]
            if self.hold_after is not None and not self.released.is_set():
                if self.admitted >= self.hold_after:
                    return "hold"
            fault = self.plan.popleft() if self.plan else "ok"
            self.admitted += fault == "ok"
            return fault


def _handler(srv: FakeLLM) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        wbufsize = 1 << 16  # headers and body leave in one segment (no Nagle/delayed-ACK stall)

        def setup(self) -> None:
            super().setup()
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

        def log_message(self, *args: Any) -> None:  # quiet
            pass

        def _send(self, status: int, payload: bytes, headers: dict[str, str] | None = None,
                  trickle: float = 0.0) -> None:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.end_headers()
            try:
                if trickle:
                    self.wfile.flush()
                    for i in range(len(payload)):
                        self.wfile.write(payload[i:i + 1])
                        self.wfile.flush()
                        time.sleep(trickle)
                else:
                    self.wfile.write(payload)
                    self.wfile.flush()
            except (BrokenPipeError, ConnectionResetError):
                pass

        def do_GET(self) -> None:
            self._send(200, json.dumps(srv.stats()).encode())

        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
            if self.path.endswith("/control"):  # the benchmark steers a server in another process
                return self._send(200, json.dumps(srv.control(body)).encode())
            fault = srv.fault_for(body)
            if fault == "hold":
                with srv.lock:
                    srv.holding += 1
                srv.released.wait()
                if srv.drop_held:
                    with srv.lock:
                        srv.log.append({"chunk": chunk_key(body), "request": request_key(body),
                                        "kind": "dropped", "status": 0, "t": time.time()})
                    self.close_connection = True
                    return
                fault = "ok"
            if srv.reject_json_mode and "response_format" in body:
                fault = "400"
            with srv.lock:
                srv.in_flight += 1
                srv.max_in_flight = max(srv.max_in_flight, srv.in_flight)
            try:
                self._answer(body, fault)
            finally:
                with srv.lock:
                    srv.in_flight -= 1

        def _answer(self, body: dict[str, Any], fault: str) -> None:
            entry = {"chunk": chunk_key(body), "request": request_key(body), "kind": fault,
                     "t": time.time(),
                     "json_mode": "response_format" in body,
                     "auth": self.headers.get("Authorization", "")}
            time.sleep(srv.latency)
            status = _STATUS.get(fault, 200)
            entry["status"] = status
            with srv.lock:
                srv.log.append(entry)
            if fault == "timeout":
                time.sleep(srv.hang)
            if status != 200:
                hdr = {"Retry-After": f"{srv.retry_after:g}"} if status == 429 else {}
                text = "response_format is not supported" if status == 400 else f"fake {status}"
                err = {"error": {"message": text, "type": "server_error"}}
                return self._send(status, json.dumps(err).encode(), hdr)
            if fault == "garbage":
                return self._send(200, b"<html>502 Bad Gateway</html>")
            content = reply_content(fault, user_text(body), srv.pairs)
            resp = {"id": "chatcmpl-fake", "object": "chat.completion", "created": int(time.time()),
                    "model": body.get("model", "fake"),
                    "choices": [{"index": 0, "finish_reason": "stop",
                                 "message": {"role": "assistant", "content": content}}],
                    "usage": {"prompt_tokens": max(1, len(json.dumps(body)) // 4),
                              "completion_tokens": max(1, len(content) // 4),
                              "total_tokens": 0}}
            resp["usage"]["total_tokens"] = sum(resp["usage"].values())
            self._send(200, json.dumps(resp).encode(), trickle=0.05 if fault == "slow" else 0.0)

    return Handler


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--latency", type=float, default=0.3)
    ap.add_argument("--port", type=int, default=0)
    args = ap.parse_args()
    srv = FakeLLM(latency=args.latency, port=args.port).start()
    print(srv.url, flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        srv.stop()


if __name__ == "__main__":
    main()
