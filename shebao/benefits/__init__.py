"""Benefits after the grant (issue 6): payroll, recalculation and back-pay, yearly adjustment,
suspension and resumption, death and the survivor case, recovery, notices.

Entry points other domains use (keyword arguments are contracts):

- ``grant_benefit(session, *, person_id, kind, region_code, start_date, monthly_amount, bank_account,
  application_no=None, provisional=False, assessment=None)`` — processing (issue 5).
- ``suspend_benefit``, ``resume_benefit``, ``compute_overpayment`` — anyone.
- ``suspend_and_recover(session, *, person_id, benefit_id, rule_id, reason, alert_id)`` — screening's
  triage (``shebao.risk.alerts.request_suspension`` imports it from ``handoff``).
- ``process_death``, ``record_certification``, ``run_payroll``, ``recalculate_provisional``,
  ``apply_adjustment``.
"""

from __future__ import annotations

from typing import Any

_HOMES = {
    "grant_benefit": "service",
    "suspend_benefit": "service",
    "resume_benefit": "service",
    "compute_overpayment": "service",
    "suspend_and_recover": "handoff",
    "BenefitError": "service",
    "process_death": "death",
    "record_certification": "suspension",
    "run_payroll": "payroll",
    "recalculate_provisional": "recalc",
    "apply_adjustment": "adjustment",
}


def __getattr__(name: str) -> Any:
    # lazy, so that importing the package stays light and free of import cycles
    if name in _HOMES:
        from importlib import import_module

        return getattr(import_module(f"shebao.benefits.{_HOMES[name]}"), name)
    raise AttributeError(name)


__all__ = sorted(_HOMES)
