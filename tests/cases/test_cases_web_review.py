"""The review page (both DBs): a grant or refusal asks once more and keeps nothing until confirmed; the
second reviewer confirms exactly or returns to the first with an internal comment."""

from __future__ import annotations

import re

from cases_builders import session_as
from fastapi.testclient import TestClient
from sqlalchemy import select
from test_cases_queue import review_case

from shebao.cases.models import Application, ApplicationNotification

PASSWORD = "correct-horse-battery"


def _client(db, username: str) -> TestClient:
    from shebao.api.app import create_app

    client = TestClient(create_app(db))
    page = client.get("/staff/login").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    done = client.post("/staff/login", data={"csrf_token": token, "username": username, "password": PASSWORD},
                       follow_redirects=False)
    assert done.status_code == 303, done.text
    client.csrf = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/staff/").text).group(1)
    return client


def _post(client, no: str, **form):
    return client.post(f"/staff/cases/{no}/decide", data={"csrf_token": client.csrf, **form}, follow_redirects=False)


def _app(no: str) -> Application:
    with session_as() as s:
        app = s.execute(select(Application).where(Application.application_no == no)).scalar_one()
        s.expunge(app)
        return app


def test_review_page_confirms_once_more_and_the_second_reviewer_returns_to_the_first(registry, db):
    from shebao.users.service import add_user

    with session_as("admin", "admin") as s:
        for name in ("r1", "r2"):
            add_user(s, username=name, role="reviewer", password=PASSWORD)
    no = review_case(registry, "k-web")
    r1, r2 = _client(db, "r1"), _client(db, "r2")
    assert _post(r1, no, action="claim").status_code == 303
    # no minimum wage for the region: the amount cannot be checked, so a second reviewer must look
    preview = _post(r1, no, action="approve", monthly_amount="1800", comment="已电话核实", comment_visibility="internal")
    assert preview.status_code == 200 and 'data-testid="confirm-panel"' in preview.text
    assert "转另一名复核员确认" in preview.text and "最低工资标准未设定" in preview.text
    assert _app(no).review_stage == "first"  # nothing kept before the confirmation
    done = _post(r1, no, action="approve", monthly_amount="1800", comment="已电话核实", comment_visibility="internal",
                 confirmed="1")
    assert done.status_code == 303 and _app(no).review_stage == "second"

    assert _post(r2, no, action="claim").status_code == 303
    page = r2.get(f"/staff/cases/{no}").text
    assert "1800.00 元" in page and "退回第一复核员" in page
    different = _post(r2, no, action="approve", monthly_amount="60000", confirmed="1")
    assert different.status_code == 409 and "只能确认" in different.text
    assert _app(no).status == "review"
    back = _post(r2, no, action="return_to_first", comment="起始日期应核对", comment_visibility="internal")
    assert back.status_code == 303
    app = _app(no)
    assert app.review_stage == "first" and app.claimed_by == "r1" and app.proposed_amount is None

    refusal = _post(r1, no, action="reject", comment="离职证明显示为本人辞职", comment_visibility="applicant")
    assert refusal.status_code == 200 and "不予核准" in refusal.text and "申请人将收到" in refusal.text
    assert _app(no).status == "review"
    assert _post(r1, no, action="reject", comment="离职证明显示为本人辞职", comment_visibility="applicant",
                 confirmed="1").status_code == 303
    assert _app(no).status == "rejected"
    with session_as() as s:
        texts = list(s.scalars(select(ApplicationNotification.text)
                               .where(ApplicationNotification.application_id == _app(no).id)))
    assert any("本人辞职" in t for t in texts)
    assert not any("电话核实" in t or "起始日期应核对" in t for t in texts)  # internal comments stay inside
