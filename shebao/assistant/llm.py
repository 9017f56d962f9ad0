"""Optional generative step: rewrite the extractive answer in plain language.

Only when ``SHEBAO_LLM_URL`` points to an OpenAI-compatible server (``/v1/chat/completions``,
a local model server say). The model sees the retrieved articles only, numbered [1]..[n], and
must end every sentence with the number of the article it rests on. Any sentence without a
valid marker, an unreachable server or a malformed reply means the extractive answer stands.
"""

from __future__ import annotations

import logging
import re

import httpx

log = logging.getLogger(__name__)

TIMEOUT_SECONDS = 20.0

SYSTEM_PROMPT = (
    "你是社会保险政策咨询助手。只能依据用户消息中给出的编号条文回答，不得使用条文以外的知识，不得编造条文。"
    "用通俗的简体中文回答，不超过三句话；每一句话的句末都必须用方括号标出所依据条文的编号，例如 [1]。"
    "如果条文不能回答问题，就回答：条文中没有相关规定[1]。"
)

_MARKER = re.compile(r"\[(\d+)\]")
_SENTENCE = re.compile(r"[^。！？!?\n]+[。！？!?]?(?:\s*\[\d+\])*")


def chat_url(url: str) -> str:
    """Accept a base URL (``http://host:port`` or ``…/v1``) or the full completions URL."""
    url = url.rstrip("/")
    if url.endswith("/chat/completions"):
        return url
    if url.endswith("/v1"):
        return url + "/chat/completions"
    return url + "/v1/chat/completions"


def build_messages(question: str, citations: list[dict]) -> list[dict]:
    numbered = "\n\n".join(f"[{n}] 《{c['law']}》第{c['article']}条：{c['text']}" for n, c in enumerate(citations, 1))
    return [
        {"role": "system", "content": SYSTEM_PROMPT},
        {"role": "user", "content": f"条文：\n{numbered}\n\n问题：{question}"},
    ]


def split_sentences(text: str) -> list[str]:
    """Sentences of a reply, each with the markers that follow it."""
    return [s.strip() for s in _SENTENCE.findall(text.strip()) if s.strip() and not re.fullmatch(r"(\s*\[\d+\])+", s.strip())]


_CN_NUMBER = re.compile(r"[零〇一二三四五六七八九十百千万两]{1,8}")
_DIGIT_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_NOT_A_QUANTITY = re.compile(r"第[零〇一二三四五六七八九十百千两0-9]+条|[（(][一二三四五六七八九十]+[)）]|\[\d+\]")


def numbers_in(text: str) -> set[str]:
    """The quantities a text states ('24', '一年' → '1'), article numbers and markers left out."""
    from shebao.assistant.documents import cn_to_int

    text = _NOT_A_QUANTITY.sub(" ", text)
    found = {n.rstrip("0").rstrip(".") if "." in n else n for n in _DIGIT_NUMBER.findall(text)}
    for match in _CN_NUMBER.findall(text):
        try:
            found.add(str(cn_to_int(match.replace("两", "二"))))
        except ValueError:
            continue
    return found


def validate(text: str, n_citations: int, sources: list[str] | None = None) -> bool:
    """True if every sentence carries at least one marker, every marker names a citation, and
    (given the cited texts) every number it states is one the cited texts state."""
    sentences = split_sentences(text)
    if not sentences:
        return False
    if sources is not None:
        allowed = set().union(*(numbers_in(s) for s in sources)) if sources else set()
        if not numbers_in(text) <= allowed:
            return False
    for sentence in sentences:
        markers = [int(m) for m in _MARKER.findall(sentence)]
        if not markers or any(not 1 <= m <= n_citations for m in markers):
            return False
    return True


def rewrite(question: str, citations: list[dict], *, url: str, model: str = "default",
            extractive: str | None = None) -> str | None:
    """The model's plain-language answer if it cites correctly, else None."""
    if not citations:
        return None
    payload = {"model": model, "messages": build_messages(question, citations), "temperature": 0}
    try:
        response = httpx.post(chat_url(url), json=payload, timeout=TIMEOUT_SECONDS)
        response.raise_for_status()
        text = response.json()["choices"][0]["message"]["content"]
    except (httpx.HTTPError, KeyError, IndexError, TypeError, ValueError) as exc:
        log.warning("LLM rewrite unavailable, keeping the extractive answer: %s", exc)
        return None
    sources = [c["text"] for c in citations] + ([extractive] if extractive else [])
    if not isinstance(text, str) or not validate(text, len(citations), sources):
        log.warning("LLM answer rejected (a sentence without a valid citation, or a number the rules do not give): "
                    "keeping the extractive answer")
        return None
    return text.strip()
