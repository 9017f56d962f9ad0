"""Group commit: concurrent submissions share transactions and each gets the answer it would get alone."""

from __future__ import annotations

import asyncio

from cases_builders import payload, session_as


def _token(username: str, role: str) -> str:
    from shebao.users.service import issue_token

    with session_as(username, role) as s:
        return issue_token(s, username=username)


def test_concurrent_submissions_share_transactions_and_keep_their_own_answers(registry, db):
    import httpx
    from sqlalchemy import func, select

    from shebao.api.app import create_app
    from shebao.audit.log import verify
    from shebao.cases.models import Application
    from shebao.core.db import session_scope

    app = create_app(db)
    clerk, analyst = _token("gc-clerk", "clerk"), _token("gc-analyst", "analyst")
    persons = [registry.person() for _ in range(12)]
    twice = registry.person()  # two keys, one person and kind: one is granted, never two benefits
    requests = [(clerk, payload("pension", p, f"gc-{i}")) for i, p in enumerate(persons)]
    requests += [(clerk, payload("pension", persons[0], "gc-0")),          # the same key again: same application
                 (clerk, payload("pension", twice, "gc-twice-a")),
                 (clerk, payload("pension", twice, "gc-twice-b")),
                 (analyst, payload("pension", persons[1], "gc-analyst")),  # role refused: 403, others unaffected
                 ("not-a-token", payload("pension", persons[2], "gc-bad"))]

    async def run() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            return await asyncio.gather(*(client.post("/api/v1/applications", json=body,
                                                      headers={"Authorization": f"Bearer {token}"})
                                          for token, body in requests))

    answers = asyncio.run(run())
    codes = [r.status_code for r in answers]
    assert codes[:12] == [201] * 12, [r.text for r in answers[:12]]
    assert codes[12] in (200, 201) and answers[12].json()["application_no"] == answers[0].json()["application_no"]
    pair = [r.json() if r.status_code == 201 else r.status_code for r in answers[13:15]]
    granted = [p for p in pair if isinstance(p, dict) and p["status"] == "approved"]
    assert len(granted) == 1, pair
    other = next(p for p in pair if p is not granted[0])
    # refused while the first is open (409), or decided after it: already receiving this benefit
    assert other == 409 or (other["status"] == "rejected"
                            and other["decision"]["reasons"][0]["code"] == "benefit_already_active"), other
    assert codes[15:] == [403, 401]
    batcher = app.state.submissions
    assert batcher.requests == len(requests)
    assert batcher.batches < batcher.requests, "concurrent submissions never shared a transaction"
    with session_scope() as s:
        keys = s.execute(select(Application.idempotency_key)).scalars().all()
        expected = [f"gc-{i}" for i in range(12)] + ["gc-twice-a", "gc-twice-b"][:2 if other != 409 else 1]
        assert len(keys) == len(expected) and set(keys) >= {f"gc-{i}" for i in range(12)}
        assert s.execute(select(func.count()).select_from(Application).where(
            Application.person_id == twice["person_id"], Application.status == "approved")).scalar_one() == 1
        result = verify(s)
        assert result.ok, result.reason


def test_a_failure_inside_a_batch_replays_each_request_alone(registry, db, monkeypatch):
    """One request that fails mid-transaction rolls the batch back; the others are decided again, alone."""
    import httpx
    from sqlalchemy import func, select

    from shebao.api import cases as cases_api
    from shebao.api.app import create_app
    from shebao.cases.models import Application
    from shebao.core.db import session_scope

    app = create_app(db)
    clerk = _token("gc-clerk2", "clerk")
    persons = [registry.person() for _ in range(8)]
    real = cases_api._submit_one

    def flaky(session, user, item):
        result = real(session, user, item)  # it has written its rows before failing
        if item[0].idempotency_key == "boom":
            raise RuntimeError("模拟故障")
        return result

    monkeypatch.setattr(cases_api, "_submit_one", flaky)
    bodies = [payload("pension", p, f"ok-{i}") for i, p in enumerate(persons[:7])] + [
        payload("pension", persons[7], "boom")]

    async def run() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            return await asyncio.gather(*(client.post("/api/v1/applications", json=b,
                                                      headers={"Authorization": f"Bearer {clerk}"}) for b in bodies))

    answers = asyncio.run(run())
    assert [r.status_code for r in answers] == [201] * 7 + [500]
    batcher = app.state.submissions
    assert batcher.batches < batcher.requests and batcher.replays >= 1
    with session_scope() as s:
        keys = sorted(s.execute(select(Application.idempotency_key)).scalars())
        assert keys == [f"ok-{i}" for i in range(7)]  # nothing of the failed one, nothing twice
        assert s.execute(select(func.count()).select_from(Application).where(
            Application.status == "approved")).scalar_one() == 7


def test_a_duplicate_inside_a_shared_transaction_leaves_the_others_intact(registry, db):
    """A key already taken, or an open application, inside a batch: nothing is rolled back behind
    the back of the submissions decided before it in the same transaction."""
    from sqlalchemy import func, select

    from shebao.cases.models import Application
    from shebao.cases.pipeline import OpenApplicationError, submit_application
    from shebao.cases.schemas import ApplicationCreate
    from shebao.core.db import session_scope

    first, second, third = (registry.person() for _ in range(3))
    unemployed = registry.person(birth="1980-05-01", unemployment=True, detail=("2022-01", "2025-02"))
    with session_scope() as s:  # an open application (review: the amount is not set) committed earlier
        s.info.update(actor="c", actor_role="clerk")
        submit_application(s, ApplicationCreate.model_validate(payload("unemployment", unemployed, "open-1")))
    with session_scope() as s:
        s.info.update(actor="c", actor_role="clerk")
        a, created_a = submit_application(s, ApplicationCreate.model_validate(payload("pension", first, "shared-1")))
        b, created_b = submit_application(s, ApplicationCreate.model_validate(payload("pension", second, "shared-2")))
        try:
            submit_application(s, ApplicationCreate.model_validate(payload("unemployment", unemployed, "open-2")))
            raise AssertionError("a second open application of one kind must be refused")
        except OpenApplicationError:
            pass
        c, created_c = submit_application(s, ApplicationCreate.model_validate(payload("pension", third, "shared-3")))
        assert created_a and created_b and created_c
    with session_scope() as s:
        keys = set(s.execute(select(Application.idempotency_key)).scalars())
        assert keys == {"open-1", "shared-1", "shared-2", "shared-3"}
        assert s.execute(select(func.count()).select_from(Application).where(
            Application.status == "approved")).scalar_one() == 3
