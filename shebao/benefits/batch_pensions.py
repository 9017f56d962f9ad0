"""Batch pensions through the batch engine: every pension of an exchange folder assessed in one pass.

The engine (DuckDB, or Spark for a province: the interface screening runs on) reads the exchange
folder and derives, in SQL written once for both, the columns the vectorised formula takes: the
retirement month, the birth month, the original retirement age, the contribution months (monthly
detail, yearly summaries and deemed months, up to the retirement month), the deemed months before
the personal account, the average contribution index and the personal-account balance. The
formula itself stays in policy (:func:`shebao.policy.columns.pension_table`, pure NumPy).

The inputs are those one application's auto-fill reads (``cases.autofill`` and
``risk.application_features.summarise_history``), as of the pension's start: the yearly
summaries' months and indexes, each month of detail's base over the previous year's average
wage, the deemed months at index 1, the latest account balance on or before the start (none: 0).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from shebao.engines.base import DATE, DEFAULTS, MONEY, STRING, TABLES, Engine, TableSet
from shebao.engines.factory import make_engine
from shebao.policy.columns import pension_table
from shebao.policy.contribution import previous_avg_monthly_fen
from shebao.policy.paramset import ParameterSet
from shebao.policy.tree import ParameterMissing

# The registry's exchange tables a pension needs, and the personal-account balances beside them
# (``pension_accounts.csv``: optional; without it every balance is 0, as for an applicant without one).
PENSION_TABLES = TableSet(
    tables={
        **{t: TABLES[t] for t in ("persons", "benefits", "contributions", "contribution_years")},
        "pension_accounts": {"person_id": STRING, "as_of": DATE, "balance": MONEY},
    },
    required=("persons", "benefits"),
    defaults=DEFAULTS,
)
FIRST_WAGE_YEAR = 1990  # the earliest year whose average wage is looked up (older ones are absent anyway)

INPUTS_SQL = """
WITH pb AS (
  SELECT b.benefit_id, b.person_id, b.start_date, pe.birth_date, pe.original_retirement_age,
         pe.region_code, coalesce(pe.deemed_months, 0) AS deemed_months,
         {start_month} AS start_period, year(b.start_date) AS start_year
  FROM benefits b JOIN persons pe ON pe.person_id = b.person_id
  WHERE b.kind = 'pension' AND b.start_date IS NOT NULL
),
detail AS (
  SELECT pb.benefit_id, pb.region_code, c.period, sum(c.base) AS base
  FROM pb JOIN contributions c ON c.person_id = pb.person_id
  WHERE c.insurance = 'pension' AND c.period <= pb.start_period
  GROUP BY pb.benefit_id, pb.region_code, c.period
),
detail_sum AS (
  SELECT d.benefit_id, count(*) AS months,
         sum(CAST(d.base AS DOUBLE) * 100 / w.avg_monthly_fen) AS index_sum,
         count(w.avg_monthly_fen) AS index_months
  FROM detail d
  LEFT JOIN wages w ON w.region = d.region_code AND w.year = CAST(substr(d.period, 1, 4) AS INT)
  GROUP BY d.benefit_id
),
yearly AS (
  SELECT pb.benefit_id, sum(cy.months) AS months,
         sum(CASE WHEN cy.avg_index IS NOT NULL THEN cy.months * cy.avg_index END) AS index_sum,
         sum(CASE WHEN cy.avg_index IS NOT NULL THEN cy.months ELSE 0 END) AS index_months
  FROM pb JOIN contribution_years cy ON cy.person_id = pb.person_id
  WHERE cy.insurance = 'pension' AND cy.year <= pb.start_year
  GROUP BY pb.benefit_id
),
latest AS (
  SELECT pb.benefit_id, max(a.as_of) AS as_of
  FROM pb JOIN pension_accounts a ON a.person_id = pb.person_id
  WHERE a.as_of <= pb.start_date
  GROUP BY pb.benefit_id
),
balance AS (
  SELECT l.benefit_id, max(a.balance) AS balance
  FROM latest l JOIN pb ON pb.benefit_id = l.benefit_id
  JOIN pension_accounts a ON a.person_id = pb.person_id AND a.as_of = l.as_of
  GROUP BY l.benefit_id
)
SELECT pb.benefit_id, pb.person_id, pb.start_period AS retirement_date,
       {birth_month} AS birth_date, pb.original_retirement_age,
       CAST(coalesce(ds.months, 0) + coalesce(y.months, 0) + pb.deemed_months AS INTEGER) AS contribution_months,
       pb.deemed_months AS pre_account_months,
       (pb.deemed_months + coalesce(y.index_sum, 0) + coalesce(ds.index_sum, 0))
         / nullif(pb.deemed_months + coalesce(y.index_months, 0) + coalesce(ds.index_months, 0), 0)
         AS index_mean,
       coalesce(bal.balance, CAST(0 AS DECIMAL(18, 2))) AS account_balance
FROM pb
LEFT JOIN detail_sum ds ON ds.benefit_id = pb.benefit_id
LEFT JOIN yearly y ON y.benefit_id = pb.benefit_id
LEFT JOIN balance bal ON bal.benefit_id = pb.benefit_id
ORDER BY pb.benefit_id
"""


def wage_table(regions: list[str], last_year: int, params: ParameterSet | None = None) -> pa.Table:
    """The previous year's average monthly wage (fen) of each region and year the parameters know."""
    rows: dict[str, list] = {"region": [], "year": [], "avg_monthly_fen": []}
    for region in regions:
        for year in range(FIRST_WAGE_YEAR, last_year + 1):
            try:
                fen = previous_avg_monthly_fen(year, region, params)
            except ParameterMissing:
                continue
            rows["region"].append(region)
            rows["year"].append(year)
            rows["avg_monthly_fen"].append(fen)
    return pa.table({"region": pa.array(rows["region"], pa.string()), "year": pa.array(rows["year"], pa.int32()),
                     "avg_monthly_fen": pa.array(rows["avg_monthly_fen"], pa.int64())})


def pension_inputs(engine: Engine, folder: str | Path, *, params: ParameterSet | None = None) -> pa.Table:
    """Load ``folder`` into ``engine`` and return one row per pension: ``benefit_id``, ``person_id``
    and the single-case input fields of the pension formula."""
    engine.load_folder(Path(folder), PENSION_TABLES)
    d = engine.dialect
    regions = [r["region_code"] for r in engine.query(
        "SELECT DISTINCT region_code FROM persons WHERE region_code IS NOT NULL").to_pylist()]
    engine.register_arrow("wages", wage_table(sorted(regions), dt.date.today().year + 1, params))
    table = engine.query(INPUTS_SQL.format(start_month=d.month_of("b.start_date"), birth_month=d.month_of("pb.birth_date")))
    # The average index to 4 places, as one application's summary gives it (the formula takes up to 6);
    # a pension without a single month of known index gets 0 (it has no months to qualify with either).
    index = pc.fill_null(pc.round(table["index_mean"], 4), 0.0)
    return table.drop_columns(["index_mean"]).append_column("avg_contribution_index", index)


def assess_folder(folder: str | Path, *, params: ParameterSet, assessed_on: dt.date,
                  engine: Engine | str = "duckdb", threads: int = 2) -> pa.Table:
    """Assess every pension of an exchange folder: the engine derives the inputs, policy computes.

    Returns the inputs with the formula's output columns (``basic_pension`` … ``total``,
    ``eligible``, ``reasons``), one row per pension benefit, ordered by ``benefit_id``.
    """
    own = isinstance(engine, str)
    eng = make_engine(engine) if isinstance(engine, str) else engine
    try:
        inputs = pension_inputs(eng, folder, params=params)
    finally:
        if own:
            eng.close()
    return pension_table(inputs, params=params, assessed_on=assessed_on, threads=threads)
