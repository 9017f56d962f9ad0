"""The other three books of four-party reconciliation, derived from a synthetic registry folder.

``write_statements(folder, seed=...)`` reads the folder's ``contributions`` and ``payments`` (what
``shebao synth`` wrote, and what ``shebao registry load`` puts in the database) and writes beside them:

- ``tax_collections.csv``: one row per payer, person, period and insurance (employee + employer
  amounts), collected on the contribution's paid date, transferred in one batch a day
  (``TB`` + date);
- ``fund_account.csv``: the fiscal special account: a credit per tax batch (0–2 days later, within the
  month), a debit to the expenditure account per payroll day (``BK`` + date), opening and closing
  balance lines per month (the equation holds);
- ``bank_statement.csv``: the expenditure account: a credit per fund debit, a ``success``/``ok`` debit
  per payment (reference = ``payment_id``), opening and closing lines per month;
- ``fund_labels.csv`` (``period,flow,class,reference,amount``): the planted differences, one of each
  class and flow where the flow can show it, in every month that has both contributions and payments,
  plus ``near_miss`` rows for the near misses a reconciliation must match (a reference lost with the
  same amount a day later; a matched reference on different dates).

Timing differences are planted in the ``transfers`` and ``funding`` flows (the registry's payments are
all dated on or before the 26th, so a payment's bank debit cannot fall after the month within the
tolerance without changing the registry files). The registry files themselves are not touched: the
same ``shebao synth`` output stays byte-identical; the statements come on top with ``--fund-statements``.
"""

from __future__ import annotations

import csv
import datetime as dt
import os
import random
from collections import defaultdict
from decimal import Decimal
from pathlib import Path
from typing import Any

TAX_COLUMNS = ("collection_id", "payer_type", "payer_id", "person_id", "period", "insurance", "amount",
               "collected_date", "transfer_batch")
FUND_COLUMNS = ("txn_id", "date", "direction", "amount", "counterparty", "reference")
BANK_COLUMNS = ("txn_id", "date", "direction", "amount", "reference", "status")
LABEL_COLUMNS = ("period", "flow", "class", "reference", "amount")
CENT = Decimal("0.01")
OPENING_FUND = Decimal("800000000.00")  # illustrative opening balances of the synthetic accounts
OPENING_BANK = Decimal("20000000.00")


def _read(folder: Path, table: str) -> list[dict[str, str]]:
    parquet, path = folder / f"{table}.parquet", folder / f"{table}.csv"
    if parquet.exists():
        import pyarrow.parquet as pq

        return [{k: ("" if v is None else str(v)) for k, v in r.items()} for r in pq.read_table(parquet).to_pylist()]
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def _month_end(day: dt.date) -> dt.date:
    nxt = dt.date(day.year + day.month // 12, day.month % 12 + 1, 1)
    return nxt - dt.timedelta(days=1)


def _write(path: Path, columns: tuple[str, ...], rows: list[dict[str, Any]]) -> None:
    if path.exists():
        path.unlink()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(columns), lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: (f"{v:.2f}" if isinstance(v, Decimal) else v) for k, v in row.items()})


def write_statements(folder: Path, *, seed: int, tolerance_days: int = 3) -> dict[str, int]:
    """Write the tax, fund-account and bank files (and ``fund_labels.csv``) into ``folder``.

    The same folder and seed give byte-identical files. Returns the rows written per file.
    """
    folder = Path(folder)
    rng = random.Random(f"fund-{seed}")
    labels: list[dict[str, Any]] = []

    # --- the tax bureau's collections ---------------------------------------------------------------
    sums: dict[tuple[str, str, str, str], list[Any]] = {}
    for c in _read(folder, "contributions"):
        if not c.get("paid_date"):
            continue
        payer = c.get("employer_id") or c["person_id"]
        key = (payer, c["person_id"], c["period"], c["insurance"])
        amount = Decimal(c["employee_amount"]) + Decimal(c["employer_amount"])
        day = dt.date.fromisoformat(c["paid_date"])
        if key in sums:
            sums[key][0] += amount
            sums[key][1] = max(sums[key][1], day)
        else:
            sums[key] = [amount, day, c.get("employer_id") == ""]
    tax: list[dict[str, Any]] = []
    for i, (key, (amount, day, individual)) in enumerate(sorted(sums.items())):
        tax.append({"collection_id": f"C{i + 1:010d}", "payer_type": "individual" if individual else "employer",
                    "payer_id": key[0], "person_id": key[1], "period": key[2], "insurance": key[3],
                    "amount": amount, "collected_date": day, "transfer_batch": f"TB{day:%Y%m%d}"})
    payments = [p for p in _read(folder, "payments") if p.get("paid_date") and p.get("status", "paid") in ("paid", "duplicate", "")]
    pay_months = {p["paid_date"][:7] for p in payments}
    tax_months = {t["period"] for t in tax}
    months = sorted(pay_months & tax_months & {f"{t['collected_date']:%Y-%m}" for t in tax})

    used_people: set[str] = set()
    extra_tax: list[dict[str, Any]] = []
    odd = iter(range(101, 10_000))  # planted amounts get distinct odd cents: no planted item pairs with another

    def odd_amount(base: int) -> Decimal:
        return (Decimal(base) + Decimal(next(odd)) / 100).quantize(CENT)

    by_month: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for t in tax:
        if t["period"] == f"{t['collected_date']:%Y-%m}":
            by_month[t["period"]].append(t)
    dropped_tax: set[str] = set()
    timing_batches: dict[str, tuple[str, dt.date]] = {}
    for m in months:
        pool = [t for t in by_month[m] if t["person_id"] not in used_people]
        if len(pool) < 8:
            continue
        picks = rng.sample(pool, 8)
        for t in picks:
            used_people.add(t["person_id"])
        miss, diff, dup, *moved = picks
        dropped_tax.add(miss["collection_id"])
        labels.append({"period": m, "flow": "contributions", "class": "missing_at_tax", "reference": miss["person_id"],
                       "amount": miss["amount"]})
        delta = odd_amount(10)
        diff["amount"] += delta
        labels.append({"period": m, "flow": "contributions", "class": "amount_differs", "reference": diff["person_id"],
                       "amount": delta})
        extra_tax.append({**dup, "collection_id": dup["collection_id"] + "D"})
        labels.append({"period": m, "flow": "contributions", "class": "duplicated", "reference": dup["person_id"],
                       "amount": dup["amount"]})
        ghost = {"collection_id": f"CX{m.replace('-', '')}01", "payer_type": "individual",
                 "payer_id": f"PX{m.replace('-', '')}", "person_id": f"PX{m.replace('-', '')}", "period": m,
                 "insurance": "pension", "amount": odd_amount(900), "collected_date": miss["collected_date"],
                 "transfer_batch": miss["transfer_batch"]}
        extra_tax.append(ghost)
        labels.append({"period": m, "flow": "contributions", "class": "missing_at_agency",
                       "reference": ghost["collection_id"], "amount": ghost["amount"]})
        # a batch collected on the month's last day, credited after it within the tolerance: timing
        end = _month_end(dt.date.fromisoformat(f"{m}-01"))
        batch = f"TB{end:%Y%m%d}"
        for t in moved:
            t["collected_date"], t["transfer_batch"] = end, batch
        timing_batches[m] = (batch, end)
    tax = [t for t in tax if t["collection_id"] not in dropped_tax] + extra_tax
    tax.sort(key=lambda t: t["collection_id"])

    # --- the fiscal special account: credits per tax batch -------------------------------------------
    batches: dict[str, list[Any]] = {}
    for t in tax:
        b = batches.setdefault(t["transfer_batch"], [Decimal("0.00"), t["collected_date"]])
        b[0] += t["amount"]
        b[1] = max(b[1], t["collected_date"])
    fund: list[dict[str, Any]] = []
    n_fund = iter(range(1, 10_000_000))

    def fund_line(day: dt.date, direction: str, amount: Decimal, counterparty: str, reference: str) -> dict[str, Any]:
        return {"txn_id": f"F{next(n_fund):09d}", "date": day, "direction": direction, "amount": amount,
                "counterparty": counterparty, "reference": reference}

    batch_by_month: dict[str, list[str]] = defaultdict(list)
    for name in sorted(batches):
        amount, day = batches[name]
        batch_by_month[f"{day:%Y-%m}"].append(name)
    timing_names = {b for b, _ in timing_batches.values()}
    plan: dict[str, str] = {}
    for m in months:
        if m not in timing_batches:
            continue
        pool = [b for b in batch_by_month.get(m, []) if b not in timing_names]
        if len(pool) < 5:
            continue
        miss, diff, dup, near, lost = rng.sample(pool, 5)
        plan.update({miss: "missing", diff: "differs", dup: "dup", near: "near", lost: "lost"})
        labels.append({"period": m, "flow": "transfers", "class": "missing_in_fund_account", "reference": miss,
                       "amount": batches[miss][0]})
        labels.append({"period": m, "flow": "transfers", "class": "near_miss", "reference": near, "amount": batches[near][0]})
        labels.append({"period": m, "flow": "transfers", "class": "near_miss", "reference": lost, "amount": batches[lost][0]})
    for name in sorted(batches):
        amount, day = batches[name]
        m = f"{day:%Y-%m}"
        end = _month_end(day)
        kind = plan.get(name)
        if name in timing_names:
            credit_day = day + dt.timedelta(days=min(2, tolerance_days))
            fund.append(fund_line(credit_day, "in", amount, "国家税务总局", name))
            labels.append({"period": m, "flow": "transfers", "class": "timing", "reference": name, "amount": amount})
            continue
        lag = rng.choice((0, 1, 2))
        credit_day = min(day + dt.timedelta(days=lag), end)
        if kind == "missing":
            continue
        if kind == "near":  # the reference matches; the dates differ (within the month)
            credit_day = min(day + dt.timedelta(days=2), end)
        if kind == "lost":  # the reference was lost: same amount a day later
            fund.append(fund_line(min(day + dt.timedelta(days=1), end), "in", amount, "国家税务总局", ""))
            continue
        if kind == "differs":
            delta = odd_amount(100)
            fund.append(fund_line(credit_day, "in", amount - delta, "国家税务总局", name))
            labels.append({"period": m, "flow": "transfers", "class": "amount_differs", "reference": name, "amount": delta})
            continue
        fund.append(fund_line(credit_day, "in", amount, "国家税务总局", name))
        if kind == "dup":
            fund.append(fund_line(credit_day, "in", amount, "国家税务总局", name))
            labels.append({"period": m, "flow": "transfers", "class": "duplicated", "reference": name, "amount": amount})
    for m in months:
        if m in timing_batches:
            ghost = f"TBX{m.replace('-', '')}"
            day = dt.date.fromisoformat(f"{m}-20")
            fund.append(fund_line(day, "in", odd_amount(5000), "国家税务总局", ghost))
            labels.append({"period": m, "flow": "transfers", "class": "missing_at_tax", "reference": ghost,
                           "amount": fund[-1]["amount"]})

    # --- payments: bank debits; the fund's debits to the expenditure account and their bank credits ----
    bank: list[dict[str, Any]] = []
    n_bank = iter(range(1, 100_000_000))

    def bank_line(day: dt.date, direction: str, amount: Decimal, reference: str, status: str = "success") -> dict[str, Any]:
        return {"txn_id": f"K{next(n_bank):010d}", "date": day, "direction": direction, "amount": amount,
                "reference": reference, "status": status}

    payments.sort(key=lambda p: p["payment_id"])
    pay_by_month: dict[str, list[dict[str, str]]] = defaultdict(list)
    for p in payments:
        pay_by_month[p["paid_date"][:7]].append(p)
    pay_plan: dict[str, str] = {}
    for m in months:
        if m not in timing_batches or len(pay_by_month[m]) < 6:
            continue
        for p, kind in zip(rng.sample(pay_by_month[m], 5), ("missing", "differs", "dup", "lost", "returned"), strict=True):
            pay_plan[p["payment_id"]] = kind
    daily: dict[dt.date, Decimal] = defaultdict(lambda: Decimal("0.00"))
    for p in payments:
        day = dt.date.fromisoformat(p["paid_date"])
        amount = Decimal(p["amount"])
        daily[day] += amount
        kind = pay_plan.get(p["payment_id"])
        m = p["paid_date"][:7]
        if kind == "missing":
            labels.append({"period": m, "flow": "payments", "class": "missing_at_bank", "reference": p["payment_id"],
                           "amount": amount})
            continue
        if kind == "returned":  # the bank returned it: no payment was made
            bank.append(bank_line(day, "out", amount, p["payment_id"], "returned"))
            labels.append({"period": m, "flow": "payments", "class": "missing_at_bank", "reference": p["payment_id"],
                           "amount": amount})
            continue
        if kind == "lost":
            bank.append(bank_line(day + dt.timedelta(days=1), "out", amount, ""))
            labels.append({"period": m, "flow": "payments", "class": "near_miss", "reference": p["payment_id"],
                           "amount": amount})
            continue
        if kind == "differs":
            delta = odd_amount(1)
            bank.append(bank_line(day, "out", amount + delta, p["payment_id"]))
            labels.append({"period": m, "flow": "payments", "class": "amount_differs", "reference": p["payment_id"],
                           "amount": delta})
            continue
        bank.append(bank_line(day, "out", amount, p["payment_id"], "ok" if rng.random() < 0.1 else "success"))
        if kind == "dup":
            bank.append(bank_line(day + dt.timedelta(days=1), "out", amount, p["payment_id"]))
            labels.append({"period": m, "flow": "payments", "class": "duplicated", "reference": p["payment_id"],
                           "amount": amount})
    for m in months:
        if m in timing_batches:
            day = dt.date.fromisoformat(f"{m}-21")
            bank.append(bank_line(day, "out", odd_amount(3000), f"YX{m.replace('-', '')}"))
            labels.append({"period": m, "flow": "payments", "class": "missing_at_agency", "reference": bank[-1]["txn_id"],
                           "amount": bank[-1]["amount"]})
    # the fund pays the expenditure account the day's payroll
    days_by_month: dict[str, list[dt.date]] = defaultdict(list)
    for day in sorted(daily):
        days_by_month[f"{day:%Y-%m}"].append(day)
    fund_plan: dict[dt.date, str] = {}
    for m in months:
        if m in timing_batches and len(days_by_month[m]) >= 4:
            for day, kind in zip(rng.sample(days_by_month[m], 3), ("missing", "differs", "dup"), strict=True):
                fund_plan[day] = kind
    for day in sorted(daily):
        m = f"{day:%Y-%m}"
        out = fund_line(day, "out", daily[day], "待遇支出户", f"BK{day:%Y%m%d}")
        fund.append(out)
        kind = fund_plan.get(day)
        if kind == "missing":
            labels.append({"period": m, "flow": "funding", "class": "missing_at_bank", "reference": out["txn_id"],
                           "amount": daily[day]})
            continue
        if kind == "differs":
            delta = odd_amount(20)
            bank.append(bank_line(day, "in", daily[day] - delta, out["reference"]))
            labels.append({"period": m, "flow": "funding", "class": "amount_differs", "reference": out["txn_id"],
                           "amount": delta})
            continue
        bank.append(bank_line(day, "in", daily[day], out["reference"]))
        if kind == "dup":
            bank.append(bank_line(day, "in", daily[day], out["reference"]))
            labels.append({"period": m, "flow": "funding", "class": "duplicated", "reference": out["txn_id"],
                           "amount": daily[day]})
    for m in months:
        if m not in timing_batches:
            continue
        end = _month_end(dt.date.fromisoformat(f"{m}-01"))
        amount = odd_amount(70000)
        out = fund_line(end, "out", amount, "待遇支出户", f"BKT{m.replace('-', '')}")
        fund.append(out)
        bank.append(bank_line(end + dt.timedelta(days=1), "in", amount, out["reference"]))
        labels.append({"period": m, "flow": "funding", "class": "timing", "reference": out["txn_id"], "amount": amount})
        ghost = bank_line(dt.date.fromisoformat(f"{m}-22"), "in", odd_amount(40000), f"BKX{m.replace('-', '')}")
        bank.append(ghost)
        labels.append({"period": m, "flow": "funding", "class": "missing_in_fund_account", "reference": ghost["txn_id"],
                       "amount": ghost["amount"]})

    fund = _with_balances(fund, OPENING_FUND, "F")
    bank = _with_balances(bank, OPENING_BANK, "K")
    _write(folder / "tax_collections.csv", TAX_COLUMNS, tax)
    _write(folder / "fund_account.csv", FUND_COLUMNS, fund)
    _write(folder / "bank_statement.csv", BANK_COLUMNS, bank)
    labels.sort(key=lambda r: (r["period"], r["flow"], r["class"], r["reference"]))
    _write(folder / "fund_labels.csv", LABEL_COLUMNS, labels)
    return {"tax_collections": len(tax), "fund_account": len(fund), "bank_statement": len(bank),
            "fund_labels": len(labels)}


def _with_balances(lines: list[dict[str, Any]], opening: Decimal, prefix: str) -> list[dict[str, Any]]:
    """Sort the lines by date and add each month's opening and closing balance lines."""
    lines.sort(key=lambda r: (r["date"], r["txn_id"]))
    out: list[dict[str, Any]] = []
    balance = opening
    by_month: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for line in lines:
        by_month[f"{line['date']:%Y-%m}"].append(line)
    for m in sorted(by_month):
        first = dt.date.fromisoformat(f"{m}-01")
        out.append({**_blank(by_month[m][0]), "txn_id": f"{prefix}O{m.replace('-', '')}", "date": first,
                    "direction": "opening", "amount": balance})
        for line in by_month[m]:
            counted = line.get("status", "success") != "returned"
            if counted:
                balance += line["amount"] if line["direction"] == "in" else -line["amount"]
            out.append(line)
        out.append({**_blank(by_month[m][0]), "txn_id": f"{prefix}C{m.replace('-', '')}", "date": _month_end(first),
                    "direction": "closing", "amount": balance})
    return out


def _blank(line: dict[str, Any]) -> dict[str, Any]:
    return {k: ("success" if k == "status" else "") for k in line}
