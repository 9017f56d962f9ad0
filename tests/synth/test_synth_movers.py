"""``shebao synth --movers``: people with histories in two places, loaded and moved through a transfer;
without the flag nothing changes."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
from decimal import Decimal

AS_OF = dt.date(2026, 6, 30)


def _digest(folder) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def test_movers_are_added_only_when_asked(tmp_path):
    from shebao.synth import generate
    from shebao.synth.movers import add_movers

    generate(300, seed=5, out=tmp_path / "a", as_of=AS_OF, progress=False)
    generate(300, seed=5, out=tmp_path / "b", as_of=AS_OF, progress=False)
    assert _digest(tmp_path / "a") == _digest(tmp_path / "b")
    moved = add_movers(tmp_path / "b", count=8, seed=5, as_of=AS_OF)
    assert moved["cross_province"] == 4 and moved["within_province"] == 4 and moved["contributions"] > 0
    after = _digest(tmp_path / "b")
    assert "movers.csv" in after and after["contributions.csv"] != _digest(tmp_path / "a")["contributions.csv"]
    assert after["payments.csv"] == _digest(tmp_path / "a")["payments.csv"]  # the rest untouched
    # the same seed gives the same movers
    generate(300, seed=5, out=tmp_path / "c", as_of=AS_OF, progress=False)
    add_movers(tmp_path / "c", count=8, seed=5, as_of=AS_OF)
    assert _digest(tmp_path / "c") == after


def test_a_synthetic_mover_loads_and_transfers(tmp_path, db):
    from shebao.cases import transfers as tr
    from shebao.core.db import get_engine, get_sessionmaker
    from shebao.registry.loader import load_folder
    from shebao.synth import generate
    from shebao.synth.movers import add_movers

    folder = tmp_path / "pop"
    generate(300, seed=5, out=folder, as_of=AS_OF, progress=False)
    add_movers(folder, count=8, seed=5, as_of=AS_OF)
    load_folder(folder)
    movers = list(csv.DictReader(open(folder / "movers.csv", encoding="utf-8")))
    cross = next(m for m in movers if m["kind"] == "cross_province")
    within = next(m for m in movers if m["kind"] == "within_province")
    # the pooled part recomputed from the files: 12% of the monthly bases paid in the other province
    # (from 1998) plus the yearly summaries (counted in the registered region, that province)
    rows = [r for r in csv.DictReader(open(folder / "contributions.csv", encoding="utf-8"))
            if r["person_id"] == cross["person_id"] and r["insurance"] == "pension"]
    detail_years = {int(r["period"][:4]) for r in rows}
    wages = sum(Decimal(r["base"]) for r in rows if r["employer_id"].startswith("EX"))
    wages += sum(Decimal(y["avg_base"]) * int(y["months"])
                 for y in csv.DictReader(open(folder / "contribution_years.csv", encoding="utf-8"))
                 if y["person_id"] == cross["person_id"] and y["insurance"] == "pension"
                 and int(y["year"]) >= 1998 and int(y["year"]) not in detail_years)
    expected = (wages * Decimal("0.12")).quantize(Decimal("0.01"))
    s = get_sessionmaker()()
    s.info.update(actor="tester", actor_role="admin", source="test")
    try:
        plan = tr.plan_transfer(s, {"person_id": cross["person_id"], "to_region": cross["to_region"],
                                    "household_region": cross["household_region"], "date": "2026-07-01",
                                    "account_pre1998_own": "0"})
        assert plan["kind"] == "cross_province" and plan["pooled_fund_transfer"] == f"{expected:.2f}"
        assert Decimal(plan["pooled_fund_transfer"]) > 0
        w = tr.plan_transfer(s, {"person_id": within["person_id"], "to_region": within["to_region"],
                                 "household_region": within["household_region"], "date": "2026-07-01",
                                 "account_pre1998_own": "0"})
        assert w["kind"] == "within_province" and w["total_transfer"] == "0.00" and w["years_combined"] != "0.00"
        t, _ = tr.apply(s, raw={k: cross[k] for k in ("person_id", "to_region", "household_region")}
                        | {"account_pre1998_own": "0"}, idempotency_key="synth-1", on=dt.date(2026, 7, 1))
        tr.issue_certificate(s, transfer_no=t.transfer_no, on=dt.date(2026, 7, 2))
        import json

        cert = json.loads(t.certificate)
        by_region = next(x for x in plan["trace"] if x["figure"] == "years_combined")["inputs"]["months_by_region"]
        assert cert["months"] == sum(m for r, m in by_region.items() if r[:2] == cross["from_region"][:2])
        assert any(y["summary"] for y in cert["years"])  # the years before the monthly detail are on it
        tr.accept(s, transfer_no=t.transfer_no, on=dt.date(2026, 7, 3))
        tr.record_fund(s, transfer_no=t.transfer_no, personal=plan["personal_account_transfer"],
                       pooled=plan["pooled_fund_transfer"], on=dt.date(2026, 7, 6))
        s.commit()
        done = tr.move_records_step(get_engine(), transfer_no=t.transfer_no, on=dt.date(2026, 7, 7))
        assert done.status == "done" and done.records_moved == sum(1 for r in rows if r["employer_id"].startswith("EX"))
    finally:
        s.close()
