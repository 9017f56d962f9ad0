"""Retrieval rules: alternatives in the lexicon count once, a text the question names comes first."""

from __future__ import annotations

from pathlib import Path

import pytest

from shebao.assistant import kb as kbmod
from shebao.assistant.lexicon import load_lexicon
from shebao.assistant.retrieval import RetrievalConfig, Retriever

# 第一条 names both alternatives (the exceptions); 第二条 the one that applies to the case asked.
INJURY = (
    "# 甲工伤条例\n\n"
    "第一条 职工有下列情形之一的，不得认定为工伤或者视同工伤：故意犯罪的；醉酒的。\n\n"
    "第二条 职工有下列情形之一的，应当认定为工伤：患职业病的；因工外出期间受到伤害的。\n\n"
    "第三条 用人单位应当按时缴纳工伤保险费。\n"
)
LEXICON = "terms:\n  算工伤: [认定为工伤|视同工伤]\n  冒领: [骗取, 社会保险待遇]\n"


def _lexicon(tmp_path: Path):
    path = tmp_path / "lexicon.yaml"
    path.write_text(LEXICON, encoding="utf-8")
    return load_lexicon(path)


def _kb(tmp_path: Path, files: dict[str, str]):
    corpus = tmp_path / "docs"
    corpus.mkdir()
    for name, text in files.items():
        (corpus / name).write_text(text, encoding="utf-8")
    report = kbmod.build(corpus, index_dir=tmp_path / "index", embedder=None, make_current=False)
    return kbmod.load(report.index_dir)


def test_lexicon_reads_alternatives_and_keeps_every_term(tmp_path: Path):
    lexicon = _lexicon(tmp_path)
    assert lexicon.terms["算工伤"] == ("认定为工伤", "视同工伤")  # what the lead and the field check read
    assert lexicon.expansion_groups("得了职业病算工伤吗") == [("认定为工伤", "视同工伤")]
    assert lexicon.expansion_groups("冒领养老金") == [("骗取",), ("社会保险待遇",)]
    assert lexicon.expand("得了职业病算工伤吗") == ["认定为工伤", "视同工伤"]


def test_an_article_naming_every_alternative_does_not_outrank_the_one_that_applies(tmp_path: Path):
    kb = _kb(tmp_path, {"injury.md": INJURY})
    retriever = Retriever(kb, RetrievalConfig(rerank=False), lexicon=_lexicon(tmp_path))
    hits = retriever.search("得了职业病算工伤吗").hits
    assert (hits[0].article.article, hits[1].article.article) == (2, 1)
    # summed, 第一条 would score both 认定为工伤 and 视同工伤 and come first
    legal = retriever._bm25_scores([t for term in ("认定为工伤", "视同工伤") for t in retriever.segmenter.tokens(term)])
    assert legal[0] > legal[1]


@pytest.mark.parametrize("question, first", [("劳动法规定产假是多少天", "中华人民共和国劳动法"),
                                             ("产假是多少天", "女职工劳动保护特别规定")])
def test_a_question_naming_a_text_is_answered_from_it(tmp_path: Path, question: str, first: str):
    kb = _kb(tmp_path, {
        "labour.md": "# 中华人民共和国劳动法\n\n第一条 女职工生育享受不少于九十天的产假。\n\n第二条 国家实行劳动者每日工作时间不超过八小时的工时制度。\n",
        "women.md": "# 女职工劳动保护特别规定\n\n第一条 女职工生育享受98天产假，产假期间的工资照发；难产的，增加产假15天。\n",
    })
    retriever = Retriever(kb, RetrievalConfig(rerank=False), lexicon=_lexicon(tmp_path))
    assert retriever.search(question).hits[0].article.law == first


def test_the_names_of_a_text():
    from shebao.assistant.retrieval import _law_names

    names = dict(_law_names(["中华人民共和国社会保险法", "工伤保险条例", "浙江省工伤保险条例"]))
    assert names["社保法"] == names["社会保险法"] == "中华人民共和国社会保险法"
    assert [n for n, _ in _law_names(["工伤保险条例", "浙江省工伤保险条例"])][0] == "浙江省工伤保险条例"


def test_law_in_general_is_not_a_named_text(tmp_path: Path):
    kb = _kb(tmp_path, {"labour.md": "# 中华人民共和国劳动法\n\n第一条 女职工生育享受不少于九十天的产假。\n"})
    retriever = Retriever(kb, RetrievalConfig(rerank=False), lexicon=_lexicon(tmp_path))
    assert retriever._named_law("劳动法规定的产假").all()
    assert not retriever._named_law("违反劳动法律法规会怎么样").any()
    assert not retriever._named_law("违反劳动法规会怎么样").any()
