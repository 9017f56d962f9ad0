"""Entry points the CLI and the API share: open the knowledge base and answer questions."""

from __future__ import annotations

import threading
from pathlib import Path

from shebao.assistant.answer import Assistant
from shebao.assistant.kb import (
    DEFAULT_EMBEDDER,
    KnowledgeBaseNotBuilt,
    current_index_dir,
    load,
    open_knowledge_base,
)
from shebao.assistant.retrieval import RetrievalConfig, Retriever

NOT_BUILT_MESSAGE = (
    "知识库尚未建立。请先运行 `shebao kb build 文档目录`（例如 `shebao kb build ../shared/corpus/laws`），"
    "或用 `shebao ask \"问题\" --corpus 文档目录` 指定文档目录。"
)


def make_assistant(corpus: Path | None = None, *, rerank: bool = True, llm_url: str | None = None) -> Assistant:
    """An assistant over ``corpus`` (built/refreshed on use) or over the current index.

    Raises:
        KnowledgeBaseNotBuilt: nothing built and no corpus given.
    """
    if llm_url is None:
        from shebao.core.settings import get_settings

        llm_url = get_settings().llm_url
    kb = open_knowledge_base(corpus, embedder=DEFAULT_EMBEDDER if rerank else None)
    retriever = Retriever(kb, RetrievalConfig(rerank=rerank))
    return Assistant(kb, retriever, llm_url=llm_url or None)


_lock = threading.Lock()
_cached: dict[str, tuple[float, Assistant]] = {}


def shared_assistant() -> Assistant:
    """The assistant over the current index, loaded once per process (reloaded after a rebuild)."""
    index_dir = current_index_dir()
    if index_dir is None:
        raise KnowledgeBaseNotBuilt(NOT_BUILT_MESSAGE)
    stamp = (index_dir / "manifest.json").stat().st_mtime
    key = str(index_dir)
    with _lock:
        cached = _cached.get(key)
        if cached is None or cached[0] != stamp:
            from shebao.core.settings import get_settings

            kb = load(index_dir)
            _cached.clear()
            _cached[key] = (stamp, Assistant(kb, Retriever(kb), llm_url=get_settings().llm_url or None))
        return _cached[key][1]
