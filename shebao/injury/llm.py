"""Optional: a language model behind ``SHEBAO_LLM_URL`` reads facts the rules did not find.

The model is asked for a JSON object of facts (the keys of
:data:`shebao.policy.injury_determination.FACT_LABELS`) and nothing else; :func:`~shebao.injury.
determination.suggest` checks their types, keeps what the rules read where both read something, and
applies the same rules. An unreachable server or a malformed reply adds nothing: the suggestion is the
rules' alone.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from typing import Any

import httpx

from shebao.policy.injury_determination import FACT_LABELS

log = logging.getLogger(__name__)
TIMEOUT_SECONDS = 20.0

SYSTEM_PROMPT = (
    "你从工伤事故经过中提取事实，只输出一个 JSON 对象，不要解释。只能使用下列键，文中没有说到的键不要输出："
    + "；".join(f"{k}（{v}）" for k, v in FACT_LABELS.items())
    + "。是否类的值用 true/false；accident_kind 取 road/rail_transit/ferry/train/other；"
    "traffic_responsibility 取 none/minor/equal/main/full；sudden_death_hours 用数字。"
)


def chat_url(url: str) -> str:
    url = url.rstrip("/")
    if url.endswith("/chat/completions"):
        return url
    return url + ("/chat/completions" if url.endswith("/v1") else "/v1/chat/completions")


def reader(url: str) -> Callable[[str], dict[str, Any]]:
    """A fact reader over the OpenAI-compatible server at ``url``."""

    def read(text: str) -> dict[str, Any]:
        body = {"messages": [{"role": "system", "content": SYSTEM_PROMPT}, {"role": "user", "content": text}],
                "temperature": 0}
        try:
            reply = httpx.post(chat_url(url), json=body, timeout=TIMEOUT_SECONDS).json()
            content = reply["choices"][0]["message"]["content"]
            match = re.search(r"\{.*\}", content, re.S)
            facts = json.loads(match.group(0)) if match else {}
        except (httpx.HTTPError, ValueError, KeyError, IndexError, TypeError) as exc:
            log.warning("语言模型未能读取事实（%s），仅按规则读取", type(exc).__name__)
            return {}
        return facts if isinstance(facts, dict) else {}

    return read


def configured_reader() -> Callable[[str], dict[str, Any]] | None:
    """The reader of ``SHEBAO_LLM_URL``, or ``None`` when it is not set (the usual case)."""
    from shebao.core.settings import get_settings

    url = get_settings().llm_url
    return reader(url) if url else None
