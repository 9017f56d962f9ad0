"""Files the product writes for people to open: no spreadsheet formulas, no stray personal data.

Every CSV (or spreadsheet) shebao writes goes through :func:`neutralise`, the OWASP defence
against CSV injection: a cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
return is what Excel, LibreOffice and WPS treat as a formula (``=HYPERLINK(...)`` in a name
would become a link to anywhere), so it is written with a leading single quote, which the
spreadsheet shows as text and hides.

One exception, on purpose: a cell that is only a number (``-12.50``, ``+3``, ``-1e3``) is left
as it is. A plain number cannot carry a formula, and quoting it would turn every negative
amount of an export into text (sums in the spreadsheet would skip them and a reload would
reject them). The exchange format's readers remove the quote again (:func:`restore`), so that
``shebao export`` followed by ``shebao load`` gives back the same values.

:func:`mask_personal` hides anything that looks like an ID number, a bank card or a mobile
number in a value, whatever column it sits in (the rejects report holds what was wrong with a
row, not the personal data in it).
"""

from __future__ import annotations

import csv
import os
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import IO, Any

from shebao.core.crypto import mask_bank_account, mask_phone, mask_text

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
QUOTE = "'"
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


def neutralise(value: Any) -> str:
    """The text of one cell, safe to open in a spreadsheet.

    Examples:
        >>> neutralise('=HYPERLINK("http://x","点此")')
        '\\'=HYPERLINK("http://x","点此")'
        >>> neutralise("-12.50"), neutralise("王五"), neutralise(None)
        ('-12.50', '王五', '')
    """
    text = "" if value is None else str(value)
    if text and text[0] in FORMULA_STARTS and not _PLAIN_NUMBER.fullmatch(text):
        return QUOTE + text
    if text.startswith(QUOTE) and len(text) > 1 and text[1] in FORMULA_STARTS + (QUOTE,):
        return QUOTE + text  # a value that itself starts with the quote survives the round trip
    return text


def restore(text: str) -> str:
    """Undo :func:`neutralise` on a cell read back from a file shebao wrote."""
    if text.startswith(QUOTE) and len(text) > 1 and text[1] in FORMULA_STARTS + (QUOTE,):
        return text[1:]
    return text


class SafeWriter:
    """``csv.writer`` whose every cell goes through :func:`neutralise` (and, if asked, :func:`mask_personal`)."""

    def __init__(self, fh, *, mask: bool = False, **fmtparams: Any) -> None:
        self._writer = csv.writer(fh, **fmtparams)
        self._mask = mask

    def _cell(self, value: Any) -> str:
        text = "" if value is None else str(value)
        return neutralise(mask_personal(text) if self._mask else text)

    def writerow(self, row: Iterable[Any]) -> Any:
        return self._writer.writerow([self._cell(v) for v in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


class SafeDictWriter(csv.DictWriter):
    """``csv.DictWriter`` whose every cell goes through :func:`neutralise`."""

    def __init__(self, fh, fieldnames, *, mask: bool = False, **kwargs: Any) -> None:
        super().__init__(fh, fieldnames, **kwargs)
        self.writer = SafeWriter(fh, mask=mask, dialect=kwargs.get("dialect", "excel"))


def safe_writer(fh, *, mask: bool = False, **fmtparams: Any) -> SafeWriter:
    """A CSV writer for a file people will open; ``mask=True`` also hides personal identifiers."""
    return SafeWriter(fh, mask=mask, **fmtparams)


def open_private(path: str | Path, *, replace: bool = False) -> IO[str]:
    """A new text file (UTF-8, for :mod:`csv`: no newline translation) only its owner can read.

    It holds personal data, so it is created with mode 0600; an existing file is refused (the
    caller picked a fresh name), or removed first with ``replace=True``.
    """
    path = Path(path)
    if replace and path.exists():
        path.unlink()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    return os.fdopen(fd, "w", encoding="utf-8", newline="")


def write_private_csv(path: str | Path, fieldnames: Iterable[str], rows: Iterable[Mapping[str, Any]]) -> int:
    """Write ``rows`` as a CSV with a header, owner-readable only (an existing file is replaced), every
    cell through :func:`neutralise`; return how many rows were written."""
    n = 0
    with open_private(path, replace=True) as fh:
        writer = SafeDictWriter(fh, fieldnames=list(fieldnames))
        writer.writeheader()
        for row in rows:
            writer.writerow(row)
            n += 1
    return n


def safe_xlsx(header: list[str], rows: Iterable[Iterable[Any]], *, sheet: str, mask: bool = False) -> bytes:
    """An Excel workbook (one sheet) whose every cell is text through :func:`neutralise` (and, if
    asked, :func:`mask_personal`): nothing in it is ever a formula."""
    import io

    from openpyxl import Workbook

    workbook = Workbook()
    worksheet = workbook.active
    worksheet.title = sheet[:31]
    worksheet.append([neutralise(h) for h in header])
    for row in rows:
        worksheet.append([neutralise(mask_personal(t) if mask else t)
                          for t in ("" if v is None else str(v) for v in row)])
    buf = io.BytesIO()
    workbook.save(buf)
    return buf.getvalue()


# --- personal identifiers in any column ---------------------------------------------------------

_SEP = r"[ \-]?"
# mainland mobile numbers, with or without +86 / 86, possibly written 138 1234 5678 or 138-1234-5678
_MOBILE = re.compile(r"(?<![0-9A-Za-z])(?:\+?86[ \-]?)?1[3-9]\d" + _SEP + r"\d{4}" + _SEP + r"\d{4}(?!\d)")
# card numbers written in groups: 6222 0212 3456 7890 128
_GROUPED_DIGITS = re.compile(r"(?<!\d)\d{4}(?:[ \-]\d{3,6}){2,4}(?!\d)")


def mask_personal(text: str) -> str:
    """Mask ID numbers, card or account numbers and mobile numbers anywhere in ``text``.

    Examples:
        >>> mask_personal("370502199001011234")
        '370502********1234'
        >>> mask_personal("电话 13812345678；卡 6222 0212 3456 7890 128")
        '电话 138****5678；卡 **** 0128'
    """
    if not text or not any(ch.isdigit() for ch in text):
        return text
    text = mask_text(text)  # ID numbers (15/18), digit runs of 12-19 (cards, accounts)

    def grouped(match: re.Match) -> str:
        digits = re.sub(r"\D", "", match.group(0))
        return mask_bank_account(digits) if 12 <= len(digits) <= 19 else match.group(0)

    text = _GROUPED_DIGITS.sub(grouped, text)
    return _MOBILE.sub(lambda m: mask_phone(re.sub(r"\D", "", m.group(0))[-11:]), text)
