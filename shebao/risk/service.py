"""The risk domain's service: what the API, the CLI and the pages call (keyword-only where they take
a session; the caller owns the transaction, audit entries join it).

Screening (the catalogue of rules run over the registry) and the triage of its alerts. The
functions live in the modules by role (:mod:`~shebao.risk.catalogue`, :mod:`~shebao.risk.screening`,
:mod:`~shebao.risk.alerts`); this module is the domain's one public face.
"""

from __future__ import annotations

from shebao.risk.alerts import (
    AlertError,
    alert_json,
    alert_rule_ids,
    alert_totals,
    confirm,
    dismiss,
    get_alert,
    list_alerts,
    store_findings,
)
from shebao.risk.catalogue import CatalogueError, load_catalogue
from shebao.risk.screening import screen_database, screen_folder, write_alerts_csv

__all__ = [
    "AlertError",
    "CatalogueError",
    "alert_json",
    "alert_rule_ids",
    "alert_totals",
    "confirm",
    "dismiss",
    "get_alert",
    "list_alerts",
    "load_catalogue",
    "screen_database",
    "screen_folder",
    "store_findings",
    "write_alerts_csv",
]
