"""Pensions of the synthetic retirees: the one place to switch to the policy engine.

:func:`assess_pensions` asks the policy engine's vectorised batch assessment for every pension
whose parameters the engine has (it ships Shandong's pension bases from 2023), and for the
rest (retirement years before the engine's published bases) a stated approximation of Shandong's enterprise formula (国发〔2005〕38号 and its Shandong
implementation, as issue 4 describes it):

- basic pension = pension base × (1 + average index) / 2 × contribution years × 1%
- account pension = account balance at retirement / annuity divisor (whole age at retirement)
- transitional pension = pension base × average index × deemed years × 1.3%

with the pension base of the retirement year (see :mod:`shebao.synth.reference`), each part
rounded to the fen, then carried to the as-of year by the yearly adjustments (调待). It is not the
engine: it ignores the 2025 month-interpolated divisors, the provisional assessment and the
special rules of the pre-1996 "old" retirees. Amounts of what is paid are integer fen.
"""

from __future__ import annotations

import datetime as dt
import threading

import numpy as np

from shebao.synth import reference as ref


def annuity_divisor(age_years: np.ndarray) -> np.ndarray:
    """计发月数 by whole age at retirement (clipped to the annex's 40–70)."""
    divisors = ref.legal_value("pension.annuity_divisor")
    low, high = min(divisors), max(divisors)
    ages = np.clip(np.asarray(age_years, dtype=np.int64), low, high)
    table = np.array([divisors[a] for a in range(low, high + 1)], dtype=np.float64)
    return table[ages - low]


def approximate_pensions(
    *,
    retire_year: np.ndarray,
    retire_age_years: np.ndarray,
    contribution_months: np.ndarray,
    deemed_months: np.ndarray,
    avg_index: np.ndarray,
    account_balance_fen: np.ndarray,
) -> np.ndarray:
    """Monthly pension at assessment (fen) by the stated approximation above."""
    base = ref.pension_base(retire_year).astype(np.float64)  # yuan/month
    years = np.round(contribution_months / 12.0, 2)
    deemed_years = np.round(deemed_months / 12.0, 2)
    indexed = np.round(base * avg_index, 2)
    basic = np.round((base + indexed) / 2.0 * years * float(ref.legal_value("pension.basic.rate")) * 100)
    account = np.round(account_balance_fen / annuity_divisor(retire_age_years))
    transitional = np.round(indexed * deemed_years * float(ref.legal_value("pension.transitional.rate")) * 100)
    return (basic + account + transitional).astype(np.int64)


def engine_pensions(
    *,
    retirement_month: np.ndarray,
    birth_month: np.ndarray,
    original_age: np.ndarray,
    contribution_months: np.ndarray,
    deemed_months: np.ndarray,
    avg_index: np.ndarray,
    account_balance_fen: np.ndarray,
    as_of: dt.date,
) -> np.ndarray | None:
    """The policy engine's batch assessment (fen), ``-1`` where it lacks a parameter (e.g. the
    pension base of years before 2023); ``None`` when the engine is not available."""
    try:
        from shebao.policy.batch import pension_batch
    except ImportError:
        return None
    epoch = 1970 * 12  # our months count from 1970-01, the engine's from year 0
    out = pension_batch(
        {
            "retirement_month": np.asarray(retirement_month, dtype=np.int64) + epoch,
            "birth_month": np.asarray(birth_month, dtype=np.int64) + epoch,
            "original_retirement_age": np.asarray(original_age, dtype=np.int64),
            "avg_contribution_index_micro": np.round(np.asarray(avg_index) * 1_000_000).astype(np.int64),
            "contribution_months": np.asarray(contribution_months, dtype=np.int64),
            "pre_account_months": np.asarray(deemed_months, dtype=np.int64),
            "account_balance_fen": np.asarray(account_balance_fen, dtype=np.int64),
        },
        region="370000",
        assessed_on=as_of,
        threads=1,
    )
    return np.asarray(out["total_fen"], dtype=np.int64)




ENGINE_FIRST_YEAR = 2023


def _engine_errors() -> tuple[type[BaseException], ...]:
    try:
        from shebao.policy.common import InputError
        from shebao.policy.tree import ParameterMissing
    except ImportError:
        return (ImportError,)
    return (InputError, ParameterMissing)


ENGINE_ERRORS = _engine_errors()


def _isolated(fn, **kwargs):
    """Call ``fn`` on a short-lived thread; ``None`` if it raises one of ENGINE_ERRORS.

    The parameter set caches ParameterMissing instances and re-raises them, so each keeps the
    traceback of its last raise, and through the frames' ``f_back`` links every caller's locals:
    called from a chunk, that would keep the whole chunk's arrays alive. On a fresh thread the
    chain stops at this call's small arguments.
    """
    result: list = [None]
    failure: list = [None]

    def run() -> None:
        try:
            result[0] = fn(**kwargs)
        except ENGINE_ERRORS:
            result[0] = None
        except BaseException as exc:  # noqa: BLE001 - re-raised on the caller's thread
            failure[0] = exc

    thread = threading.Thread(target=run, name="synth-pension-engine")
    thread.start()
    thread.join()
    if failure[0] is not None:
        raise failure[0]
    return result[0]


def assess_pensions(
    *,
    retire_year: np.ndarray,
    retire_age_years: np.ndarray,
    contribution_months: np.ndarray,
    deemed_months: np.ndarray,
    avg_index: np.ndarray,
    account_balance_fen: np.ndarray,
    as_of_year: int,
    retirement_month: np.ndarray,
    birth_month: np.ndarray,
    original_age: np.ndarray,
    as_of: dt.date,
    counts: dict[str, int] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Monthly pension at assessment and after the yearly adjustments up to ``as_of_year``, fen.

    The policy engine (:func:`shebao.policy.batch.pension_batch`) assesses every pension whose
    parameters it has; the approximation covers the rest (retirement years before the engine's
    published pension bases). ``counts`` receives how many rows each method assessed.

    Args:
        retire_year: year in which each person retired.
        retire_age_years: whole age at retirement (for the annuity divisor).
        contribution_months: all months counted (deemed ones included).
        deemed_months: deemed months (视同缴费), which also drive the transitional pension.
        avg_index: average contribution index over the career.
        account_balance_fen: personal-account balance at retirement, fen.
        as_of_year: year of the as-of date.
        retirement_month, birth_month: months since 1970-01.
        original_age: 60, 55 or 50.
        as_of: the assessment date given to the engine.
    """
    at_assessment = approximate_pensions(
        retire_year=retire_year, retire_age_years=retire_age_years, contribution_months=contribution_months,
        deemed_months=deemed_months, avg_index=avg_index, account_balance_fen=account_balance_fen,
    )
    used_engine = np.zeros(len(at_assessment), dtype=bool)
    # The engine holds the pension bases from 2023 on (and refuses cohorts its retirement-age
    # parameters do not cover), so only recent retirees go to it.
    rows = np.flatnonzero(np.asarray(retire_year) >= ENGINE_FIRST_YEAR)
    if len(rows):
        engine = _isolated(
            engine_pensions,
            retirement_month=retirement_month[rows], birth_month=birth_month[rows],
            original_age=original_age[rows], contribution_months=contribution_months[rows],
            deemed_months=deemed_months[rows], avg_index=avg_index[rows],
            account_balance_fen=account_balance_fen[rows], as_of=as_of,
        )
        if engine is not None:
            ok = engine >= 0
            at_assessment[rows[ok]] = engine[ok]
            used_engine[rows[ok]] = True
    if counts is not None:
        counts["engine"] = counts.get("engine", 0) + int(used_engine.sum())
        counts["approximation"] = counts.get("approximation", 0) + int((~used_engine).sum())
    factor = ref.adjustment_factor(as_of_year) / ref.adjustment_factor(retire_year)
    now = np.round(at_assessment * factor).astype(np.int64)
    return at_assessment, now
