"""The HTTP server: ``/v1/chat/completions`` (plain and streamed), ``/v1/models``, ``/health``.

Standard library only (``http.server``), bound to 127.0.0.1 by default: this is a team's local
or behind-a-proxy endpoint, not an internet-facing one. One model answers one request at a time
(a lock), greedy unless the client sends a temperature. The newest user message is grounded in
the index exactly as infer and eval do, and the reply carries its ``sources``; when no passage
names what the question names, the reply is the refusal and no model runs.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, NamedTuple

from alchemy.serve.protocol import BadRequest, ChatRequest, chunk, completion, parse

log = logging.getLogger(__name__)
MAX_BODY = 1_000_000


class Prepared(NamedTuple):
    """One request made ready: model inputs, cited sources, or the refusal that replaces both."""

    inputs: Any  # None when refused
    sources: list[dict]
    refusal: str | None


class Engine:
    """Base + adapter and the optional grounding function; generates under a lock."""

    def __init__(self, model: Any, tokenizer: Any, device: str, name: str,
                 ground: Callable[..., Any] | None, repetition_penalty: float) -> None:
        self.model, self.tokenizer, self.device, self.name = model, tokenizer, device, name
        self.ground, self.repetition_penalty = ground, repetition_penalty
        self.lock = threading.Lock()
        self.busy = threading.Semaphore(0)  # released once per answer finished
        self.started = 0

    def wait_idle(self, timeout: float = 600.0) -> None:
        """Block until every answer started so far has finished (stop without cutting one)."""
        time.sleep(0.2)  # a request just accepted reaches prepare() within milliseconds
        for _ in range(self.started):
            self.busy.acquire(timeout=timeout)
        self.started = 0

    def prepare(self, req: ChatRequest) -> Prepared:
        """Model inputs and cited sources; passages are dropped (worst first) until the
        prompt and ``max_tokens`` fit the model's context, else BadRequest: never a crash."""
        self.started += 1  # released when the answer is done (or refused here)
        try:
            return self._prepare(req)
        except BaseException:
            self.busy.release()
            raise

    def _prepare(self, req: ChatRequest) -> Prepared:
        from alchemy.retrieval.prompt import cite

        messages, passages = [dict(m) for m in req.messages], []
        question = messages[-1]["content"]
        limit = getattr(self.model.config, "max_position_embeddings", None) or 1 << 30
        if self.ground is not None:
            messages[-1]["content"], passages, refusal = self.ground(question)
            if refusal is not None:  # no passage names the subject: decline, no model run
                self._fits([dict(m) for m in req.messages], req.max_tokens, limit)
                return Prepared(None, cite(passages), refusal)
        while True:
            inputs = self._fits(messages, req.max_tokens, limit, raise_=not passages)
            if inputs is not None:
                return Prepared(inputs, cite(passages), None)
            fewer = passages[:-1]  # the least relevant passage goes first
            messages[-1]["content"], passages, _ = self.ground(question, fewer) if fewer \
                else (question, [], None)

    def _fits(self, messages: list[dict], max_tokens: int, limit: int,
              raise_: bool = True) -> Any:
        """Model inputs if the conversation and ``max_tokens`` fit the context, else None or
        (``raise_``) BadRequest."""
        inputs = self.tokenizer.apply_chat_template(
            messages, add_generation_prompt=True, return_dict=True, return_tensors="pt"
        ).to(self.device)
        n = int(inputs["input_ids"].shape[1])
        if n + max_tokens <= limit:
            return inputs
        if raise_:
            raise BadRequest(f"the conversation is {n} tokens: with max_tokens={max_tokens} "
                             f"it exceeds the model's context of {limit}", "messages")
        return None

    def _kwargs(self, req: ChatRequest, inputs: Any) -> dict[str, Any]:
        sample = req.temperature > 0
        kw = dict(**inputs, max_new_tokens=req.max_tokens, do_sample=sample,
                  repetition_penalty=self.repetition_penalty,
                  pad_token_id=self.tokenizer.pad_token_id, eos_token_id=self.tokenizer.eos_token_id)
        if sample:
            kw |= {"temperature": req.temperature, "top_p": req.top_p}
        return kw

    def reply(self, req: ChatRequest, prepared: Prepared) -> dict[str, Any]:
        import torch

        inputs, sources, refusal = prepared
        if refusal is not None:
            self.busy.release()
            return completion(self.name, refusal, 0, self._count(refusal), "stop", sources)
        try:
            with self.lock, torch.inference_mode():
                out = self.model.generate(**self._kwargs(req, inputs))
        finally:
            self.busy.release()
        new = out[0, inputs["input_ids"].shape[1]:]
        text = self.tokenizer.decode(new, skip_special_tokens=True).strip()
        finish = "length" if len(new) >= req.max_tokens else "stop"
        return completion(self.name, text, int(inputs["input_ids"].shape[1]), len(new), finish,
                          sources)

    def _count(self, text: str) -> int:
        return len(self.tokenizer(text, add_special_tokens=False)["input_ids"])

    def stream(self, req: ChatRequest, cid: str, prepared: Prepared) -> Iterator[dict[str, Any]]:
        inputs, sources, refusal = prepared
        try:
            if refusal is not None:
                yield chunk(cid, self.name, {"role": "assistant", "content": ""}, None)
                yield chunk(cid, self.name, {"content": refusal}, None)
                yield chunk(cid, self.name, {}, "stop", sources)
                return
            yield from self._stream(req, cid, inputs, sources)
        finally:
            self.busy.release()

    def _stream(self, req: ChatRequest, cid: str, inputs: Any,
                sources: list[dict]) -> Iterator[dict[str, Any]]:
        import torch
        from transformers import TextIteratorStreamer

        with self.lock:
            streamer = TextIteratorStreamer(self.tokenizer, skip_prompt=True,
                                            skip_special_tokens=True)
            kw = self._kwargs(req, inputs) | {"streamer": streamer}

            def work() -> None:
                with torch.inference_mode():
                    self.model.generate(**kw)

            thread = threading.Thread(target=work, daemon=True)
            thread.start()
            yield chunk(cid, self.name, {"role": "assistant", "content": ""}, None)
            for piece in streamer:
                if piece:
                    yield chunk(cid, self.name, {"content": piece}, None)
            thread.join()
        yield chunk(cid, self.name, {}, "stop", sources)


def _handler(engine: Engine, max_tokens: int, limit_tokens: int) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, fmt: str, *args: Any) -> None:  # requests go to our log, not stderr
            log.info("serve: " + fmt, *args)

        def _json(self, status: int, body: dict[str, Any]) -> None:
            data = json.dumps(body, ensure_ascii=False).encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:  # noqa: N802 - http.server's naming
            if self.path.rstrip("/") in ("/health", "/v1/health"):
                self._json(200, {"status": "ok", "model": engine.name})
            elif self.path.rstrip("/") == "/v1/models":
                self._json(200, {"object": "list", "data": [
                    {"id": engine.name, "object": "model", "owned_by": "alchemy"}]})
            elif self.path.rstrip("/") == "/v1/chat/completions":
                self._json(405, BadRequest("use POST", status=405).body())
            else:
                self._json(404, BadRequest(f"no such endpoint: {self.path}", status=404).body())

        def do_POST(self) -> None:  # noqa: N802
            if self.path.rstrip("/") != "/v1/chat/completions":
                self._json(404, BadRequest(f"no such endpoint: {self.path}").body())
                return
            try:
                length = int(self.headers.get("Content-Length") or 0)
                if length > MAX_BODY:
                    raise BadRequest(f"request body over {MAX_BODY} bytes", status=413)
                try:
                    body = json.loads(self.rfile.read(length) or b"null")
                except (json.JSONDecodeError, UnicodeDecodeError) as exc:
                    raise BadRequest(f"the body is not JSON: {exc}") from None
                req = parse(body, max_tokens, limit_tokens)
                prepared = engine.prepare(req)
            except BadRequest as exc:
                self._json(exc.status, exc.body())
                return
            if not req.stream:
                self._json(200, engine.reply(req, prepared))
                return
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Cache-Control", "no-cache")
            self.send_header("Connection", "close")
            self.end_headers()
            self.close_connection = True
            cid = completion(engine.name, "", 0, 0, "stop", [])["id"]
            for part in engine.stream(req, cid, prepared):
                self.wfile.write(f"data: {json.dumps(part, ensure_ascii=False)}\n\n".encode())
                self.wfile.flush()
            self.wfile.write(b"data: [DONE]\n\n")
            self.wfile.flush()

    return Handler


class Server(ThreadingHTTPServer):
    daemon_threads = True  # idle keep-alive connections never hold up a stop (see Engine.busy)


def make_server(engine: Engine, host: str, port: int, max_tokens: int,
                limit_tokens: int) -> Server:
    """A bound server (port 0 = any free port); call ``serve_forever()`` to answer."""
    return Server((host, port), _handler(engine, max_tokens, limit_tokens))
