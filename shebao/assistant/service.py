"""Entry points the CLI and the API share: open the knowledge base and answer questions.

With no index built yet, the first question builds the index of the law texts shipped with the
package. Answers come only from texts that apply to the agency's region (``SHEBAO_REGION``).
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path

from shebao.assistant.answer import Assistant
from shebao.assistant.kb import (
    DEFAULT_EMBEDDER,
    KnowledgeBaseNotBuilt,
    ensure_knowledge_base,
    load,
    open_knowledge_base,
)
from shebao.assistant.regions import for_region
from shebao.assistant.retrieval import RetrievalConfig, Retriever

log = logging.getLogger(__name__)

NOT_BUILT_MESSAGE = (
    "政策知识库尚未建立。请运行 `shebao kb build`（由随包的法律法规文本建立），"
    "或 `shebao kb build 文档目录` 使用本机构的文档。"
)


def make_assistant(corpus: Path | None = None, *, rerank: bool = True, llm_url: str | None = None,
                   progress: Callable[[str], None] | None = None) -> Assistant:
    """An assistant over ``corpus`` (built/refreshed on use) or over the current index (the shipped
    law texts' on first use), limited to the texts that apply to ``SHEBAO_REGION``."""
    from shebao.core.settings import get_settings

    settings = get_settings()
    if llm_url is None:
        llm_url = settings.llm_url
    kb = for_region(open_knowledge_base(corpus, embedder=DEFAULT_EMBEDDER if rerank else None, progress=progress),
                    settings.region)
    retriever = Retriever(kb, RetrievalConfig(rerank=rerank))
    return Assistant(kb, retriever, llm_url=llm_url or None)


_lock = threading.Lock()
_cached: dict[str, tuple[float, Assistant]] = {}


def shared_assistant() -> Assistant:
    """The assistant over the current index, loaded once per process (reloaded after a rebuild).

    With nothing built yet, the shipped law texts are indexed first (one request waits for it).
    """
    from shebao.core.settings import get_settings

    settings = get_settings()
    with _lock:
        index_dir, report = ensure_knowledge_base(progress=log.info)
        if report is not None:
            log.info("政策知识库已建立：%s 条条文，用时 %.1f 秒", report.articles, report.seconds)
        stamp = (index_dir / "manifest.json").stat().st_mtime
        key = f"{index_dir}|{settings.region}"
        cached = _cached.get(key)
        if cached is None or cached[0] != stamp:
            kb = for_region(load(index_dir), settings.region)
            _cached.clear()
            _cached[key] = (stamp, Assistant(kb, Retriever(kb), llm_url=settings.llm_url or None))
        return _cached[key][1]


class Conversations:
    """The slots of each conversation between turns (``conversation_id`` → context), in memory.

    A conversation is forgotten after ``ttl`` seconds without a turn; at most ``limit`` are kept
    (the oldest go first). Only the calculator's slots are kept (no name, no ID number).
    """

    def __init__(self, ttl: float = 1800.0, limit: int = 10_000) -> None:
        self.ttl = ttl
        self.limit = limit
        self._items: OrderedDict[str, tuple[float, dict]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, conversation_id: str | None) -> dict | None:
        if not conversation_id:
            return None
        with self._lock:
            item = self._items.get(conversation_id)
            if item is None or time.monotonic() - item[0] > self.ttl:
                self._items.pop(conversation_id, None)
                return None
            return item[1]

    def put(self, conversation_id: str, context: dict | None) -> None:
        with self._lock:
            self._items.pop(conversation_id, None)
            if context:
                self._items[conversation_id] = (time.monotonic(), context)
            while len(self._items) > self.limit:
                self._items.popitem(last=False)


conversations = Conversations()


def ask_in_conversation(assistant: Assistant, question: str, conversation_id: str | None = None) -> dict:
    """Answer a turn of a conversation: the slots of earlier turns are used, the new ones kept.

    Returns the answer with its ``conversation_id`` (a new one when none or an unknown one was given).
    """
    if not conversation_id or len(conversation_id) > 64:
        conversation_id = uuid.uuid4().hex
    result = assistant.ask(question, conversations.get(conversation_id))
    conversations.put(conversation_id, result.get("context"))
    return {**result, "conversation_id": conversation_id}


__all__ = ["NOT_BUILT_MESSAGE", "Conversations", "KnowledgeBaseNotBuilt", "ask_in_conversation",
           "conversations", "make_assistant", "shared_assistant"]
