"""Rules against the synthetic population's labels: precision per rule, recall per injected pattern.

``labels.csv`` (issue 3) has subject_type (person | account | benefit), subject_id, label,
cluster_id. Each rule is matched with the pattern it is meant to find; a finding is "true" when
its subject carries that label. Rules without an injected pattern (certification lateness) have
no precision to report.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from pathlib import Path

from shebao.core.crypto import mask_bank_account
from shebao.risk.screening import Finding

# rule → (pattern, what the finding is matched on: person | key)
RULE_PATTERNS: dict[str, tuple[str, str]] = {
    "R01": ("paid_after_death", "person"),
    "R02": ("paid_while_imprisoned", "person"),
    "R03": ("split_transfer", "key"),       # the accounts in the finding's key
    "Y02": ("shared_account", "key"),
    "Y03": ("duplicate_benefit", "key"),    # the benefits in the finding's key
    "B02": ("duplicate_benefit", "key"),
    "B03": ("fake_backpayment", "person"),
}
RED_PATTERNS = ("paid_after_death", "paid_while_imprisoned", "split_transfer")


def read_labels(path: str | Path) -> dict[str, set[str]]:
    """pattern → the labelled subject ids."""
    out: dict[str, set[str]] = {}
    with Path(path).open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            out.setdefault(row["label"], set()).add(row["subject_id"])
    return out


def _shown(subject: str) -> str:
    # Account labels are bank account numbers: never print them in full.
    return mask_bank_account(subject) if subject.isdigit() and len(subject) >= 12 else subject


def _subjects(finding: Finding, how: str) -> set[str]:
    if how == "person":
        return {finding.person_id}
    return {part for part in (finding.key_values[0] if finding.key_values else "").split(",") if part}


def evaluate_rules(findings: Iterable[Finding], folder: str | Path | None, labels_path: str | Path) -> dict:
    """Precision per rule and recall per pattern of one screening run against ``labels.csv``.

    Examples:
        >>> report = evaluate_rules(result.findings, folder, folder / "labels.csv")  # doctest: +SKIP
        >>> report["recall"]["paid_after_death"]["recall"]  # doctest: +SKIP
        1.0
    """
    labels = read_labels(labels_path)
    findings = list(findings)
    rules: dict[str, dict] = {}
    found: dict[str, set[str]] = {}
    for f in findings:
        entry = rules.setdefault(f.rule_id, {"alerts": 0, "true": 0, "pattern": None, "precision": None})
        entry["alerts"] += 1
        if f.rule_id not in RULE_PATTERNS:
            continue
        pattern, how = RULE_PATTERNS[f.rule_id]
        entry["pattern"] = pattern
        hit = _subjects(f, how) & labels.get(pattern, set())
        if hit:
            entry["true"] += 1
            found.setdefault(pattern, set()).update(hit)
    for entry in rules.values():
        if entry["pattern"] is not None:
            entry["precision"] = round(entry["true"] / entry["alerts"], 4)
    recall: dict[str, dict] = {}
    for pattern in sorted({p for p, _ in RULE_PATTERNS.values()}):
        injected = labels.get(pattern, set())
        if not injected:
            continue
        hits = found.get(pattern, set()) & injected
        recall[pattern] = {"injected": len(injected), "found": len(hits),
                           "recall": round(len(hits) / len(injected), 4), "red": pattern in RED_PATTERNS,
                           "missed": [_shown(x) for x in sorted(injected - hits)[:20]]}
    return {"rules": dict(sorted(rules.items())), "recall": recall}
