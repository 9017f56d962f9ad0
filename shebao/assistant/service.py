"""Entry points the CLI and the API share: open the knowledge base and answer questions.

With no index built yet, the first question builds the index of the law texts shipped with the
package. Answers come only from texts that apply to the agency's region (``SHEBAO_REGION``).
"""

from __future__ import annotations

import logging
import threading
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


__all__ = ["NOT_BUILT_MESSAGE", "KnowledgeBaseNotBuilt", "make_assistant", "shared_assistant"]
