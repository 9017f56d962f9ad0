"""Issue 15, done when: on the demo (``shebao demo --no-serve``, as a newcomer runs it), a citizen and
the staff walk their journeys in Chromium, and each point of the issue is asserted on the pages.

Citizen: asks a policy question and gets an article; computes a pension and an unemployment benefit;
is refused impossible inputs in Chinese; a mistyped address answers a Chinese page; looks up the
status of an application. Staff: log in with the accounts the demo wrote to ``demo-staff.txt`` (the
login page says where); a clerk takes in two claims; a reviewer is refused an unemployment amount at or
above the minimum wage, with the reason; a pension proposal goes to a second reviewer, who returns it
with an internal comment and then confirms exactly the proposal (confirm once more); the applicant's
notices carry no internal comment; an auditor confirms an alert through the confirm-once-more panel;
the printed notices cite their articles and show no parameter name or developer text.

Screenshots: tests/screenshots/journey-*.png.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import subprocess
import sys
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from tests.web.conftest import SECRET, _start_server, _stop_server

pytestmark = pytest.mark.browser

# The Dongying demo routes every claim by itself (unemployment stays under the four-eyes limit, as it
# must stay under the minimum wage; the demo's pension claimants are auto-approved). The agency setting
# below (only values the agency adopted decide alone) makes a person look at the claims of this walk.
AUTO_DECIDE = "agency"
# what a notice or a citizen's page must never show: parameter names, developer words, missing values
DEVELOPER_TEXT = re.compile(r"\b[a-z_]+\.[a-z_.]+\b|参数缺失|shebao|params set|None|null|待定|TODO|\{\"")


def _walkable(text: str) -> list[str]:
    return DEVELOPER_TEXT.findall(text)


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """``shebao demo --no-serve --persons 300`` into a private SHEBAO_HOME, then the app on a free port."""
    home = tmp_path_factory.mktemp("demohome")
    env = {"SHEBAO_HOME": str(home), "SHEBAO_SECRET_KEY": SECRET, "SHEBAO_ENV": "development",
           "SHEBAO_DATABASE_URL": f"sqlite:///{home / 'shebao.db'}"}

    run = subprocess.run(
        [sys.executable, "-c", "import sys; from shebao.cli import main; sys.argv[0] = 'shebao'; main()",
         "demo", "--no-serve", "--persons", "300", "--json"],
        env={**os.environ, **env, "SHEBAO_USER": ""}, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    summary = json.loads(run.stdout)
    assert summary["knowledge_base"]["articles"] > 0
    accounts = {}
    staff_file = home / "demo-staff.txt"
    assert summary["staff_accounts_file"] == str(staff_file)
    assert staff_file.stat().st_mode & 0o077 == 0, "the passwords' file is readable by others"
    for line in staff_file.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            username, _role, password = line.split("\t")
            accounts[username] = password
    claimants = _claimants(env)
    proc, base, log = _start_server({**env, "SHEBAO_AUTO_DECIDE_SOURCES": AUTO_DECIDE}, home)
    yield {"base": base, "home": home, "summary": summary, "accounts": accounts, "staff_file": staff_file,
           **claimants}
    _stop_server(proc, log)


def _claimants(env: dict) -> dict:
    """One person who may claim a pension now and one who may claim unemployment benefit now."""
    from sqlalchemy import select

    from shebao.cases.demo import candidates
    from shebao.cases.models import Application
    from shebao.core.db import dispose_engines, session_scope
    from shebao.core.settings import get_settings
    from shebao.registry.models import Person

    with pytest.MonkeyPatch.context() as mp:
        for key, value in env.items():
            mp.setenv(key, value)
        mp.delenv("SHEBAO_USER", raising=False)
        get_settings.cache_clear()
        dispose_engines()
        try:
            with session_scope() as session:
                # who may file today and was not among the demo's own claimants: a pension up to three
                # months before the retirement month (or long after it), unemployment after a recent job
                applied = set(session.scalars(select(Application.person_id)))
                unemployment = next((c for days in (0, 30, -60, -120, -180)
                                     for c in candidates(session, dt.date.today() + dt.timedelta(days=days))
                                     if c["kind"] == "unemployment" and c["person_id"] not in applied
                                     and c["facts"]["separation_date"] < dt.date.today().isoformat()), None)
                pensions = _pension_claimants(session, applied)
                pension = pensions[0] if pensions else None
                ids = {c["person_id"]: session.get(Person, c["person_id"]).id_number
                       for c in [*pensions, unemployment] if c is not None}
        finally:
            dispose_engines()
            get_settings.cache_clear()
    if pension is None or unemployment is None:
        pytest.fail(f"the demo population has no claimant of each kind today: {pension=}, {unemployment=}")
    return {"pensions": [{**c, "id_number": ids[c["person_id"]]} for c in pensions],
            "unemployment": {**unemployment, "id_number": ids[unemployment["person_id"]]}}


def _pension_claimants(session, applied: set[str]) -> list[dict]:
    """Living persons without a pension and with 15 years paid, whose retirement month (with at most
    36 months of flexible early retirement, 延迟退休办法 第四条) is within the three months of filing."""
    from sqlalchemy import func, select

    from shebao.cases.demo import demo_bank_account
    from shebao.policy import default_parameters
    from shebao.policy.retirement import statutory_retirement
    from shebao.registry.models import Benefit, ContributionYear, Death, Person

    params = default_parameters()
    dead = set(session.scalars(select(Death.id_number_bidx)))
    pensioners = set(session.scalars(select(Benefit.person_id).where(Benefit.kind == "pension")))
    months = dict(session.execute(select(ContributionYear.person_id, func.sum(ContributionYear.months))
                                  .where(ContributionYear.insurance == "pension")
                                  .group_by(ContributionYear.person_id)).all())
    today = dt.date.today()
    now_ym = today.year * 12 + today.month - 1
    out = []
    for p in session.execute(select(Person.person_id, Person.birth_date, Person.original_retirement_age,
                                    Person.id_number_bidx)):
        if p.id_number_bidx in dead or p.person_id in pensioners | applied or (months.get(p.person_id) or 0) < 190:
            continue
        try:
            st = statutory_retirement(p.birth_date, p.original_retirement_age, params)
        except Exception:  # noqa: BLE001 - a cohort the parameters do not cover
            continue
        ahead = st.retirement_ym - now_ym
        if ahead <= 36:
            out.append({"kind": "pension", "person_id": p.person_id, "bank_account": demo_bank_account(p.person_id),
                        "early_months": max(0, ahead - 2), "ahead": ahead})
    return sorted(out, key=lambda c: (c["early_months"], -c["ahead"]))


def _new_page(browser, base):
    context = browser.new_context(base_url=base, locale="zh-CN", viewport={"width": 1366, "height": 900})
    context.set_default_timeout(20000)
    page = context.new_page()
    page.js_errors = []
    page.on("pageerror", lambda exc: page.js_errors.append(str(exc)))
    return page


def _login(page, demo, username: str) -> None:
    page.goto("/staff/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", demo["accounts"][username])
    with page.expect_navigation():
        page.click("form[data-testid=login-form] button[type=submit]")
    page.wait_for_selector("[data-testid=whoami]")


def _form_errors(page) -> str:
    errors = page.locator("[data-testid=form-errors]")
    errors.wait_for()
    return errors.inner_text()


def test_citizen_journey(browser, demo, shoot):
    page = _new_page(browser, demo["base"])
    # ask: the demo built the knowledge base, the answer cites an article
    page.goto("/ask")
    page.fill("input[name=question]", "失业保险金能领多长时间")
    page.click("form[data-testid=ask-form] button[type=submit]")
    answer = page.locator("[data-testid=answer]").last
    answer.locator("[data-testid=citations]").wait_for()
    text = answer.inner_text()
    assert "政策知识库尚未建立" not in text
    assert "失业保险条例" in text and re.search(r"第 ?\S+ ?条", text), text
    shoot(page, "journey-01-ask")

    # a pension
    page.goto("/pension")
    page.select_option("select[name=category]", "male_60")
    page.fill("input[name=birth_date]", "1975-06")
    page.fill("input[name=contribution_months]", "180")
    page.fill("input[name=avg_contribution_index]", "80%")  # read as 0.8
    page.fill("input[name=account_balance]", "30000")
    page.click("form[data-testid=pension-form] button[type=submit]")
    result = page.locator("[data-testid=pension-result]")
    result.wait_for()
    assert re.search(r"\d+\.\d{2}", result.inner_text())
    assert not _walkable(page.locator("main").inner_text()), _walkable(page.locator("main").inner_text())
    shoot(page, "journey-02-pension")

    # an impossible index is refused in Chinese, saying what is allowed
    page.goto("/pension")
    page.select_option("select[name=category]", "male_60")
    page.fill("input[name=birth_date]", "1975-06")
    page.fill("input[name=contribution_months]", "180")
    page.fill("input[name=avg_contribution_index]", "5")
    page.fill("input[name=account_balance]", "30000")
    page.click("form[data-testid=pension-form] button[type=submit]")
    message = _form_errors(page)
    assert "平均缴费指数应在 0.6 到 3.0 之间" in message and "您填写的是“5”" in message, message
    assert "avg_contribution_index" not in message
    assert page.locator("[data-testid=pension-result]").count() == 0
    shoot(page, "journey-03-pension-refused")

    # a birth month in the future is refused too
    future = (dt.date.today().replace(day=1) + dt.timedelta(days=400)).strftime("%Y-%m")
    page.goto("/retirement")
    page.select_option("select[name=category]", "male_60")
    page.fill("input[name=birth_date]", future)
    page.click("form[data-testid=retirement-form] button[type=submit]")
    message = _form_errors(page)
    assert "出生年月不能晚于当前月份" in message and f"您填写的是“{future}”" in message, message
    assert "birth_date" not in message, message
    assert page.locator("[data-testid=retirement-result]").count() == 0

    # an unemployment benefit (Dongying)
    page.goto("/unemployment")
    page.select_option("select[name=category]", "male_60")
    page.fill("input[name=birth_date]", "1980-05")
    page.fill("input[name=region]", "370502")
    page.fill("input[name=date]", dt.date.today().isoformat())
    page.fill("input[name=contribution_months]", "84")
    page.fill("input[name=previous_unclaimed_months]", "0")
    page.click("form[data-testid=unemployment-form] button[type=submit]")
    page.locator("[data-testid=unemployment-result]").wait_for()
    assert re.fullmatch(r"\d+\.\d{2} 元", page.locator("[data-testid=unemployment-amount]").inner_text())
    # 84 months paid (5 to 10 years): at most 18 months (《失业保险条例》第十七条)
    assert page.locator("[data-testid=unemployment-months]").inner_text() == "18 个月"
    assert "失业保险条例" in page.locator("[data-testid=unemployment-result]").inner_text()
    shoot(page, "journey-04-unemployment")

    # a mistyped address: a Chinese page in the site's layout, not JSON
    response = page.goto("/pensoin")
    assert response.status == 404
    body = page.locator("body").inner_text()
    assert "页面不存在" in body and "Not Found" not in body and '"detail"' not in body
    assert page.locator("header").count() >= 1
    shoot(page, "journey-05-404")
    assert not page.js_errors, page.js_errors
    page.context.close()


def _intake(page, kind: str, claimant: dict) -> tuple[str, str]:
    page.goto("/staff/intake")
    page.select_option("select[name=kind]", kind)
    page.fill("input[name=applicant]", claimant["person_id"])
    page.fill("input[name=bank_account]", claimant["bank_account"])
    if claimant.get("early_months"):  # flexible early retirement, asked for by the claimant
        page.fill("input[name=early_months]", str(claimant["early_months"]))
    if kind == "unemployment":
        page.fill("input[name=separation_date]", claimant["facts"]["separation_date"])
        page.select_option("select[name=separation_reason]", "other")  # a person decides whether it was involuntary
    with page.expect_navigation():
        page.click("form[data-testid=intake-form] button[type=submit]")
    assert page.locator("[data-testid=form-errors]").count() == 0, page.locator("[data-testid=form-errors]").inner_text()
    return page.url.rsplit("/", 1)[-1], page.locator("[data-testid=case-status]").inner_text()


def _decide(page, action: str, *, amount: str | None = None, comment: str = "", visibility: str | None = None):
    if amount is not None:
        page.fill("input[name=monthly_amount]", amount)
    if comment:
        page.fill("textarea[name=comment]", comment)
    if visibility:
        page.check(f"input[name=comment_visibility][value={visibility}]")
    with page.expect_navigation():
        page.click(f"[data-testid=decide-form] button[name=action][value={action}]")


def _confirm(page, expected: str) -> str:
    panel = page.locator("[data-testid=confirm-panel]")
    text = panel.inner_text()
    assert expected in text, text
    with page.expect_navigation():
        page.click("[data-testid=confirm-button]")
    return text


def test_staff_journey(browser, demo, shoot):
    base = demo["base"]
    unemployment = demo["unemployment"]
    # the login page says where the demo's accounts are
    clerk = _new_page(browser, base)
    clerk.goto("/staff/login")
    assert str(demo["staff_file"]) in clerk.locator("[data-testid=demo-accounts-hint]").inner_text()
    shoot(clerk, "journey-10-login")
    _login(clerk, demo, "clerk")

    # the clerk takes in two claims on behalf of citizens; both wait for a reviewer
    unemp_no, status = _intake(clerk, "unemployment", unemployment)
    assert status == "人工复核中", status
    pension, pension_no, outcomes = None, None, []
    for claimant in demo["pensions"][:6]:  # the first eligible one waits for a reviewer
        number, status = _intake(clerk, "pension", claimant)
        outcomes.append(status)
        if status == "人工复核中" and "不足" not in clerk.locator("main").inner_text():
            pension, pension_no = claimant, number
            break
    assert pension is not None, f"no pension claim of the demo went to a reviewer: {outcomes}"
    shoot(clerk, "journey-11-intake")

    # reviewer 1: claims the unemployment case from the queue; 30,000 a month is refused with its reason
    reviewer = _new_page(browser, base)
    _login(reviewer, demo, "reviewer")
    reviewer.click("nav.side-nav >> text=复核队列")
    expect(reviewer.locator("[data-testid=queue-table]")).to_contain_text(unemp_no)
    expect(reviewer.locator("[data-testid=queue-table]")).to_contain_text(pension_no)
    shoot(reviewer, "journey-12-queue")
    reviewer.click(f"[data-testid=queue-table] >> text={unemp_no}")
    with reviewer.expect_navigation():
        reviewer.click("button[name=action][value=claim]")
    reviewer.locator("[data-testid=decide-form]").wait_for()
    # the calculation as staff read it: Chinese labels, no field names
    from shebao.web.labels import IDENTIFIER

    trace = reviewer.locator("[data-testid=case-trace]").inner_text()
    assert not IDENTIFIER.findall(trace), IDENTIFIER.findall(trace)
    internal = "内部意见：离职证明原件已核，勿告知申请人"
    _decide(reviewer, "approve", amount="30000", comment=internal, visibility="internal")
    error = reviewer.locator("[data-testid=case-error]").inner_text()
    assert "最低工资" in error and "失业保险条例 第十八条" in error, error
    expect(reviewer.locator("[data-testid=case-status]")).to_have_text("人工复核中")
    shoot(reviewer, "journey-13-amount-refused")
    # the rules' amount is accepted, after one more confirmation saying what will happen
    _decide(reviewer, "approve", amount="", comment=internal, visibility="internal")
    _confirm(reviewer, "建立待遇")
    expect(reviewer.locator("[data-testid=case-status]")).to_have_text("已核准")
    notices = reviewer.locator("[data-testid=case-notices]").inner_text()
    assert notices.strip() and internal not in notices

    # reviewer 1 proposes a pension off the formula: it goes to a second reviewer with the figures
    reviewer.goto(f"/staff/cases/{pension_no}")
    with reviewer.expect_navigation():
        reviewer.click("button[name=action][value=claim]")
    reviewer.locator("[data-testid=decide-form]").wait_for()
    formula = Decimal(reviewer.locator("input[name=monthly_amount]").evaluate(
        "e => e.closest('label').querySelector('small').textContent").split("规则计算结果")[1].split("元")[0].strip())
    off = formula + Decimal("50.00")
    _decide(reviewer, "approve", amount=f"{off:.2f}", comment="内部意见：视同缴费年限待核", visibility="internal")
    _confirm(reviewer, "另一名复核员")
    expect(reviewer.locator("[data-testid=case-status]")).to_have_text("人工复核中")
    assert "四眼原则" in reviewer.locator("[data-testid=review-actions]").inner_text()
    shoot(reviewer, "journey-14-proposal")

    # reviewer 2 sees the proposal and the check, and returns it to the first with an internal comment
    second = _new_page(browser, base)
    _login(second, demo, "reviewer2")
    second.goto(f"/staff/cases/{pension_no}")
    with second.expect_navigation():
        second.click("button[name=action][value=claim]")
    proposal = second.locator("[data-testid=proposal]").inner_text()
    assert f"{off:.2f}" in proposal, proposal
    assert "公式计算结果" in second.locator("[data-testid=amount-check]").inner_text()
    back = "内部意见：与公式结果不符，请按公式核定"
    _decide(second, "return_to_first", comment=back, visibility="internal")
    assert second.locator("[data-testid=case-error]").count() == 0
    assert back in second.locator("[data-testid=case-history]").inner_text()
    shoot(second, "journey-15-returned-to-first")

    # reviewer 1 has it back and proposes the formula's amount; reviewer 2 confirms exactly that
    reviewer.goto(f"/staff/cases/{pension_no}")
    reviewer.locator("[data-testid=decide-form]").wait_for()
    _decide(reviewer, "approve", amount=f"{formula:.2f}", comment="内部意见：已按公式核定", visibility="internal")
    _confirm(reviewer, "另一名复核员")
    second.goto(f"/staff/cases/{pension_no}")
    with second.expect_navigation():
        second.click("button[name=action][value=claim]")
    assert f"{formula:.2f}" in second.locator("[data-testid=proposal]").inner_text()
    # the second reviewer confirms the proposal as it stands: there is no figure to change
    assert second.locator("[data-testid=decide-form] input[name=monthly_amount]").count() == 0
    _decide(second, "approve")
    shoot(second, "journey-16-confirm-grant")
    _confirm(second, f"{formula:.2f}")
    expect(second.locator("[data-testid=case-status]")).to_have_text("已核准")
    notices = second.locator("[data-testid=case-notices]").inner_text()
    for comment in (back, "视同缴费年限待核", "已按公式核定"):
        assert comment not in notices, notices
    shoot(second, "journey-17-approved")

    # the citizen looks up the status of the application
    citizen = _new_page(browser, base)
    citizen.goto("/status")
    citizen.fill("input[name=application_no]", pension_no)
    citizen.fill("input[name=id_number]", pension["id_number"])
    citizen.click("form[data-testid=status-form] button[type=submit]")
    status = citizen.locator("[data-testid=status-result]")
    status.wait_for()
    assert "已核准" in status.inner_text() and f"{formula:.2f}" in status.inner_text()
    for comment in (back, "视同缴费年限待核", "已按公式核定"):
        assert comment not in status.inner_text()
    shoot(citizen, "journey-18-status")

    # print the notices of both new benefits: articles cited, no parameter names or developer text
    printed = 0
    for claimant in (pension, unemployment):
        clerk.goto(f"/staff/persons/{claimant['person_id']}")
        links = clerk.locator("[data-testid=notices] a")
        hrefs = [links.nth(i).get_attribute("href") for i in range(links.count())]
        assert hrefs, f"no notice for {claimant['person_id']}"
        for href in hrefs:
            clerk.goto(href)
            notice = clerk.locator("[data-testid=notice]").inner_text()
            assert re.search(r"第[一二三四五六七八九十百零〇\d]+条", notice), (href, notice)
            assert not _walkable(notice), (href, _walkable(notice))
            assert internal not in notice and back not in notice
            assert claimant["id_number"] not in notice
            printed += 1
            shoot(clerk, f"journey-19-notice-{printed}")
    assert printed >= 2

    # an auditor confirms an alert, through the confirm-once-more step
    auditor = _new_page(browser, base)
    _login(auditor, demo, "auditor")
    auditor.goto("/staff/alerts?status=new")
    rows = auditor.locator("[data-testid=alerts-table] tbody tr")
    assert rows.count() >= 1, "the demo left the auditor no alert to look at"
    rows.first.locator("text=核查").click()
    auditor.fill("textarea[name=reason]", "已核对银行流水与待遇发放记录，情况属实")
    auditor.click("button[name=decision][value=confirm]")
    panel = auditor.locator("[data-testid=confirm-panel]")
    panel.wait_for()
    # the second step says what confirming does (the conclusion and the audit record), before anything is done
    assert "确认疑点：结论记为“已确认”，记入审计日志。" in panel.inner_text(), panel.inner_text()
    expect(auditor.locator("[data-testid=alert-status]")).not_to_have_text("已确认")
    shoot(auditor, "journey-20-alert-confirm")
    auditor.click("[data-testid=confirm-button]")
    expect(auditor.locator("[data-testid=alert-status]")).to_have_text("已确认")
    shoot(auditor, "journey-21-alert-confirmed")

    for p in (clerk, reviewer, second, citizen, auditor):
        assert not p.js_errors, p.js_errors
        p.context.close()
