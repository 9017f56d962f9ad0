"""Plain Chinese everywhere a person looks: Chromium walks every page of a demo-like instance.

The instance is the web tests' synthetic registry (screened, with one user per role) plus what
``shebao demo`` adds: applications through the pipeline (auto-approved, refused, in review) and a
month's payroll; then a reviewer decides a case and an auditor confirms an alert, so that the case
history, the hand-off and the notices have something to show. Chromium opens every page reachable
from the navigation (staff and citizen), the calculators' results and errors, and the error pages,
and fails on anything a person should not have to read: snake_case or dotted parameter names,
English enumeration words, None/True/False, raw JSON. The technical name a staff page keeps next to
its Chinese label (``<code class="ident">``, e.g. for ``shebao params set``) is the one exception,
and never on a citizen's page. Screenshots go to tests/screenshots/plain-*.png.
"""

from __future__ import annotations

import importlib.util
import re
import shutil
from pathlib import Path
from urllib.parse import urlsplit

import pytest

# the web tests' own helpers (conftest is not importable by name: tests/ is not a package)
_spec = importlib.util.spec_from_file_location("web_conftest_helpers", Path(__file__).with_name("conftest.py"))
_web = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_web)
AS_OF, STAFF, _start_server, _stop_server = _web.AS_OF, _web.STAFF, _web._start_server, _web._stop_server

pytestmark = pytest.mark.browser

SNAKE = re.compile(r"\b[a-z][a-z0-9]*_[a-z0-9_]+\b")
DOTTED = re.compile(r"\b[a-z][a-z0-9_]*\.[a-z][a-z0-9_.]*\b")
LITERALS = re.compile(r"\b(None|True|False|null|true|false|NaN|undefined|nan)\b")
JSON_BLOB = re.compile(r"[{\[]\s*\"[^\"]{1,40}\"\s*:")
ENGLISH = re.compile(r"\b[A-Za-z]{3,}\b")
# Words a page may show: the login names of the test staff, file formats, the standards' letters.
ALLOWED_WORDS = set(STAFF) | {"admin", "PDF", "JSON", "CSV", "Excel", "API", "Parquet", "ECharts", "UTC"}  # + the demo's admin login
ALLOWED_DOTTED = {"persons.csv"}
REPORT = Path(__file__).resolve().parents[1] / "screenshots" / "plain-report.txt"
PER_PATTERN = 4  # pages of one kind (e.g. /staff/cases/{no}) opened by the walk; parameters: all


COUNT_AS_FLOAT = re.compile(r"(?:项数|件数|次数|人数|个数)\S*\s+\d+\.0\b")


def problems(text: str) -> list[str]:
    found = [m.group(0) for m in COUNT_AS_FLOAT.finditer(text)]
    for regex in (SNAKE, LITERALS, JSON_BLOB):
        found += [m.group(0) for m in regex.finditer(text)]
    found += [m.group(0) for m in DOTTED.finditer(text) if m.group(0) not in ALLOWED_DOTTED]
    found += [w for w in ENGLISH.findall(text) if w not in ALLOWED_WORDS]
    return sorted(set(found))


def visible_text(page, staff: bool) -> str:
    """What a person reads on the page (innerText: hidden and collapsed parts excluded)."""
    if staff:
        page.evaluate("document.querySelectorAll('code.ident').forEach(e => e.remove())")
    else:
        assert page.locator("code.ident").count() == 0, f"{page.url}: technical names on a citizen's page"
    return page.evaluate("document.body.innerText")


def check(page, where: str, staff: bool, report: dict) -> None:
    text = visible_text(page, staff)
    bad = problems(text)
    if bad:
        report[where] = bad
        # where each word stands, for the person fixing it (tests/screenshots/plain-report.txt)
        lines = [line for line in text.splitlines() if any(word in line for word in bad)]
        REPORT.parent.mkdir(parents=True, exist_ok=True)
        with REPORT.open("a", encoding="utf-8") as out:
            out.write(f"== {where}: {', '.join(bad)}\n" + "\n".join(lines[:20]) + "\n")


def pattern(path: str) -> str:
    return re.sub(r"/(?=[^/]*\d)[^/]+", "/{n}", path)


def walk(page, starts: list[str], prefix: str, staff: bool, report: dict, shoot, tag: str) -> set[str]:
    """Open every same-site page linked from ``starts`` under ``prefix`` (GET links only)."""
    seen: set[str] = set()
    per: dict[str, int] = {}
    todo = list(starts)
    while todo:
        url = todo.pop(0)
        key = url.split("#")[0]
        if key in seen:
            continue
        pat = pattern(urlsplit(key).path)
        if pat.startswith("/staff/params/"):
            pat = "/staff/params/{name}"  # every parameter is opened, one screenshot for them all
        elif per.get(pat, 0) >= PER_PATTERN:
            continue
        per[pat] = per.get(pat, 0) + 1
        seen.add(key)
        response = page.goto(key)
        assert response is not None and response.status < 500, f"{key}: {response and response.status}"
        if per[pat] == 1:
            shoot(page, f"plain-{tag}-" + (pat.strip("/").replace("/", "-").replace("{", "").replace("}", "") or "home"))
        check(page, key, staff, report)
        for href in page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))"):
            if not href or not href.startswith(prefix) or href.startswith(("/api/", "/docs", "/static/")):
                continue
            if href.startswith("/staff/") != staff or href in ("/staff/logout",):
                continue
            if href.split("#")[0] not in seen:
                todo.append(href)
    return seen


@pytest.fixture(scope="module")
def demo_server(web_env):
    """A server over a copy of the prepared registry, with the demo's applications and payroll added."""
    from shebao.cases.demo import run_demo_applications
    from shebao.cli.benefits import demo_step
    from shebao.core.db import dispose_engines
    from shebao.core.settings import get_settings

    home = web_env["home"].parent / "plainhome"
    shutil.copytree(web_env["fuzz_seed"], home)
    env = {**web_env["env"], "SHEBAO_HOME": str(home), "SHEBAO_DATABASE_URL": f"sqlite:///{home / 'shebao.db'}"}
    with pytest.MonkeyPatch.context() as mp:
        for key, value in env.items():
            mp.setenv(key, value)
        get_settings.cache_clear()
        dispose_engines()
        try:
            run_demo_applications(as_of=AS_OF, limit=40)
            demo_step(as_of=AS_OF, folder=home, quiet=True)
        finally:
            dispose_engines()
            get_settings.cache_clear()
    proc, base, log = _start_server(env, home)
    yield base
    _stop_server(proc, log)


def _context(browser, base):
    context = browser.new_context(base_url=base, locale="zh-CN", viewport={"width": 1366, "height": 900})
    context.set_default_timeout(15000)
    return context


def test_every_page_speaks_plain_chinese(browser, demo_server, staff_login, shoot):
    report: dict[str, list[str]] = {}
    REPORT.unlink(missing_ok=True)

    # --- a citizen: every page, the calculators' results and refusals, the assistant, a 404 ---------
    citizen = _context(browser, demo_server).new_page()
    walk(citizen, ["/"], "/", False, report, shoot, "portal")
    citizen.goto("/pension")
    citizen.select_option("select[name=category]", "female_55")
    citizen.fill("input[name=birth_date]", "1975-06")
    citizen.fill("input[name=contribution_months]", "120")
    citizen.fill("input[name=avg_contribution_index]", "80%")  # read as 0.8
    citizen.fill("input[name=account_balance]", "30000")
    citizen.click("form[data-testid=pension-form] button[type=submit]")
    citizen.locator("[data-testid=pension-result]").wait_for()
    citizen.click("details summary")  # the assumptions, opened as a reader would
    assert "内部收益率" in citizen.locator("[data-testid=terms]").inner_text()
    check(citizen, "POST /pension", False, report)
    shoot(citizen, "plain-portal-pension-result")

    citizen.goto("/backpay")
    citizen.select_option("select[name=category]", "female_55")
    citizen.fill("input[name=birth_date]", "1966-03")
    citizen.fill("input[name=contribution_months]", "150")
    citizen.fill("input[name=avg_contribution_index]", "0.7")
    citizen.fill("input[name=backpay_months]", "36")
    citizen.fill("input[name=backpay_base]", "5000")
    citizen.click("form[data-testid=backpay-form] button[type=submit]")
    citizen.locator("[data-testid=backpay-result]").wait_for()
    citizen.click("details summary")
    # the term the result uses is explained where it is shown, in plain words
    assert citizen.locator("[data-testid=term-irr]").inner_text().startswith(
        "把补缴（或缴费）看作一笔投资，按退休后多领的养老金折算出的年化收益率")
    check(citizen, "POST /backpay", False, report)
    shoot(citizen, "plain-portal-backpay-result")

    refusals = [  # (field values, words the refusal must say)
        ({"backpay_base": "1000"}, ["4503.60", "22518.00"]),
        ({"contribution_months": "200"}, ["无需补缴"]),
        ({"avg_contribution_index": "5"}, ["0.6", "3.0"]),
        ({"birth_date": "2030-01"}, ["不能晚于"]),
    ]
    for i, (values, words) in enumerate(refusals):
        citizen.goto("/backpay")
        citizen.select_option("select[name=category]", "female_55")
        fields = {"birth_date": "1966-03", "contribution_months": "150", "avg_contribution_index": "0.7",
                  "backpay_months": "36", "backpay_base": "5000", **values}
        for name, value in fields.items():
            citizen.eval_on_selector(f"input[name={name}]", "(e, v) => { e.type = 'text'; e.value = v; }", value)
        citizen.click("form[data-testid=backpay-form] button[type=submit]")
        errors = citizen.locator("[data-testid=form-errors]")
        errors.wait_for()
        assert citizen.locator("[data-testid=backpay-result]").count() == 0
        for word in words:
            assert word in errors.inner_text(), (values, errors.inner_text())
        check(citizen, f"POST /backpay refused {values}", False, report)
        if i == 0:
            shoot(citizen, "plain-portal-backpay-refused")

    citizen.goto("/retirement")
    citizen.fill("input[name=birth_date]", "1971-07")
    citizen.click("form[data-testid=retirement-form] button[type=submit]")
    citizen.locator("[data-testid=retirement-result]").wait_for()
    citizen.click("details summary")
    check(citizen, "POST /retirement", False, report)

    citizen.goto("/status")
    citizen.fill("input[name=application_no]", "YL2026010100001")
    citizen.fill("input[name=id_number]", "110105194912310021")
    citizen.click("form[data-testid=status-form] button[type=submit]")
    citizen.locator("[data-testid=form-errors]").wait_for()
    check(citizen, "POST /status", False, report)

    citizen.goto("/ask")
    citizen.fill("input[name=question]", "失业金能领几个月")
    citizen.click("form[data-testid=ask-form] button[type=submit]")
    citizen.locator("[data-testid=answer]").last.wait_for()
    check(citizen, "POST /ask", False, report)

    missing = citizen.goto("/no-such-page")
    assert missing.status == 404 and "页面不存在" in citizen.inner_text("main")
    assert citizen.locator("header.site-header").count() == 1  # in the site's layout, not JSON
    check(citizen, "/no-such-page", False, report)
    shoot(citizen, "plain-portal-404")
    api = citizen.request.get("/api/v1/no-such")
    assert api.status == 404 and api.json() == {"detail": "Not Found"}  # the API keeps JSON

    # --- staff: a reviewer decides a case, an auditor confirms an alert, the administrator walks ---
    reviewer = _context(browser, demo_server).new_page()
    staff_login(reviewer, "reviewer")
    reviewer.goto("/staff/queue")
    if reviewer.locator("[data-testid=queue-table] tbody a").count():
        reviewer.click("[data-testid=claim-next]")
        reviewer.locator("[data-testid=decide-form]").wait_for()
        check(reviewer, "case claimed", True, report)
        shoot(reviewer, "plain-staff-case-claimed")
        # the citizen looks the same application up (the reviewer asks for the full ID number, audited)
        number = reviewer.url.rsplit("/", 1)[-1]
        box = reviewer.locator("[data-testid=person-card] dd").first
        box.locator("summary").click()
        box.locator("input[name=reason]").fill("核对申请人身份")
        box.locator("button[type=submit]").click()
        revealed = box.locator("[data-testid=pii-id_number][data-revealed='1']")
        revealed.wait_for()
        id_number = revealed.inner_text().strip()
        citizen.goto("/status")
        citizen.fill("input[name=application_no]", number)
        citizen.fill("input[name=id_number]", id_number)
        citizen.click("form[data-testid=status-form] button[type=submit]")
        citizen.wait_for_load_state()
        assert number in citizen.inner_text("main") and citizen.locator("[data-testid=form-errors]").count() == 0
        check(citizen, "POST /status found", False, report)
        shoot(citizen, "plain-portal-status-found")

    auditor = _context(browser, demo_server).new_page()
    staff_login(auditor, "auditor")
    auditor.goto("/staff/alerts?level=red")
    auditor.locator("[data-testid=alerts-table] a.btn").first.click()
    auditor.fill("textarea[name=reason]", "已核实死亡信息")
    auditor.click("button[name=decision][value=confirm]")
    auditor.locator("[data-testid=alert-status]").wait_for()
    check(auditor, "alert confirmed", True, report)
    shoot(auditor, "plain-staff-alert-confirmed")

    admin = _context(browser, demo_server).new_page()
    admin.goto("/staff/login")
    check(admin, "/staff/login", True, report)
    staff_login(admin, "administrator")
    starts = ["/staff/", "/staff/queue", "/staff/intake", "/staff/persons", "/staff/alerts",
              "/staff/alerts?status=confirmed", "/staff/alerts?status=all", "/staff/params", "/staff/audit"]
    seen = walk(admin, starts, "/staff/", True, report, shoot, "staff")
    assert any(u.startswith("/staff/cases/") for u in seen), "the walk reached no application"
    assert sum(u.startswith("/staff/params/") for u in seen) >= 40, "the walk missed parameters"
    # the charts draw their labels from the same table (canvas text is not in innerText: look at the shot)
    admin.goto("/staff/")
    admin.wait_for_selector("[data-chart=levels][data-rendered='1'] canvas")
    admin.wait_for_selector("[data-chart=status][data-rendered='1'] canvas")
    shoot(admin, "plain-staff-dashboard-charts")
    # a person with benefits and notices, found through the search form
    admin.goto(f"/staff/alerts/{auditor.url.rsplit('/', 1)[-1]}")
    person_link = admin.locator("a[href^='/staff/persons/P']")
    if person_link.count():
        person_link.first.click()
        check(admin, "person of the confirmed alert", True, report)
        shoot(admin, "plain-staff-person-after-alert")
        for href in admin.eval_on_selector_all("a[href^='/staff/notices/']", "els => els.map(e => e.href)")[:4]:
            admin.goto(href)
            check(admin, href, True, report)
            shoot(admin, "plain-staff-notice")
    admin.goto("/staff/audit")
    admin.click("[data-testid=verify]")
    check(admin, "POST /staff/audit/verify", True, report)
    admin.goto("/staff/intake")
    admin.fill("input[name=applicant]", "P999999999")
    admin.fill("input[name=bank_account]", "6222020200112233445")
    admin.click("form[data-testid=intake-form] button[type=submit]")
    admin.locator("[data-testid=form-errors]").wait_for()
    check(admin, "POST /staff/intake refused", True, report)
    missing = admin.goto("/staff/no-such-page")
    assert missing.status == 404 and admin.locator("[data-testid=whoami]").count() == 1
    check(admin, "/staff/no-such-page", True, report)

    found = "\n".join(f"  {where}: {', '.join(words[:12])}" for where, words in report.items())
    assert not report, "identifier-like words or JSON on pages:\n" + found
