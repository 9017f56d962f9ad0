"""Merge and unmerge on SQLite and PostgreSQL: re-attached history, the golden record's fields, the
pension recomputed from the combined history, the R05 alert, every step audited, and an unmerge
that leaves every table a merge can touch exactly as it was."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest
from linkage_builders import dump, twice_registered
from sqlalchemy import func, select


def _merge(session, **kw):
    from shebao.linkage.service import merge_persons

    m = merge_persons(session, person_ids=["P1", "P2"], on=date(2026, 3, 15), **kw)
    session.commit()
    return m


def test_merge_reattaches_history_and_unmerge_restores_exactly(session):
    from shebao.audit.models import AuditEntry
    from shebao.benefits.models import BenefitAssessment
    from shebao.linkage.models import PersonLink
    from shebao.linkage.service import survivor_of, unmerge
    from shebao.registry.models import Benefit, Contribution, ContributionYear, Payment, Person

    twice_registered(session)
    before = dump(session)
    m = _merge(session)
    assert m.survivor_id == "P1"  # valid ID and the longer history
    summary = json.loads(m.summary)
    # P2's 2020-03 month is from another employer, so it moves; its 2010 summary, its balance and its
    # certification of the same dates as P1's stay with P2 as conflicts for the reviewer
    assert summary["reattached"]["contributions"] == 3
    assert summary["reattached"]["contribution_years"] == 1 and summary["conflicts"] == {
        "contribution_years": 1, "pension_accounts": 1, "certifications": 1}
    assert session.scalar(select(func.count()).select_from(Contribution).where(Contribution.person_id == "P1")) == 6
    assert session.scalar(select(ContributionYear.person_id).where(ContributionYear.year == 2010,
                                                                   ContributionYear.avg_index == Decimal("0.9"))) == "P2"
    assert {b.person_id for b in session.scalars(select(Benefit))} == {"P1"}
    assert {p.person_id for p in session.scalars(select(Payment))} == {"P1"}
    assert session.get(PersonLink, "P2").survivor_id == "P1" and survivor_of(session, "P2") == "P1"
    # the golden record: P1's name and ID, the latest registration's region and phone (P2 is newer)
    golden = session.get(Person, "P1")
    assert golden.name == "张伟明" and golden.region_code == "370202" and golden.phone == "15987654321"
    # the pension recomputed with the months P2 adds (2021-01, 2021-02 and the 12 of 2011) and its balance;
    # backpay for the two months already paid
    recalc = {r["benefit_id"]: r for r in summary["recalculated"]}
    b1 = session.scalar(select(Benefit).join(BenefitAssessment, BenefitAssessment.benefit_id == Benefit.benefit_id)
                        .where(BenefitAssessment.application_no == "SQ1"))
    r = recalc[b1.benefit_id]
    assert r["added_months"] == 14 and Decimal(r["to"]) > Decimal(r["from"]) == Decimal("3000.00")
    assert Decimal(r["backpay"]) == (Decimal(r["to"]) - Decimal(r["from"])) * 2
    assert session.get(Payment, r["payment_id"]).kind == "backpay"
    inputs = json.loads(session.get(BenefitAssessment, b1.benefit_id).assessment)["inputs"]
    assert inputs["contribution_months"] == 314 and inputs["account_balance"] == "100000.00"
    # every step audited
    session.flush()
    from shebao.audit.log import flush_pending

    flush_pending(session)
    session.commit()
    actions = [a for (a,) in session.execute(select(AuditEntry.action).where(AuditEntry.action.like("linkage.%")))]
    assert {"linkage.merge.fields", "linkage.merge.reattach", "linkage.merge.recalculate",
            "linkage.merge"} <= set(actions)

    unmerge(session, merge_id=m.merge_id, reason="测试")
    session.commit()
    assert dump(session) == before
    assert session.get(PersonLink, "P2") is None


def test_reviewer_overrides_the_rule_and_a_merge_cannot_repeat(session):
    from shebao.linkage.service import MergeError, merge_persons, unmerge
    from shebao.registry.models import Person

    twice_registered(session)
    before = dump(session)
    with pytest.raises(MergeError, match="phone2"):
        merge_persons(session, person_ids=["P1", "P2"], overrides={"phone2": "P2"})
    with pytest.raises(MergeError, match="P9 不在本次合并"):
        merge_persons(session, person_ids=["P1", "P2"], overrides={"phone": "P9"})
    with pytest.raises(MergeError, match="人员记录不存在：P9"):
        merge_persons(session, person_ids=["P1", "P9"])
    session.rollback()
    m = _merge(session, survivor_id="P2", overrides={"phone": "P1", "region_code": "P1"})
    golden = session.get(Person, "P2")
    # the survivor's ID is valid and is kept; the reviewer took phone and region from P1
    assert golden.phone == "13812345678" and golden.region_code == "370102" and golden.name == "張偉明"
    with pytest.raises(MergeError, match="已并入"):
        merge_persons(session, person_ids=["P1", "P2"])
    unmerge(session, merge_id=m.merge_id)
    session.commit()
    assert dump(session) == before
    with pytest.raises(MergeError, match="已于"):
        unmerge(session, merge_id=m.merge_id)


def test_after_a_merge_two_live_pensions_raise_r05(session, tmp_path):
    from shebao.risk.screening import screen_database

    twice_registered(session)
    assert not [f for f in screen_database(session, as_of=date(2026, 3, 15), rules=["R05"]).findings]
    _merge(session)
    found = screen_database(session, as_of=date(2026, 3, 15), rules=["R05"]).findings
    assert [(f.rule_id, f.person_id, f.level) for f in found] == [("R05", "P1", "red")]
    assert "2 项" in found[0].evidence
