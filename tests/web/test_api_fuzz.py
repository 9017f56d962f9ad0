"""Schemathesis over /openapi.json: malformed input gets a 4xx with a message, never a 5xx.

Runs against its own server and database copy (the fuzzer confirms alerts, adds parameters and
submits applications), authenticated as an administrator so that the requests reach the handlers
behind the role checks (as a reviewer too for the review queue and benefits, whose actions are
reviewers' only), and once without credentials. The number of examples per operation is
bounded so that CI stays fast.
"""

from __future__ import annotations

import os

import pytest

pytestmark = pytest.mark.slow

MAX_EXAMPLES = int(os.environ.get("SHEBAO_FUZZ_EXAMPLES", "25"))


@pytest.fixture(scope="module")
def tokens(fuzz_server):
    """Bearer tokens of the administrator and of a reviewer (the queue's actions are reviewers' only)."""
    from shebao.core.db import dispose_engines, session_scope
    from shebao.core.settings import get_settings
    from shebao.users.service import issue_token

    with pytest.MonkeyPatch.context() as mp:
        for key, value in fuzz_server["env"].items():
            mp.setenv(key, value)
        get_settings.cache_clear()
        try:
            with session_scope() as session:
                issued = {name: issue_token(session, username=name, label="fuzz")
                          for name in ("administrator", "reviewer")}
        finally:
            dispose_engines()
            get_settings.cache_clear()
    return issued


def _operations(base: str):
    import schemathesis

    schema = schemathesis.openapi.from_url(base + "/openapi.json")
    return schema


def test_no_operation_answers_5xx(fuzz_server, tokens):
    schema = _operations(fuzz_server["base"])
    failures: list[str] = []
    ops = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        ops += 1
        credentials = [{"Authorization": f"Bearer {tokens['administrator']}"}, {}]
        if operation.path.startswith(("/api/v1/reviews", "/api/v1/benefits")):
            credentials.append({"Authorization": f"Bearer {tokens['reviewer']}"})
        for auth in credentials:
            _fuzz(operation, fuzz_server["base"], auth, failures)
    assert ops >= 10, "the schema lists the API's operations"
    assert not failures, "\n".join(sorted(set(failures))[:30])


def _fuzz(operation, base: str, headers: dict, failures: list[str]) -> None:
    import hypothesis
    from hypothesis import HealthCheck, Phase

    @hypothesis.settings(max_examples=MAX_EXAMPLES, deadline=None, database=None, derandomize=True,
                         phases=[Phase.explicit, Phase.generate],
                         suppress_health_check=list(HealthCheck))
    @hypothesis.given(case=operation.as_strategy())
    def check(case):
        response = case.call(base_url=base, headers=headers, timeout=30)
        if response.status_code >= 500:
            failures.append(f"{case.method} {case.formatted_path} → {response.status_code}: "
                            f"{case.body!r:.300} {case.query!r:.200} {response.text[:300]}")

    check()
