"""Training chat templates with `{% generation %}` markers.

TRL's ``assistant_only_loss=True`` computes the loss only on tokens inside
``{% generation %}...{% endgeneration %}``; stock templates (SmolLM2's included) lack the markers
and TRL refuses them. Each template here renders exactly like the model's own chat format, and
marks the assistant's content *plus its end-of-turn token* so the model also learns to stop.
The role header (``<|im_start|>assistant\\n``) stays outside the mask: at inference it is the
generation prompt, never something the model has to produce.
"""

from __future__ import annotations

import json
from typing import Any

# SmolLM2-Instruct's own default, kept so the converted model sees the prompt it was tuned with.
SMOLLM_SYSTEM = "You are a helpful AI assistant named SmolLM, trained by Hugging Face"

_CHATML = """\
{%- set default_system = @SYSTEM@ -%}
{%- if messages and messages[0]['role'] != 'system' and default_system -%}
{{- '<|im_start|>system\\n' + default_system + '<|im_end|>\\n' -}}
{%- endif -%}
{%- for message in messages -%}
{%- if message['role'] == 'assistant' -%}
{{- '<|im_start|>assistant\\n' -}}
{%- generation -%}
{{- message['content'] + '<|im_end|>' -}}
{%- endgeneration -%}
{{- '\\n' -}}
{%- else -%}
{{- '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>\\n' -}}
{%- endif -%}
{%- endfor -%}
{%- if add_generation_prompt -%}
{{- '<|im_start|>assistant\\n' -}}
{%- endif -%}
"""

# TinyLlama-Chat / Zephyr: <|role|>\n content </s>\n ; the BOS token leads, as it did when the
# chat models were tuned (their tokenizer added it to the rendered text).
_ZEPHYR = """\
{%- set default_system = @SYSTEM@ -%}
{{- bos_token if bos_token else '' -}}
{%- if messages and messages[0]['role'] != 'system' and default_system -%}
{{- '<|system|>\\n' + default_system + eos_token + '\\n' -}}
{%- endif -%}
{%- for message in messages -%}
{%- if message['role'] == 'assistant' -%}
{{- '<|assistant|>\\n' -}}
{%- generation -%}
{{- message['content'] + eos_token -}}
{%- endgeneration -%}
{{- '\\n' -}}
{%- else -%}
{{- '<|' + message['role'] + '|>\\n' + message['content'] + eos_token + '\\n' -}}
{%- endif -%}
{%- endfor -%}
{%- if add_generation_prompt -%}
{{- '<|assistant|>\\n' -}}
{%- endif -%}
"""

# name -> (template with an @SYSTEM@ slot, default system prompt used when none is configured)
TEMPLATES: dict[str, tuple[str, str]] = {
    "chatml": (_CHATML, SMOLLM_SYSTEM),
    "zephyr": (_ZEPHYR, ""),
}


def get_chat_template(name: str, system_prompt: str | None = None) -> str:
    """Return template `name`'s Jinja source; `system_prompt` replaces its default ("" = none)."""
    if name not in TEMPLATES:
        raise ValueError(f"unknown chat_template {name!r}; known: {sorted(TEMPLATES)}")
    source, default = TEMPLATES[name]
    system = default if system_prompt is None else system_prompt
    # A JSON string literal is a valid Jinja string literal, so any text is safely embedded.
    return source.replace("@SYSTEM@", json.dumps(system))


def set_chat_template(tokenizer: Any, name: str, system_prompt: str | None = None) -> None:
    """Install the training template on `tokenizer` and check TRL will accept it."""
    tokenizer.chat_template = get_chat_template(name, system_prompt)
    check_template(tokenizer)


def check_template(tokenizer: Any) -> None:
    """Fail early, with TRL's own checks, if assistant-only loss would not work or not stop."""
    from trl.chat_template_utils import has_generation_markers, is_chat_template_stop_token_trained

    if not has_generation_markers(tokenizer.chat_template):
        raise ValueError(
            "chat template has no {% generation %} markers; assistant_only_loss needs them"
        )
    if not is_chat_template_stop_token_trained(tokenizer):
        raise ValueError(
            "chat template leaves the end-of-turn token out of the assistant mask; "
            "the model would never learn to stop"
        )


def encode_chat(tokenizer: Any, messages: list[dict], max_length: int | None = None) -> dict:
    """Tokenize one conversation like TRL does: labels are -100 outside assistant tokens.

    Truncation keeps the start (TRL's default ``truncation_mode="keep_start"``).
    """
    out = tokenizer.apply_chat_template(
        messages, tokenize=True, return_dict=True, return_assistant_tokens_mask=True
    )
    ids = list(out["input_ids"])
    mask = list(out["assistant_masks"])
    labels = [tok if keep else -100 for tok, keep in zip(ids, mask, strict=True)]
    if max_length is not None:
        ids, labels = ids[:max_length], labels[:max_length]
    return {"input_ids": ids, "labels": labels}
