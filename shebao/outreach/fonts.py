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
import threading
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
    if any(ord(c) not in report_characters() for c in text if not c.isspace()):
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


class ReportFont:
    """A TrueType CJK font parsed once and lent to each report's :class:`fpdf.FPDF`.

    fpdf2 keeps, per document, one ``TTFFont``: what the parse gives (character widths, the
    character-to-glyph map, the descriptor), read-only afterwards, plus the glyphs the document has
    used (its ``SubsetMap``) and the fontTools font, which ``output()`` cuts down in place to those
    glyphs and embeds. fpdf2 has no public way to add one parsed font to several documents; the
    nearest it has is ``TTFFont.__deepcopy__`` (written for ``FPDFRecorder``, fpdf2 issue #1444),
    which shares the parsed parts and copies the per-document ones. We do the same with less
    copying: each document gets a shallow copy of the font parsed here with a fresh ``SubsetMap``,
    missing-glyph list and descriptor (``output()`` numbers the descriptor as one of the document's
    objects); the parsed maps are shared (only read). Just before ``output()`` (:meth:`output`) the
    copy's fontTools font is replaced by a new one holding only the glyphs the document used (and
    their components), assembled from glyph data read once (:meth:`_program`): fpdf2's own subsetting
    then works on ~300 glyphs instead of 13,000, and the shared parsed font is never cut. The result
    is what fpdf2 would embed for the same text. These are fpdf2 internals (checked against 2.8.9:
    ``fpdf/fonts.py`` TTFFont, SubsetMap; ``fpdf/output.py`` ``_add_fonts``); fonts fpdf2 embeds
    differently (CFF outlines, e.g. an OpenType Noto CJK) take fpdf2's ordinary ``add_font`` path
    per document: correct, only slow.
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
        self.reusable = not self._proto.is_cff and "glyf" in self._master and self._proto.color_font is None
        self._components: dict[str, tuple[str, ...]] = {}
        if self.reusable:
            # glyph data as stored in the file; ``glyf.glyphs[name]`` never expands (``glyf[name]`` would)
            self._glyphs = self._master["glyf"].glyphs
            self._gid = {name: i for i, name in enumerate(self._master.getGlyphOrder())}
            self._metrics = self._master["hmtx"].metrics
            for tag in ("head", "hhea", "maxp", "post"):
                self._master[tag]  # noqa: B018 - decompiled now, not in the threads that render

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
        """The document's bytes, embedding a cut of the font with the glyphs it used."""
        if self.reusable:
            font = pdf.fonts[FAMILY]
            font.ttfont = self._program([g for g, _ in font.subset.items() if g is not None])
        return bytes(pdf.output())

    def _component_names(self, name: str) -> tuple[str, ...]:
        found = self._components.get(name)
        if found is None:
            glyph = self._glyphs[name]
            data = getattr(glyph, "data", b"")
            composite = glyph.isComposite() if not data else len(data) >= 2 and data[0] & 0x80
            found = tuple(glyph.getComponentNames(self._master["glyf"])) if composite else ()
            self._components[name] = found
        return found

    def _program(self, used: list[Any]) -> Any:
        """A new fontTools font with the ``used`` glyphs (fpdf2 ``Glyph``s), their components and .notdef."""
        from fontTools.ttLib import TTFont, newTable
        from fontTools.ttLib.tables._c_m_a_p import cmap_format_4, cmap_format_12
        from fontTools.ttLib.tables._g_l_y_f import Glyph

        names = {".notdef"}
        codepoints: dict[int, str] = {}
        for glyph in used:
            names.add(glyph.glyph_name)
            for u in glyph.unicode if isinstance(glyph.unicode, tuple) else ():
                if u:
                    codepoints[u] = glyph.glyph_name
        todo = list(names)
        while todo:
            for component in self._component_names(todo.pop()):
                if component not in names:
                    names.add(component)
                    todo.append(component)
        order = sorted(names, key=self._gid.__getitem__)
        new_gid = {self._gid[n]: i for i, n in enumerate(order)}
        master = self._master
        font = TTFont(recalcBBoxes=False, recalcTimestamp=False)
        font.setGlyphOrder(order)
        glyf = newTable("glyf")
        glyf.glyphOrder = order
        glyf.glyphs = {}
        for name in order:
            source = self._glyphs[name]
            data = source.data if hasattr(source, "data") else source.compile(master["glyf"], recalcBBoxes=False)
            glyph = Glyph(data)  # a new object: fpdf2's subsetting rewrites glyphs in place
            if name in self._components and self._components[name]:
                glyph.remapComponentsFast(new_gid)
            glyf.glyphs[name] = glyph
        font["glyf"] = glyf
        font["loca"] = newTable("loca")
        hmtx = newTable("hmtx")
        hmtx.metrics = {name: self._metrics[name] for name in order}
        font["hmtx"] = hmtx
        # the tables a TrueType program embedded in a PDF needs (ISO 32000-1 9.9: glyf, head, hhea,
        # hmtx, loca, maxp; the cut has no hinting programs), with a cmap and post for lenient readers;
        # name and OS/2 are left out (the PDF's font descriptor carries the metrics), as every table
        # costs fontTools time at each output
        for tag in ("head", "hhea", "maxp"):
            font[tag] = copy.copy(master[tag])  # compiling sets fields on these
        post = copy.copy(master["post"])
        post.formatType = 3.0  # no glyph names
        font["post"] = post
        cmap = newTable("cmap")
        cmap.tableVersion = 0
        bmp = cmap_format_4(4)
        bmp.platformID, bmp.platEncID, bmp.language = 3, 1, 0
        bmp.cmap = {u: n for u, n in codepoints.items() if u <= 0xFFFF}
        cmap.tables = [bmp]
        if any(u > 0xFFFF for u in codepoints):
            full = cmap_format_12(12)
            full.platformID, full.platEncID, full.language = 3, 10, 0
            full.cmap = dict(codepoints)
            cmap.tables.append(full)
        font["cmap"] = cmap
        return font


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
