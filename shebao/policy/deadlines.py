"""Legal deadlines of the agency, in working days (社会保险经办条例 第十八条、第二十四条).

The number of working days is a dated parameter (``deadlines.*``); counting them over the holiday
calendar is the case workflow's job (:mod:`shebao.cases.calendar`).
"""

from __future__ import annotations

import datetime as dt

from shebao.policy.paramset import ParameterSet, default_parameters
from shebao.policy.tree import ParamValue

CLAIM_DEADLINES = {"pension": "deadlines.pension_claim", "unemployment": "deadlines.unemployment_claim"}


def claim_deadline(kind: str, received: dt.date, region: str | None = None,
                   params: ParameterSet | None = None) -> ParamValue:
    """The working days within which a claim of ``kind`` received on ``received`` must be decided.

    Raises:
        KeyError: an unknown claim kind.
        ParameterMissing: no value is in force on that day.
    """
    return (params or default_parameters()).get(CLAIM_DEADLINES[kind], received, region)


def reference_text(value: ParamValue) -> str:
    """The value's legal reference as one line ("社会保险经办条例 第十八条")."""
    return "；".join(" ".join(p for p in (r.get("title"), r.get("document"), r.get("article")) if p)
                    for r in value.reference)
