"""The knowledge base: articles of a folder of documents, their search tokens and passage vectors.

An index lives under ``$SHEBAO_HOME/kb/<corpus-id>/`` (one per documents folder); the last one
built is the default (``$SHEBAO_HOME/kb/current``). Rebuilding is incremental: each file is
split, segmented and embedded once per content hash, and reused from ``cache/`` afterwards.

The law texts ship with the package (``data/corpus/laws``, :data:`BUNDLED_CORPUS`): with no index
built yet, the first question builds theirs (:func:`ensure_knowledge_base`). Their passage vectors
ship too (``data/corpus/vectors``, keyed by the file's content hash like the cache), so that build
only segments the texts; a changed or added file is embedded as usual.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from shebao.assistant.documents import Article, DocumentError, file_sha256, list_documents, read_document
from shebao.assistant.embedding import DEFAULT_EMBEDDER, load_embedder
from shebao.assistant.segment import Segmenter, segmenter_fingerprint

log = logging.getLogger(__name__)

# 2: passage vectors of the paragraphs and list items of articles with several (``unit_*.npy``)
INDEX_FORMAT = 2
CURRENT_FILE = "current"
# Passage vectors are computed from the head of each article (title, chapter and its first
# sentences, where the subject is stated). On the frozen set 200 characters rank as well as whole
# articles (hit@1 0.84 vs 0.83) at about half the build time, which matters on two cores.
PASSAGE_EMBED_CHARS = 200
# How articles are split into units (:func:`article_units`): part of the unit vectors' file name.
UNITS_VERSION = 1

DATA_DIR = Path(__file__).parent / "data" / "corpus"
# The law texts shipped with the package (laws and regulations are not subject to copyright:
# 著作权法 第五条). ``standards/`` beside it holds GB/T 16180-2014, which is not indexed.
BUNDLED_CORPUS = DATA_DIR / "laws"
# Passage vectors of the shipped texts, ``<sha256>.<embedder>.c<chars>.npy`` as in ``cache/``
# (``python -m shebao.assistant.kb`` rewrites them after a text changes).
BUNDLED_VECTORS = DATA_DIR / "vectors"


class KnowledgeBaseNotBuilt(RuntimeError):
    """No index has been built yet (``shebao kb build DIR`` builds one)."""


def kb_root() -> Path:
    from shebao.core.settings import get_settings

    return get_settings().home / "kb"


def index_dir_for(corpus_dir: Path, root: Path | None = None) -> Path:
    """Where the index of a documents folder lives (stable per absolute folder path)."""
    resolved = str(Path(corpus_dir).expanduser().resolve())
    slug = hashlib.sha1(resolved.encode("utf-8")).hexdigest()[:12]
    return (root or kb_root()) / slug


def current_index_dir(root: Path | None = None) -> Path | None:
    """The index built last, if any."""
    root = root or kb_root()
    pointer = root / CURRENT_FILE
    if not pointer.exists():
        return None
    path = root / pointer.read_text(encoding="utf-8").strip()
    return path if (path / "manifest.json").exists() else None


def vector_file_name(sha: str, embedder: str) -> str:
    return f"{sha}.{embedder}.c{PASSAGE_EMBED_CHARS}.npy"


def unit_vector_file_name(sha: str, embedder: str) -> str:
    """The vectors of a file's units (:func:`unit_texts`), beside the articles' own."""
    return f"{sha}.{embedder}.u{UNITS_VERSION}c{PASSAGE_EMBED_CHARS}.npy"


def passage_text(article: Article) -> str:
    """What is indexed for an article: the law's title and chapter give context to short articles."""
    head = " ".join(part for part in (article.law, article.chapter, article.section) if part)
    return f"{head}\n{article.text}"


_ITEM_RE = re.compile(r"^[（(][一二三四五六七八九十]+[)）]|^\d+[.．、]")


def article_units(article: Article) -> list[str]:
    """The article's paragraphs and list items, each a search unit of its own.

    An article is the unit cited, but the paragraph or list item in it is what a question matches:
    工伤保险条例 第十四条 lists seven cases, 第三十五条 the amounts of four grades, and the one
    item asked about is lost among the others (in BM25's length normalisation, and beyond the
    reranker's first characters). An item keeps its lead-in (职工有下列情形之一的，应当认定为工伤：),
    which says what the list is about. An article of one paragraph is one unit.
    """
    paragraphs = [p.strip() for p in article.text.split("\n") if p.strip()]
    if len(paragraphs) <= 1:
        return [article.text.strip()]
    lead = paragraphs[0] if paragraphs[0].endswith(("：", ":")) else ""
    units = [] if lead else [paragraphs[0]]
    for paragraph in paragraphs[1:]:
        units.append(lead + paragraph if lead and _ITEM_RE.match(paragraph) else paragraph)
    return units


def unit_texts(articles: list[Article]) -> tuple[list[str], list[int]]:
    """What the unit vectors of a list of articles are computed from, and the article (its index
    in the list) each belongs to. Only articles of more than one unit have unit vectors: a
    one-paragraph article's unit is the article itself."""
    texts: list[str] = []
    owners: list[int] = []
    for i, article in enumerate(articles):
        units = article_units(article)
        if len(units) < 2:
            continue
        head = " ".join(part for part in (article.law, article.chapter, article.section) if part)
        for unit in units:
            texts.append(f"{head}\n{unit}"[:PASSAGE_EMBED_CHARS])
            owners.append(i)
    return texts, owners


def embedding_text(article: Article) -> str:
    """What the passage vector of an article is computed from."""
    return passage_text(article)[:PASSAGE_EMBED_CHARS]


@dataclass
class BuildReport:
    index_dir: Path
    files: int = 0
    articles: int = 0
    reused: list[str] = field(default_factory=list)
    processed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)
    embedder: str | None = None
    seconds: float = 0.0

    def to_dict(self) -> dict:
        return {
            "index_dir": str(self.index_dir),
            "files": self.files,
            "articles": self.articles,
            "reused": self.reused,
            "processed": self.processed,
            "removed": self.removed,
            "skipped": self.skipped,
            "embedder": self.embedder,
            "seconds": round(self.seconds, 3),
        }


def _atomic_write(path: Path, data: bytes) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def build(
    corpus_dir: Path,
    *,
    index_dir: Path | None = None,
    embedder: str | None = DEFAULT_EMBEDDER,
    make_current: bool = True,
    progress: Callable[[str], None] | None = None,
    embed_threads: int | None = None,
) -> BuildReport:
    """Build or refresh the index of a folder of documents.

    Args:
        corpus_dir: folder of .md/.txt/.docx/.pdf documents (searched recursively).
        index_dir: where to write the index (default: under ``$SHEBAO_HOME/kb``).
        embedder: passage-vector model name, or ``None``/``"none"`` for BM25 only.
        make_current: record this index as the default one for ``shebao ask``.
        progress: called with a short message per processed file.
        embed_threads: OpenMP threads for the passage vectors (default: all cores). A process
            that goes on answering questions should pass 1 (see :mod:`shebao.assistant.embedding`).

    Examples:
        >>> build(Path("../shared/corpus/laws"))  # doctest: +SKIP
    """
    started = time.perf_counter()
    corpus_dir = Path(corpus_dir).expanduser().resolve()
    paths = list_documents(corpus_dir)
    index_dir = index_dir or index_dir_for(corpus_dir)
    cache_dir = index_dir / "cache"
    cache_dir.mkdir(parents=True, exist_ok=True)
    report = BuildReport(index_dir=index_dir)

    model = load_embedder(embedder, threads=embed_threads) if embedder not in (None, "none") else None
    report.embedder = model.name if model is not None else None
    fingerprint = segmenter_fingerprint()
    segmenter = Segmenter("jieba")

    old_manifest = {}
    if (index_dir / "manifest.json").exists():
        old_manifest = json.loads((index_dir / "manifest.json").read_text(encoding="utf-8"))

    files: dict[str, dict] = {}
    all_articles: list[Article] = []
    all_tokens: list[list[str]] = []
    vectors: list[np.ndarray] = []
    unit_vectors: list[np.ndarray] = []
    unit_owners: list[np.ndarray] = []
    for path in paths:
        rel = str(path.relative_to(corpus_dir))
        sha = file_sha256(path)
        entry_path = cache_dir / f"{sha}.json"
        vec_path = cache_dir / vector_file_name(sha, report.embedder) if model is not None else None
        unit_path = cache_dir / unit_vector_file_name(sha, report.embedder) if model is not None else None
        entry = None
        if entry_path.exists():
            cached = json.loads(entry_path.read_text(encoding="utf-8"))
            if cached.get("segmenter") == fingerprint:
                entry = cached
        if entry is None:
            try:
                doc = read_document(path)
            except DocumentError as exc:
                report.skipped[rel] = str(exc)
                continue
            articles = doc.articles
            for article in articles:
                article.source = rel
            entry = {
                "segmenter": fingerprint,
                "title": doc.title,
                "date": doc.date,
                "articles": [a.to_dict() for a in articles],
                "tokens": [segmenter.tokens(passage_text(a)) for a in articles],
            }
            _atomic_write(entry_path, json.dumps(entry, ensure_ascii=False).encode("utf-8"))
            report.processed.append(rel)
        else:
            report.reused.append(rel)
        articles = [Article(**a) for a in entry["articles"]]
        for article in articles:
            article.source = rel
        if not articles:
            report.skipped[rel] = "未识别出任何条文（第X条）"
        if model is not None and vec_path is not None:
            seed = BUNDLED_VECTORS / vec_path.name
            if vec_path.exists():
                vecs = np.load(vec_path)
            elif seed.exists() and len(vecs := np.load(seed)) == len(articles):
                np.save(vec_path, vecs)
            else:
                if rel not in report.processed:
                    report.processed.append(rel)
                vecs = model.passage([embedding_text(a) for a in articles])
                np.save(vec_path, vecs)
            vectors.append(vecs.astype(np.float32))
            texts, owners = unit_texts(articles)
            unit_seed = BUNDLED_VECTORS / unit_path.name
            if unit_path.exists() and len(uvecs := np.load(unit_path)) == len(texts):
                pass
            elif unit_seed.exists() and len(uvecs := np.load(unit_seed)) == len(texts):
                np.save(unit_path, uvecs)
            else:
                if rel not in report.processed:
                    report.processed.append(rel)
                uvecs = model.passage(texts) if texts else np.zeros((0, vecs.shape[1]), dtype=np.float32)
                np.save(unit_path, uvecs)
            unit_vectors.append(uvecs.astype(np.float32))
            unit_owners.append(np.asarray(owners, dtype=np.int64) + len(all_articles))
        if progress is not None:
            progress(f"{'复用' if rel in report.reused and rel not in report.processed else '处理'} {rel}：{len(articles)} 条")
        files[rel] = {"sha256": sha, "title": entry["title"], "date": entry["date"], "articles": len(articles)}
        all_articles.extend(articles)
        all_tokens.extend(entry["tokens"])
    report.reused = [r for r in report.reused if r not in report.processed]
    report.removed = sorted(set(old_manifest.get("files", {})) - set(files))
    report.files = len(files)
    report.articles = len(all_articles)

    _check_unique(all_articles)
    unchanged = (
        not report.processed
        and not report.removed
        and old_manifest.get("format") == INDEX_FORMAT
        and old_manifest.get("segmenter") == fingerprint
        and old_manifest.get("embedder") == report.embedder
        and old_manifest.get("files") == files
    )
    if unchanged:  # nothing to rewrite: ``ask --corpus`` checks the folder on every call
        if make_current:
            _atomic_write(index_dir.parent / CURRENT_FILE, index_dir.name.encode("utf-8"))
        report.seconds = time.perf_counter() - started
        return report
    _atomic_write(
        index_dir / "articles.json",
        json.dumps([a.to_dict() for a in all_articles], ensure_ascii=False).encode("utf-8"),
    )
    _atomic_write(index_dir / "tokens.json", json.dumps(all_tokens, ensure_ascii=False).encode("utf-8"))
    emb_path = index_dir / "embeddings.npy"
    unit_emb_path = index_dir / "unit_embeddings.npy"
    unit_owner_path = index_dir / "unit_owners.npy"
    if model is not None:
        matrix = np.concatenate(vectors) if vectors else np.zeros((0, model.dim), dtype=np.float32)
        np.save(emb_path.with_suffix(".tmp.npy"), matrix)
        os.replace(emb_path.with_suffix(".tmp.npy"), emb_path)
        units = np.concatenate(unit_vectors) if unit_vectors else np.zeros((0, model.dim), dtype=np.float32)
        owners = np.concatenate(unit_owners) if unit_owners else np.zeros(0, dtype=np.int64)
        np.save(unit_emb_path.with_suffix(".tmp.npy"), units)
        os.replace(unit_emb_path.with_suffix(".tmp.npy"), unit_emb_path)
        np.save(unit_owner_path.with_suffix(".tmp.npy"), owners)
        os.replace(unit_owner_path.with_suffix(".tmp.npy"), unit_owner_path)
    else:
        for stale in (emb_path, unit_emb_path, unit_owner_path):
            stale.unlink(missing_ok=True)
    manifest = {
        "format": INDEX_FORMAT,
        "corpus_dir": str(corpus_dir),
        "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "segmenter": fingerprint,
        "embedder": report.embedder,
        "files": files,
        "articles": len(all_articles),
    }
    _atomic_write(index_dir / "manifest.json", json.dumps(manifest, ensure_ascii=False, indent=1).encode("utf-8"))
    _prune_cache(cache_dir, {v["sha256"] for v in files.values()})
    if make_current:
        _atomic_write(index_dir.parent / CURRENT_FILE, index_dir.name.encode("utf-8"))
    report.seconds = time.perf_counter() - started
    return report


def _check_unique(articles: list[Article]) -> None:
    seen: dict[tuple[str, int], str] = {}
    for article in articles:
        if article.key in seen and seen[article.key] != article.source:
            # Two files with the same title: citations would be ambiguous, so say so loudly.
            log.warning("两个文件的标题相同：%s（%s 与 %s）", article.law, seen[article.key], article.source)
        seen.setdefault(article.key, article.source)


def _prune_cache(cache_dir: Path, keep: set[str]) -> None:
    for path in cache_dir.iterdir():
        if path.name.split(".", 1)[0] not in keep:
            path.unlink(missing_ok=True)


@dataclass
class KnowledgeBase:
    """A loaded index: articles, their tokens, optional passage vectors."""

    index_dir: Path
    manifest: dict
    articles: list[Article]
    tokens: list[list[str]]
    embeddings: np.ndarray | None
    # vectors of the paragraphs and list items of articles with several, and the article of each
    unit_embeddings: np.ndarray | None = None
    unit_owners: np.ndarray | None = None

    def __post_init__(self) -> None:
        self._by_key = {a.key: i for i, a in enumerate(self.articles)}

    def subset(self, keep: list[int], **manifest: object) -> KnowledgeBase:
        """The knowledge base of the articles ``keep`` (indices, in order), vectors included."""
        index = np.asarray(keep, dtype=np.int64)
        unit_embeddings = unit_owners = None
        if self.unit_embeddings is not None and self.unit_owners is not None:
            new_index = np.full(len(self.articles), -1, dtype=np.int64)
            new_index[index] = np.arange(len(index))
            kept = new_index[self.unit_owners] >= 0
            unit_embeddings = self.unit_embeddings[kept]
            unit_owners = new_index[self.unit_owners[kept]]
        return KnowledgeBase(
            index_dir=self.index_dir,
            manifest={**self.manifest, **manifest},
            articles=[self.articles[i] for i in keep],
            tokens=[self.tokens[i] for i in keep],
            embeddings=self.embeddings[index] if self.embeddings is not None else None,
            unit_embeddings=unit_embeddings,
            unit_owners=unit_owners,
        )

    def find(self, law: str, article: int) -> Article | None:
        i = self._by_key.get((law, int(article)))
        return self.articles[i] if i is not None else None

    def laws(self) -> list[str]:
        return sorted({a.law for a in self.articles})

    @property
    def embedder_name(self) -> str | None:
        return self.manifest.get("embedder")


def load(index_dir: Path) -> KnowledgeBase:
    """Load a built index."""
    index_dir = Path(index_dir)
    manifest_path = index_dir / "manifest.json"
    if not manifest_path.exists():
        raise KnowledgeBaseNotBuilt(str(index_dir))
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    articles = [Article(**a) for a in json.loads((index_dir / "articles.json").read_text(encoding="utf-8"))]
    tokens = json.loads((index_dir / "tokens.json").read_text(encoding="utf-8"))
    emb_path = index_dir / "embeddings.npy"
    embeddings = np.load(emb_path) if emb_path.exists() and manifest.get("embedder") else None
    if embeddings is not None and len(embeddings) != len(articles):
        log.warning("passage vectors do not match the articles: ignoring them (rebuild the index)")
        embeddings = None
    unit_embeddings = unit_owners = None
    if embeddings is not None and (index_dir / "unit_embeddings.npy").exists() and (index_dir / "unit_owners.npy").exists():
        unit_embeddings = np.load(index_dir / "unit_embeddings.npy")
        unit_owners = np.load(index_dir / "unit_owners.npy")
        if len(unit_embeddings) != len(unit_owners) or (len(unit_owners) and unit_owners.max() >= len(articles)):
            log.warning("unit vectors do not match the articles: ignoring them (rebuild the index)")
            unit_embeddings = unit_owners = None
    return KnowledgeBase(index_dir=index_dir, manifest=manifest, articles=articles, tokens=tokens, embeddings=embeddings,
                         unit_embeddings=unit_embeddings, unit_owners=unit_owners)


def ensure_knowledge_base(progress: Callable[[str], None] | None = None) -> tuple[Path, BuildReport | None]:
    """The current index; with none built yet, build the shipped law texts' and make it current.

    Returns:
        The index folder, and the build report when this call built it.
    """
    current = current_index_dir()
    if current is not None:
        return current, None
    if progress is not None:
        progress("首次使用：正在由随包的法律法规文本建立政策知识库……")
    report = build(BUNDLED_CORPUS, make_current=True, progress=progress, embed_threads=1)
    return report.index_dir, report


def open_knowledge_base(corpus_dir: Path | None = None, *, embedder: str | None = DEFAULT_EMBEDDER,
                        progress: Callable[[str], None] | None = None) -> KnowledgeBase:
    """The knowledge base of ``corpus_dir`` (built or refreshed on use), else the current one
    (built from the shipped law texts on first use)."""
    if corpus_dir is not None:
        report = build(Path(corpus_dir), embedder=embedder, make_current=False, embed_threads=1)
        return load(report.index_dir)
    index_dir, _ = ensure_knowledge_base(progress)
    return load(index_dir)


def write_bundled_vectors(embedder: str = DEFAULT_EMBEDDER) -> list[Path]:
    """(Re)compute the shipped passage vectors of the shipped texts; remove stale ones."""
    from shebao.assistant.documents import read_document

    model = load_embedder(embedder, threads=None)
    if model is None:
        raise RuntimeError(f"embedding model {embedder} unavailable")
    BUNDLED_VECTORS.mkdir(parents=True, exist_ok=True)
    written = []
    for path in list_documents(BUNDLED_CORPUS):
        doc = read_document(path)
        target = BUNDLED_VECTORS / vector_file_name(file_sha256(path), model.name)
        np.save(target, model.passage([embedding_text(a) for a in doc.articles]).astype(np.float32))
        written.append(target)
        texts, _ = unit_texts(doc.articles)
        target = BUNDLED_VECTORS / unit_vector_file_name(file_sha256(path), model.name)
        np.save(target, model.passage(texts).astype(np.float32) if texts else np.zeros((0, model.dim), dtype=np.float32))
        written.append(target)
    for old in BUNDLED_VECTORS.glob("*.npy"):
        if old not in written:
            old.unlink()
    return written


if __name__ == "__main__":  # python -m shebao.assistant.kb: refresh the shipped vectors
    for written_path in write_bundled_vectors():
        print(written_path.name)
