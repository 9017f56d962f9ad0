"""The demo's applications: everyone in the registry who reached retirement age without a pension,
and everyone whose job ended recently without unemployment benefit, applies through the pipeline."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from typing import Any

from sqlalchemy import func, select

REASONS = (("contract_expired", 55), ("dismissed", 20), ("mutual", 10), ("resigned", 10), ("other", 5))


def _pick_reason(person_id: str) -> str:
    h = int(hashlib.sha256(person_id.encode()).hexdigest()[:8], 16) % 100
    for reason, share in REASONS:
        if h < share:
            return reason
        h -= share
    return "other"


def demo_bank_account(person_id: str) -> str:
    """A valid (Luhn) card number derived from the person id, for persons without an account on file."""
    from shebao.core.validators import luhn_check_digit

    digits = "".join(ch for ch in person_id if ch.isdigit())[-11:].rjust(11, "0")
    body = "622848" + digits + "0"
    return body + luhn_check_digit(body)


def candidates(session, as_of: dt.date, limit: int | None = None) -> list[dict[str, Any]]:
    """Who applies in the demo: (kind, person_id, facts, bank_account) for each applicant."""
    from shebao.policy import default_parameters
    from shebao.policy.retirement import statutory_retirement
    from shebao.registry.models import Benefit, Contribution, Death, Person

    params = default_parameters()
    dead = set(session.execute(select(Death.id_number_bidx)).scalars())
    benefits: dict[str, dict[str, Any]] = {}
    for b in session.execute(select(Benefit.person_id, Benefit.kind, Benefit.bank_account, Benefit.status)):
        entry = benefits.setdefault(b.person_id, {"kinds": set(), "account": None})
        entry["kinds"].add(b.kind)
        entry["account"] = entry["account"] or b.bank_account
    as_of_ym = as_of.year * 12 + as_of.month - 1
    last_unemp = dict(session.execute(
        select(Contribution.person_id, func.max(Contribution.period))
        .where(Contribution.insurance == "unemployment", Contribution.employer_id != "")
        .group_by(Contribution.person_id)).all())
    out = []
    for p in session.execute(select(Person.person_id, Person.birth_date, Person.original_retirement_age,
                                     Person.id_number_bidx).order_by(Person.person_id)):
        if p.id_number_bidx in dead:
            continue
        held = benefits.get(p.person_id, {"kinds": set(), "account": None})
        account = held["account"] or demo_bank_account(p.person_id)
        try:
            st = statutory_retirement(p.birth_date, p.original_retirement_age, params)
        except Exception:  # noqa: BLE001 - a cohort the parameters do not cover does not apply
            continue
        if "pension" not in held["kinds"] and as_of_ym - 24 <= st.retirement_ym <= as_of_ym + 1:
            out.append({"kind": "pension", "person_id": p.person_id, "facts": {}, "bank_account": account})
            continue
        last = last_unemp.get(p.person_id)
        if last and "unemployment" not in held["kinds"] and "pension" not in held["kinds"]:
            last_ym = int(last[:4]) * 12 + int(last[5:7]) - 1
            if as_of_ym - 12 <= last_ym <= as_of_ym - 2 and st.retirement_ym > as_of_ym:
                nxt = last_ym + 1
                separation = dt.date(nxt // 12, nxt % 12 + 1, 1) - dt.timedelta(days=1)
                out.append({"kind": "unemployment", "person_id": p.person_id, "bank_account": account,
                            "facts": {"separation_date": separation.isoformat(),
                                      "separation_reason": _pick_reason(p.person_id)}})
        if limit and len(out) >= limit:
            break
    return out


def run_demo_applications(*, as_of: dt.date, folder=None, say: Callable[[str], None] | None = None,
                          limit: int | None = None) -> dict:
    """Submit the demo applications (one transaction each, as the API does) and summarise.

    ``say`` prints a progress line (the CLI passes its console; ``None`` is quiet).
    """
    from shebao.cases.metrics import stats
    from shebao.cases.pipeline import IntakeError, submit_application
    from shebao.cases.schemas import ApplicationCreate
    from shebao.core.db import session_scope

    with session_scope() as session:
        todo = candidates(session, as_of, limit)
    if say is not None:
        say(f"提交演示申领：{len(todo)} 件（达到退休年龄未领养老金者、近期失业者）")
    refused = 0
    for c in todo:
        payload = ApplicationCreate(kind=c["kind"], person_id=c["person_id"], bank_account=c["bank_account"],
                                    idempotency_key=f"demo-{c['kind']}-{c['person_id']}-{as_of.isoformat()}",
                                    channel="portal", facts=c["facts"])
        try:
            with session_scope() as session:
                session.info.update(actor="portal-demo", actor_role="clerk", source="cli:demo")
                submit_application(session, payload, on=as_of)
        except IntakeError:
            refused += 1
    with session_scope() as session:
        s = stats(session)
    return {"applications": s["applications"], "auto_approved": s["auto_approved"],
            "auto_rejected": s["rejected"], "review": s["manual_review"],
            "manual_review": s["manual_review"], "rejected": s["rejected"],
            "median_decision_ms": s["median_decision_ms"], "applications_refused_at_intake": refused,
            "review_reasons": s["review_reasons"]}
