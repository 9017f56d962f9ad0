"""Campaign selection: each campaign's SQL run by the batch engine over the registry.

The registry comes as the exchange folder (a file export, or the database exported to a private
temporary folder, as screening does), plus two tables built here:

- ``applications``: the pension applications in progress or granted (from the cases domain's table,
  or ``applications.csv`` in a folder), so that nobody is told to apply for what they applied for;
- ``retirement_calendar``: for each distinct (birth date, original retirement age) of the registry,
  the policy engine's statutory retirement date (the day the statutory age is reached, 国务院关于渐进式
  延迟法定退休年龄的办法 第一条), the earliest and latest flexible retirement dates (第三条) and the
  minimum contribution months (第二条). Distinct pairs are few (a million people are born on about
  thirty thousand days), so the policy engine runs once per pair, not per person.

Every (campaign, person) pair the rules select on the as-of date is a target. Frequency caps,
quiet hours, opt-outs and re-contact waits are not selection: they are applied when the outbox is
written and when messages are delivered (:mod:`shebao.outreach.delivery`).
"""

from __future__ import annotations

import calendar as cal
import datetime as dt
import os
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa

from shebao.engines.base import DATE, INT, MONEY, STRING, TABLES, Engine, TableSet, find_sources
from shebao.engines.factory import make_engine
from shebao.engines.sql import render_sql
from shebao.outreach.catalogue import Campaign, Catalogue, load_catalogue
from shebao.policy.common import InputError, ym
from shebao.policy.paramset import ParameterSet, default_parameters
from shebao.policy.retirement import flexible_window, min_contribution_months, statutory_retirement
from shebao.policy.tree import ParameterMissing

# The registry's exchange tables the campaigns read, and the cases domain's applications.
APPLICATIONS = {"application_no": STRING, "person_id": STRING, "kind": STRING, "status": STRING,
                "received_on": DATE}
OUTREACH_TABLES = TableSet(
    tables={**{t: TABLES[t] for t in ("persons", "contributions", "contribution_years", "benefits", "deaths",
                                       "certifications")},
            "pension_accounts": {"person_id": STRING, "as_of": DATE, "balance": MONEY},
            "applications": APPLICATIONS},
    required=("persons",),
    defaults={("persons", "deemed_months"): "0"},
)
CALENDAR_SCHEMA = pa.schema([
    ("birth_date", pa.date32()), ("original_retirement_age", pa.int32()), ("statutory_date", pa.date32()),
    ("earliest_date", pa.date32()), ("latest_date", pa.date32()), ("min_months", pa.int32()),
])
_ = INT  # the exchange types are the engine's
FACTS = ("name", "sex", "birth_date", "original_retirement_age", "region_code", "avg_index", "account_balance")
FACT_COLUMNS = ", ".join(f"f.{c} AS fact_{c}" for c in FACTS)


@dataclass
class Target:
    """One (campaign, person) pair a campaign's rule selected, with the columns its SQL returned
    (``fields``, shown in the message) and the person's own record for the report (``facts``: the
    full name among them, which never leaves the process unmasked)."""

    campaign_id: str
    person_id: str
    fields: dict[str, Any]
    facts: dict[str, Any] = field(default_factory=dict, repr=False)

    def as_json(self) -> dict[str, Any]:
        return {"campaign_id": self.campaign_id, "person_id": self.person_id,
                **{k: _jsonable(v) for k, v in self.fields.items()}}


@dataclass
class Selection:
    as_of: dt.date
    targets: list[Target] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    loaded: dict[str, int] = field(default_factory=dict)
    skipped: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` later (or earlier), the last day of a shorter month where it must."""
    y, m = divmod(day.year * 12 + day.month - 1 + months, 12)
    return dt.date(y, m + 1, min(day.day, cal.monthrange(y, m + 1)[1]))


def run_dates(as_of: dt.date, campaign: Campaign, params: ParameterSet, region: str | None = None) -> dict[str, Any]:
    """The dates a campaign's SQL compares with, computed once from the as-of date and its parameters."""
    p = campaign.parameters
    out: dict[str, Any] = {}
    if "window_months" in p:
        out["window_end"] = add_months(as_of, int(p["window_months"])).isoformat()
    if "gap_months" in p:
        first = dt.date(as_of.year, as_of.month, 1)
        out["gap_last_period"] = add_months(first, -int(p["gap_months"])).strftime("%Y-%m")
    if "near_months" in p:
        out["near_end"] = add_months(as_of, int(p["near_months"])).isoformat()
    if "max_years_past" in p:
        out["past_limit"] = add_months(as_of, -12 * int(p["max_years_past"])).isoformat()
    if "due_window_days" in p:
        out["due_end"] = (as_of + dt.timedelta(days=int(p["due_window_days"]))).isoformat()
        out["cycle_days"] = int(params.get("certification.cycle_days", as_of, region).value)
    return out


def retirement_calendar(pairs: list[tuple[dt.date, int]], params: ParameterSet) -> tuple[pa.Table, int]:
    """The policy engine's retirement dates for each (birth date, original retirement age); pairs the
    policy cannot place (an age other than 60/55/50, a parameter missing) are left out and counted."""
    cols: dict[str, list[Any]] = {name: [] for name in CALENDAR_SCHEMA.names}
    skipped = 0
    for birth, original_age in pairs:
        try:
            st = statutory_retirement(birth, original_age, params)
            earliest, latest, _notes = flexible_window(st, params)
            minimum = min_contribution_months(st.retirement_ym, params)
        except (InputError, ParameterMissing):
            skipped += 1
            continue
        birth_ym = ym(birth)
        cols["birth_date"].append(birth)
        cols["original_retirement_age"].append(int(original_age))
        cols["statutory_date"].append(add_months(birth, st.age_months))
        cols["earliest_date"].append(add_months(birth, earliest - birth_ym))
        cols["latest_date"].append(add_months(birth, latest - birth_ym))
        cols["min_months"].append(int(minimum))
    return pa.table(cols, schema=CALENDAR_SCHEMA), skipped


def _prepare(engine: Engine, folder: Path, applications: pa.Table | None, params: ParameterSet) -> tuple[dict, dict]:
    loaded = engine.load_folder(folder, OUTREACH_TABLES)
    if applications is not None:
        engine.register_arrow("applications", applications)
    pairs = engine.query("SELECT DISTINCT birth_date, original_retirement_age FROM persons "
                         "WHERE birth_date IS NOT NULL AND original_retirement_age IS NOT NULL").to_pylist()
    table, skipped = retirement_calendar([(r["birth_date"], r["original_retirement_age"]) for r in pairs], params)
    engine.register_arrow("retirement_calendar", table)
    unknown = engine.query("SELECT count(*) AS n FROM persons WHERE original_retirement_age IS NULL "
                           "OR birth_date IS NULL").to_pylist()[0]["n"]
    return loaded, {"retirement_age_unknown": int(unknown), "calendar_pairs_skipped": skipped}


def select_folder(folder: str | Path, *, as_of: dt.date, catalogue: Catalogue | None = None,
                  engine: Engine | str = "duckdb", params: ParameterSet | None = None,
                  applications: pa.Table | None = None, campaigns: list[str] | None = None,
                  progress: Callable[[str], None] | None = None) -> Selection:
    """Run every campaign (or those named) over an exchange folder; return the targets in campaign order."""
    started = time.perf_counter()
    catalogue = catalogue or load_catalogue()
    params = params or default_parameters()
    own = isinstance(engine, str)
    eng = make_engine(engine) if isinstance(engine, str) else engine
    selection = Selection(as_of=as_of)
    try:
        selection.loaded, selection.skipped = _prepare(eng, Path(folder), applications, params)
        runtime = {"as_of": as_of.isoformat(), "as_of_period": as_of.strftime("%Y-%m"), "as_of_year": as_of.year,
                   **catalogue.parameters}
        for name, sql in catalogue.views.items():
            eng.create_view(name, render_sql(sql, eng.dialect, runtime))
        for campaign in catalogue.campaigns:
            if campaigns and campaign.id not in campaigns:
                continue
            if progress:
                progress(campaign.id)
            dates = run_dates(as_of, campaign, params)
            sql = render_sql(campaign.target, eng.dialect, {**runtime, **campaign.parameters, **dates})
            # each target with the facts its personal report needs (the person's own record)
            rows = eng.query(f"SELECT t.*, {FACT_COLUMNS} FROM ({sql}) t "
                             "JOIN person_facts f ON f.person_id = t.person_id ORDER BY t.person_id").to_pylist()
            for row in rows:
                person_id = row.pop("person_id")
                facts = {c: row.pop(f"fact_{c}") for c in FACTS}
                if campaign.attachment == "certification":
                    row["due_date"] = row["cycle_start"] + dt.timedelta(days=int(row["cycle_days"]))
                selection.targets.append(Target(campaign.id, person_id, row, facts))
            selection.counts[campaign.id] = len(rows)
    finally:
        if own:
            eng.close()
    selection.seconds = time.perf_counter() - started
    return selection


def applications_table(session: Any) -> pa.Table:
    """The cases domain's applications as the campaigns read them (no personal data)."""
    from sqlalchemy import select

    from shebao.cases.models import Application

    rows = session.execute(select(Application.application_no, Application.person_id, Application.kind,
                                  Application.status, Application.received_on)).all()
    return pa.table({
        "application_no": [r[0] for r in rows], "person_id": [r[1] for r in rows], "kind": [r[2] for r in rows],
        "status": [r[3] for r in rows], "received_on": pa.array([r[4] for r in rows], pa.date32()),
    })


def select_database(session: Any, *, as_of: dt.date, **kwargs: Any) -> Selection:
    """Run the campaigns over the registry in the database, exported to a private temporary folder
    (owner-only, removed afterwards: it holds personal data in full), as screening does."""
    from shebao.registry.exporter import export_folder

    with tempfile.TemporaryDirectory(prefix="shebao-outreach-") as tmp:
        os.chmod(tmp, 0o700)
        export_folder(session, Path(tmp))
        return select_folder(tmp, as_of=as_of, applications=applications_table(session), **kwargs)


def has_folder_tables(folder: Path) -> bool:
    """Whether ``folder`` holds an exchange folder (``persons.csv`` or ``.parquet``)."""
    return find_sources(folder, OUTREACH_TABLES)["persons"].path is not None
