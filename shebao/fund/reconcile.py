"""Four-party reconciliation (四方对账) on the batch engine.

The agency's books (contributions and payments, read from the database and exposed to the engine as
Arrow tables) are set against three statements loaded from an exchange folder with the
:data:`STATEMENTS` table set: the tax bureau's collections, the fiscal special account (财政专户) and
the expenditure account's bank statement. Four flows are reconciled, each a *left* side (the side
nearer the agency) and a *right* side:

============  ================================  ==========================================
flow          left                               right
============  ================================  ==========================================
contributions agency contributions, by           tax collections (one row: employee + employer
              payer, person, period, insurance   amounts of one person, period and insurance)
transfers     tax ``transfer_batch`` (sum,       fund-account ``in`` lines, ``reference`` =
              dated by its latest collection)    the batch
payments      agency payments (``paid`` or       bank-statement ``out`` lines (``success``/``ok``;
              legacy ``duplicate``)              a ``returned`` line is no payment)
funding       fund-account ``out`` lines         bank-statement ``in`` lines, by ``reference``
============  ================================  ==========================================

Matching is by reference first; the first counterpart of a reference (same amount first, then the
earliest) is the match and every further one is ``duplicated``. What the reference leaves unmatched is
matched by equal amount and dates within ``tolerance_days`` (a near miss: a lost or mistyped
reference), nearest dates first. Then:

- a match whose counterpart is dated after the period, within the tolerance → ``timing`` (carried to
  the next period and cleared when that period's statement carries it);
- a match with different amounts → ``amount_differs`` (amount: the absolute difference);
- a left item left unmatched → ``missing_at_tax`` / ``missing_in_fund_account`` / ``missing_at_bank``;
  a right line dated in the period left unmatched → ``missing_at_agency`` / ``missing_at_tax`` (a
  fund credit with no tax batch) / ``missing_in_fund_account`` (a bank credit with no fund debit).
  A right line dated after the period that matches nothing is not reported: it belongs to the next.

``reference`` in the output is the id on the side that has the item (the agency's contribution is
referred to by its ``person_id``, with the period and insurance in ``detail``), or the left side's
id for ``amount_differs``, ``duplicated`` and ``timing``; in the ``transfers`` flow it is always the
transfer batch (for a fund credit with no batch, the batch its ``reference`` names). ``agency_ref``
is the left side's id, ``counterpart_ref`` the right side's.

Balance lines (``direction`` ``opening``/``closing``) in a statement are checked against the account
equation opening + in − out = closing over the lines dated in the period.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from shebao.engines.base import DATE, MONEY, STRING, Engine, EngineError, TableSet

CLASSES = ("missing_at_agency", "missing_at_tax", "missing_at_bank", "missing_in_fund_account",
           "amount_differs", "duplicated", "timing")
CLASS_LABELS = {
    "missing_at_agency": "经办机构缺记", "missing_at_tax": "税务缺记", "missing_at_bank": "银行缺记",
    "missing_in_fund_account": "财政专户缺记", "amount_differs": "金额不符", "duplicated": "重复记录",
    "timing": "时间性差异",
}
COLUMNS = ("class", "amount", "reference", "agency_ref", "counterpart_ref", "detail")
FLOWS = ("contributions", "transfers", "payments", "funding")
FLOW_LABELS = {"contributions": "税务征收 ↔ 经办缴费", "transfers": "税务划转批次 ↔ 财政专户收入",
               "payments": "经办支付 ↔ 银行支出", "funding": "财政专户拨付 ↔ 支出户收入"}
DEFAULT_TOLERANCE_DAYS = 3
CENT = Decimal("0.01")

STATEMENTS = TableSet(
    {
        "tax_collections": {
            "collection_id": STRING, "payer_type": STRING, "payer_id": STRING, "person_id": STRING,
            "period": STRING, "insurance": STRING, "amount": MONEY, "collected_date": DATE,
            "transfer_batch": STRING,
        },
        "fund_account": {"txn_id": STRING, "date": DATE, "direction": STRING, "amount": MONEY,
                         "counterparty": STRING, "reference": STRING},
        "bank_statement": {"txn_id": STRING, "date": DATE, "direction": STRING, "amount": MONEY,
                           "reference": STRING, "status": STRING},
    },
    required=("tax_collections", "fund_account", "bank_statement"),
    defaults={("bank_statement", "status"): "success"},
)

# The agency's books as the engine sees them (Arrow tables built by the service from the database).
AGENCY_CONTRIBUTIONS = ("payer_id", "person_id", "period", "insurance", "amount")
AGENCY_PAYMENTS = ("payment_id", "person_id", "period", "paid_date", "amount")

# checks of the statements' coded fields: (table, id column, field, SQL condition that is wrong, reason)
_CHECKS = (
    ("tax_collections", "collection_id", "payer_type", "payer_type IS NULL OR payer_type NOT IN ('employer', 'individual')",
     "应为 employer 或 individual"),
    ("tax_collections", "collection_id", "amount", "amount IS NULL", "金额为空"),
    ("tax_collections", "collection_id", "collected_date", "collected_date IS NULL", "征收日期为空"),
    ("tax_collections", "collection_id", "transfer_batch", "transfer_batch IS NULL", "划转批次为空"),
    ("tax_collections", "collection_id", "person_id", "person_id IS NULL OR payer_id IS NULL OR period IS NULL OR insurance IS NULL",
     "人员、缴费主体、所属期或险种为空"),
    ("fund_account", "txn_id", "direction", "direction IS NULL OR direction NOT IN ('in', 'out', 'opening', 'closing')",
     "应为 in、out、opening 或 closing"),
    ("fund_account", "txn_id", "amount", "amount IS NULL", "金额为空"),
    ("fund_account", "txn_id", "date", "date IS NULL", "日期为空"),
    ("bank_statement", "txn_id", "direction", "direction IS NULL OR direction NOT IN ('in', 'out', 'opening', 'closing')",
     "应为 in、out、opening 或 closing"),
    ("bank_statement", "txn_id", "status", "status NOT IN ('success', 'ok', 'returned')", "应为 success、ok 或 returned"),
    ("bank_statement", "txn_id", "amount", "amount IS NULL", "金额为空"),
    ("bank_statement", "txn_id", "date", "date IS NULL", "日期为空"),
)
_FIELD_NAMES = {"payer_type": "缴费主体类型", "amount": "金额", "collected_date": "征收日期", "transfer_batch": "划转批次",
                "person_id": "人员编号等", "direction": "收支方向", "date": "日期", "status": "状态"}


class ReconcileError(ValueError):
    """The period or the statements cannot be reconciled (the message says why, in Chinese)."""


@dataclass
class Period:
    """A month 'YYYY-MM' with its first and last day."""

    text: str
    start: dt.date
    end: dt.date

    @classmethod
    def parse(cls, text: str) -> Period:
        try:
            start = dt.date.fromisoformat(f"{text}-01")
        except (TypeError, ValueError):
            raise ReconcileError(f"对账期间应为 YYYY-MM：{text}") from None
        if len(text) != 7:
            raise ReconcileError(f"对账期间应为 YYYY-MM：{text}")
        nxt = dt.date(start.year + start.month // 12, start.month % 12 + 1, 1)
        return cls(text, start, nxt - dt.timedelta(days=1))

    def window_start(self) -> dt.date:
        """The first day of the previous month: the agency items whose late counterparts may clear now."""
        prev = self.start - dt.timedelta(days=1)
        return prev.replace(day=1)


@dataclass
class Result:
    """What one reconciliation found."""

    period: str
    tolerance_days: int
    differences: list[dict[str, Any]]
    counts: dict[str, int]
    matched: dict[str, int]
    near_misses: dict[str, int]
    balances: dict[str, Any]
    rejected: list[dict[str, str]]
    cleared: dict[str, list[str]] = field(default_factory=dict)  # flow → left ids cleared this period
    rows: dict[str, int] = field(default_factory=dict)
    carried: dict[str, Any] = field(default_factory=dict)  # the earlier timing items (set by the service)

    def summary(self) -> dict[str, Any]:
        totals = {k: Decimal("0.00") for k in CLASSES}
        for d in self.differences:
            totals[d["class"]] += d["amount"]
        return {
            "period": self.period,
            "tolerance_days": self.tolerance_days,
            "rows": self.rows,
            "differences": len(self.differences),
            "by_class": {k: self.counts.get(k, 0) for k in CLASSES},
            "amount_by_class": {k: f"{v:.2f}" for k, v in totals.items()},
            "matched": self.matched,
            "near_misses": self.near_misses,
            "balances": self.balances,
            "rejected": len(self.rejected),
            "rejected_rows": self.rejected[:100],
            "carried": self.carried,
        }


@dataclass(frozen=True)
class _Flow:
    name: str
    left_missing: str  # the class of a left item with no counterpart
    right_missing: str  # the class of a right line with no counterpart
    fallback: bool  # match by amount and date when the reference fails


_FLOWS = (
    _Flow("contributions", "missing_at_tax", "missing_at_agency", False),
    _Flow("transfers", "missing_in_fund_account", "missing_at_tax", True),
    _Flow("payments", "missing_at_bank", "missing_at_agency", True),
    _Flow("funding", "missing_at_bank", "missing_in_fund_account", True),
)


def _d(value: str) -> str:
    return f"DATE '{value}'"


def _views(engine: Engine, p: Period, tol: int) -> None:
    """The left and right views of every flow: lkey, lid, lamt, ldate, lscope, linfo / rkey, rid, ... ."""
    start, end = _d(p.start.isoformat()), _d(p.end.isoformat())
    wstart, wend = _d(p.window_start().isoformat()), _d((p.end + dt.timedelta(days=tol)).isoformat())
    engine.create_view("tax_ok", "SELECT * FROM tax_collections_v WHERE NOT bad")
    # contributions: the key is payer, person, period, insurance; a flexible worker is his own payer
    engine.create_view("l_contributions", f"""
        SELECT concat_ws('|', payer_id, person_id, period, insurance) AS lkey, person_id AS lid,
               amount AS lamt, CAST(NULL AS DATE) AS ldate, true AS lscope,
               concat_ws('|', payer_id, person_id, period, insurance) AS linfo
        FROM agency_contributions WHERE period = '{p.text}'""")
    engine.create_view("r_contributions", f"""
        SELECT concat_ws('|', payer_id, person_id, period, insurance) AS rkey, collection_id AS rid,
               amount AS ramt, CAST(NULL AS DATE) AS rdate, true AS rscope, collection_id AS rref,
               concat_ws('|', payer_id, person_id, period, insurance) AS rinfo
        FROM tax_ok WHERE period = '{p.text}'""")
    engine.create_view("l_transfers", f"""
        SELECT transfer_batch AS lkey, transfer_batch AS lid, sum(amount) AS lamt, max(collected_date) AS ldate,
               max(collected_date) BETWEEN {start} AND {end} AS lscope, '' AS linfo
        FROM tax_ok GROUP BY transfer_batch HAVING max(collected_date) BETWEEN {wstart} AND {wend}""")
    engine.create_view("r_transfers", f"""
        SELECT reference AS rkey, txn_id AS rid, amount AS ramt, date AS rdate,
               date BETWEEN {start} AND {end} AS rscope, coalesce(reference, txn_id) AS rref, '' AS rinfo
        FROM fund_account_v WHERE direction = 'in' AND NOT bad AND date BETWEEN {wstart} AND {wend}""")
    engine.create_view("l_payments", f"""
        SELECT payment_id AS lkey, payment_id AS lid, amount AS lamt, paid_date AS ldate,
               paid_date BETWEEN {start} AND {end} AS lscope, concat_ws('|', person_id, period) AS linfo
        FROM agency_payments WHERE paid_date BETWEEN {wstart} AND {wend}""")
    engine.create_view("r_payments", f"""
        SELECT reference AS rkey, txn_id AS rid, amount AS ramt, date AS rdate,
               date BETWEEN {start} AND {end} AS rscope, txn_id AS rref, '' AS rinfo
        FROM bank_statement_v WHERE direction = 'out' AND status IN ('success', 'ok') AND NOT bad
          AND date BETWEEN {wstart} AND {wend}""")
    engine.create_view("l_funding", f"""
        SELECT reference AS lkey, txn_id AS lid, amount AS lamt, date AS ldate,
               date BETWEEN {start} AND {end} AS lscope, coalesce(counterparty, '') AS linfo
        FROM fund_account_v WHERE direction = 'out' AND NOT bad AND date BETWEEN {wstart} AND {wend}""")
    engine.create_view("r_funding", f"""
        SELECT reference AS rkey, txn_id AS rid, amount AS ramt, date AS rdate,
               date BETWEEN {start} AND {end} AS rscope, txn_id AS rref, '' AS rinfo
        FROM bank_statement_v WHERE direction = 'in' AND status IN ('success', 'ok') AND NOT bad
          AND date BETWEEN {wstart} AND {wend}""")


def _flow_sql(engine: Engine, flow: str, p: Period, tol: int) -> str:
    """One row per outcome that is not a plain match, and one ``matched`` row carrying their count.

    Outcomes: ``timing``, ``amount_differs``, ``late`` (the counterpart is dated beyond the
    tolerance after the period), ``duplicated``, ``unmatched_right`` (no reference match),
    ``left_unmatched``, ``cleared`` (a left item of an earlier period whose counterpart is dated in
    this one).
    """
    days = engine.dialect.days_between("l.ldate", "r.rdate")
    end = _d(p.end.isoformat())
    horizon = _d((p.end + dt.timedelta(days=tol)).isoformat())
    return f"""
    WITH lr AS (
        SELECT *, row_number() OVER (PARTITION BY lkey ORDER BY ldate, lid) AS lrn FROM l_{flow}
    ), l1 AS (SELECT * FROM lr WHERE lrn = 1),
    ranked AS (
        SELECT r.*, l.lid, l.lkey, l.lamt, l.ldate, l.lscope, l.linfo,
               row_number() OVER (PARTITION BY r.rkey
                                  ORDER BY CASE WHEN r.ramt = l.lamt THEN 0 ELSE 1 END, r.rdate, r.rid) AS rn,
               {days} AS lag_days
        FROM r_{flow} r LEFT JOIN l1 l ON l.lkey = r.rkey
    ), outcome AS (
        SELECT CASE
                 WHEN lid IS NULL THEN 'unmatched_right'
                 WHEN rn > 1 THEN 'duplicated'
                 WHEN NOT lscope AND rscope THEN 'cleared'
                 WHEN NOT lscope THEN 'outside'
                 WHEN rdate > {end} AND lag_days <= {tol} THEN 'timing'
                 WHEN rdate > {end} THEN 'late'
                 WHEN ramt <> lamt THEN 'amount_differs'
                 ELSE 'matched'
               END AS outcome, *
        FROM ranked
    )
    SELECT outcome, lid, lkey, lamt, ldate, linfo, rid, rkey, ramt, rdate, rscope, rref, rinfo
    FROM outcome
    WHERE outcome IN ('timing', 'amount_differs', 'late', 'cleared')
       OR (outcome = 'duplicated' AND rscope)
       OR (outcome = 'unmatched_right' AND (rdate IS NULL OR rdate <= {horizon}))
    UNION ALL
    SELECT 'matched', CAST(count(*) AS STRING), NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL
    FROM outcome WHERE outcome = 'matched'
    UNION ALL
    SELECT 'left_unmatched', l.lid, l.lkey, l.lamt, l.ldate, l.linfo, NULL, NULL, NULL, NULL, NULL, NULL, NULL
    FROM lr l WHERE l.lscope AND (l.lrn > 1 OR NOT EXISTS (SELECT 1 FROM r_{flow} r WHERE r.rkey = l.lkey))
    """


def _amount(value: Any) -> Decimal:
    return Decimal(value).quantize(CENT)


def _contribution_detail(info: str) -> str:
    payer, person, period, insurance = (info.split("|") + ["", "", "", ""])[:4]
    kind = "个人（灵活就业）" if payer == person else f"单位 {payer}"
    return f"人员 {person}，所属期 {period}，险种 {insurance}，缴费主体 {kind}"


def _detail(flow: str, klass: str, row: dict[str, Any], extra: str = "") -> str:
    parts = [FLOW_LABELS[flow], CLASS_LABELS[klass]]
    if flow == "contributions":
        info = row.get("linfo") or row.get("rinfo") or ""
        parts.append(_contribution_detail(info))
    elif flow == "payments" and row.get("linfo"):
        person, period = (str(row["linfo"]).split("|") + [""])[:2]
        parts.append(f"人员 {person}，待遇所属期 {period}")
    if row.get("lamt") is not None and row.get("ramt") is not None:
        parts.append(f"本方 {_amount(row['lamt'])}，对方 {_amount(row['ramt'])}")
    if row.get("ldate") is not None and row.get("rdate") is not None:
        parts.append(f"本方日期 {row['ldate']}，对方日期 {row['rdate']}")
    elif row.get("ldate") is not None:
        parts.append(f"日期 {row['ldate']}")
    elif row.get("rdate") is not None:
        parts.append(f"日期 {row['rdate']}")
    if extra:
        parts.append(extra)
    return "；".join(parts)


def _diff(flow: str, klass: str, amount: Any, reference: str, agency_ref: str, counterpart_ref: str,
          detail: str) -> dict[str, Any]:
    return {"class": klass, "amount": _amount(amount), "reference": reference or "", "agency_ref": agency_ref or "",
            "counterpart_ref": counterpart_ref or "", "detail": detail, "flow": flow}


def _left_ref(flow: str, row: dict[str, Any]) -> str:
    return row["lid"]


def _right_ref(flow: str, row: dict[str, Any]) -> str:
    return row["rref"] if flow == "transfers" else row["rid"]


def _fallback(lefts: list[dict], rights: list[dict], tol: int) -> list[tuple[dict, dict]]:
    """Pair left and right items of equal amount with dates within ``tol`` days, nearest first."""
    by_amount: dict[Decimal, list[dict]] = {}
    for r in rights:
        by_amount.setdefault(_amount(r["ramt"]), []).append(r)
    candidates = []
    for li, left in enumerate(lefts):
        for right in by_amount.get(_amount(left["lamt"]), []):
            if left["ldate"] is None or right["rdate"] is None:
                continue
            gap = abs((right["rdate"] - left["ldate"]).days)
            if gap <= tol:
                candidates.append((gap, str(left["ldate"]), str(left["lid"]), str(right["rid"]), li, id(right), right))
    candidates.sort(key=lambda c: c[:4])
    used_l: set[int] = set()
    used_r: set[int] = set()
    pairs = []
    for _gap, _ld, _lid, _rid, li, rkey, right in candidates:
        if li in used_l or rkey in used_r:
            continue
        used_l.add(li)
        used_r.add(rkey)
        pairs.append((lefts[li], right))
    return pairs


def _run_flow(engine: Engine, flow: _Flow, p: Period, tol: int) -> tuple[list[dict], int, int, list[str]]:
    """The differences of one flow, its plain matches, its near misses and the left ids cleared."""
    rows = engine.query(_flow_sql(engine, flow.name, p, tol)).to_pylist()
    out: list[dict[str, Any]] = []
    lefts: list[dict] = []
    rights: list[dict] = []
    cleared: list[str] = []
    matched = 0
    for row in rows:
        kind = row["outcome"]
        if kind == "matched":
            matched = int(row["lid"])
        elif kind == "cleared":
            cleared.append(row["lid"])
        elif kind == "timing":
            out.append(_diff(flow.name, "timing", row["lamt"], _left_ref(flow.name, row), row["lid"],
                             row["rid"], _detail(flow.name, "timing", row, "对方入账在期后，结转下期")))
        elif kind == "amount_differs":
            out.append(_diff(flow.name, "amount_differs", abs(row["ramt"] - row["lamt"]), _left_ref(flow.name, row),
                             row["lid"], row["rid"], _detail(flow.name, "amount_differs", row)))
        elif kind == "duplicated":
            out.append(_diff(flow.name, "duplicated", row["ramt"], _left_ref(flow.name, row), row["lid"],
                             row["rid"], _detail(flow.name, "duplicated", row, "同一引用号的重复入账")))
        elif kind in ("late", "left_unmatched"):
            lefts.append({**row, "late_rid": row["rid"] if kind == "late" else None,
                          "rid": None, "rdate": None, "ramt": None})
        elif kind == "unmatched_right":
            rights.append(row)
    near = 0
    if flow.fallback and lefts and rights:
        for left, right in _fallback(lefts, rights, tol):
            left["_paired"] = right["_paired"] = True
            pair = {**left, "rid": right["rid"], "ramt": right["ramt"], "rdate": right["rdate"], "rref": right["rref"]}
            if right["rdate"] > p.end:
                out.append(_diff(flow.name, "timing", left["lamt"], _left_ref(flow.name, left), left["lid"],
                                 right["rid"], _detail(flow.name, "timing", pair, "按金额和日期匹配；对方入账在期后，结转下期")))
            else:
                near += 1
    for left in lefts:
        if left.get("_paired"):
            continue
        extra = f"对方引用号相同的记录 {left['late_rid']} 日期超出容差" if left.get("late_rid") else ""
        out.append(_diff(flow.name, flow.left_missing, left["lamt"], _left_ref(flow.name, left), left["lid"], "",
                         _detail(flow.name, flow.left_missing, left, extra)))
    for right in rights:
        if right.get("_paired") or not right["rscope"]:
            continue
        out.append(_diff(flow.name, flow.right_missing, right["ramt"], _right_ref(flow.name, right),
                         "", right["rid"], _detail(flow.name, flow.right_missing, right)))
    return out, matched, near, cleared


def _balances(engine: Engine, p: Period) -> dict[str, Any]:
    """The account equation of each statement that carries opening and closing lines in the period."""
    start, end = _d(p.start.isoformat()), _d(p.end.isoformat())
    result: dict[str, Any] = {}
    for table in ("fund_account", "bank_statement"):
        status = "" if table == "fund_account" else " AND status IN ('success', 'ok')"
        row = engine.query(f"""
            SELECT
              (SELECT amount FROM {table}_v WHERE direction = 'opening' AND date BETWEEN {start} AND {end}
                 AND NOT bad ORDER BY date, txn_id LIMIT 1) AS opening,
              (SELECT amount FROM {table}_v WHERE direction = 'closing' AND date BETWEEN {start} AND {end}
                 AND NOT bad ORDER BY date DESC, txn_id DESC LIMIT 1) AS closing,
              (SELECT coalesce(sum(amount), 0) FROM {table}_v WHERE direction = 'in' AND date BETWEEN {start} AND {end}
                 AND NOT bad{status}) AS total_in,
              (SELECT coalesce(sum(amount), 0) FROM {table}_v WHERE direction = 'out' AND date BETWEEN {start} AND {end}
                 AND NOT bad{status}) AS total_out""").to_pylist()[0]
        if row["opening"] is None or row["closing"] is None:
            result[table] = None
            continue
        computed = _amount(row["opening"]) + _amount(row["total_in"]) - _amount(row["total_out"])
        result[table] = {"opening": f"{_amount(row['opening']):.2f}", "in": f"{_amount(row['total_in']):.2f}",
                         "out": f"{_amount(row['total_out']):.2f}", "closing": f"{_amount(row['closing']):.2f}",
                         "computed_closing": f"{computed:.2f}", "balanced": computed == _amount(row["closing"]),
                         "gap": f"{_amount(row['closing']) - computed:.2f}"}
    return result


def _mark_bad(engine: Engine, rejected: list[dict[str, str]]) -> None:
    """Views ``<table>_v`` flagging the statement rows whose fields are wrong (reported, left out of matching)."""
    for table, id_col in (("tax_collections", "collection_id"), ("fund_account", "txn_id"),
                          ("bank_statement", "txn_id")):
        checks = [(f, c, why) for t, _i, f, c, why in _CHECKS if t == table]
        any_bad = " OR ".join(f"({c})" for _f, c, _w in checks)
        engine.create_view(f"{table}_v", f"SELECT *, coalesce({any_bad}, false) AS bad FROM {table}")
        which = " ".join(f"WHEN {c} THEN '{i}'" for i, (_f, c, _w) in enumerate(checks))
        value = " ".join(f"WHEN {c} THEN CAST({f} AS STRING)" for f, c, _w in checks)
        found = engine.query(f"SELECT {id_col} AS rid, CASE {which} END AS k, CASE {value} END AS v FROM {table} "
                             f"WHERE coalesce({any_bad}, false) ORDER BY {id_col} LIMIT 1000").to_pylist()
        for row in found:
            fld, _c, why = checks[int(row["k"])]
            rid = row["rid"] or "（无编号）"
            rejected.append({"file": f"{table}.csv", "record": rid, "field": fld, "value": row["v"] or "",
                             "reason": f"{table}.csv 记录 {rid} 的{_FIELD_NAMES.get(fld, fld)}（{fld}）{why}，未参与对账"})


def reconcile_loaded(engine: Engine, *, period: str, tolerance_days: int = DEFAULT_TOLERANCE_DAYS,
                     progress: Callable[[str, int, int], None] | None = None) -> Result:
    """Reconcile one period on an engine that holds the statements and the agency's tables.

    The engine must have ``tax_collections``, ``fund_account``, ``bank_statement`` (from
    :data:`STATEMENTS`) and ``agency_contributions`` / ``agency_payments`` (columns
    :data:`AGENCY_CONTRIBUTIONS` / :data:`AGENCY_PAYMENTS`).
    """
    if tolerance_days < 0 or tolerance_days > 31:
        raise ReconcileError(f"容差天数应在 0 到 31 之间：{tolerance_days}")
    p = Period.parse(period)
    rejected: list[dict[str, str]] = []
    _mark_bad(engine, rejected)
    _views(engine, p, tolerance_days)
    differences: list[dict[str, Any]] = []
    matched: dict[str, int] = {}
    near: dict[str, int] = {}
    cleared: dict[str, list[str]] = {}
    for i, flow in enumerate(_FLOWS):
        if progress:
            progress(flow.name, i, len(_FLOWS))
        diffs, n_matched, n_near, flow_cleared = _run_flow(engine, flow, p, tolerance_days)
        differences.extend(diffs)
        matched[flow.name] = n_matched
        near[flow.name] = n_near
        cleared[flow.name] = flow_cleared
    if progress:
        progress("done", len(_FLOWS), len(_FLOWS))
    order = {k: i for i, k in enumerate(CLASSES)}
    differences.sort(key=lambda d: (order[d["class"]], d["flow"], d["reference"], d["counterpart_ref"]))
    counts: dict[str, int] = {}
    for d in differences:
        counts[d["class"]] = counts.get(d["class"], 0) + 1
    return Result(p.text, tolerance_days, differences, counts, matched, near, _balances(engine, p),
                  rejected, cleared)


def load_statements(engine: Engine, folder: Path) -> dict[str, int]:
    """Load the three statements of ``folder`` into ``engine`` (a bad value names its file)."""
    try:
        return engine.load_folder(Path(folder), STATEMENTS)
    except EngineError as exc:
        raise ReconcileError(str(exc)) from exc


def reconcile_folder(folder: Path, *, period: str, contributions: Any, payments: Any, engine: Engine | str = "duckdb",
                     tolerance_days: int = DEFAULT_TOLERANCE_DAYS,
                     progress: Callable[[str, int, int], None] | None = None) -> Result:
    """Reconcile the statements in ``folder`` against the agency's Arrow tables for one period."""
    from shebao.engines.factory import make_engine

    own = isinstance(engine, str)
    eng = make_engine(engine) if isinstance(engine, str) else engine
    try:
        rows = load_statements(eng, folder)
        eng.register_arrow("agency_contributions", contributions)
        eng.register_arrow("agency_payments", payments)
        rows["agency_contributions"] = contributions.num_rows
        rows["agency_payments"] = payments.num_rows
        result = reconcile_loaded(eng, period=period, tolerance_days=tolerance_days, progress=progress)
        result.rows = rows
        return result
    except EngineError as exc:
        raise ReconcileError(str(exc)) from exc
    finally:
        if own:
            eng.close()


def agency_tables(contributions: Iterable[tuple], payments: Iterable[tuple]) -> tuple[Any, Any]:
    """Arrow tables of the agency's books from plain rows (money as Decimal).

    ``contributions``: (payer_id, person_id, period, insurance, amount);
    ``payments``: (payment_id, person_id, period, paid_date, amount).
    """
    import pyarrow as pa

    money = pa.decimal128(18, 2)
    c = list(contributions)
    p = list(payments)
    ct = pa.table({name: pa.array([r[i] for r in c], type=money if name == "amount" else pa.string())
                   for i, name in enumerate(AGENCY_CONTRIBUTIONS)})
    types = {"paid_date": pa.date32(), "amount": money}
    pt = pa.table({name: pa.array([r[i] for r in p], type=types.get(name, pa.string()))
                   for i, name in enumerate(AGENCY_PAYMENTS)})
    return ct, pt


def write_differences_csv(differences: Iterable[dict[str, Any]], path: Path) -> int:
    """Write ``differences.csv`` (the six contract columns), owner-readable only; return the rows."""
    import os

    from shebao.core.safefiles import SafeDictWriter

    path = Path(path)
    if path.exists():
        path.unlink()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    n = 0
    with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
        writer = SafeDictWriter(fh, fieldnames=list(COLUMNS), extrasaction="ignore")
        writer.writeheader()
        for d in differences:
            writer.writerow({**d, "amount": f"{d['amount']:.2f}"})
            n += 1
    return n
