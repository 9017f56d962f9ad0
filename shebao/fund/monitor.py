"""Monthly fund monitoring from the registry (基金运行监测).

Per month, region and insurance: contributions due (by contribution period) and received (by paid
date), benefits paid by kind (by benefit period), the month's net flow, contributors and recipients,
average contribution base and average benefit; per month over all regions: the dependency ratios
(pension recipients per pension contributor and per insured worker, an insured worker being a
person with a pension contribution in the 12 months up to the month) and the year-on-year change of
the averages. Money is Decimal, rounded half-up to the fen.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from shebao.registry.models import Benefit, Contribution, Payment, Person

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
PAID = ("paid", "duplicate")


class MonitorError(ValueError):
    """The months asked for are wrong (the message says why, in Chinese)."""


def insurance_of(kind: str) -> str:
    """The insurance a benefit kind is paid from."""
    if kind == "unemployment":
        return "unemployment"
    if kind.startswith("injury") or kind == "disability_grant":
        return "injury"
    return "pension"


def _months(start: str, end: str) -> list[str]:
    try:
        y, m = int(start[:4]), int(start[5:7])
        ey, em = int(end[:4]), int(end[5:7])
        if len(start) != 7 or len(end) != 7 or not (1 <= m <= 12 and 1 <= em <= 12):
            raise ValueError
    except ValueError:
        raise MonitorError(f"月份应为 YYYY-MM：{start}、{end}") from None
    if (y, m) > (ey, em):
        raise MonitorError(f"起始月份 {start} 晚于截止月份 {end}")
    out = []
    while (y, m) <= (ey, em):
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    if len(out) > 240:
        raise MonitorError("一次最多监测 240 个月")
    return out


def _shift(month: str, k: int) -> str:
    y, m = int(month[:4]), int(month[5:7])
    idx = y * 12 + m - 1 + k
    return f"{idx // 12:04d}-{idx % 12 + 1:02d}"


def _q(value: Any) -> Decimal:
    return Decimal(value or 0).quantize(CENT, rounding=ROUND_HALF_UP)


def _yoy(now: Decimal | None, before: Decimal | None) -> str | None:
    if now is None or not before:
        return None
    return str(((now - before) / before).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP))


def monitor(session: Session, *, start: str, end: str, region: str | None = None) -> dict[str, Any]:
    """The monitoring figures from ``start`` to ``end`` ('YYYY-MM'), optionally for one region."""
    months = _months(start, end)
    first = _shift(months[0], -12)  # a year before, for the changes on the year
    span = _months(first, months[-1])
    d0 = dt.date(int(first[:4]), int(first[5:7]), 1)
    last = dt.date(int(end[:4]), int(end[5:7]), 1)
    d1 = dt.date(last.year + last.month // 12, last.month % 12 + 1, 1) - dt.timedelta(days=1)

    region_filter = [Person.region_code == region] if region else []
    due = session.execute(
        select(Contribution.period, Person.region_code, Contribution.insurance,
               func.sum(Contribution.employee_amount + Contribution.employer_amount),
               func.count(func.distinct(Contribution.person_id)), func.sum(Contribution.base), func.count())
        .join(Person, Person.person_id == Contribution.person_id)
        .where(Contribution.period >= first, Contribution.period <= months[-1], *region_filter)
        .group_by(Contribution.period, Person.region_code, Contribution.insurance)).all()
    received = session.execute(
        select(Contribution.paid_date, Person.region_code, Contribution.insurance,
               func.sum(Contribution.employee_amount + Contribution.employer_amount))
        .join(Person, Person.person_id == Contribution.person_id)
        .where(Contribution.paid_date >= d0, Contribution.paid_date <= d1, *region_filter)
        .group_by(Contribution.paid_date, Person.region_code, Contribution.insurance)).all()
    bregion = [Benefit.region_code == region] if region else []
    paid = session.execute(
        select(Payment.period, Benefit.region_code, Benefit.kind, func.sum(Payment.amount),
               func.count(func.distinct(Payment.person_id)))
        .join(Benefit, Benefit.benefit_id == Payment.benefit_id)
        .where(Payment.period >= first, Payment.period <= months[-1], Payment.status.in_(PAID), *bregion)
        .group_by(Payment.period, Benefit.region_code, Benefit.kind)).all()
    regular_pension = dict(session.execute(
        select(Payment.period, func.sum(Payment.amount))
        .join(Benefit, Benefit.benefit_id == Payment.benefit_id)
        .where(Payment.period >= first, Payment.period <= months[-1], Payment.status.in_(PAID),
               Payment.kind == "regular", Benefit.kind == "pension", *bregion)
        .group_by(Payment.period)).all())
    pension_recipients = dict(session.execute(
        select(Payment.period, func.count(func.distinct(Payment.person_id)))
        .join(Benefit, Benefit.benefit_id == Payment.benefit_id)
        .where(Payment.period >= first, Payment.period <= months[-1], Payment.status.in_(PAID),
               Payment.kind == "regular", Benefit.kind == "pension", *bregion)
        .group_by(Payment.period)).all())

    cells: dict[tuple[str, str, str], dict[str, Any]] = defaultdict(lambda: {
        "contributions_due": ZERO, "contributions_received": ZERO, "benefits_paid": defaultdict(lambda: ZERO),
        "contributors": 0, "recipients": 0, "base_sum": ZERO, "base_rows": 0})
    for period, reg, ins, amount, people, base_sum, n in due:
        c = cells[(period, reg, ins)]
        c["contributions_due"] += _q(amount)
        c["contributors"] += int(people)
        c["base_sum"] += Decimal(base_sum or 0)
        c["base_rows"] += int(n)
    for day, reg, ins, amount in received:
        cells[(f"{day:%Y-%m}", reg, ins)]["contributions_received"] += _q(amount)
    for period, reg, kind, amount, people in paid:
        c = cells[(period, reg, insurance_of(kind))]
        c["benefits_paid"][kind] += _q(amount)
        c["recipients"] += int(people)

    # insured workers: a pension contribution in the 12 months up to the month (one query per month)
    insured: dict[str, int] = {}
    for month in months + [_shift(m, -12) for m in months]:
        if month in insured:
            continue
        insured[month] = int(session.scalar(
            select(func.count(func.distinct(Contribution.person_id)))
            .join(Person, Person.person_id == Contribution.person_id)
            .where(and_(Contribution.insurance == "pension", Contribution.period > _shift(month, -12),
                        Contribution.period <= month), *region_filter)) or 0)

    rows = []
    for (period, reg, ins), c in sorted(cells.items()):
        if period not in months:
            continue
        paid_total = sum(c["benefits_paid"].values(), ZERO)
        before = cells.get((_shift(period, -12), reg, ins))
        avg_base = _q(c["base_sum"] / c["base_rows"]) if c["base_rows"] else None
        avg_base_before = _q(before["base_sum"] / before["base_rows"]) if before and before["base_rows"] else None
        rows.append({
            "period": period, "region": reg, "insurance": ins,
            "contributions_due": str(c["contributions_due"]), "contributions_received": str(c["contributions_received"]),
            "benefits_paid": {k: str(v) for k, v in sorted(c["benefits_paid"].items())},
            "benefits_paid_total": str(paid_total), "net": str(c["contributions_received"] - paid_total),
            "contributors": c["contributors"], "recipients": c["recipients"],
            "avg_base": str(avg_base) if avg_base is not None else None,
            "avg_base_yoy": _yoy(avg_base, avg_base_before),
            "contributions_due_yoy": _yoy(c["contributions_due"], before["contributions_due"] if before else None),
        })

    totals = []
    cumulative = ZERO
    by_month: dict[str, dict[str, Any]] = {}
    for m in span:
        t = {"contributions_due": ZERO, "contributions_received": ZERO, "benefits_paid": ZERO,
             "pension_contributors": 0, "base_sum": ZERO, "base_rows": 0}
        for (period, _reg, ins), c in cells.items():
            if period != m:
                continue
            t["contributions_due"] += c["contributions_due"]
            t["contributions_received"] += c["contributions_received"]
            t["benefits_paid"] += sum(c["benefits_paid"].values(), ZERO)
            if ins == "pension":
                t["pension_contributors"] += c["contributors"]
                t["base_sum"] += c["base_sum"]
                t["base_rows"] += c["base_rows"]
        recipients = int(pension_recipients.get(m) or 0)
        t["avg_base"] = _q(t["base_sum"] / t["base_rows"]) if t["base_rows"] else None
        t["avg_pension"] = _q(Decimal(regular_pension.get(m) or 0) / recipients) if recipients else None
        t["pension_recipients"] = recipients
        by_month[m] = t
    for m in months:
        t, before = by_month[m], by_month.get(_shift(m, -12))
        net = t["contributions_received"] - t["benefits_paid"]
        cumulative += net
        contributors, recipients, ins_n = t["pension_contributors"], t["pension_recipients"], insured.get(m, 0)
        totals.append({
            "period": m, "contributions_due": str(t["contributions_due"]),
            "contributions_received": str(t["contributions_received"]), "benefits_paid": str(t["benefits_paid"]),
            "net": str(net), "cumulative_net": str(cumulative),
            "pension_contributors": contributors, "pension_recipients": recipients, "insured_workers": ins_n,
            # no pension paid that month (e.g. before the registry's payment history): no ratio, not zero
            "dependency_ratio_contributors": round(recipients / contributors, 4) if contributors and recipients else None,
            "dependency_ratio_insured": round(recipients / ins_n, 4) if ins_n and recipients else None,
            "avg_base": str(t["avg_base"]) if t["avg_base"] is not None else None,
            "avg_pension": str(t["avg_pension"]) if t["avg_pension"] is not None else None,
            "avg_base_yoy": _yoy(t["avg_base"], before["avg_base"] if before else None),
            "avg_pension_yoy": _yoy(t["avg_pension"], before["avg_pension"] if before else None),
        })
    return {"from": months[0], "to": months[-1], "region": region, "months": totals, "rows": rows,
            "note": "应缴按缴费所属期、实缴按缴费到账日期、待遇按发放所属期统计；净额为当月实缴减支出，累计净额自起始月起累加"}


MONITOR_COLUMNS = ("period", "region", "insurance", "contributions_due", "contributions_received", "benefits_paid_total",
                   "net", "contributors", "recipients", "avg_base", "avg_base_yoy")
TOTAL_COLUMNS = ("period", "contributions_due", "contributions_received", "benefits_paid", "net", "cumulative_net",
                 "pension_contributors", "pension_recipients", "insured_workers", "dependency_ratio_contributors",
                 "dependency_ratio_insured", "avg_base", "avg_pension", "avg_base_yoy", "avg_pension_yoy")
