"""The CJK font of personal reports: cut once to GB 2312 and kept in ``SHEBAO_HOME``, parsed once per process.

Embedding a font in a PDF means parsing it first, and fpdf2 parses the font file in ``add_font``
for every document: WenQuanYi Micro Hei has 30,000 glyphs, the GB 2312 cut made here once with
fontTools (6,763 hanzi, the symbols, ASCII and the CJK punctuation: 1.2 MB) still 13,000, and that
parse, with the subsetting of the whole font at output, was 0.3–1.8 s of each report. 100,000
reports in 10 minutes on 2 cores leave about 12 ms of CPU for everything, so :class:`ReportFont`
parses the font once per process and lends it to every document (see there how). A report with a
character outside GB 2312 (a rare surname) is drawn with the full font, parsed once as well.
"""

from __future__ import annotations

import copy
import hashlib
import os
import struct
import sys
import threading
from array import array
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from shebao.benefits.render import find_cjk_font

if TYPE_CHECKING:
    from fpdf import FPDF

_LOCK = threading.Lock()


@lru_cache(maxsize=1)
def report_characters() -> frozenset[int]:
    """GB 2312's characters, ASCII, and the full-width and CJK punctuation."""
    chars = set(range(0x20, 0x7F)) | set(range(0x3000, 0x3040)) | set(range(0xFF00, 0xFF66)) | {0xB7, 0x2022, 0x2014}
    for hi in range(0xA1, 0xF8):
        for lo in range(0xA1, 0xFF):
            try:
                chars.add(ord(bytes([hi, lo]).decode("gb2312")))
            except UnicodeDecodeError:
                pass
    return frozenset(chars)


def _cache_dir() -> Path:
    from shebao.core.settings import get_settings

    return Path(get_settings().home) / "cache" / "fonts"


def report_font(text: str = "") -> str:
    """The font file to draw ``text`` with: the cached subset when it covers the text, else the full font."""
    full = find_cjk_font()
    if not {ord(c) for c in set(text) if not c.isspace()} <= report_characters():
        return full
    try:
        return _subset_of(full)
    except Exception:  # noqa: BLE001 - a font fontTools cannot cut is used whole
        return full


@lru_cache(maxsize=4)
def _subset_of(full: str) -> str:
    stat = os.stat(full)
    digest = hashlib.sha256(f"{full}|{stat.st_size}|{stat.st_mtime_ns}|gb2312-v1".encode()).hexdigest()[:16]
    target = _cache_dir() / f"report-{digest}.ttf"
    if target.exists():
        return str(target)
    with _LOCK:
        if target.exists():
            return str(target)
        from fontTools import subset, ttLib

        font = ttLib.TTFont(full, fontNumber=0, recalcTimestamp=False)
        options = subset.Options()
        options.layout_features = []
        options.name_IDs = ["*"]
        options.notdef_outline = True
        options.hinting = False
        options.drop_tables += ["FFTM"]
        subsetter = subset.Subsetter(options)
        subsetter.populate(unicodes=report_characters())
        subsetter.subset(font)
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_suffix(f".{os.getpid()}.part")
        font.save(str(partial))
        os.replace(partial, target)  # readers never see half a file
    return str(target)


FAMILY = "cjk"
# the tables a TrueType program embedded in a PDF needs (ISO 32000-1 9.9: glyf, head, hhea, hmtx,
# loca, maxp, and the hinting programs when the font has them) and post (the version all readers know)
_COPIED = ("cvt ", "fpgm", "prep")


def _checksum(data: bytes) -> int:
    padded = data + b"\0" * (-len(data) % 4)
    words = array("I", padded)
    if sys.byteorder == "little":
        words.byteswap()
    return sum(words) & 0xFFFFFFFF


class ReportFont:
    """A TrueType CJK font parsed once and lent to each report's :class:`fpdf.FPDF`.

    fpdf2 keeps, per document, one ``TTFFont``: what the parse gives (character widths, the
    character-to-glyph map, the descriptor), read-only afterwards, and the glyphs the document used
    (its ``SubsetMap``, which gives each glyph the code the page's text is written in). At output,
    fpdf2 cuts the fontTools font down to those glyphs in place and embeds it: a font object serves
    one document, and fpdf2 has no public way to add one parsed font to several. The nearest it has
    is ``TTFFont.__deepcopy__`` (written for ``FPDFRecorder``, fpdf2 issue #1444), which shares the
    parsed parts and copies the per-document ones; we do the same with less copying: each document
    gets a shallow copy of the font parsed here with its own ``SubsetMap``, missing-glyph list and
    descriptor (output numbers the descriptor as one of the document's objects).

    Embedding goes through fpdf2's documented extension point, ``FPDF.output(output_producer_class=)``:
    our producer (:class:`_ReportOutput`) writes the same PDF font objects as fpdf2's ``_add_fonts``
    (Type0 / CIDFontType2, widths, ToUnicode, descriptor, FontFile2), but the font program is
    assembled from glyph data read once (:meth:`program`), with each glyph at the code fpdf2 gave it
    (so /CIDToGIDMap is /Identity, not a 128 KB table), instead of running fontTools' subsetter over
    the font and saving it, which was half of each report's time. The shared parsed font is never cut.
    Checked against fpdf2 2.8.9 (``fpdf/fonts.py`` TTFFont, SubsetMap; ``fpdf/output.py``
    ``OutputProducer._add_fonts``); the tests compare the pages rendered by PDFium with what fpdf2's
    own ``add_font`` gives, pixel for pixel. Fonts this does not cover (CFF outlines, e.g. an OpenType
    Noto CJK, or colour fonts) take fpdf2's ordinary ``add_font`` per document: correct, only slow.
    """

    def __init__(self, path: str):
        from fontTools import ttLib
        from fpdf import FPDF

        self.path = path
        self._kwargs: dict[str, Any] = ({"collection_font_number": 0}
                                        if path.lower().endswith((".ttc", ".otc")) else {})
        holder = FPDF()
        holder.add_font(FAMILY, "", path, **self._kwargs)
        self._proto = holder.fonts[FAMILY]
        self._master = ttLib.TTFont(path, fontNumber=0, recalcBBoxes=False, recalcTimestamp=False)
        self.reusable = (not self._proto.is_cff and "glyf" in self._master and self._proto.color_font is None
                         and self._master["head"].unitsPerEm > 0)
        self._components: dict[str, tuple[str, ...]] = {}
        self._data: dict[str, bytes] = {}
        if self.reusable:
            glyf = self._master["glyf"]
            self._glyf = glyf
            self._gid = {name: i for i, name in enumerate(self._master.getGlyphOrder())}
            self._metrics = self._master["hmtx"].metrics
            reader = self._master.reader
            self._raw = {tag: reader[tag] for tag in ("head", "hhea", "maxp", "post", *_COPIED) if tag in reader}
            self._producer = type("ReportOutput", (_report_output_class(),), {"report_font": self})

    def width(self, text: str, size_pt: float) -> float:
        """The width of ``text`` in mm at ``size_pt`` (the advance widths fpdf2 lays text out with)."""
        cw = self._proto.cw
        return sum(cw[ord(c)] for c in text) * size_pt / 1000 * 25.4 / 72

    def document(self, **fpdf_kwargs: Any) -> FPDF:
        """A new document with this font as family ``cjk``."""
        from fpdf import FPDF
        from fpdf.fonts import SubsetMap

        pdf = FPDF(**fpdf_kwargs)
        if not self.reusable:
            pdf.add_font(FAMILY, "", self.path, **self._kwargs)
            return pdf
        font = copy.copy(self._proto)
        font.subset = SubsetMap(font)
        font.missing_glyphs = []
        font.biggest_size_pt = 0
        font.desc = copy.copy(self._proto.desc)
        pdf.fonts[FAMILY] = font
        return pdf

    def output(self, pdf: FPDF) -> bytes:
        """The document's bytes, embedding the glyphs it used."""
        if not self.reusable:
            return bytes(pdf.output())
        return bytes(pdf.output(output_producer_class=self._producer))

    def _glyph(self, name: str) -> tuple[bytes, tuple[str, ...]]:
        """A glyph's data as stored in the font, and its components (a composite glyph's parts)."""
        data = self._data.get(name)
        if data is None:
            from fontTools.ttLib.tables._g_l_y_f import Glyph

            source = self._glyf.glyphs[name]  # never ``glyf[name]``, which expands the glyph in place
            data = source.data if hasattr(source, "data") else source.compile(self._glyf, recalcBBoxes=False)
            parts = tuple(Glyph(data).getComponentNames(self._glyf)) if len(data) >= 2 and data[0] & 0x80 else ()
            self._components[name] = parts
            self._data[name] = data
        return data, self._components[name]

    def program(self, codes: dict[int, str]) -> bytes:
        """A TrueType font whose glyph ``code`` is the glyph named ``codes[code]`` (fpdf2's codes for the
        document's characters), components of composite glyphs appended after the highest code."""
        from fontTools.ttLib.tables._g_l_y_f import Glyph

        count = max(codes, default=0) + 1
        names: list[str | None] = [codes.get(code) for code in range(count)]
        names[0] = names[0] or ".notdef"
        new_gid: dict[int, int] = {}
        for gid, name in enumerate(names):
            if name is not None:
                new_gid.setdefault(self._gid[name], gid)
        todo = [n for n in names if n is not None]
        while todo:
            for part in self._glyph(todo.pop())[1]:
                if self._gid[part] not in new_gid:
                    new_gid[self._gid[part]] = len(names)
                    names.append(part)
                    todo.append(part)
        glyf, loca, hmtx = bytearray(), array("I"), bytearray()
        for name in names:
            loca.append(len(glyf))
            if name is None:
                hmtx += struct.pack(">Hh", 0, 0)
                continue
            data, parts = self._glyph(name)
            if parts:
                glyph = Glyph(data)
                glyph.remapComponentsFast(new_gid)
                data = glyph.data
            glyf += data + b"\0" * (-len(data) % 4)
            advance, lsb = self._metrics[name]
            hmtx += struct.pack(">Hh", advance, lsb)
        loca.append(len(glyf))
        if sys.byteorder == "little":
            loca.byteswap()
        n = len(names)
        raw = self._raw
        head = bytearray(raw["head"])
        head[8:12] = b"\0\0\0\0"  # checkSumAdjustment, set below
        head[50:52] = struct.pack(">h", 1)  # indexToLocFormat: long offsets
        hhea = bytearray(raw["hhea"])
        hhea[34:36] = struct.pack(">H", n)  # numberOfHMetrics
        maxp = bytearray(raw["maxp"])
        maxp[4:6] = struct.pack(">H", n)  # numGlyphs
        post = b"\x00\x03\x00\x00" + raw["post"][4:32]  # format 3: no glyph names
        tables = {"glyf": bytes(glyf), "head": bytes(head), "hhea": bytes(hhea), "hmtx": bytes(hmtx),
                  "loca": loca.tobytes(), "maxp": bytes(maxp), "post": post}
        tables.update({tag: raw[tag] for tag in _COPIED if tag in raw})
        tags = sorted(tables)
        num = len(tags)
        entry_selector = num.bit_length() - 1
        search_range = (1 << entry_selector) * 16
        header = struct.pack(">IHHHH", 0x00010000, num, search_range, entry_selector, num * 16 - search_range)
        offset = len(header) + 16 * num
        directory, body = bytearray(), bytearray()
        head_at = 0
        for tag in tags:
            data = tables[tag]
            if tag == "head":
                head_at = offset
            directory += struct.pack(">4sIII", tag.encode("latin-1"), _checksum(data), offset, len(data))
            padded = data + b"\0" * (-len(data) % 4)
            body += padded
            offset += len(padded)
        font = bytearray(header + directory + body)
        font[head_at + 8:head_at + 12] = struct.pack(">I", (0xB1B0AFBA - _checksum(bytes(font))) & 0xFFFFFFFF)
        return bytes(font)


def _report_output_class() -> type:
    """fpdf2's output producer, embedding a :class:`ReportFont` from its :meth:`ReportFont.program`."""
    from fpdf.output import (
        CIDSystemInfo,
        OutputProducer,
        PDFArray,
        PDFContentStream,
        PDFFont,
        PDFFontStream,
        _build_cmap_blocks,
        _tt_font_widths,
    )
    from fpdf.syntax import Name

    class _FontStream(PDFFontStream):
        # fpdf2's default zlib level (6) takes twice as long on glyph outlines as level 1, for 5% less
        _COMPRESSION_LEVEL = 1

    class _ReportOutput(OutputProducer):
        report_font: ReportFont

        def _add_fonts(self, *args: Any, **kwargs: Any) -> dict:
            fonts = self.fpdf.fonts
            font = fonts.get(FAMILY)
            if len(fonts) != 1 or font is None or font.subset is self.report_font._proto.subset:
                return super()._add_fonts(*args, **kwargs)
            # what fpdf2's _add_fonts writes for a TrueType font (fpdf/output.py), with our program
            used = [(glyph, code) for glyph, code in font.subset.items() if glyph is not None]
            program = self.report_font.program({code: glyph.glyph_name for glyph, code in used})
            fontname = f"MPDFAA+{font.name}"
            composite = PDFFont(subtype="Type0", base_font=fontname, encoding="Identity-H")
            self._add_pdf_obj(composite, "fonts")
            cid_font = PDFFont(subtype="CIDFontType2", base_font=fontname, d_w=font.desc.missing_width,
                               w=_tt_font_widths(font))
            self._add_pdf_obj(cid_font, "fonts")
            composite.descendant_fonts = PDFArray([cid_font])
            bfchar = [f"<{code:04X}> <{''.join(f'{u:04X}' for u in glyph.unicode)}>\n"
                      for glyph, code in used if isinstance(glyph.unicode, tuple) and glyph.unicode
                      and all(u <= 0xFFFF for u in glyph.unicode)]
            to_unicode = PDFContentStream((
                "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n/CIDSystemInfo\n"
                "<</Registry (Adobe)\n/Ordering (UCS)\n/Supplement 0\n>> def\n/CMapName /Adobe-Identity-UCS def\n"
                "/CMapType 2 def\n1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n"
                f"{_build_cmap_blocks(bfchar, 'bfchar')}"
                "endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend").encode("latin-1"))
            self._add_pdf_obj(to_unicode, "fonts")
            composite.to_unicode = to_unicode
            info = CIDSystemInfo()
            self._add_pdf_obj(info, "fonts")
            cid_font.c_i_d_system_info = info
            descriptor = font.desc
            descriptor.font_name = Name(fontname)
            self._add_pdf_obj(descriptor, "fonts")
            cid_font.font_descriptor = descriptor
            cid_font.c_i_d_to_g_i_d_map = Name("Identity")  # glyph n of the program is code n
            stream = _FontStream(contents=program)
            self._add_pdf_obj(stream, "fonts")
            descriptor.font_file2 = stream
            font.subset.pick.cache_clear()
            font.subset.get_glyph.cache_clear()
            return {font.i: composite}

    return _ReportOutput


_FONTS: dict[str, ReportFont] = {}


def report_font_for(text: str = "") -> ReportFont:
    """The parsed font to draw ``text`` with (see :func:`report_font`), parsed at its first use in the process."""
    path = report_font(text)
    found = _FONTS.get(path)
    if found is None:
        with _LOCK:
            found = _FONTS.get(path)
            if found is None:
                found = _FONTS[path] = ReportFont(path)
    return found
