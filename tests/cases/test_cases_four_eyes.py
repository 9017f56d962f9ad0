"""Four eyes on what is decided, nobody deciding their own case, and the amount's legal bounds (both DBs)."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from cases_builders import payload, session_as
from sqlalchemy import select, update
from test_cases_queue import review_case, set_minimum_wage

from shebao.cases.models import Application, ApplicationNotification
from shebao.cases.queue import ReviewError, claim, decide, list_queue


def _notices(no: str) -> list[str]:
    with session_as() as s:
        app_id = s.execute(select(Application.id).where(Application.application_no == no)).scalar_one()
        return list(s.scalars(select(ApplicationNotification.text).where(ApplicationNotification.application_id == app_id)))


def test_a_second_reviewer_cannot_approve_a_different_amount_or_date(registry):
    set_minimum_wage("3000")
    no = review_case(registry, "k-amt")
    with session_as("r1", "reviewer") as s:
        claim(s, application_no=no)
        app = decide(s, application_no=no, action="approve", monthly_amount="2600", start_date="2025-03-01")
        assert app.review_stage == "second" and app.proposed_amount == Decimal("2600.00")
    with session_as("r2", "reviewer") as s:
        claim(s, application_no=no)
    for other in ({"monthly_amount": "60000"}, {"monthly_amount": "2600.01"}, {"start_date": "2025-02-01"},
                  {"kind": "pension"}):
        with session_as("r2", "reviewer") as s, pytest.raises(ReviewError):
            decide(s, application_no=no, action="approve", **other)
    with session_as("r2", "reviewer") as s:
        app = decide(s, application_no=no, action="approve", monthly_amount="2600.00")  # the same figure confirms
        assert app.status == "approved" and app.monthly_amount == Decimal("2600.00")
        assert app.start_date == dt.date(2025, 3, 1) and app.final_reviewer == "r2"
        from shebao.registry.models import Benefit

        benefit = s.execute(select(Benefit).where(Benefit.benefit_id == app.benefit_id)).scalar_one()
        assert benefit.monthly_amount == Decimal("2600.00")


def test_nobody_decides_their_own_submission_whatever_role_they_hold_now(registry):
    from shebao.users.service import set_role

    set_minimum_wage("3000")
    person = registry.person(birth="1980-05-01", unemployment=True, detail=("2022-01", "2025-02"))
    with session_as("c1", "clerk") as s:
        from shebao.cases.pipeline import submit_application
        from shebao.cases.schemas import ApplicationCreate

        app, _ = submit_application(s, ApplicationCreate.model_validate(payload("unemployment", person, "k-own")),
                                    on=dt.date(2025, 3, 10))
        no = app.application_no
    with session_as("admin", "admin") as s:
        set_role(s, username="c1", role="reviewer")
    with session_as("c1", "reviewer") as s, pytest.raises(ReviewError, match=f"不能复核本人受理或提交的申请（{no} 由 c1 录入）"):
        claim(s, application_no=no)
    with session_as("c1", "reviewer") as s, pytest.raises(ReviewError):
        claim(s)  # not offered as the next case either
    # even holding it (claimed some other way), the domain refuses the decision
    with session_as() as s:
        s.execute(update(Application).where(Application.application_no == no).values(claimed_by="c1"))
    with session_as("c1", "reviewer") as s, pytest.raises(ReviewError, match=f"不能复核本人受理或提交的申请（{no} 由 c1 录入）"):
        decide(s, application_no=no, action="approve", monthly_amount="1800")
    with session_as() as s:
        assert s.execute(select(Application.status).where(Application.application_no == no)).scalar_one() == "review"


def test_the_proposer_cannot_confirm_even_when_the_case_is_put_in_their_hands(registry):
    set_minimum_wage("3000")
    no = review_case(registry, "k-prop")
    with session_as("r1", "reviewer") as s:
        claim(s, application_no=no)
        decide(s, application_no=no, action="approve", monthly_amount="2600")
    with session_as() as s:
        s.execute(update(Application).where(Application.application_no == no).values(claimed_by="r1"))
    with session_as("r1", "reviewer") as s, pytest.raises(ReviewError, match="提出核准意见的复核员不能自己确认"):
        decide(s, application_no=no, action="approve")


def test_unemployment_amount_must_lie_below_the_minimum_wage_and_above_subsistence(registry):
    from shebao.policy.store import set_parameter

    no = review_case(registry, "k-mw")
    # no minimum wage for the region: the amount cannot be checked, so a second reviewer must look
    with session_as("r1", "reviewer") as s:
        claim(s, application_no=no)
        app = decide(s, application_no=no, action="approve", monthly_amount="1800")
        assert app.review_stage == "second" and app.status == "review"
        check = json.loads(app.amount_check)
        assert check[0]["code"] == "minimum_wage_missing" and "最低工资标准未设定" in check[0]["text"]
    set_minimum_wage("2200")
    with session_as("admin", "admin") as s:
        set_parameter(s, name="assistance.urban_minimum_living_monthly", region="370000",
                      effective_from=dt.date(2024, 1, 1), value="900",
                      reference={"title": "测试用低保标准", "document": "测试"})
    other = review_case(registry, "k-mw2", birth="1981-05-01")
    with session_as("r1", "reviewer") as s:
        claim(s, application_no=other)
        with pytest.raises(ReviewError, match="最低工资标准 2200"):
            decide(s, application_no=other, action="approve", monthly_amount="30000")
        with pytest.raises(ReviewError, match="最低生活保障"):
            decide(s, application_no=other, action="approve", monthly_amount="800")
        for bad in ("NaN", "Infinity", "-5", "abc"):
            with pytest.raises(ReviewError, match="monthly_amount"):
                decide(s, application_no=other, action="approve", monthly_amount=bad)
        assert decide(s, application_no=other, action="approve", monthly_amount="1980").status == "approved"


def test_pension_amount_against_the_formula_with_the_agencys_tolerance(db):
    from shebao.cases.checks import check_amount
    from shebao.policy.store import set_parameter

    app = Application(kind="pension", region_code="370600", received_on=dt.date(2025, 3, 10),
                      start_date=dt.date(2025, 4, 1), decision=json.dumps({"result": {"total": "3000.00"}}))
    with session_as("admin", "admin") as s:
        assert check_amount(s, app, Decimal("3000.00")) == ([], [])
        refusals, escalations = check_amount(s, app, Decimal("3020.00"))
        assert not refusals and escalations[0]["code"] == "pension_off_formula" and "3000.00" in escalations[0]["text"]
        set_parameter(s, name="review.pension_tolerance", region="370000", effective_from=dt.date(2024, 1, 1),
                      value="0.01", reference={"title": "测试用容差", "document": "测试"})
    with session_as("admin", "admin") as s:
        assert check_amount(s, app, Decimal("3020.00")) == ([], [])  # within 1 %
        assert check_amount(s, app, Decimal("60000.00"))[1][0]["code"] == "pension_off_formula"
        no_formula = Application(kind="pension", region_code="370600", received_on=dt.date(2025, 3, 10), decision="{}")
        assert check_amount(s, no_formula, Decimal("3000.00"))[1][0]["code"] == "pension_formula_missing"


def test_comments_are_internal_or_for_the_applicant_and_internal_ones_never_reach_the_notice(registry):
    set_minimum_wage("3000")
    no = review_case(registry, "k-cm")
    with session_as("r1", "reviewer") as s:
        claim(s, application_no=no)
        with pytest.raises(ReviewError, match="请选择意见的范围：仅内部可见"):
            decide(s, application_no=no, action="approve", monthly_amount="1800", comment="已电话核实")
        decide(s, application_no=no, action="approve", monthly_amount="1800", comment="内部：已电话核实雇主",
               comment_visibility="internal")
    assert not any("电话核实" in t for t in _notices(no))
    rej = review_case(registry, "k-cm2", birth="1981-05-01")
    with session_as("r1", "reviewer") as s:
        claim(s, application_no=rej)
        with pytest.raises(ReviewError, match="说明理由"):
            decide(s, application_no=rej, action="reject", comment="疑似虚假离职", comment_visibility="internal")
        decide(s, application_no=rej, action="reject", comment="离职证明显示为本人辞职", comment_visibility="applicant")
    assert any("本人辞职" in t for t in _notices(rej))


def test_queue_lists_the_proposal(registry):
    set_minimum_wage("3000")
    no = review_case(registry, "k-q")
    with session_as("r1", "reviewer") as s:
        claim(s, application_no=no)
        decide(s, application_no=no, action="approve", monthly_amount="2600")
    with session_as("r2", "reviewer") as s:
        row = next(r for r in list_queue(s) if r["application_no"] == no)
    assert row["stage"] == "second" and row["proposed_amount"] == "2600.00"





def test_the_threshold_applies_to_the_larger_of_proposal_and_result(registry):
    from cases_builders import set_unemployment_amount

    set_minimum_wage("3000")
    set_unemployment_amount("2600")  # the rules' result is above the four-eyes threshold (2500)
    person = registry.person(birth="1980-05-01", unemployment=True, detail=("2022-01", "2025-02"))
    body = payload("unemployment", person, "k-larger")
    body["facts"]["separation_reason"] = "other"  # a person must look at why the job ended
    with session_as() as s:
        from shebao.cases.pipeline import submit_application
        from shebao.cases.schemas import ApplicationCreate

        app, _ = submit_application(s, ApplicationCreate.model_validate(body), on=dt.date(2025, 3, 10))
        no, result = app.application_no, app.monthly_amount
        assert app.status == "review" and result == Decimal("2600.00")
    with session_as("r1", "reviewer") as s:
        claim(s, application_no=no)
        app = decide(s, application_no=no, action="approve", monthly_amount="2000")  # below the threshold ...
        assert app.review_stage == "second" and app.status == "review"  # ... but the result is not
