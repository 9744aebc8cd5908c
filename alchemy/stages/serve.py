"""serve: an OpenAI-compatible endpoint (``/v1/chat/completions``) over base + adapter.

Any OpenAI client talks to it: ``OpenAI(base_url="http://127.0.0.1:8000/v1", api_key="none")``
or litellm with ``model="openai/alchemy"`` and that ``api_base``. Answers are grounded in the
index like infer's and carry their sources. A live stage: never a cache hit, it runs until
Ctrl-C (or ``serve.max_requests``), and its artifact records only what was served.
"""

from __future__ import annotations

import ipaddress

from alchemy.stages import ConfigError, StageContext


def validate(cfg) -> None:  # noqa: ANN001 - the run's DictConfig
    """Check the serve settings before any stage runs (exit 2 with the key's name)."""
    s = cfg.serve  # serve.port's range: alchemy/validate.py
    if not 1 <= s.max_tokens <= s.limit_max_tokens:
        raise ConfigError("serve.max_tokens must be in 1..serve.limit_max_tokens")
    try:
        loopback = ipaddress.ip_address(s.host).is_loopback
    except ValueError:
        loopback = s.host == "localhost"
    if not loopback and not s.allow_remote:
        raise ConfigError(f"serve.host={s.host}: not a loopback address; the endpoint has no "
                          "authentication, so set serve.allow_remote=true to expose it knowingly")


def run(ctx: StageContext) -> None:
    from alchemy.retrieval.prompt import grounding
    from alchemy.serve.app import Engine, make_server
    from alchemy.train.loading import adapter_model_cfg, load_for_inference

    s = ctx.cfg.serve
    adapter = ctx.inputs.get("adapter") or ctx.inputs["train"] / "adapter"
    model_cfg = adapter_model_cfg(adapter, ctx.cfg.model)
    model, tokenizer, device = load_for_inference(model_cfg, ctx.cache_dir, adapter)
    ground = grounding(ctx.cfg.retrieval, s.retrieval, ctx.inputs["index"], ctx.cache_dir)
    penalty = ctx.cfg.retrieval.repetition_penalty if ground else ctx.cfg.infer.repetition_penalty
    engine = Engine(model, tokenizer, device, s.model_name, ground, penalty)
    server = make_server(engine, s.host, s.port, s.max_tokens, s.limit_max_tokens)
    host, port = server.server_address[:2]
    ctx.log.info("serve: http://%s:%s/v1 (model %s, adapter %s); Ctrl-C stops", host, port,
                 s.model_name, adapter)
    served = 0
    try:
        while s.max_requests is None or served < s.max_requests:
            server.handle_request()
            served += 1
    except KeyboardInterrupt:
        pass
    finally:
        engine.wait_idle()  # a streamed answer in flight ends before the server closes
        server.server_close()
    ctx.metrics.update(url=f"http://{host}:{port}/v1", requests=served, adapter=str(adapter))
