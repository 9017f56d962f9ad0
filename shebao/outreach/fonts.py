"""A smaller copy of the CJK font for personal reports, made once and kept in ``SHEBAO_HOME``.

Embedding a font in a PDF means parsing it first: fpdf2 parses the whole CJK font file (WenQuanYi
Micro Hei: 5 MB, 30,000 glyphs) for every document, which is most of a report's cost. Reports use
the characters of GB 2312 (6,763 hanzi and the symbols), ASCII and the CJK punctuation, so a copy
holding only those (1.2 MB) is cut once with fontTools' subsetter and parsed five times faster. A
report with a character outside that set (a rare surname) is drawn with the full font.
"""

from __future__ import annotations

import hashlib
import os
import threading
from functools import lru_cache
from pathlib import Path

from shebao.benefits.render import find_cjk_font

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
