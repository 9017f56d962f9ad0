"""Review queue: claims, four eyes, deadlines in working days, and concurrent claims (SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal

import pytest
from cases_builders import payload, session_as
from sqlalchemy import select

from shebao.cases import calendar
from shebao.cases.models import Application
from shebao.cases.pipeline import submit_application
from shebao.cases.queue import ReviewError, claim, decide, list_queue
from shebao.cases.schemas import ApplicationCreate


def submit(body, on=dt.date(2025, 3, 10)):
    with session_as() as s:
        app, _ = submit_application(s, ApplicationCreate.model_validate(body), on=on)
        return app.application_no


def review_case(registry, key: str, on=dt.date(2025, 3, 10), birth="1980-05-01") -> str:
    # unemployment without a known amount: the rules cannot set it, so a reviewer must
    person = registry.person(birth=birth, unemployment=True, detail=("2022-01", "2025-02"))
    return submit(payload("unemployment", person, key), on=on)


def test_deadlines_count_working_days_across_holidays_and_makeup_days():
    # received Friday 26 Sep 2025: Sunday 28 Sep is a make-up working day, 1–8 Oct are holidays,
    # Saturday 11 Oct works again
    assert calendar.is_working_day(dt.date(2025, 9, 28))
    assert not calendar.is_working_day(dt.date(2025, 10, 6))
    assert calendar.deadline_for("unemployment", dt.date(2025, 9, 26)) == dt.date(2025, 10, 16)
    assert calendar.deadline_for("pension", dt.date(2025, 9, 30)) == dt.date(2025, 11, 4)
    # plain weeks: 10 working days = two calendar weeks
    assert calendar.deadline_for("unemployment", dt.date(2025, 3, 10)) == dt.date(2025, 3, 24)
    # Spring Festival 2026: 15–23 Feb off, Saturdays 14 and 28 Feb worked
    assert calendar.add_working_days(dt.date(2026, 2, 13), 1) == dt.date(2026, 2, 14)
    assert calendar.add_working_days(dt.date(2026, 2, 14), 1) == dt.date(2026, 2, 24)
    assert calendar.working_days_between(dt.date(2025, 9, 26), dt.date(2025, 10, 16)) == 10
    assert calendar.covered(2026) and not calendar.covered(2030)


def test_cases_near_their_deadline_rise_in_the_queue(registry):
    late = review_case(registry, "k-late", on=dt.date(2025, 9, 26), birth="1980-05-01")  # deadline 16 Oct
    early = review_case(registry, "k-early", on=dt.date(2025, 10, 9), birth="1981-05-01")  # deadline 23 Oct
    with session_as("r1", "reviewer") as s:
        queue = list_queue(s, on=dt.date(2025, 10, 13))
    assert [q["application_no"] for q in queue] == [late, early]
    assert queue[0]["working_days_left"] == 3 and queue[0]["urgent"] is True
    assert queue[1]["urgent"] is False
    with session_as("r1", "reviewer") as s:
        assert claim(s).application_no == late


def set_minimum_wage(value: str = "2200", region: str = "370000") -> None:
    from shebao.policy.store import set_parameter

    with session_as("admin", "admin") as s:
        set_parameter(s, name="wages.minimum_monthly", region=region, effective_from=dt.date(2023, 10, 1),
                      value=value, reference={"title": "测试用最低工资标准", "document": "测试"})


def test_four_eyes_above_the_threshold(registry):
    # the rules' amount is 90% of it: 2430.00, below the 2500.00 threshold, so the proposal decides
    set_minimum_wage("2700")
    no = review_case(registry, "k-4e")
    with session_as("r1", "reviewer") as s:
        claim(s, application_no=no)
        app = decide(s, application_no=no, action="approve", monthly_amount="2600", comment="按地方标准核定",
                     comment_visibility="internal")
        assert app.status == "review" and app.review_stage == "second" and app.benefit_id is None
    with session_as("r1", "reviewer") as s, pytest.raises(ReviewError):
        claim(s, application_no=no)  # the same reviewer cannot be the second pair of eyes
    with session_as("r1", "reviewer") as s, pytest.raises(ReviewError):
        claim(s)  # nor take it as "next in the queue"
    with session_as("r2", "reviewer") as s:
        assert claim(s).application_no == no
        app = decide(s, application_no=no, action="approve")
        assert app.status == "approved" and app.benefit_id and app.final_reviewer == "r2"
    # below the threshold one reviewer is enough
    small = review_case(registry, "k-small", birth="1982-05-01")
    with session_as("r1", "reviewer") as s:
        claim(s, application_no=small)
        assert decide(s, application_no=small, action="approve", monthly_amount="1800").status == "approved"


def test_second_reviewer_returning_to_the_first_counts_as_a_review_error_and_returns_count(registry):
    from shebao.cases.metrics import stats

    set_minimum_wage("3000")
    no = review_case(registry, "k-err")
    with session_as("r1", "reviewer") as s:
        claim(s, application_no=no)
        decide(s, application_no=no, action="approve", monthly_amount="2600")
    with session_as("r2", "reviewer") as s:
        claim(s, application_no=no)
        with pytest.raises(ReviewError, match="第二次复核只能确认第一复核员的核准意见，或退回第一复核员"):
            decide(s, application_no=no, action="reject", comment="离职证明显示为本人辞职",
                   comment_visibility="applicant")  # the second pair of eyes confirms or sends back
        with pytest.raises(ReviewError):
            decide(s, application_no=no, action="return_to_first", comment="")  # a return needs its reason
        app = decide(s, application_no=no, action="return_to_first", comment="离职证明显示为本人辞职，请重新认定",
                     comment_visibility="internal")
        assert app.status == "review" and app.review_stage == "first" and app.claimed_by == "r1"
        assert app.proposed_amount is None
    with session_as("r1", "reviewer") as s:
        # a new proposal restarts the four eyes, even below the threshold
        app = decide(s, application_no=no, action="approve", monthly_amount="2000")
        assert app.review_stage == "second" and app.status == "review"
    with session_as("r2", "reviewer") as s:
        claim(s, application_no=no)
        assert decide(s, application_no=no, action="approve").monthly_amount == Decimal("2000.00")
    ret = review_case(registry, "k-ret", birth="1983-05-01")
    with session_as("r1", "reviewer") as s:
        claim(s, application_no=ret)
        with pytest.raises(ReviewError, match="告知申请人"):
            decide(s, application_no=ret, action="return", comment="请补充解除劳动合同证明", comment_visibility="internal")
        assert decide(s, application_no=ret, action="return", comment="请补充解除劳动合同证明",
                      comment_visibility="applicant").status == "returned"
    with session_as("a1", "analyst") as s:
        figures = stats(s)
    assert figures["review_error_rate"] == 0.5 and figures["second_reviews"] == 2
    assert figures["return_rate"] == 0.5 and figures["review_rate"] == 1.0
    for key in ("median_decision_ms", "p95_decision_ms", "straight_through_rate", "rejection_rate"):
        assert key in figures


def test_only_reviewers_claim_and_only_the_holder_decides(registry):
    no = review_case(registry, "k-roles")
    with session_as("c1", "clerk") as s, pytest.raises(PermissionError):
        claim(s, application_no=no)
    with session_as("r1", "reviewer") as s:
        claim(s, application_no=no)
    with session_as("r2", "reviewer") as s:
        with pytest.raises(ReviewError, match=f"申请 {no} 已由 r1 认领"):
            claim(s, application_no=no)
        with pytest.raises(ReviewError):
            decide(s, application_no=no, action="approve", monthly_amount="1000")


def _race(n_workers: int, fn):
    barrier = threading.Barrier(n_workers)
    results: list = [None] * n_workers

    def run(i: int) -> None:
        barrier.wait()
        try:
            results[i] = fn(i)
        except Exception as exc:  # noqa: BLE001 - collected for the assertions
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n_workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def test_two_reviewers_never_hold_the_same_case(registry):
    a = review_case(registry, "k-pg1", birth="1980-05-01")
    b = review_case(registry, "k-pg2", birth="1981-05-01")

    def take_next(i: int) -> str:
        with session_as(f"rev{i}", "reviewer") as s:
            return claim(s).application_no

    got = _race(2, take_next)
    assert sorted(got) == sorted([a, b]), got  # each took a different case (SKIP LOCKED on PostgreSQL)
    c = review_case(registry, "k-pg3", birth="1982-05-01")

    def take_named(i: int) -> str:
        with session_as(f"rev{i}", "reviewer") as s:
            return claim(s, application_no=c).claimed_by

    got = _race(2, take_named)
    winners = [g for g in got if isinstance(g, str)]
    assert len(winners) == 1 and isinstance([g for g in got if not isinstance(g, str)][0], ReviewError)
    with session_as() as s:
        assert s.execute(select(Application.claimed_by).where(Application.application_no == c)).scalar_one() == winners[0]


def test_concurrent_submissions_with_one_key_make_one_application(registry):
    person = registry.person()
    body = payload("pension", person, "k-race")

    def send(_i: int) -> str:
        with session_as() as s:
            app, _ = submit_application(s, ApplicationCreate.model_validate(body), on=dt.date(2025, 3, 10))
            return app.application_no

    with session_as():
        pass  # the clerk exists before the race
    got = _race(4, send)
    assert all(isinstance(g, str) for g in got), got
    assert len(set(got)) == 1
    with session_as() as s:
        assert len(s.execute(select(Application.id)).all()) == 1


def test_the_queue_is_searched_filtered_sorted_and_paged_in_the_database(registry):
    from shebao.cases.queue import search_queue

    received = [dt.date(2025, 3, 10), dt.date(2025, 3, 11), dt.date(2025, 3, 12), dt.date(2025, 3, 13)]
    numbers = [review_case(registry, f"k-page-{i}", on=day, birth=f"198{i}-05-01") for i, day in enumerate(received)]
    with session_as("r1", "reviewer") as s:
        page1, total = search_queue(s, on=dt.date(2025, 3, 14), limit=3)
        page2, _ = search_queue(s, on=dt.date(2025, 3, 14), limit=3, offset=3)
        assert total == 4 and [r["application_no"] for r in page1 + page2] == numbers  # deadline order
        latest_first, _ = search_queue(s, sort="-deadline", limit=10)
        assert [r["application_no"] for r in latest_first] == numbers[::-1]
        window, n = search_queue(s, received_from="2025-03-11", received_to="2025-03-12", limit=10)
        assert n == 2 and [r["application_no"] for r in window] == numbers[1:3]
        one, n = search_queue(s, application_no=numbers[2].lower(), limit=10)
        assert n == 1 and one[0]["application_no"] == numbers[2]
        who = one[0]["person_id"]
        mine, n = search_queue(s, person_ids={who}, limit=10)
        assert n == 1 and mine[0]["person_id"] == who
        assert search_queue(s, person_ids=set(), limit=10) == ([], 0)  # a name nobody has: nothing
        assert search_queue(s, kind="pension", limit=10) == ([], 0)
        with pytest.raises(ValueError, match="排序"):
            search_queue(s, sort="name")
