"""Check the bill audit and its anomaly model on synthetic bills (``shebao bills evaluate``).

The anomaly model (:mod:`shebao.bills.anomaly`) is unsupervised: nothing is fitted, its threshold is
the usual cut of the modified z-score. What needs data is knowing how it does, so this lives here with
the synthetic generator (no domain imports ``synth`` or ``training`` at run time): bills are drawn with
planted errors of every rule and padded quantities, audited, and compared with their labels.
"""

from __future__ import annotations

import csv
import tempfile
import time
from datetime import date
from pathlib import Path

from shebao.bills.audit import audit_folder
from shebao.core.safefiles import safe_writer
from shebao.synth.bills import generate_bills


def evaluate_from_synth(*, stays: int = 2000, seed: int = 11, as_of: date = date(2026, 10, 31),
                        error_rate: float = 0.3, engine: str = "duckdb") -> dict:
    """Per rule: planted, flagged, found; for the model: padded quantities hinted, and hints per 1,000 lines."""
    with tempfile.TemporaryDirectory(prefix="shebao-bills-eval-") as tmp:
        folder = Path(tmp)
        persons = [(f"P{i:09d}", "M" if i % 3 else "F", f"{1960 + i % 40}-{1 + i % 12:02d}-{1 + i % 28:02d}")
                   for i in range(stays)]
        with (folder / "persons.csv").open("w", encoding="utf-8", newline="") as fh:
            writer = safe_writer(fh)
            writer.writerow(["person_id", "sex", "birth_date"])
            writer.writerows(persons)
        generate_bills(folder, persons=persons, stays=stays, seed=seed, as_of=as_of, error_rate=error_rate)
        t = time.perf_counter()
        result = audit_folder(folder, engine=engine, reports_dir=folder / "reports")
        seconds = time.perf_counter() - t
        with (folder / "bill_labels.csv").open(encoding="utf-8") as fh:
            labels = [(r["bill_id"], r["line_no"], r["rule_id"]) for r in csv.DictReader(fh)]
    flagged = {(f.bill_id, "" if f.line_no is None else str(f.line_no), f.rule_id) for f in result.flags}
    rules: dict[str, dict] = {}
    for rule in result.rules.rules:
        planted = {x for x in labels if x[2] == rule.id}
        mine = {x for x in flagged if x[2] == rule.id}
        rules[rule.id] = {"title": rule.title, "planted": len(planted), "flagged": len(mine),
                          "found": len(planted & mine)}
    padded = {(b, int(n)) for b, n, r in labels if r == "B01"}
    hinted = {(f.bill_id, f.line_no) for f in result.anomalies if f.line_no is not None}
    lines = result.row_counts.get("bill_items", 0)
    return {
        "stays": stays, "seed": seed, "bills": len(result.bills), "lines": lines, "seconds": round(seconds, 2),
        "rules": rules, "exact": flagged == {x for x in labels if x[2].startswith("M")},
        "model": {"padded_quantities": len(padded), "hinted": len(padded & hinted),
                  "hints": len(result.anomalies),
                  "hints_per_1000_lines": round(1000 * len(result.anomalies) / lines, 2) if lines else 0.0},
    }
