"""Suspension and resumption, death, recovery, recalculation and adjustment — each on both databases."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

from benefits_builders import bank_card, grant, make_person, on
from sqlalchemy import func, select


def _pay(session, benefit, *periods, paid=True):
    from shebao.benefits.service import add_payment

    for period in periods:
        p = add_payment(session, benefit, period=period, kind="regular", amount=benefit.monthly_amount)
        if paid:
            p.status, p.paid_date = "paid", date.fromisoformat(period + "-15")
    session.commit()


def _registry_row(session, model, **fields):
    from shebao.registry.loader import row_digest

    session.add(model(**fields, row_hash=row_digest({k: str(v) for k, v in fields.items()})))
    session.commit()


def _actions(session, entity_id=None):
    from shebao.audit.models import AuditEntry

    stmt = select(AuditEntry.action)
    if entity_id:
        stmt = stmt.where(AuditEntry.entity_id == entity_id)
    return list(session.scalars(stmt.order_by(AuditEntry.seq)))


def _payments(session, benefit_id):
    from shebao.registry.models import Payment

    return {(p.period, p.kind): p for p in session.scalars(select(Payment).where(Payment.benefit_id == benefit_id))}


def test_custodial_sentence_suspends_pension_and_ends_unemployment(session, person):
    from shebao.benefits.events import sync_registry
    from shebao.benefits.models import Debt, Suspension
    from shebao.benefits.payroll import run_payroll
    from shebao.registry.models import Certification, Incarceration

    pension = grant(session, person, app="A1", start=date(2025, 1, 1))
    other = make_person(session, 2)
    _registry_row(session, Certification, person_id=person.person_id, certified_date=date(2025, 12, 1),
                  method="face")
    unemp = grant(session, other, app="A2", kind="unemployment", start=date(2026, 1, 1), amount="1800.00")
    _pay(session, pension, "2026-01", "2026-02", "2026-03", "2026-04")
    _pay(session, unemp, "2026-01", "2026-02", "2026-03")
    for p, start, end in ((person, date(2026, 2, 10), date(2026, 5, 20)), (other, date(2026, 2, 3), None)):
        _registry_row(session, Incarceration, id_number=p.id_number, id_number_bidx=p.id_number_bidx,
                      start_date=start, end_date=end, source="justice")
    out = sync_registry(session, as_of=date(2026, 6, 30))
    session.commit()
    assert out["incarcerations"] == 2
    s = session.scalar(select(Suspension).where(Suspension.benefit_id == pension.benefit_id,
                                                Suspension.reason_code == "incarceration"))
    # suspended from the month after the start, resumed from the month after release, months not paid
    assert (s.from_period, s.resume_period, s.status) == ("2026-03", "2026-06", "resumed")
    assert pension.status == "active"
    debts = {d.benefit_id: d for d in session.scalars(select(Debt))}
    assert debts[pension.benefit_id].principal == Decimal("6000.00")  # March and April were paid
    assert json.loads(debts[pension.benefit_id].periods) == ["2026-03", "2026-04"]
    # unemployment ends for good after the month the sentence began; March is overpaid
    session.refresh(unemp)
    assert unemp.status == "terminated" and unemp.end_date == date(2026, 2, 28)
    assert debts[unemp.benefit_id].principal == Decimal("1800.00")
    assert sync_registry(session, as_of=date(2026, 6, 30))  # again: nothing new
    session.commit()
    assert session.scalar(select(func.count()).select_from(Debt)) == 2
    r = run_payroll("2026-05", today=on("2026-05"), sync=False)
    assert r.created == 0 and r.skipped_suspended == 1
    r = run_payroll("2026-06", today=on("2026-06"), sync=False)
    pays = _payments(session, pension.benefit_id)
    assert ("2026-06", "regular") in pays and ("2026-05", "regular") not in pays
    # the deduction of the pension's debt rides on June's payment, within the limit
    rec = pays[("2026-06", "recovery")]
    assert rec.amount == Decimal("-1500.00")
    assert "benefit.suspend" in _actions(session, pension.benefit_id)
    assert "benefit.terminate" in _actions(session, unemp.benefit_id)


def test_overdue_certification_suspends_and_later_certification_pays_the_gap(session, person):
    from shebao.benefits.models import Notice, Suspension
    from shebao.benefits.suspension import check_certifications, record_certification
    from shebao.registry.models import Certification

    b = grant(session, person, start=date(2025, 1, 1))
    _registry_row(session, Certification, person_id=person.person_id, certified_date=date(2025, 1, 10), method="face")
    # due 2026-01-10, grace (90 days) ends 2026-04-10: not yet overdue on 2026-04-10
    assert check_certifications(session, as_of=date(2026, 4, 10))["certification_suspended"] == 0
    assert check_certifications(session, as_of=date(2026, 4, 11))["certification_suspended"] == 1
    session.commit()
    s = session.scalar(select(Suspension).where(Suspension.benefit_id == b.benefit_id))
    assert s.from_period == "2026-05" and s.backpay_on_resume and b.status == "suspended"
    out = record_certification(session, person_id=person.person_id, certified_date=date(2026, 8, 3), method="bank")
    session.commit()
    assert out["certification_resumed"] == 1
    session.refresh(s)
    assert (s.status, s.resume_period) == ("resumed", "2026-08")
    backpay = _payments(session, b.benefit_id)[("2026-08", "backpay")]
    assert backpay.amount == Decimal("9000.00")  # May, June, July
    assert b.status == "active"
    kinds = set(session.scalars(select(Notice.kind).where(Notice.benefit_id == b.benefit_id)))
    assert {"suspension", "resumption"} <= kinds
    assert "certification.record" in _actions(session, person.person_id)


def test_death_stops_benefits_opens_survivor_case_and_demands_overpayment(session, person):
    from shebao.benefits.death import process_death
    from shebao.benefits.models import Debt, SurvivorCase
    from shebao.benefits.payroll import run_payroll

    inputs = {"retirement_date": "2024-12", "birth_date": "1964-12", "original_retirement_age": 60,
              "avg_contribution_index": "1.0", "contribution_months": 400, "account_balance": "90000.00",
              "assessed_on": "2025-01-10", "region": "370000"}
    b = grant(session, person, start=date(2025, 1, 1), amount="3500.00",
              assessment={"inputs": inputs, "result": {"account_pension": "647.48", "total": "3500.00"}})
    _pay(session, b, "2026-01", "2026-02", "2026-03", "2026-04")
    out = process_death(session, person_id=person.person_id, death_date=date(2026, 2, 14), source="counter")
    session.commit()
    assert out["stopped"] == [b.benefit_id] and out["overpayment"] == "7000.00"
    assert b.status == "terminated" and b.end_date == date(2026, 2, 28)
    debt = session.scalar(select(Debt))
    assert debt.method == "demand" and debt.status == "demanded" and debt.demand_due is not None
    case = session.scalar(select(SurvivorCase))
    items = {i["kind"]: i for i in json.loads(case.items)}
    # funeral grant and survivor payment rest on Shandong's 2025 urban disposable income, not sourced:
    # named, not guessed (人社部发〔2021〕18号 第四条、第五条)
    assert items["funeral_grant"]["amount"] is None
    assert "wages.provincial_urban_disposable_income" in items["funeral_grant"]["missing"]
    assert items["survivor_grant"]["amount"] is None and "第五条" in items["survivor_grant"]["reference"]
    # account at retirement minus the account pension paid through the death month (March and April
    # are being recovered, so they do not reduce the account)
    assert items["account_inheritance"]["amount"] == f"{Decimal('90000.00') - Decimal('647.48') * 2:.2f}"
    again = process_death(session, person_id=person.person_id, death_date=date(2026, 2, 14))
    session.commit()
    assert again["survivor_case"]["id"] == case.id and session.scalar(select(func.count()).select_from(Debt)) == 1
    assert run_payroll("2026-03", today=on("2026-03"), sync=False).created == 0
    assert "benefit.death" in _actions(session, person.person_id)


def test_work_injury_death_grants_through_policy_engine(session, person, tmp_path):
    from shebao.benefits.death import grant_survivor_items, process_death
    from shebao.benefits.payroll import run_payroll
    from shebao.registry.models import Payment

    out = process_death(session, person_id=person.person_id, death_date=date(2025, 4, 1), work_injury={
        "injury_date": "2025-03-10", "avg_monthly_wage": "6000", "region": "370000",
        "dependants": [{"relation": "spouse"}, {"relation": "other", "orphan_or_lone_elderly": True}]})
    session.commit()
    case = out["survivor_case"]
    assert case["scheme"] == "injury"
    amounts = [(i["kind"], i["amount"]) for i in case["items"]]
    from shebao.policy import calc_injury

    ref = calc_injury({"injury_date": "2025-03-10", "avg_monthly_wage": "6000", "death_date": "2025-04-01",
                       "region": "370000", "dependants": [{"relation": "spouse"},
                                                          {"relation": "other", "orphan_or_lone_elderly": True}]})
    assert amounts == [("funeral_grant", ref["funeral_grant"]),
                       *[("injury_survivor_pension", a) for a in ref["survivor_pensions"]],
                       ("death_grant", ref["death_grant"])]
    granted = grant_survivor_items(session, case_id=case["id"], bank_account=bank_card(7))
    session.commit()
    assert sorted(b.kind for b in granted) == ["death_grant", "funeral_grant", "injury_survivor_pension",
                                               "injury_survivor_pension"]
    assert {b.start_date for b in granted} == {date(2025, 5, 1)}
    run_payroll("2025-05", today=on("2025-05"), sync=False)
    run_payroll("2025-06", today=on("2025-06"), sync=False)
    rows = session.execute(select(Payment.kind, Payment.period, Payment.amount)).all()
    one_off = sorted((k, p, a) for k, p, a in rows if k == "one_off")
    assert one_off == sorted([("one_off", "2025-05", Decimal(ref["funeral_grant"])),
                              ("one_off", "2025-05", Decimal(ref["death_grant"]))])
    assert sum(1 for k, p, _ in rows if k == "regular") == 4  # two dependants × two months
    # a one-off grant paid by the bank is done
    from shebao.benefits.payroll import apply_returns

    funeral = next(b for b in granted if b.kind == "funeral_grant")
    pay = session.scalar(select(Payment).where(Payment.benefit_id == funeral.benefit_id))
    f = tmp_path / "r.csv"
    f.write_text(f"payment_id,result,paid_date,amount,reason\n{pay.payment_id},paid,2025-05-20,{pay.amount:.2f},\n")
    apply_returns(session, f)
    session.commit()
    assert (funeral.status, funeral.end_date) == ("terminated", funeral.start_date)


def test_recovery_by_deduction_then_repayment_and_demand(session, person):
    from shebao.benefits.models import Debt
    from shebao.benefits.payroll import run_payroll
    from shebao.benefits.recovery import debt_json, demand, repay
    from shebao.benefits.service import compute_overpayment

    b = grant(session, person, start=date(2026, 1, 1), amount="2000.00")
    _pay(session, b, "2026-01", "2026-02")
    amount = compute_overpayment(session, benefit_id=b.benefit_id, periods=["2026-01", "2026-02"],
                                 reason="重复核定", reason_code="error", source_ref="e1")
    session.commit()
    assert amount == Decimal("4000.00")
    debt = session.scalar(select(Debt))
    run_payroll("2026-03", today=on("2026-03"), sync=False, max_deduction_rate=Decimal("0.25"))
    run_payroll("2026-04", today=on("2026-04"), sync=False, max_deduction_rate=Decimal("0.25"))
    run_payroll("2026-04", today=on("2026-04"), sync=False, max_deduction_rate=Decimal("0.25"))  # rerun: no second deduction
    session.refresh(debt)
    assert debt.recovered == Decimal("1000.00") and debt.status == "deducting"
    pays = _payments(session, b.benefit_id)
    assert pays[("2026-03", "recovery")].amount == Decimal("-500.00")
    repay(session, debt_id=debt.id, amount=Decimal("1000.00"), receipt="R1")
    demand(session, debt_id=debt.id)
    session.commit()
    run_payroll("2026-05", today=on("2026-05"), sync=False)  # a demanded debt is not deducted any more
    assert ("2026-05", "recovery") not in _payments(session, b.benefit_id)
    view = debt_json(session, debt)
    assert (view["outstanding"], view["status"]) == ("2000.00", "demanded")
    assert [r["method"] for r in view["recoveries"]] == ["deduction", "deduction", "repayment"]
    repay(session, debt_id=debt.id, amount=Decimal("2000.00"), receipt="R2")
    session.commit()
    assert debt.status == "recovered"
    assert {"debt.open", "debt.deduct", "debt.repay", "debt.demand"} <= set(_actions(session))


def test_provisional_pension_recalculated_with_backpay_when_base_published(session, person):
    from shebao.benefits.models import BenefitAssessment, Notice
    from shebao.benefits.payroll import run_payroll
    from shebao.policy import calc_pension, recalculate_pension
    from shebao.policy.store import parameters_for, set_parameter

    inputs = {"retirement_date": "2026-02", "birth_date": "1965-01", "original_retirement_age": 60,
              "avg_contribution_index": "1.2", "contribution_months": 420, "pre_account_months": 60,
              "account_balance": 120000, "assessed_on": "2026-03-05", "region": "370000"}
    result = calc_pension(inputs)
    assert result["provisional"]
    b = grant(session, person, start=date(2026, 3, 1), amount=result["total"], provisional=True,
              assessment={"inputs": inputs, "result": {k: v for k, v in result.items() if k != "trace"}})
    for period in ("2026-03", "2026-04", "2026-05", "2026-06"):
        run_payroll(period, sync=False, today=on(period))
    # the base is not published yet: the payroll's sync leaves it provisional
    run_payroll("2026-07", today=on("2026-07"), as_of=date(2026, 7, 31))
    assert session.get(BenefitAssessment, b.benefit_id).provisional
    set_parameter(session, name="pension.base", region="370000", effective_from=date(2026, 1, 1), value="8000",
                  reference={"title": "测试用计发基数通知", "document": "测试〔2026〕1号"}, published=date(2026, 11, 20))
    session.commit()
    expected = recalculate_pension(inputs, recalculated_on=date(2026, 12, 1), paid_through="2026-07",
                                   params=parameters_for(session))
    assert not expected["still_provisional"]
    run_payroll("2026-12", today=on("2026-12"), as_of=date(2026, 12, 1))  # sync recalculates before paying December
    session.refresh(b)
    a = session.get(BenefitAssessment, b.benefit_id)
    assert not a.provisional and a.finalised_on == date(2026, 12, 1)
    assert b.monthly_amount == Decimal(expected["final_total"])
    pays = _payments(session, b.benefit_id)
    assert pays[("2026-12", "backpay")].amount == Decimal(expected["backpay"])  # March–July: 5 months
    assert expected["backpay_months"] == 5
    assert pays[("2026-12", "regular")].amount == Decimal(expected["final_total"])
    notice = session.scalar(select(Notice).where(Notice.kind == "recalculation"))
    assert expected["backpay"] in notice.data and "第八十三条" in notice.data
    assert "benefit.recalculate" in _actions(session, b.benefit_id)


def test_yearly_adjustment_with_arrears_when_applied_late(session, person):
    from shebao.benefits.adjustment import apply_adjustment
    from shebao.policy import pension_adjustment
    from shebao.policy.store import parameters_for, set_parameter

    b = grant(session, person, start=date(2024, 6, 1), amount="3000.00",
              assessment={"inputs": {"contribution_months": 385}})
    _pay(session, b, "2026-01", "2026-02", "2026-03")
    missing = apply_adjustment(session, year=2026, on=date(2026, 4, 10))
    assert missing["adjusted"] == 0 and missing["missing"]  # the shipped tree has no amounts: nothing guessed
    ref = {"title": "测试用 2026 年调待通知", "document": "测试〔2026〕2号"}
    for name, value in (("fixed_amount", "30"), ("rate", "0.01"), ("per_year_amount", "1.5")):
        set_parameter(session, name=f"pension.adjustment.{name}", region="370000", effective_from=date(2026, 1, 1),
                      value=value, reference=ref)
    session.commit()
    out = apply_adjustment(session, year=2026, on=date(2026, 4, 10))
    session.commit()
    expected = pension_adjustment(pension="3000.00", contribution_months=385, year=2026, region="370102",
                                  params=parameters_for(session))
    assert expected["increase"] == "108.00"  # 30 + 3000 × 1% + 32 whole years × 1.5
    assert out["adjusted"] == 1 and b.monthly_amount == Decimal("3108.00")
    pays = _payments(session, b.benefit_id)
    assert pays[("2026-04", "adjustment")].amount == Decimal("324.00")  # January–March arrears
    assert apply_adjustment(session, year=2026, on=date(2026, 4, 11))["already"] == 1
    assert "benefit.adjust" in _actions(session, b.benefit_id)


def test_screening_handoff_suspends_and_recovers(session, person):
    import shebao.benefits as benefits
    from shebao.benefits.models import Debt, Suspension
    from shebao.registry.models import Death

    b = grant(session, person, start=date(2026, 1, 1))
    _pay(session, b, "2026-01", "2026-02", "2026-03")
    _registry_row(session, Death, id_number=person.id_number, id_number_bidx=person.id_number_bidx,
                  name=person.name, death_date=date(2026, 1, 20), source="funeral")
    out = benefits.suspend_and_recover(session, person_id=person.person_id, benefit_id=b.benefit_id, rule_id="R01",
                                       reason="疑点 1（R01）经稽核确认", alert_id=1)
    assert out["action"] == "death" and out["overpayment"] == "6000.00"
    other = grant(session, make_person(session, 2), app="A2", start=date(2026, 1, 1))
    out = benefits.suspend_and_recover(session, person_id=other.person_id, benefit_id=other.benefit_id,
                                       rule_id="R03", reason="疑点 2（R03）经稽核确认", alert_id=2,
                                       as_of=date(2026, 4, 2))
    session.commit()
    assert out["action"] == "suspended" and other.status == "suspended"
    s = session.scalar(select(Suspension).where(Suspension.benefit_id == other.benefit_id))
    assert (s.reason_code, s.from_period, s.source_ref) == ("alert", "2026-04", "alert:2")
    assert session.scalar(select(func.count()).select_from(Debt)) == 1


def test_registry_death_is_applied_by_the_payroll_sync(session, person):
    from shebao.benefits.models import Debt, SurvivorCase
    from shebao.benefits.payroll import run_payroll
    from shebao.registry.models import Certification, Death

    b = grant(session, person, start=date(2025, 1, 1))
    _registry_row(session, Certification, person_id=person.person_id, certified_date=date(2025, 12, 1), method="face")
    _pay(session, b, "2026-01", "2026-02", "2026-03")
    _registry_row(session, Death, id_number=person.id_number, id_number_bidx=person.id_number_bidx,
                  name=person.name, death_date=date(2026, 1, 31), source="civil_affairs")
    s = run_payroll("2026-04", today=on("2026-04"), as_of=date(2026, 4, 30))
    assert s.sync["deaths"] == 1 and s.created == 0
    session.refresh(b)
    assert b.status == "terminated" and b.end_date == date(2026, 1, 31)
    assert session.scalar(select(Debt.principal)) == Decimal("6000.00")  # February and March
    assert session.scalar(select(SurvivorCase.scheme)) == "enterprise"
    assert run_payroll("2026-05", today=on("2026-05"), as_of=date(2026, 5, 31)).sync["deaths"] == 0  # processed once


def test_a_deduction_on_a_payment_given_up_on_is_undone(session, person, tmp_path):
    from shebao.benefits.models import Debt
    from shebao.benefits.payroll import apply_returns, run_payroll
    from shebao.benefits.service import compute_overpayment, payment_id_for

    b = grant(session, person, start=date(2026, 1, 1), amount="2000.00")
    _pay(session, b, "2026-01")
    compute_overpayment(session, benefit_id=b.benefit_id, periods=["2026-01"], reason="错发", reason_code="error",
                        source_ref="e1")
    session.commit()
    run_payroll("2026-02", today=on("2026-02"), sync=False)
    debt = session.scalar(select(Debt))
    assert debt.recovered == Decimal("1000.00")
    regular = payment_id_for(b.benefit_id, "2026-02", "regular")
    f = tmp_path / "r.csv"
    for _ in range(2):
        f.write_text(f"payment_id,result,paid_date,amount,reason\n{regular},failed,,2000.00,账户冻结\n")
        apply_returns(session, f, max_attempts=2)
        session.commit()
        period = "2026-03" if _ == 0 else "2026-04"
        run_payroll(period, today=on(period), sync=False, max_attempts=2, max_deduction_rate=Decimal("0"))
    session.refresh(debt)
    pays = _payments(session, b.benefit_id)
    assert pays[("2026-02", "regular")].status == "failed" and pays[("2026-02", "recovery")].status == "failed"
    assert debt.recovered == Decimal("0.00") and debt.status == "open"
    assert "debt.deduction_undone" in _actions(session)


def test_partial_yearly_adjustment_applies_what_is_known_then_the_rest(session, person):
    """Shandong 2025: only the fixed 27.3 is sourced; the run applies it, names what is missing, and a
    later run with the missing values applies only the difference (with its arrears)."""
    from shebao.benefits.adjustment import apply_adjustment
    from shebao.policy.store import set_parameter

    b = grant(session, person, start=date(2024, 6, 1), amount="3000.00",
              assessment={"inputs": {"contribution_months": 400}})
    _pay(session, b, "2025-01", "2025-02")
    out = apply_adjustment(session, year=2025, on=date(2025, 3, 10))
    session.commit()
    assert out["adjusted"] == 1 and out["partial"] == 1 and b.monthly_amount == Decimal("3027.30")
    assert any("pension.adjustment.rate" in m for m in out["missing"])
    assert _payments(session, b.benefit_id)[("2025-03", "adjustment")].amount == Decimal("54.60")  # Jan–Feb
    again = apply_adjustment(session, year=2025, on=date(2025, 3, 11))  # nothing new known: nothing changes
    session.commit()
    assert again["adjusted"] == 0 and b.monthly_amount == Decimal("3027.30")
    ref = {"title": "测试用 2025 年调待通知其余部分", "document": "测试〔2025〕6号"}
    set_parameter(session, name="pension.adjustment.rate", region="370000", effective_from=date(2025, 1, 1),
                  value="0.01", reference=ref)
    set_parameter(session, name="pension.adjustment.per_year_bands", region="370000",
                  effective_from=date(2025, 1, 1), value={"1": "1"}, reference=ref)
    set_parameter(session, name="pension.adjustment.age_tilt", region="370000", effective_from=date(2025, 1, 1),
                  value={"70": "10"}, reference=ref)
    session.commit()
    _pay(session, b, "2025-03")
    done = apply_adjustment(session, year=2025, on=date(2025, 4, 10))
    session.commit()
    # 27.30 + 3000 × 1% + 34 years × 1 + 0 (aged 62) = 91.30 on the pension before 2025; 64.00 more now
    assert done["adjusted"] == 1 and not done.get("partial") and b.monthly_amount == Decimal("3091.30")
    assert _payments(session, b.benefit_id)[("2025-04", "adjustment")].amount == Decimal("192.00")  # 3 × 64
    assert apply_adjustment(session, year=2025, on=date(2025, 4, 11))["already"] == 1


def test_unemployment_benefit_follows_the_minimum_wage(session):
    """Dongying: 1980 (90% × 2200) becomes 2160 from 2025-10-01 with the new standard; payroll's sync
    re-sets it, pays the months already paid at the old amount, and says so in a notice."""
    from shebao.benefits.models import Notice
    from shebao.benefits.unemployment import follow_minimum_wage

    ruled = make_person(session, 11, birth=date(1985, 3, 1), region="370502")
    by_hand = make_person(session, 12, birth=date(1986, 3, 1), region="370502")
    session.commit()
    b = grant(session, ruled, kind="unemployment", start=date(2025, 6, 1), amount="1980.00", app="SY1")
    h = grant(session, by_hand, kind="unemployment", start=date(2025, 6, 1), amount="1900.00", app="SY2",
              account=bank_card(12))
    _pay(session, b, "2025-09", "2025-10", "2025-11")
    before = follow_minimum_wage(session, as_of=date(2025, 9, 30))
    assert before["followed"] == 0 and b.monthly_amount == Decimal("1980.00")
    out = follow_minimum_wage(session, as_of=date(2025, 11, 30))
    session.commit()
    assert out["followed"] == 1 and b.monthly_amount == Decimal("2160.00")
    assert h.monthly_amount == Decimal("1900.00")  # a reviewer's amount is left to a person
    assert _payments(session, b.benefit_id)[("2025-11", "adjustment")].amount == Decimal("360.00")  # Oct, Nov
    notice = session.scalar(select(Notice).where(Notice.benefit_id == b.benefit_id, Notice.kind == "adjustment"))
    assert notice.title == "失业保险金标准调整通知书" and "2160.00" in notice.data and "鲁政字〔2025〕140号" in notice.data
    assert "benefit.minimum_wage" in _actions(session, b.benefit_id)
    assert follow_minimum_wage(session, as_of=date(2025, 12, 31))["followed"] == 0  # once
