"""Contribution bases, indices and the personal account (国办发〔2019〕13号; 国发〔1997〕26号; 国发〔2005〕38号).

Plain values in, plain values out (integer fen); the registry, the synthetic generator and the
calculators call these instead of repeating the rules.
"""

from __future__ import annotations

import datetime as dt

from shebao.policy.common import MICRO, ratio, rdiv
from shebao.policy.paramset import ParameterSet, default_parameters


def previous_avg_monthly_fen(year: int, region: str = "370000", params: ParameterSet | None = None) -> int:
    """The previous year's average wage per month (annual / 12, to the fen) that bounds year ``year``.

    Raises:
        ParameterMissing: the previous year's average is not known (never an older year's instead).
    """
    params = params or default_parameters()
    pv = params.get("wages.average_annual", dt.date(year - 1, 1, 1), region, same_period=True)
    return rdiv(int(pv.value * 100), 12)


def base_bounds_fen(year: int, region: str = "370000", params: ParameterSet | None = None) -> tuple[int, int]:
    """Lower and upper contribution base for ``year``: 60% and 300% of the previous year's average."""
    params = params or default_parameters()
    on = dt.date(year, 1, 1)
    avg = previous_avg_monthly_fen(year, region, params)
    lo = ratio(params.get("contribution.base_floor_rate", on, region).value)
    hi = ratio(params.get("contribution.base_cap_rate", on, region).value)
    return rdiv(avg * lo[0], lo[1]), rdiv(avg * hi[0], hi[1])


def bounded_base_fen(wage_fen: int, year: int, region: str = "370000", params: ParameterSet | None = None) -> int:
    """A monthly wage as a contribution base: raised to the floor, cut at the cap."""
    lo, hi = base_bounds_fen(year, region, params)
    return min(max(int(wage_fen), lo), hi)


def contribution_index_micro(base_fen: int, year: int, region: str = "370000",
                             params: ParameterSet | None = None) -> int:
    """缴费指数 = base ÷ the previous year's average monthly wage (the one that bounds it), in millionths."""
    return rdiv(int(base_fen) * MICRO, previous_avg_monthly_fen(year, region, params))


def account_credit_fen(base_fen: int, month: dt.date, region: str = "370000",
                       params: ParameterSet | None = None) -> int:
    """Monthly credit to the personal account: 11% of the base before 2006, 8% since (国发〔2005〕38号)."""
    params = params or default_parameters()
    num, den = ratio(params.get("pension.account.contribution_rate", month, region).value)
    return rdiv(int(base_fen) * num, den)


def yearly_interest_fen(balance_fen: int, year: int, region: str | None = None,
                        params: ParameterSet | None = None) -> int:
    """A year's credited interest (记账利率) on a balance; missing years raise ParameterMissing."""
    params = params or default_parameters()
    pv = params.get("pension.account.interest_rate", dt.date(year, 1, 1), region, same_period=True)
    num, den = ratio(pv.value)
    return rdiv(int(balance_fen) * num, den)
