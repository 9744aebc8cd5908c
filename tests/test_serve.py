"""serve: the OpenAI-compatible endpoint, driven by the openai and litellm clients over HTTP."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from pathlib import Path

import pytest

pytest.importorskip("trl")

from alchemy.stages import ConfigError  # noqa: E402
from tests.test_train_infer import adapter  # noqa: E402,F401 - the module-scoped fixture


@pytest.fixture(scope="module")
def server(adapter: tuple[Path, Path]):  # noqa: F811
    from alchemy.retrieval.abstain import refusal
    from alchemy.retrieval.index import Index
    from alchemy.retrieval.prompt import Grounded, render
    from alchemy.serve.app import Engine, make_server
    from alchemy.train.loading import load_for_inference
    from tests.test_train import TINY

    model, tok, device = load_for_inference(TINY, adapter[1], adapter[0], "cpu")
    index = Index(adapter[0] / "index")

    def ground(q: str, found: list | None = None):
        found = [h.passage for h in index.search(q, 2)] if found is None else found
        return Grounded(render(q, found, 200), found, refusal(q, found))

    srv = make_server(Engine(model, tok, device, "alchemy", ground, 1.1), "127.0.0.1", 0, 8, 64)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{srv.server_address[1]}/v1"
    srv.shutdown()
    srv.server_close()


def test_openai_client_plain_and_streamed(server: str) -> None:
    from openai import OpenAI

    client = OpenAI(base_url=server, api_key="none", max_retries=0)
    assert [m.id for m in client.models.list().data] == ["alchemy"]
    msgs = [{"role": "user", "content": "Which port does ledger-service listen on?"}]
    reply = client.chat.completions.create(model="alchemy", messages=msgs, max_tokens=5)
    assert isinstance(reply.choices[0].message.content, str)
    assert reply.usage.completion_tokens <= 5 and reply.usage.prompt_tokens > 20
    assert reply.model_extra["sources"][0]["id"] == "wiki:1#0"
    pieces = list(client.chat.completions.create(model="alchemy", messages=msgs, max_tokens=5,
                                                 stream=True))
    assert pieces[0].choices[0].delta.role == "assistant"
    assert pieces[-1].choices[0].finish_reason == "stop"
    assert pieces[-1].model_extra["sources"][0]["id"] == "wiki:1#0"


def test_a_question_no_source_names_is_declined_plain_and_streamed(server: str) -> None:
    from openai import OpenAI

    client = OpenAI(base_url=server, api_key="none", max_retries=0)
    msgs = [{"role": "user", "content": "Which port does quasar-gateway listen on?"}]
    said = "The sources do not mention quasar-gateway."
    reply = client.chat.completions.create(model="alchemy", messages=msgs, max_tokens=5)
    assert reply.choices[0].message.content == said and reply.model_extra["sources"]
    assert reply.choices[0].finish_reason == "stop"
    pieces = list(client.chat.completions.create(model="alchemy", messages=msgs, max_tokens=5,
                                                 stream=True))
    assert "".join(p.choices[0].delta.content or "" for p in pieces) == said
    assert pieces[-1].choices[0].finish_reason == "stop" and pieces[-1].model_extra["sources"]


def test_litellm_client(server: str) -> None:
    import litellm

    reply = litellm.completion(model="openai/alchemy", api_base=server, api_key="none",
                               messages=[{"role": "user", "content": "Who runs billing?"}],
                               max_tokens=4)
    assert isinstance(reply.choices[0].message.content, str)


def _post(url: str, body: bytes) -> tuple[int, dict]:
    req = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())


@pytest.mark.parametrize("body,param", [
    (b"{not json", None), (b"[]", None), (b'{"messages": []}', "messages"),
    (b'{"messages": [{"role": "robot", "content": "hi"}]}', "messages[0].role"),
    (b'{"messages": [{"role": "user", "content": 3}]}', "messages[0].content"),
    (b'{"messages": [{"role": "assistant", "content": "hi"}]}', "messages"),
    (b'{"messages": [{"role": "user", "content": "hi"}], "max_tokens": 100000}', "max_tokens"),
    (b'{"messages": [{"role": "user", "content": "hi"}], "temperature": "hot"}', "temperature"),
    (b'{"messages": [{"role": "user", "content": "hi"}], "stream": "yes"}', "stream"),
])
def test_bad_requests_get_400_naming_the_field(server: str, body: bytes, param) -> None:
    status, reply = _post(f"{server}/chat/completions", body)
    assert status == 400 and reply["error"]["type"] == "invalid_request_error"
    assert reply["error"]["param"] == param


def test_unknown_paths_and_methods(server: str) -> None:
    assert _post(f"{server}/completions", b"{}")[0] == 404
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(f"{server}/chat/completions", timeout=10)
    assert err.value.code == 405


def test_serve_settings_are_checked_before_any_stage(make_cfg, tmp_path) -> None:
    from alchemy.runner import Runner
    from alchemy.stages.serve import validate

    validate(make_cfg())
    with pytest.raises(ConfigError, match="allow_remote"):
        validate(make_cfg("serve.host=0.0.0.0"))
    with pytest.raises(ConfigError, match="allow_remote"):  # by the runner, before any work
        Runner(make_cfg("serve.host=0.0.0.0", "pipeline.stages=[serve]"), tmp_path / "run")
    assert not (tmp_path / "run").exists() and not (tmp_path / "cache" / "ingest").exists()
    from alchemy.validate import validate

    with pytest.raises(ConfigError, match="serve.port"):
        validate(make_cfg("serve.port=70000"))


def test_a_prompt_beyond_the_context_is_a_400_not_a_crash(server: str) -> None:
    body = json.dumps({"messages": [{"role": "user", "content": "word " * 5000}],
                       "max_tokens": 8}).encode()
    status, reply = _post(f"{server}/chat/completions", body)
    assert status == 400 and "context" in reply["error"]["message"]
    status, _ = _post(f"{server}/chat/completions",
                      b'{"messages": [{"role": "user", "content": "still alive?"}], "max_tokens": 2}')
    assert status == 200
