"""Read files into document entries: every page OCR'd (or its PDF text layer read) and typed.

One file's trouble never stops the others: an unreadable file becomes its own entry with the reason in
``problems``. A multi-page file gives one entry per page, ``file`` = ``NAME.pdf#N``.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from datetime import date

import numpy as np

from shebao.intake import files as filemod
from shebao.intake.extract import Reading, read_document
from shebao.intake.ocr import Line, read_page

log = logging.getLogger(__name__)


@dataclass
class Entry:
    """One document (page) as read, with the image kept for the clerk's crops (not serialised)."""

    file: str
    reading: Reading
    image: np.ndarray | None = None
    seconds: float = 0.0
    extra_problems: list = field(default_factory=list)
    source: int = 0              # which of the files given it came from
    page: int = 1

    def as_json(self) -> dict:
        r = self.reading
        entry = {"file": self.file, "type": r.type, "fields": dict(r.fields), "confidence": dict(r.confidence),
                 "problems": list(r.problems) + list(self.extra_problems)}
        if r.type == "other":
            entry["raw_text"] = r.raw_text
        return entry


def problem_entry(name: str, code: str, message: str) -> Entry:
    return Entry(file=name, reading=Reading(type="other", problems=[{"field": None, "code": code, "message": message}]))


def text_lines(text: str) -> list[Line]:
    """A PDF text layer as lines (exact text: confidence 1)."""
    return [Line(text=t.strip(), score=1.0, box=(0, 0, 0, 0)) for t in text.splitlines() if t.strip()]


def read_files(items: list[tuple[str, bytes]], *, today: date | None = None,
               max_bytes: int = filemod.MAX_FILE_BYTES, progress=None) -> list[Entry]:
    """Every file's pages read; ``progress(label)`` is called after each page, if given."""
    entries: list[Entry] = []
    for index, (name, data) in enumerate(items):
        try:
            pages = filemod.pages_of(name, data, max_bytes=max_bytes)
        except filemod.FileProblem as exc:
            entry = problem_entry(name, exc.code, exc.message)
            entry.source = index
            entries.append(entry)
            if progress:
                progress(name)
            continue
        for number, page in enumerate(pages, start=1):
            entry = read_one_page(page, today=today)
            entry.source, entry.page = index, number
            entries.append(entry)
            if progress:
                progress(page.label)
    return entries


def read_one_page(page: filemod.Page, *, today: date | None = None) -> Entry:
    started = time.perf_counter()
    if page.text is not None:
        lines = text_lines(page.text)
    else:
        assert page.image is not None
        if _is_blank(page.image):
            return problem_entry(page.label, "blank", "图片中没有可识别的内容（空白、过暗或过曝），请重新拍摄")
        try:
            lines = read_page(page.image)
        except Exception as exc:  # an OCR failure on one page must not lose the others
            log.warning("OCR failed on a page: %s", type(exc).__name__)
            return problem_entry(page.label, "ocr_failed", "文字识别失败，请重新拍摄或由经办人员人工录入")
    if not lines:
        return problem_entry(page.label, "blank", "未识别到任何文字，请确认照片清晰、完整后重新上传")
    reading = read_document(lines, today=today)
    return Entry(file=page.label, reading=reading, image=page.image, seconds=time.perf_counter() - started)


def _is_blank(image: np.ndarray) -> bool:
    """Nothing on it: almost no contrast anywhere (a white sheet, a black frame, a lens cap)."""
    grey = image.mean(axis=2) if image.ndim == 3 else image
    small = grey[:: max(1, grey.shape[0] // 200), :: max(1, grey.shape[1] // 200)]
    return float(small.std()) < 4.0 or float(np.percentile(small, 99) - np.percentile(small, 1)) < 16
