"""Exports of the work lists (review queue, alerts, audit log) as CSV or Excel.

Every cell is masked (:func:`shebao.core.safefiles.mask_personal`: ID, card and phone numbers) and
neutralised against spreadsheet formulas (:func:`shebao.core.safefiles.neutralise`); every export
is written to the audit log (who, which list, which filters, how many rows). Times are local
(``SHEBAO_TIMEZONE``) except the audit chain's own timestamps, which are exported in UTC as well,
in a column that says so.
"""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from shebao.core.safefiles import safe_writer, safe_xlsx

FORMATS = {"csv": "text/csv; charset=utf-8",
           "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
TITLES = {"queue": "复核队列", "alerts": "疑点清单", "audit": "审计日志"}


def to_bytes(header: list[str], rows: list[list[Any]], fmt: str, sheet: str) -> bytes:
    if fmt == "xlsx":
        return safe_xlsx(header, rows, sheet=sheet, mask=True)
    buf = io.StringIO()
    writer = safe_writer(buf, mask=True)
    writer.writerow(header)
    writer.writerows(rows)
    return ("\ufeff" + buf.getvalue()).encode("utf-8")  # the BOM lets Excel read UTF-8


def filename(what: str, fmt: str) -> str:
    from shebao.core.settings import local_tz

    stamp = dt.datetime.now(local_tz()).strftime("%Y%m%d-%H%M")
    return f"shebao-{what}-{stamp}.{fmt}"
