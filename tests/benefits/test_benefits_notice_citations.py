"""Notices fit to send: each cites the articles that decide its own subject, checked against the
table (shebao.benefits.citations) and the table against the shipped law texts; no developer text;
survivor notices go to the survivors and wait while an amount is unknown."""

from __future__ import annotations

import json
import re
from datetime import date
from decimal import Decimal

import pytest
from benefits_builders import bank_card, grant, make_person
from sqlalchemy import select

SSL, UIR, WIR, SIA = "中华人民共和国社会保险法", "失业保险条例", "工伤保险条例", "社会保险经办条例"


@pytest.fixture(scope="module")
def shipped_articles():
    """(law, article) → text of the law texts shipped with the package."""
    from shebao.assistant.documents import list_documents, read_document
    from shebao.assistant.kb import BUNDLED_CORPUS

    out = {}
    for path in list_documents(BUNDLED_CORPUS):
        for a in read_document(path).articles:
            out[a.key] = re.sub(r"\s+", "", a.text)
    return out


def test_every_cited_article_exists_and_decides_the_subject(shipped_articles):
    from shebao.benefits.citations import NOTICE_CITATIONS, Cite
    from shebao.benefits.notices import KIND_TITLES

    assert {kind for kind, _ in NOTICE_CITATIONS} == set(KIND_TITLES)  # every notice kind has its articles
    for key, cites in NOTICE_CITATIONS.items():
        assert cites, key
        for c in cites:
            if isinstance(c, Cite):
                text = shipped_articles.get((c.law, c.article))
                assert text is not None, f"{key}: {c.law} 第{c.article}条 not in the shipped texts"
                assert re.sub(r"\s+", "", c.subject) in text, f"{key}: {c.law} 第{c.article}条 does not say {c.subject!r}"


def test_formatting_and_parsing_round_trip():
    from shebao.benefits.citations import NOTICE_CITATIONS, expected_pairs, format_citations, parse_citations

    for kind, subject in NOTICE_CITATIONS:
        assert parse_citations(format_citations(NOTICE_CITATIONS[(kind, subject)])) == expected_pairs(kind, subject)
    assert parse_citations("《工伤保险条例》第三十五条、第三十六条；《国务院关于完善企业职工基本养老保险制度的决定》（国发〔2005〕38号）") == {
        (WIR, 35), (WIR, 36), ("国务院关于完善企业职工基本养老保险制度的决定", None)}


_IDENTIFIER = re.compile(r"[A-Za-z]+[._][A-Za-z_.]+|\bNone\b|\bnull\b")
_STAFF_TEXT = ("待定", "参数", "shebao", "请用", "未收录", "missing")


def _visible(html: str) -> str:
    body = re.sub(r"(?s)<style.*?</style>|<head.*?</head>", "", html)
    return re.sub(r"<[^>]+>", " ", body)


def _subject(session, notice, data) -> str:
    """The table key a notice's subject gives, worked out from what the notice is about."""
    from shebao.registry.models import Benefit

    kind = data.get("kind")
    if notice.kind == "survivor":
        return data["scheme"]
    if notice.kind == "grant" and kind == "funeral_grant":
        return "funeral_grant:injury" if "工伤" in json.dumps(data, ensure_ascii=False) or _injury(session, notice) \
            else "funeral_grant:enterprise"
    if notice.kind == "suspension":
        return "incarceration:" + kind if "服刑" in data.get("reason", "") else data["_reason_code"]
    if notice.kind == "termination":
        reason = data.get("reason", "")
        return f"{kind}:" + ("death" if "死亡" in reason else "incarceration" if "服刑" in reason else "other")
    assert session.get(Benefit, notice.benefit_id) is not None
    return kind


def _injury(session, notice) -> bool:
    from shebao.benefits.models import BenefitAssessment

    a = session.get(BenefitAssessment, notice.benefit_id)
    return a is not None and json.loads(a.assessment or "{}").get("survivor_item", {}).get("scheme") == "injury"


def _check_notices(session, notices, reason_codes=None):
    """Each notice: citations = the table's for its subject; no developer text when rendered."""
    from shebao.benefits.citations import citation_key, expected_pairs, parse_citations
    from shebao.benefits.render import render_html
    from shebao.registry.models import Person

    checked = set()
    for n in notices:
        data = json.loads(n.data)
        if n.kind == "suspension":
            data["_reason_code"] = (reason_codes or {}).get(n.id, "manual")
        subject = _subject(session, n, data)
        assert parse_citations(data["articles"]) == expected_pairs(n.kind, subject), (n.kind, subject, data["articles"])
        checked.add(citation_key(n.kind, subject))
        html = _visible(render_html(n, person=session.get(Person, n.person_id)))
        assert not _IDENTIFIER.search(html), (n.kind, _IDENTIFIER.search(html).group(0), html)
        for word in _STAFF_TEXT:
            assert word not in html, (n.kind, word, html)
    return checked


def test_pensioner_death_incarceration_and_grants(session, person):
    """Pension grant, death of a pensioner, a prison sentence: each notice cites its own subject."""
    from shebao.benefits.citations import parse_citations
    from shebao.benefits.death import process_death
    from shebao.benefits.events import sync_registry
    from shebao.benefits.models import Notice, SurvivorCase
    from shebao.benefits.service import add_payment, suspend_benefit
    from shebao.registry.loader import row_digest
    from shebao.registry.models import Incarceration

    inputs = {"retirement_date": "2024-12", "birth_date": "1964-12", "original_retirement_age": 60,
              "avg_contribution_index": "1.0", "contribution_months": 400, "account_balance": "90000.00",
              "assessed_on": "2025-01-10", "region": "370000"}
    b = grant(session, person, start=date(2025, 1, 1), amount="3500.00",
              assessment={"inputs": inputs, "result": {"account_pension": "647.48", "total": "3500.00"}})
    from shebao.benefits.notices import issue_grant_notices

    issue_grant_notices(session, b)
    for period in ("2026-01", "2026-02", "2026-03"):
        p = add_payment(session, b, period=period, kind="regular", amount=b.monthly_amount)
        p.status, p.paid_date = "paid", date.fromisoformat(period + "-15")
    session.commit()
    process_death(session, person_id=person.person_id, death_date=date(2026, 2, 14))
    session.commit()

    termination = session.scalar(select(Notice).where(Notice.kind == "termination", Notice.benefit_id == b.benefit_id))
    cited = parse_citations(json.loads(termination.data)["articles"])
    assert cited == {(SSL, 16), (SIA, 25)}  # the pension's own articles, never 失业保险条例 第十五条
    # what was paid after the death is asked of the heirs, naming the deceased
    from shebao.benefits.render import render_html

    debts = list(session.scalars(select(Notice).where(Notice.kind.in_(("overpayment", "demand")),
                                                      Notice.benefit_id == b.benefit_id)))
    assert debts
    for n in debts:
        html = _visible(render_html(n, person=person))
        assert "张*（参保人编号 P000000001）的遗属（继承人）：" in html and "死亡后" in html and "您" not in html, html
    # survivor amounts are not known (regional parameters not sourced): no notice, the case waits
    case = session.scalar(select(SurvivorCase).where(SurvivorCase.person_id == person.person_id))
    assert case.status == "waiting"
    assert session.scalar(select(Notice).where(Notice.kind == "survivor")) is None
    from shebao.benefits.death import case_json

    assert "丧葬补助金" in case_json(case)["waiting_reason"]

    # a prison sentence: the pension is suspended, unemployment benefit ends (失业保险条例 第十五条)
    other = make_person(session, 2)
    third = make_person(session, 3)
    pension2 = grant(session, other, app="A2", start=date(2025, 1, 1))
    unemp = grant(session, third, app="A3", kind="unemployment", start=date(2026, 1, 1), amount="1800.00")
    for p_, bb in ((other, pension2), (third, unemp)):
        pay = add_payment(session, bb, period="2026-01", kind="regular", amount=bb.monthly_amount)
        pay.status, pay.paid_date = "paid", date(2026, 1, 15)
        for start, end in ((date(2026, 2, 10), date(2026, 2, 20)),) if p_ is other else ((date(2026, 2, 3), None),):
            fields = dict(id_number=p_.id_number, id_number_bidx=p_.id_number_bidx, start_date=start, end_date=end,
                          source="justice")
            session.add(Incarceration(**fields, row_hash=row_digest({k: str(v) for k, v in fields.items()})))
    session.commit()
    sync_registry(session, as_of=date(2026, 3, 10))
    session.commit()
    ended = session.scalar(select(Notice).where(Notice.kind == "termination", Notice.benefit_id == unemp.benefit_id))
    assert parse_citations(json.loads(ended.data)["articles"]) == {(UIR, 15), (SIA, 25)}
    s = suspend_benefit(session, benefit_id=pension2.benefit_id, reason="待核实", from_period="2026-04",
                        reason_code="manual")
    session.commit()
    manual = session.scalar(select(Notice).where(Notice.notice_key == f"suspension:{s.id}"))

    notices = list(session.scalars(select(Notice).order_by(Notice.id)))
    checked = _check_notices(session, notices, reason_codes={manual.id: "manual"})
    assert {("grant", "pension"), ("assessment", "pension"), ("termination", "pension"),
            ("termination", "unemployment:incarceration"), ("suspension", "incarceration:pension"),
            ("suspension", "manual"), ("resumption", "any")} <= checked, checked
    assert {k for k in checked if k[0] in ("overpayment", "demand")}, checked


def test_work_injury_survivor_notice_goes_to_the_survivors(session, person):
    from shebao.benefits.citations import parse_citations
    from shebao.benefits.death import grant_survivor_items, process_death
    from shebao.benefits.models import Notice
    from shebao.benefits.render import render_html

    out = process_death(session, person_id=person.person_id, death_date=date(2025, 4, 1), work_injury={
        "injury_date": "2025-03-10", "avg_monthly_wage": "6000", "region": "370000",
        "dependants": [{"relation": "spouse"}]})
    session.commit()
    assert out["survivor_case"]["status"] == "open"
    notice = session.scalar(select(Notice).where(Notice.kind == "survivor"))
    assert notice is not None
    cited = parse_citations(json.loads(notice.data)["articles"])
    assert (WIR, 39) in cited and (SSL, 17) not in cited
    html = _visible(render_html(notice, person=person))
    assert "张*" in html and "的遗属：" in html and "因工死亡" in html  # to the survivors, naming the deceased
    assert "{deceased}" not in html and "您的" not in html
    grant_survivor_items(session, case_id=out["survivor_case"]["id"], bank_account=bank_card(7))
    session.commit()
    checked = _check_notices(session, list(session.scalars(select(Notice))))
    assert {("survivor", "injury"), ("grant", "funeral_grant:injury"), ("grant", "death_grant"),
            ("grant", "injury_survivor_pension")} <= checked, checked


def test_non_work_death_survivor_notice_cites_the_pension_law(session, person):
    """社会保险法 第十七条 for a death not at work, never 工伤保险条例 第三十九条; issued only complete."""
    from shebao.benefits.citations import parse_citations
    from shebao.benefits.models import SurvivorCase
    from shebao.benefits.notices import issue_survivor_notice

    items = [{"kind": "funeral_grant", "label": "丧葬补助金", "amount": None, "missing": "参数缺失：pension.death.funeral_grant"},
             {"kind": "account_inheritance", "label": "个人账户余额（可依法继承）", "amount": "1234.50"}]
    case = SurvivorCase(person_id=person.person_id, death_date=date(2026, 2, 14), scheme="enterprise",
                        status="waiting", items=json.dumps(items, ensure_ascii=False), opened_on=date(2026, 2, 20))
    session.add(case)
    session.flush()
    assert issue_survivor_notice(session, case, items) is None  # an amount unknown: nothing sent
    items[0]["amount"] = "9000.00"
    notice = issue_survivor_notice(session, case, items)
    session.commit()
    cited = parse_citations(json.loads(notice.data)["articles"])
    assert (SSL, 17) in cited and (SSL, 14) in cited and not any(law == WIR for law, _ in cited)
    _check_notices(session, [notice])
    assert Decimal("9000.00") == Decimal(json.loads(notice.data)["items"][0]["amount"])
