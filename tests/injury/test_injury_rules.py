"""The pure law: which item applies to given facts, and the deadlines (工伤保险条例 第十四–十七、二十条)."""

from __future__ import annotations

import datetime as dt

import pytest


@pytest.mark.parametrize(("facts", "expected"), [
    ({"during_work_hours": True, "at_workplace": True, "work_reason": True}, ("injury", 14, 1)),
    ({"preparatory_or_closing": True, "at_workplace": True}, ("injury", 14, 2)),
    ({"during_work_hours": True, "at_workplace": True, "duty_violence": True}, ("injury", 14, 3)),
    ({"occupational_disease": True}, ("injury", 14, 4)),
    ({"business_trip": True, "missing_person": True}, ("injury", 14, 5)),
    ({"business_trip": True, "personal_activity": True}, ("not_injury", None, None)),
    ({"commuting": True, "accident_kind": "ferry", "traffic_responsibility": "full"}, ("injury", 14, 6)),
    ({"commuting": True, "accident_kind": "road", "traffic_responsibility": "equal"}, ("injury", 14, 6)),
    ({"commuting": True, "accident_kind": "road", "traffic_responsibility": "main"}, ("not_injury", None, None)),
    ({"commuting": True, "accident_kind": "road"}, ("unclear", 14, 6)),
    ({"commuting": True, "accident_kind": "other"}, ("not_injury", None, None)),
    ({"other_law": True}, ("injury", 14, 7)),
    ({"sudden_illness": True, "at_post": True, "died": True, "sudden_death_hours": 47}, ("deemed", 15, 1)),
    ({"sudden_illness": True, "at_post": True, "died": True, "sudden_death_hours": 49}, ("not_injury", None, None)),
    ({"sudden_illness": True, "at_post": True, "died": False}, ("not_injury", None, None)),
    ({"public_interest_rescue": True}, ("deemed", 15, 2)),
    ({"old_injury_recurrence": True, "military_injury": True, "disabled_soldier_certificate": True}, ("deemed", 15, 3)),
    ({"old_injury_recurrence": True, "military_injury": True}, ("unclear", 15, 3)),
    ({"during_work_hours": True, "at_workplace": True, "work_reason": True, "crime": True}, ("excluded", 16, 1)),
    ({"commuting": True, "accident_kind": "road", "drunk": True}, ("excluded", 16, 2)),
    ({"during_work_hours": True, "at_workplace": True, "self_inflicted": True}, ("excluded", 16, 3)),
    ({"at_workplace": False, "during_work_hours": False, "drunk": True}, ("not_injury", None, None)),
    ({"at_workplace": True}, ("unclear", 14, 1)),
])
def test_items(facts, expected):
    from shebao.policy.injury_determination import determine

    r = determine(facts)
    assert (r.determination, r.article, r.item) == expected, r.reasons


def test_deadlines():
    from shebao.policy.injury_determination import application_deadline, decision_deadline

    day = dt.date(2024, 2, 29)
    assert application_deadline(day, applicant="employer")["last_day"] == dt.date(2024, 3, 30)
    assert application_deadline(day, applicant="employee")["last_day"] == dt.date(2025, 2, 28)
    assert decision_deadline(dt.date(2026, 1, 1))["last_day"] == dt.date(2026, 3, 2)
    assert decision_deadline(dt.date(2026, 1, 1), clear_case=True)["last_day"] == dt.date(2026, 1, 16)
    assert application_deadline(day, applicant="employer")["reference"] == "工伤保险条例 第十七条"
    with pytest.raises(ValueError):
        application_deadline(day, applicant="someone")
