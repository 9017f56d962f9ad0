"""Bad input: each bad file is its own problem and the other files are still read; PDFs by page."""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from intake_builders import draw, jpeg

from shebao.intake.files import MAX_FILE_BYTES, FileProblem, pages_of
from shebao.intake.reader import read_files


def _png_bomb(width: int = 60000, height: int = 60000) -> bytes:
    """A PNG header claiming 3.6 billion pixels with almost no data (a decompression bomb)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\x00" * 1024)) + chunk(b"IEND", b"")


def _pdf(pages: int, size: tuple[float, float] = (595, 842)) -> bytes:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument.new()
    for _ in range(pages):
        pdf.new_page(*size)
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


def test_bad_files_are_each_a_problem_and_the_good_one_is_still_read():
    from PIL import Image

    card, truth = draw("bank_card", seed=3)
    blank = io.BytesIO()
    Image.new("RGB", (800, 600), "white").save(blank, format="PNG")
    huge = b"\xff\xd8\xff" + b"\x00" * (50 * 1024 * 1024)        # a 50 MB "JPEG"
    items = [("corrupt.jpg", b"\xff\xd8\xff\xe0garbage"), ("huge.jpg", huge), ("bomb.png", _png_bomb()),
             ("many.pdf", _pdf(500)), ("blank.png", blank.getvalue()), ("script.html", b"<script>alert(1)</script>"),
             ("empty.png", b""), ("card.jpg", jpeg(card))]
    entries = read_files(items)
    by_file = {e.file: e.as_json() for e in entries}
    codes = {name: [p["code"] for p in doc["problems"]] for name, doc in by_file.items()}
    assert codes["corrupt.jpg"] == ["corrupt"]
    assert codes["huge.jpg"] == ["too_large"]
    assert codes["bomb.png"] == ["too_many_pixels"]
    assert codes["many.pdf"] == ["too_many_pages"]
    assert codes["blank.png"] == ["blank"]
    assert codes["script.html"] == ["unsupported_type"]
    assert codes["empty.png"] == ["empty"]
    assert by_file["card.jpg"]["type"] == "bank_card"
    assert by_file["card.jpg"]["fields"]["card_number"] == truth["card_number"]
    for name, doc in by_file.items():
        if name != "card.jpg":
            assert doc["type"] == "other" and doc["fields"] == {} and doc["problems"][0]["message"]


def test_a_page_claiming_to_be_huge_renders_no_bigger_than_the_limit():
    from shebao.intake.files import MAX_SIDE

    pages = pages_of("giant.pdf", _pdf(1, size=(14400, 14400)))
    assert len(pages) == 1 and max(pages[0].image.shape[:2]) <= MAX_SIDE


def test_the_size_limit_holds_before_anything_is_decoded():
    with pytest.raises(FileProblem) as err:
        pages_of("x.png", b"\x89PNG\r\n\x1a\n" + b"0" * MAX_FILE_BYTES)
    assert err.value.code == "too_large" and "MB" in err.value.message


def test_a_scanned_pdf_gives_one_entry_per_page(tmp_path):

    death, truth_d = draw("death_certificate", seed=5)
    sep, truth_s = draw("separation_certificate", seed=6)
    out = io.BytesIO()
    death.convert("RGB").save(out, format="PDF", save_all=True, append_images=[sep.convert("RGB")], resolution=150)
    entries = [e.as_json() for e in read_files([("scan.pdf", out.getvalue())])]
    assert [e["file"] for e in entries] == ["scan.pdf#1", "scan.pdf#2"]
    assert [e["type"] for e in entries] == ["death_certificate", "separation_certificate"]
    assert entries[0]["fields"]["id_number"] == truth_d["id_number"]
    assert entries[1]["fields"]["uscc"] == truth_s["uscc"]


def test_a_pdf_text_layer_is_read_directly():
    from fpdf import FPDF

    from shebao.synth.documents import find_font

    pdf = FPDF()
    pdf.add_font("cjk", "", find_font(), collection_font_number=0)
    pdf.add_page()
    pdf.set_font("cjk", size=14)
    for line in ("工伤认定申请表", "受伤害职工姓名：赵六", "用人单位：淄博东岳化工股份有限公司", "事故时间：2026年7月9日10时30分",
                 "事故地点：仓库装卸区", "事故经过：搬运货物时从高处跌落"):
        pdf.cell(0, 10, line, new_x="LMARGIN", new_y="NEXT")
    entries = [e.as_json() for e in read_files([("report.pdf", bytes(pdf.output()))])]
    assert entries[0]["file"] == "report.pdf#1" and entries[0]["type"] == "accident_report"
    assert entries[0]["fields"]["time"] == "2026-07-09 10:30"
    assert entries[0]["confidence"]["name"] == 1.0
