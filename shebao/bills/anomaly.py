"""The anomaly model beside the rules: robust z-scores against peers (unsupervised, no training data).

The same score :mod:`shebao.risk.anomaly` explains its Isolation Forest with: how far a value sits
from its peers, in median absolute deviations (0.6745·(x − median) / MAD, Iglewicz and Hoaglin's
modified z-score). Peers are:

- a line's unit price (log) against the same item at the other hospitals (each hospital's mean price);
- a line's quantity (log) against the same item's lines;
- a bill's lines per day of stay (log) against bills with the same diagnosis (ICD-10, three characters) and kind (inpatient or outpatient);
- a bill's share of drugs in its amount against bills with the same diagnosis.

A line or bill whose largest factor reaches :data:`THRESHOLD` becomes a B-level hint with its top
factors in Chinese: for a person to look at, never disallowing money by itself. Everything runs as
SQL on the batch engine; only the hints come back.
"""

from __future__ import annotations

import math
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from shebao.bills.flags import ZERO, Flag

if TYPE_CHECKING:
    from shebao.engines.base import Engine

THRESHOLD = 3.5          # the usual cut for the modified z-score
MIN_PEERS = 3            # fewer hospitals or bills to compare with: no score
FACTORS = {
    "price": "单价高于其他医院同项目的中位价",
    "quantity": "数量高于同项目的中位数量",
    "density": "每住院日的明细行数高于同诊断费用单",
    "drug_share": "药品费用占比高于同诊断费用单",
}
# Floors of the MAD, so that peers that all charge the same price do not make every cent an outlier.
FLOORS = {"price": 0.05, "quantity": 0.3, "density": 0.15, "drug_share": 0.05}


def _robust(value: str, group: str, source: str, name: str) -> str:
    """SQL: ``source`` with ``{name}_z``, the modified z-score of ``value`` within ``group``."""
    return f"""
      {name}_med AS (SELECT {group}, median({value}) AS med, count(*) AS n FROM {source} GROUP BY {group}),
      {name}_mad AS (
        SELECT s.{group}, median(abs(s.{value} - m.med)) AS mad
        FROM {source} s JOIN {name}_med m ON m.{group} = s.{group} GROUP BY s.{group}
      ),
      {name}_z AS (
        SELECT m.{group}, m.med, m.n,
               CASE WHEN a.mad > {FLOORS[name]} THEN a.mad ELSE {FLOORS[name]} END AS mad
        FROM {name}_med m JOIN {name}_mad a ON a.{group} = m.{group}
      )"""


def line_sql(dialect: Any) -> str:
    return f"""
    WITH hosp AS (
      SELECT item_code, hospital_id, ln(CAST(avg(unit_price) AS DOUBLE)) AS lp
      FROM lines WHERE unit_price > 0 GROUP BY item_code, hospital_id
    ),
    qty AS (SELECT item_code, ln(CAST(quantity AS DOUBLE)) AS lq FROM lines),
    {_robust("lp", "item_code", "hosp", "price")},
    {_robust("lq", "item_code", "qty", "quantity")},
    scored AS (
      SELECT l.bill_id, l.line_no, l.item_code, l.unit_price, l.quantity,
             CASE WHEN p.n >= {MIN_PEERS} AND l.unit_price > 0
                  THEN 0.6745 * (ln(CAST(l.unit_price AS DOUBLE)) - p.med) / p.mad END AS price_z,
             CASE WHEN q.n >= {MIN_PEERS} THEN 0.6745 * (ln(CAST(l.quantity AS DOUBLE)) - q.med) / q.mad END AS quantity_z,
             exp(p.med) AS peer_price, exp(q.med) AS peer_quantity
      FROM lines l
      LEFT JOIN price_z p ON p.item_code = l.item_code
      LEFT JOIN quantity_z q ON q.item_code = l.item_code
    )
    SELECT * FROM scored WHERE price_z >= {THRESHOLD} OR quantity_z >= {THRESHOLD}
    """


def bill_sql(dialect: Any) -> str:
    stay = dialect.days_between("b.admit_date", "b.discharge_date")
    return f"""
    WITH per_bill AS (
      SELECT b.bill_id, substr(b.diagnosis_norm, 1, 3) AS diag3,
             concat(substr(b.diagnosis_norm, 1, 3),
                    CASE WHEN b.admit_date = b.discharge_date THEN ' 门诊' ELSE ' 住院' END) AS peer,
             ln(CAST(count(*) AS DOUBLE) / ({stay} + 1)) AS ld,
             CAST(sum(CASE WHEN i.category = 'drug' THEN i.amount ELSE 0 END) AS DOUBLE)
               / CAST(CASE WHEN sum(i.amount) > 0 THEN sum(i.amount) ELSE 1 END AS DOUBLE) AS ds,
             count(*) AS n_lines, {stay} + 1 AS days
      FROM bills b JOIN bill_items i ON i.bill_id = b.bill_id
      GROUP BY b.bill_id, b.diagnosis_norm, b.admit_date, b.discharge_date
    ),
    {_robust("ld", "peer", "per_bill", "density")},
    {_robust("ds", "peer", "per_bill", "drug_share")},
    scored AS (
      SELECT p.bill_id, p.peer, p.n_lines, p.days, p.ds,
             CASE WHEN d.n >= {MIN_PEERS} THEN 0.6745 * (p.ld - d.med) / d.mad END AS density_z,
             CASE WHEN s.n >= {MIN_PEERS} THEN 0.6745 * (p.ds - s.med) / s.mad END AS drug_share_z,
             exp(d.med) AS peer_density, s.med AS peer_share
      FROM per_bill p
      LEFT JOIN density_z d ON d.peer = p.peer
      LEFT JOIN drug_share_z s ON s.peer = p.peer
    )
    SELECT * FROM scored WHERE density_z >= {THRESHOLD} OR drug_share_z >= {THRESHOLD}
    """


def _describe(name: str, row: dict[str, Any]) -> str:
    z = row[f"{name}_z"]
    if name == "price":
        detail = f"单价 {row['unit_price']:.2f} 元，同项目各医院中位价 {row['peer_price']:.2f} 元"
    elif name == "quantity":
        detail = f"数量 {Decimal(str(row['quantity'])).normalize():f}，同项目中位数量 {row['peer_quantity']:.2f}"
    elif name == "density":
        detail = (f"{row['n_lines']} 行 / {row['days']} 天，同诊断（{row['peer']}）中位每日 "
                  f"{row['peer_density']:.1f} 行")
    else:
        detail = f"药品占 {row['ds']:.0%}，同诊断（{row['peer']}）中位 {row['peer_share']:.0%}"
    return f"{FACTORS[name]}（{detail}；偏离 {z:.1f}）"


def _hint(row: dict[str, Any], names: tuple[str, ...], rule_id: str, line_no: int | None) -> Flag:
    factors = sorted(((row[f"{n}_z"], n) for n in names if row[f"{n}_z"] is not None
                      and math.isfinite(row[f"{n}_z"]) and row[f"{n}_z"] > 0), reverse=True)
    score = factors[0][0] if factors else 0.0
    # the factor that crossed the threshold, and beside it only those clearly off too
    reasons = "；".join(_describe(n, row) for i, (z, n) in enumerate(factors[:3]) if i == 0 or z >= THRESHOLD / 2)
    return Flag(bill_id=str(row["bill_id"]), line_no=line_no, rule_id=rule_id, level="B", amount_disallowed=ZERO,
                reason=f"{rule_id} 异常提示（不核减，请人工查看）：{reasons}", score=round(float(score), 3))


def score_lines(engine: Engine) -> list[Flag]:
    """The B-level hints of an audit whose tables and views are loaded (``B01`` lines, ``B02`` bills)."""
    hints = [_hint(row, ("price", "quantity"), "B01", int(row["line_no"]))
             for row in engine.query(line_sql(engine.dialect)).to_pylist()]
    hints += [_hint(row, ("density", "drug_share"), "B02", None)
              for row in engine.query(bill_sql(engine.dialect)).to_pylist()]
    hints.sort(key=lambda f: -(f.score or 0))
    return hints
