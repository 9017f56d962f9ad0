"""The articles and the standard shipped with the injury domain are the corpus's, word for word."""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
CORPUS = REPO / "shebao" / "assistant" / "data" / "corpus"


def _corpus_text(file: str) -> str:
    return (CORPUS / "laws" / file).read_text(encoding="utf-8")


def test_shipped_articles_are_verbatim():
    from shebao.injury.citations import JI, WIR, law_articles, source_file

    for law in (WIR, JI):
        corpus = _corpus_text(source_file(law))
        articles = law_articles(law)
        assert articles
        for number, text in articles.items():
            for paragraph in text.split("\n"):
                assert paragraph in corpus, (law, number, paragraph)
    assert law_articles(WIR)[14].startswith("职工有下列情形之一的，应当认定为工伤")
    assert "本人主要责任" in law_articles(JI)[1]


def test_item_texts_are_the_regulations():
    from shebao.injury.citations import article_text
    from shebao.policy.injury_determination import ITEM_TEXT

    for (article, _item), text in ITEM_TEXT.items():
        assert text in article_text(article)


def test_shipped_standard_is_the_corpus_copy():
    shipped = REPO / "shebao" / "injury" / "data" / "GB-T-16180-2014.md"
    assert shipped.read_bytes() == (CORPUS / "standards" / "GB-T-16180-2014.md").read_bytes()
