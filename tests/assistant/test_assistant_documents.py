"""Splitting legal texts into articles, from every supported document type."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shebao.assistant.answer import int_to_cn
from shebao.assistant.documents import DocumentError, cn_to_int, list_documents, read_document

SAMPLE = """# 某某保险条例

2020年1月2日 某会议通过

2021年3月4日 公布

<!-- INFO END -->

## 第一章 总 则

第一条 为了测试，制定本条例。

第二条 本条例适用于：

（一）甲；

（二）乙。

第十四条第二款规定的情形，依照本条处理。

## 第二章 待遇

### 第一节 一般规定

第三条 参保人员可以领取待遇。

第一百零二条 本条例自公布之日起施行。

附录：

禁忌范围

一、不属于任何条文的附录内容。
"""


def test_chinese_numerals():
    assert cn_to_int("一") == 1
    assert cn_to_int("十") == 10
    assert cn_to_int("十四") == 14
    assert cn_to_int("二十") == 20
    assert cn_to_int("一百零二") == 102
    assert cn_to_int("一百一十") == 110
    assert cn_to_int("两千零五") == 2005
    assert cn_to_int("５") == 5
    with pytest.raises(ValueError):
        cn_to_int("第")


@given(st.integers(min_value=1, max_value=999))
def test_article_numbers_round_trip(n):
    assert cn_to_int(int_to_cn(n)) == n


def test_markdown_articles_with_chapters_and_dates(tmp_path: Path):
    path = tmp_path / "某某保险条例.md"
    path.write_text(SAMPLE, encoding="utf-8")
    doc = read_document(path)
    assert doc.title == "某某保险条例"
    assert doc.date == "2021-03-04"  # the latest date of the preamble
    assert [a.article for a in doc.articles] == [1, 2, 3, 102]
    second = doc.articles[1]
    # a paragraph opening with a cross-reference (第十四条第二款…) stays inside article 2
    assert "第十四条第二款规定的情形" in second.text
    assert second.text.startswith("第二条 本条例适用于：")
    assert second.chapter == "第一章 总 则"
    assert doc.articles[2].chapter == "第二章 待遇" and doc.articles[2].section == "第一节 一般规定"
    # the appendix belongs to no article
    assert "附录" not in doc.articles[-1].text and "禁忌范围" not in doc.articles[-1].text


def test_date_from_file_name_wins(tmp_path: Path):
    path = tmp_path / "某某保险条例(2019-03-24).md"
    path.write_text(SAMPLE, encoding="utf-8")
    assert read_document(path).date == "2019-03-24"


def test_plain_text_with_unmarked_chapter_lines(tmp_path: Path):
    text = "山东省某某条例\n\n第一条 总的规定。\n\n监察程序\n\n第二条 应当遵守下列规定：\n\n（一）两人以上。\n"
    path = tmp_path / "s.txt"
    path.write_text(text, encoding="gb18030")  # legacy encoding still reads
    doc = read_document(path)
    assert doc.title == "山东省某某条例"
    assert [(a.article, a.chapter) for a in doc.articles] == [(1, None), (2, "监察程序")]
    assert doc.articles[1].text == "第二条 应当遵守下列规定：\n\n（一）两人以上。"


def test_docx(tmp_path: Path):
    import docx

    d = docx.Document()
    d.add_heading("某某办法", level=1)
    d.add_heading("第一章 总则", level=2)
    d.add_paragraph("第一条 为了规范管理，制定本办法。")
    d.add_paragraph("第二条 职工应当参加基本养老保险。")
    d.add_paragraph("用人单位应当为职工缴费。")
    path = tmp_path / "办法.docx"
    d.save(str(path))
    doc = read_document(path)
    assert doc.title == "某某办法"
    assert [a.article for a in doc.articles] == [1, 2]
    assert doc.articles[1].text == "第二条 职工应当参加基本养老保险。\n用人单位应当为职工缴费。"
    assert doc.articles[0].chapter == "第一章 总则"


def _cjk_pdf(lines: list[str]) -> bytes:
    """A minimal PDF whose text is Chinese (CID font + ToUnicode map, no embedded glyphs)."""
    chars = sorted({c for line in lines for c in line})
    bfchar = "\n".join(f"<{ord(c):04X}> <{ord(c):04X}>" for c in chars)
    cmap = (
        "/CIDInit /ProcSet findresource begin 12 dict begin begincmap\n"
        "/CMapName /Custom def /CMapType 2 def\n1 begincodespacerange <0000> <FFFF> endcodespacerange\n"
        f"{len(chars)} beginbfchar\n{bfchar}\nendbfchar\nendcmap CMapName currentdict /CMap defineresource pop end end"
    )
    content = "BT /F1 12 Tf 14 TL 40 800 Td\n" + "\n".join(
        "<" + "".join(f"{ord(c):04X}" for c in line) + "> Tj T*" for line in lines
    ) + "\nET"
    objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
        f"<< /Length {len(content.encode())} >>\nstream\n{content}\nendstream",
        "<< /Type /Font /Subtype /Type0 /BaseFont /STSong-Light /Encoding /Identity-H "
        "/DescendantFonts [6 0 R] /ToUnicode 7 0 R >>",
        "<< /Type /Font /Subtype /CIDFontType0 /BaseFont /STSong-Light "
        "/CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> /DW 1000 >>",
        f"<< /Length {len(cmap.encode())} >>\nstream\n{cmap}\nendstream",
    ]
    out = b"%PDF-1.4\n"
    offsets = []
    for i, obj in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{i} 0 obj\n{obj}\nendobj\n".encode()
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += "".join(f"{o:010d} 00000 n \n" for o in offsets).encode()
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return out


def test_pdf_with_wrapped_lines(tmp_path: Path):
    lines = [
        "某某规定",
        "第一条 为了保障职工权益，",  # hard-wrapped in the PDF: continues on the next line
        "制定本规定。",
        "第二条 用人单位应当按时足额缴纳社会保险费。",
    ]
    path = tmp_path / "规定.pdf"
    path.write_bytes(_cjk_pdf(lines))
    doc = read_document(path)
    assert doc.title == "某某规定"
    assert [a.article for a in doc.articles] == [1, 2]
    assert doc.articles[0].text == "第一条 为了保障职工权益，制定本规定。"


def test_unsupported_and_missing(tmp_path: Path):
    bad = tmp_path / "x.xls"
    bad.write_bytes(b"0")
    with pytest.raises(DocumentError):
        read_document(bad)
    with pytest.raises(DocumentError):
        list_documents(tmp_path / "nope")


def test_shared_corpus_titles_and_numbers(laws_dir):
    docs = {read_document(p).title: read_document(p) for p in list_documents(laws_dir)}
    assert len(docs) == 15
    assert "工伤保险条例" in docs
    assert "国务院关于渐进式延迟法定退休年龄的办法" in docs
    assert "中华人民共和国社会保险法" in docs
    for doc in docs.values():
        numbers = [a.article for a in doc.articles]
        assert numbers == list(range(1, len(numbers) + 1)), doc.title  # every law here is complete
    assert len(docs["中华人民共和国社会保险法"].articles) == 98
    assert docs["工伤保险条例"].articles[13].text.startswith("第十四条 职工有下列情形之一的，应当认定为工伤")


def test_grade_ranges_are_read_as_every_grade_inside():
    from shebao.assistant.segment import Segmenter, range_tokens

    assert range_tokens("被鉴定为一级至四级伤残的") == ["二级", "三级"]
    assert range_tokens("一至四级工伤职工") == ["一级", "二级", "三级"]
    assert range_tokens("五级、六级伤残") == []
    tokens = Segmenter("jieba").tokens("七级至十级伤残")
    assert {"七级", "八级", "九级", "十级"} <= set(tokens)
    assert "八级" not in Segmenter("bigram").tokens("七级至十级伤残")  # the baseline stays plain
