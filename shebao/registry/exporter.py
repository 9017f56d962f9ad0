"""``shebao export DIR``: write the registry back in the exchange format.

Export files hold personal data in full: the folder is created owner-only (0700) and every file
is written readable by its owner only (0600). Cells that a spreadsheet would run as a formula are
written with a leading quote (:mod:`shebao.core.safefiles`); ``shebao load`` removes it again.
"""

from __future__ import annotations

import os
from datetime import date
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from shebao.audit import append
from shebao.core.db import Base
from shebao.core.safefiles import open_private, safe_writer
from shebao.registry import models as _models  # noqa: F401 - registers the tables on Base.metadata
from shebao.registry.exchange import SPECS


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return f"{value:.2f}" if value.as_tuple().exponent >= -2 else str(value)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def export_folder(session: Session, folder: Path) -> dict[str, int]:
    """Write every registry table as ``<name>.csv`` into ``folder``; return rows per file."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    os.chmod(folder, 0o700)
    counts: dict[str, int] = {}
    for spec in SPECS:
        table = Base.metadata.tables[spec.table]
        columns = spec.all_columns
        order = [table.c[k] for k in (spec.db_key or spec.natural_key)]
        stmt = select(*[table.c[c] for c in columns]).order_by(*order).execution_options(yield_per=5000)
        n = 0
        with open_private(folder / f"{spec.name}.csv", replace=True) as fh:
            writer = safe_writer(fh)
            writer.writerow(columns)
            for row in session.execute(stmt):
                writer.writerow([_cell(v) for v in row])
                n += 1
        counts[spec.name] = n
    append(session, action="registry.export", entity="registry", entity_id=str(folder.name),
           detail={"rows": counts})
    return counts
