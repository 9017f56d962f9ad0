"""Times shown to people are in ``SHEBAO_TIMEZONE`` (both DBs): the case page (its reviews and the notices
to the applicant), the alert page, a parameter's page, the audit page, the CSV exports and ``shebao audit
tail``; the audit chain's stored UTC value appears only labelled "UTC".

The zone is Pacific/Kiritimati (UTC+14), so a time shown unconverted is off by fourteen hours and, for the
fixed times below, by a calendar day: any place that prints the stored value fails here."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from decimal import Decimal
from zoneinfo import ZoneInfo

from cases_builders import session_as
from sqlalchemy import select, update
from test_cases_queue import review_case
from test_cases_web_review import PASSWORD, _client

from shebao.cases.models import Application, ApplicationNotification, ApplicationReview

ZONE = "Pacific/Kiritimati"
REVIEWED = dt.datetime(2026, 3, 1, 10, 30)  # stored as the database keeps times: naive UTC
NOTIFIED = dt.datetime(2026, 3, 1, 11, 45)
DECIDED = dt.datetime(2026, 3, 1, 12, 5)
SET = dt.datetime(2026, 3, 1, 13, 20)


def _local(utc: dt.datetime | str, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """The expected text, converted here independently of the code under test."""
    if isinstance(utc, str):
        utc = dt.datetime.fromisoformat(utc)
    if utc.tzinfo is None:
        utc = utc.replace(tzinfo=dt.UTC)
    return utc.astimezone(ZoneInfo(ZONE)).strftime(fmt)


def _csv(response) -> list[dict[str, str]]:
    assert response.status_code == 200, response.text[:500]
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_pages_exports_and_notices_show_local_time(registry, db, monkeypatch):
    from typer.testing import CliRunner

    from shebao.audit.models import AuditEntry
    from shebao.cli import _register
    from shebao.cli import app as cli_app
    from shebao.core.settings import get_settings
    from shebao.risk.alerts import confirm, list_alerts, store_findings
    from shebao.risk.screening import Finding
    from shebao.users.service import add_user

    monkeypatch.setenv("SHEBAO_TIMEZONE", ZONE)
    get_settings.cache_clear()
    assert _local(REVIEWED) == "2026-03-02 00:30"  # the fixed times cross midnight in this zone

    with session_as("admin", "admin") as s:
        add_user(s, username="r1", role="reviewer", password=PASSWORD)
        add_user(s, username="a1", role="auditor", password=PASSWORD)
        add_user(s, username="admin2", role="admin", password=PASSWORD)
    no = review_case(registry, "k-tz")
    reviewer = _client(db, "r1")
    assert reviewer.post(f"/staff/cases/{no}/decide", data={"csrf_token": reviewer.csrf, "action": "claim"},
                         follow_redirects=False).status_code == 303
    with session_as() as s:
        app_id = s.scalar(select(Application.id).where(Application.application_no == no))
        s.execute(update(ApplicationReview).where(ApplicationReview.application_id == app_id)
                  .values(created_at=REVIEWED))
        notified = s.execute(update(ApplicationNotification).where(ApplicationNotification.application_id == app_id)
                             .values(created_at=NOTIFIED)).rowcount
    assert notified >= 1, "the case sent the applicant no notice to look at"

    # the case page: the reviewer's action and the notice to the applicant, in local time
    case = reviewer.get(f"/staff/cases/{no}")
    assert case.status_code == 200
    assert f'<small class="muted">{_local(REVIEWED)}</small>' in case.text, "review time not in local time"
    assert f'<small class="muted">{_local(NOTIFIED)}</small>' in case.text, "notice time not in local time"
    for stored in (REVIEWED, NOTIFIED):
        for shown in (stored.isoformat(), f"{stored:%Y-%m-%d %H:%M}"):
            assert shown not in case.text, shown

    # an alert decided at a known time: its page and the alerts export
    with session_as("a1", "auditor") as s:
        store_findings(s, [Finding("P-tz", "b1", "Y01", "yellow", Decimal("0.00"), "证据", ("2025-01-01",))],
                       as_of=dt.date(2026, 3, 1))
    with session_as("a1", "auditor") as s:
        (alert,), _ = list_alerts(s, level="yellow")
        alert_id = alert.id
        confirm(s, alert_id=alert_id, note="已核实")
    with session_as() as s:
        from shebao.risk.models import Alert

        s.execute(update(Alert).where(Alert.id == alert_id).values(decided_at=DECIDED))
    auditor = _client(db, "a1")
    page = auditor.get(f"/staff/alerts/{alert_id}")
    assert page.status_code == 200
    assert f"a1 · {_local(DECIDED)}" in page.text and f"{DECIDED:%Y-%m-%d %H:%M}" not in page.text
    rows = _csv(auditor.post("/staff/export/alerts", data={"csrf_token": auditor.csrf, "format": "csv"}))
    assert [r["处理时间"] for r in rows if r["疑点编号"] == str(alert_id)] == [_local(DECIDED)]

    # a parameter set by the agency: the change log on the parameter's page
    from shebao.policy.models import ParameterOverride
    from shebao.policy.store import set_parameter

    with session_as("admin", "admin") as s:
        set_parameter(s, name="wages.minimum_monthly", region="370500", effective_from=dt.date(2026, 1, 1),
                      value="2200", reference="鲁政字〔2025〕1号（测试）")
    with session_as() as s:
        s.execute(update(ParameterOverride).where(ParameterOverride.name == "wages.minimum_monthly")
                  .values(created_at=SET))
    admin = _client(db, "admin2")
    param = admin.get("/staff/params/wages.minimum_monthly")
    assert param.status_code == 200
    assert f"<td>{_local(SET)}</td>" in param.text and f"{SET:%Y-%m-%d %H:%M}" not in param.text

    # the audit log: local time for people, the chain's stored UTC value beside it, labelled
    with session_as() as s:
        stored = {e.seq: e.ts for e in s.scalars(select(AuditEntry))}
    audit = auditor.get("/staff/audit")
    assert audit.status_code == 200
    shown = re.findall(r'<td>(\d+)</td><td class="nowrap" data-testid="audit-time">([^<]+)<br>'
                       r'<small class="muted" data-testid="audit-utc">([^<]+)</small>', audit.text)
    assert len(shown) >= 5, audit.text[:2000]
    for seq, local, utc in shown:
        ts = stored[int(seq)]
        assert local == _local(ts, "%Y-%m-%d %H:%M:%S"), (seq, ts, local)
        assert utc == dt.datetime.fromisoformat(ts).astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC"), (seq, utc)
    rows = _csv(auditor.post("/staff/export/audit", data={"csrf_token": auditor.csrf, "format": "csv"}))
    assert rows and f"时间（{ZONE}）" in rows[0] and "时间（UTC，审计链存储值）" in rows[0]
    for row in rows:
        ts = stored[int(row["序号"])]
        assert row[f"时间（{ZONE}）"] == _local(ts, "%Y-%m-%d %H:%M:%S"), row
        assert row["时间（UTC，审计链存储值）"] == dt.datetime.fromisoformat(ts).strftime("%Y-%m-%d %H:%M:%S UTC"), row

    # the command line's audit tail: the same, the zone named in the header
    with session_as() as s:
        last = s.scalar(select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(1))
        last_seq, last_ts = last.seq, last.ts
    _register()
    result = CliRunner().invoke(cli_app, ["audit", "tail", "-n", "1"], env={"COLUMNS": "250"})
    assert result.exit_code == 0, result.output
    assert ZONE in result.output and "UTC，存储值" in result.output, result.output
    line = next(ln for ln in result.output.splitlines() if re.search(rf"\b{last_seq}\b", ln))
    assert _local(last_ts, "%Y-%m-%d %H:%M:%S") in line and last_ts[:19].replace("T", " ") in line, line
