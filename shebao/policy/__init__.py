"""Policy engine: rules as code with dated, region-scoped parameters (issue 4).

Pure computation on plain values: no database session and no web in the formulas. Only the
parameter store (:mod:`shebao.policy.store`) touches storage; it merges the overlay of changes
kept in the database over the shipped YAML tree and hands a :class:`ParameterSet` to the formulas.

Stable public API (other domains call these; names and return shapes are contracts):

Parameters
    ``load_parameters(overlay=None) -> ParameterSet`` — the shipped tree (cached), or with an
    iterable of :class:`Override` merged over it. ``ParameterSet.get(name, on, region=None,
    known_on=None) -> ParamValue`` with ``value``, ``effective_date``, ``reference``,
    ``confirmed``, ``unit``, ``region``, ``published``; raises :class:`ParameterMissing` where no
    value is known (never a guess). ``ParameterSet.history(name)``, ``.names()``, ``.describe(name)``.
    From the database: ``shebao.policy.store.parameters_for(session)``.

Calculators (inputs: dicts of numbers or numeric strings; outputs: JSON-ready dicts, amounts as
2-decimal strings, with ``reasons`` [{code, text, reference}] and ``trace``; ``params`` defaults
to the shipped tree)
    ``calc_pension(inputs, params=None)``, ``calc_retirement(inputs, params=None)``,
    ``calc_plan(inputs, params=None)``, ``calc_backpay(inputs, params=None)``,
    ``calc_unemployment(inputs, params=None)``, ``calc_injury(inputs, params=None)``,
    ``calc_survivor(inputs, params=None)`` (funeral grant and 抚恤金, 人社部发〔2021〕18号).
    ``recalculate_pension(inputs, recalculated_on=, paid_through=None, params=None)`` — final
    amount and back-pay of a provisional pension once the year's base is published.
    ``pension_adjustment(pension=, contribution_months=, year=, region=, params=None)`` — 调待.

Claims (``shebao.policy.claims``; typed inputs, the case workflow builds them from the records)
    ``pension_claim_decision(PensionClaim, params, auto_decide=)``,
    ``unemployment_claim_decision(UnemploymentClaim, params, auto_decide=)`` — eligibility, amount,
    reasons and review reasons; ``early_filing_months``, ``separation_involuntary``.
    Deadlines (``shebao.policy.deadlines``): ``claim_deadline(kind, received, region, params)``.
    Survivors (``shebao.policy.death``): ``enterprise_survivor_items``, ``injury_survivor_items``,
    ``remaining_account_balance``.

Rule functions (plain values in, plain values out)
    Retirement: ``statutory_retirement(birth, original_age, params)``,
    ``min_contribution_months(statutory_ym, params)``, ``flexible_window(statutory, params)``.
    Unemployment: ``unemployment_eligibility(...)``, ``unemployment_duration_months(...)``.
    Work injury: ``injury_wage_fen``, ``disability_grant_fen``, ``disability_allowance``,
    ``retirement_top_up_fen``, ``care_allowance_fen``, ``funeral_grant_fen``, ``survivor_pensions_fen``, ``death_grant_fen``.
    Certification: ``certification_rules(on, region, params=None) -> {cycle_days, grace_days, ...}``.
    Contributions (``shebao.policy.contribution``): ``base_bounds_fen(year, region)``,
    ``bounded_base_fen``, ``contribution_index_micro``, ``account_credit_fen``, ``yearly_interest_fen``.

Batch
    ``pension_batch(columns, region=, assessed_on=, params=None, threads=2)`` over NumPy/Arrow
    integer columns (fen, months, index × 10⁶); identical row by row to ``calc_pension``.

Formulas in fixed point (``indexed_wage_fen``, ``basic_pension_fen``, ``account_pension_fen``,
``transitional_pension_fen``, ``annuity_divisor_tenths``) take Python ints or NumPy arrays alike.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from shebao.policy.common import InputError
from shebao.policy.paramset import Override, ParameterSet, default_parameters, load_parameters
from shebao.policy.tree import ParameterError, ParameterMissing, ParamValue


def certification_rules(on: dt.date, region: str | None = None, params: ParameterSet | None = None) -> dict[str, Any]:
    """Proof-of-life cycle and the grace period after which an overdue pension is suspended."""
    params = params or default_parameters()
    cycle = params.get("certification.cycle_days", on, region)
    grace = params.get("certification.grace_days", on, region)
    return {
        "cycle_days": cycle.value,
        "grace_days": grace.value,
        "confirmed": cycle.confirmed and grace.confirmed,
        "parameters": [cycle.to_trace(), grace.to_trace()],
    }


def __getattr__(name: str) -> Any:
    # calculators import lazily so that `import shebao.policy` stays light (no NumPy)
    from importlib import import_module

    homes = {
        "calc_pension": "pension",
        "recalculate_pension": "pension",
        "pension_adjustment": "pension",
        "indexed_wage_fen": "pension",
        "basic_pension_fen": "pension",
        "account_pension_fen": "pension",
        "transitional_pension_fen": "pension",
        "annuity_divisor_tenths": "pension",
        "calc_retirement": "retirement",
        "statutory_retirement": "retirement",
        "min_contribution_months": "retirement",
        "flexible_window": "retirement",
        "calc_plan": "guide",
        "calc_backpay": "guide",
        "calc_unemployment": "unemployment",
        "unemployment_amount_fen": "unemployment",
        "calc_survivor": "death",
        "unemployment_eligibility": "unemployment",
        "unemployment_duration_months": "unemployment",
        "calc_injury": "injury",
        "injury_wage_fen": "injury",
        "disability_grant_fen": "injury",
        "disability_allowance": "injury",
        "retirement_top_up_fen": "injury",
        "care_allowance_fen": "injury",
        "funeral_grant_fen": "injury",
        "survivor_pensions_fen": "injury",
        "death_grant_fen": "injury",
        "pension_batch": "batch",
        "base_bounds_fen": "contribution",
        "bounded_base_fen": "contribution",
        "contribution_index_micro": "contribution",
        "account_credit_fen": "contribution",
        "yearly_interest_fen": "contribution",
    }
    if name in homes:
        return getattr(import_module(f"shebao.policy.{homes[name]}"), name)
    raise AttributeError(name)


__all__ = [
    "InputError",
    "Override",
    "ParamValue",
    "ParameterError",
    "ParameterMissing",
    "ParameterSet",
    "certification_rules",
    "default_parameters",
    "load_parameters",
]
