"""Vectorised pension assessment over columns (NumPy or Arrow), exact to the fen.

The formulas are the very functions of :mod:`shebao.policy.pension`, applied to int64 arrays.
Parameters are resolved once per distinct month into small lookup tables, then gathered per row,
so ten million rows cost a few dozen array operations. Rows are split over threads (NumPy releases
the GIL inside its loops).

Input columns (integers; ``YYYY-MM`` strings are accepted for the month columns):

- ``retirement_month``: the retirement month as ``year*12 + month-1`` (see :func:`month_index`)
- ``birth_month`` and ``original_retirement_age`` (optional when ``annuity_months_tenths`` is given;
  ``-1`` / ``0`` mean "not given" row by row)
- ``pension_base_fen`` (optional; ``-1`` = from the parameters as known on ``assessed_on``)
- ``avg_contribution_index_micro`` (index × 1,000,000), ``contribution_months``,
  ``pre_account_months``, ``account_balance_fen``
- ``annuity_months_tenths`` (optional override; ``0`` = from the table)

Output columns: ``basic_pension_fen``, ``account_pension_fen``, ``transitional_pension_fen``,
``total_fen`` (``-1`` where a parameter is missing), ``pension_base_fen``, ``annuity_months_tenths``,
``provisional``, ``eligible``, ``reason`` (index into :data:`REASONS`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np

from shebao.core.settings import local_today
from shebao.policy.common import InputError, ratio, ym_date
from shebao.policy.paramset import ParameterSet, default_parameters
from shebao.policy.pension import (
    account_pension_fen,
    annuity_divisor_tenths,
    basic_pension_fen,
    contribution_years_centi,
    indexed_wage_fen,
    transitional_pension_fen,
)
from shebao.policy.retirement import GROUPS, statutory_retirement
from shebao.policy.tree import ParameterMissing

# the first blocking reason of a row, in the order the single-case calculator reports them
REASONS = [None, "retirement_date_out_of_range", "min_contribution_not_met", "parameter_missing"]
R_OK, R_RANGE, R_MIN, R_MISSING = 0, 1, 2, 3
MAX_AGE_MONTHS = 100 * 12


def month_index(values: Any) -> np.ndarray:
    """Month column → ``year*12 + month-1`` int64 (accepts ints, 'YYYY-MM[-DD]' strings, dates)."""
    arr = _np(values)
    if arr.dtype.kind in "iu":
        return arr.astype(np.int64, copy=False)
    if arr.dtype.kind == "M":
        months = arr.astype("datetime64[M]").astype(np.int64)  # months since 1970-01
        return months + 1970 * 12
    text = arr.astype(str)
    years = np.char.ljust(text, 7).astype("U7")
    try:
        y = np.char.partition(years, "-")[:, 0].astype(np.int64)
        m = np.char.partition(years, "-")[:, 2].astype(np.int64)
    except ValueError:
        raise InputError("月份列应为 YYYY-MM") from None
    return y * 12 + m - 1


def _np(values: Any) -> np.ndarray:
    if hasattr(values, "to_numpy") and not isinstance(values, np.ndarray):
        try:
            return values.to_numpy(zero_copy_only=False)
        except TypeError:
            return values.to_numpy()
    return np.asarray(values)


def _int_col(cols: Mapping[str, Any], name: str, n: int, default: int | None = None,
             absent_size: int | None = None) -> np.ndarray:
    if name not in cols or cols[name] is None:
        if default is None:
            raise InputError(f"缺少列：{name}")
        if absent_size is not None:  # the compiled engine reads a flag, not the column
            return np.full(absent_size, default, dtype=np.int64)
        return np.full(n, default, dtype=np.int64)
    arr = _np(cols[name])
    if arr.dtype.kind not in "iu":
        raise InputError(f"列 {name} 应为整数")
    return arr.astype(np.int64, copy=False)


def _month_lut(lo: int, hi: int, fn: Callable[[dt.date], int], missing: int = -1) -> np.ndarray:
    out = np.empty(hi - lo + 1, dtype=np.int64)
    for i in range(hi - lo + 1):
        try:
            out[i] = fn(ym_date(lo + i))
        except ParameterMissing:
            out[i] = missing
    return out


def _gather(lut: np.ndarray, idx: np.ndarray) -> np.ndarray | int:
    """``lut[idx]``, or the scalar when the table is constant (saves a pass over the rows)."""
    if lut.size and (lut == lut[0]).all():
        return int(lut[0])
    return lut[idx]


def pension_batch(
    columns: Mapping[str, Any],
    *,
    region: str = "370000",
    assessed_on: dt.date | None = None,
    params: ParameterSet | None = None,
    threads: int = 2,
    engine: str = "auto",
    out: dict[str, np.ndarray] | None = None,
) -> dict[str, np.ndarray]:
    """Assess many pensions at once; identical, row by row, to :func:`calc_pension`.

    Args:
        out: output arrays to fill (as returned by an earlier call of the same size); a run that
            repeats, such as a monthly payroll, reuses them instead of faulting in fresh memory.
        engine: ``numba`` (the formulas' own bytecode compiled to one fused loop per block),
            ``numpy`` (the formulas applied to array blocks), or ``auto`` (numba when installed).
    """
    if engine not in ("auto", "numba", "numpy"):
        raise ValueError(f"engine 应为 auto、numba 或 numpy：{engine!r}")
    kernel = _numba_kernel() if engine in ("auto", "numba") else None
    if engine == "numba" and kernel is None:
        raise RuntimeError("numba 未安装")
    params = params or default_parameters()
    assessed_on = assessed_on or local_today()
    ret = month_index(columns["retirement_month"])
    n = ret.size
    cols = {
        "ret": ret,
        "index": _int_col(columns, "avg_contribution_index_micro", n),
        "months": _int_col(columns, "contribution_months", n),
        "pre": _int_col(columns, "pre_account_months", n, 0),
        "balance": _int_col(columns, "account_balance_fen", n, 0),
        "base_in": _int_col(columns, "pension_base_fen", n, -1, absent_size=1 if kernel is not None else None),
        "div_in": _int_col(columns, "annuity_months_tenths", n, 0, absent_size=1 if kernel is not None else None),
        "birth": month_index(columns["birth_month"]) if "birth_month" in columns else np.full(n, -1, np.int64),
        "orig": _int_col(columns, "original_retirement_age", n, 0),
        "base_given": "pension_base_fen" in columns and columns["pension_base_fen"] is not None,
        "div_given": "annuity_months_tenths" in columns and columns["annuity_months_tenths"] is not None,
    }
    if n == 0:
        return {k: np.empty(0, dtype=dt_) for k, dt_ in OUTPUTS.items()}
    stats = _numba_stats(cols) if kernel is not None else None
    luts = _build_luts(cols, region, assessed_on, params, stats)
    if out is None:
        out = {k: np.empty(n, dtype=dt_) for k, dt_ in OUTPUTS.items()}
    elif any(out[k].shape != (n,) or out[k].dtype != dt_ for k, dt_ in OUTPUTS.items()):
        raise ValueError("out 的数组长度或类型与本批不符")
    if kernel is not None:
        args = _kernel_args(cols, luts, out)
        step = -(-n // max(1, threads))
        parts = [(a, min(a + step, n)) for a in range(0, n, step)]
        if len(parts) == 1:
            overflow = kernel(*args, 0, n)
        else:
            with ThreadPoolExecutor(len(parts)) as pool:  # the kernel releases the GIL
                overflow = sum(pool.map(lambda p: kernel(*args, p[0], p[1]), parts))
        if overflow:
            raise InputError(f"{overflow} 行的金额超出每月 21,474,836.47 元，不是可信的输入")
        return out
    blocks = [slice(a, min(a + BLOCK, n)) for a in range(0, n, BLOCK)]
    if threads <= 1 or len(blocks) < 4:
        for b in blocks:
            _compute(cols, luts, b, out)
    else:
        with ThreadPoolExecutor(threads) as pool:
            list(pool.map(lambda b: _compute(cols, luts, b, out), blocks))
    return out


# rows per block: small enough that the temporaries stay in cache, large enough to amortise Python
BLOCK = 1 << 15
# Monthly amounts in fen fit int32 (up to 21,474,836.47 yuan a month; larger results are refused):
# half the memory of int64, which matters when ten million rows are written into fresh pages.
INT32_MAX = 2**31 - 1
# plausibility bounds that also keep every intermediate product far inside int64
MAX_INDEX_MICRO = 100 * 1_000_000  # an average contribution index of 100
MAX_MONTHS = 1200
MAX_BALANCE_FEN = 10**14  # one trillion yuan
OUTPUTS = {
    "basic_pension_fen": np.int32,
    "account_pension_fen": np.int32,
    "transitional_pension_fen": np.int32,
    "total_fen": np.int32,
    "pension_base_fen": np.int32,
    "annuity_months_tenths": np.int32,
    "provisional": np.bool_,
    "eligible": np.bool_,
    "reason": np.int8,
}
GROUP_CODES = np.full(128, -1, dtype=np.int64)
for _i, _age in enumerate(GROUPS):
    GROUP_CODES[_age] = _i
GROUP_CODES8 = GROUP_CODES.astype(np.int8)


def _numpy_stats(cols: dict[str, np.ndarray]) -> dict[str, Any]:
    """Whole-column checks and the ranges the lookup tables need, with NumPy reductions."""
    _validate(cols)
    birth, orig = cols["birth"], cols["orig"]
    code = GROUP_CODES[orig]
    has_birth = (birth >= 0) & (code >= 0)
    if ((cols["div_in"] <= 0) & ~has_birth).any():
        row = int(np.flatnonzero((cols["div_in"] <= 0) & ~has_birth)[0])
        raise InputError(f"第 {row} 行缺少出生月份/原法定退休年龄，且未给计发月数")
    st: dict[str, Any] = {"lo": int(cols["ret"].min()), "hi": int(cols["ret"].max()),
                          "all_birth": bool(has_birth.all()), "no_birth": not has_birth.any(),
                          "top": int(max(cols["months"].max(), cols["pre"].max())) + 1}
    if not st["no_birth"]:
        age = np.where(has_birth, cols["ret"] - birth, 0)
        if age.min() < 0 or age.max() >= MAX_AGE_MONTHS:
            raise InputError("退休年龄超出 0–100 岁")
        blo, bhi = int(birth[has_birth].min()), int(birth[has_birth].max())
        span = bhi - blo + 1
        present = np.zeros(len(GROUPS) * span, dtype=bool)
        present[(code * span + birth - blo)[has_birth]] = True  # only the cohorts that occur
        st.update(blo=blo, bhi=bhi, present=present)
    return st


def _build_luts(cols: dict[str, np.ndarray], region: str, assessed_on: dt.date, params: ParameterSet,
                stats: dict[str, Any] | None = None) -> dict:
    stats = stats or _numpy_stats(cols)
    lo, hi = stats["lo"], stats["hi"]
    L: dict[str, Any] = {"lo": lo}

    def base(day: dt.date) -> int:
        return int(params.get("pension.base", day, region, known_on=assessed_on).value * 100)

    def base_year(day: dt.date) -> int:
        return params.get("pension.base", day, region, known_on=assessed_on).effective_date.year

    L["base"] = _month_lut(lo, hi, base)
    years = _month_lut(lo, hi, base_year, missing=10_000)
    L["provisional"] = years < (np.arange(lo, hi + 1) // 12)
    L["b_num"] = _month_lut(lo, hi, lambda d: ratio(params.get("pension.basic.rate", d, region).value)[0])
    L["b_den"] = _month_lut(lo, hi, lambda d: ratio(params.get("pension.basic.rate", d, region).value)[1])
    L["t_num"] = _month_lut(lo, hi, lambda d: ratio(params.get("pension.transitional.rate", d, region).value)[0])
    L["t_den"] = _month_lut(lo, hi, lambda d: ratio(params.get("pension.transitional.rate", d, region).value)[1])

    # annuity divisors: one age-months table per distinct (table, interpolation) in force
    combos: dict[tuple, int] = {}
    divisor_tables: list[np.ndarray] = []
    combo_lut = np.empty(hi - lo + 1, dtype=np.int64)
    for i in range(hi - lo + 1):
        day = ym_date(lo + i)
        try:
            table = params.get("pension.annuity_divisor", day, region)
            interp = bool(params.get("pension.annuity_interpolation", day, region).value)
        except ParameterMissing:
            combo_lut[i] = -1
            continue
        key = (table.effective_date, table.region, interp)
        if key not in combos:
            arr = np.full(MAX_AGE_MONTHS, -1, dtype=np.int64)
            for age in range(MAX_AGE_MONTHS):
                try:
                    arr[age] = annuity_divisor_tenths(table.value, age, interp)
                except KeyError:
                    pass
            combos[key] = len(divisor_tables)
            divisor_tables.append(arr)
        combo_lut[i] = combos[key]
    L["combo"], L["divisors"] = combo_lut, divisor_tables

    # statutory retirement by (original-age group, birth month): the single-case function itself
    L["all_birth"], L["no_birth"] = stats["all_birth"], stats["no_birth"]
    stat_lo, stat_hi = lo, hi
    if not L["no_birth"]:
        blo, bhi, present = stats["blo"], stats["bhi"], stats["present"]
        span = bhi - blo + 1
        stat_age = np.full(len(GROUPS) * span, -1, dtype=np.int64)
        delay = np.zeros(len(GROUPS) * span, dtype=np.int64)
        ages = list(GROUPS)
        for key in np.flatnonzero(present):
            g, b = divmod(int(key), span)
            b += blo
            try:
                st = statutory_retirement(ym_date(b), ages[g], params)
            except ParameterMissing as exc:
                raise InputError(f"无法确定出生于 {ym_date(b):%Y-%m} 者的法定退休年龄：{exc}") from None
            stat_age[key] = st.age_months
            delay[key] = st.delay_months
        L.update(blo=blo, span=span, stat_age=stat_age, delay=delay)
        stat_lo = min(stat_lo, blo + int(stat_age[present].min()))
        stat_hi = max(stat_hi, bhi + int(stat_age[present].max()))
    L["stat_lo"] = stat_lo
    L["min"] = _month_lut(stat_lo, stat_hi, lambda d: params.get("pension.min_contribution_months", d).value)
    L["early"] = _month_lut(stat_lo, stat_hi, lambda d: params.get("retirement.flexible.max_early_months", d).value)
    L["late"] = _month_lut(stat_lo, stat_hi, lambda d: params.get("retirement.flexible.max_late_months", d).value)
    L["years"] = contribution_years_centi(np.arange(stats.get("top", 1), dtype=np.int64))
    return L


def _compute(cols: dict[str, np.ndarray], L: dict, s: slice, out: dict[str, np.ndarray]) -> None:
    ret = cols["ret"][s]
    index, months, pre = cols["index"][s], cols["months"][s], cols["pre"][s]
    balance, base_in, div_in = cols["balance"][s], cols["base_in"][s], cols["div_in"][s]
    birth, orig = cols["birth"][s], cols["orig"][s]
    n = ret.size

    code = GROUP_CODES[orig]
    has_birth = True if L["all_birth"] else (birth >= 0) & (code >= 0)

    # statutory retirement month (办法 第一条) and the window of flexible retirement (第三条)
    if L["no_birth"]:
        stat, delay = ret, 0
    else:
        key = code * L["span"] + (birth - L["blo"])
        if not L["all_birth"]:
            key = np.where(has_birth, key, 0)
        stat = birth + L["stat_age"][key]
        delay = L["delay"][key]
        if not L["all_birth"]:
            stat = np.where(has_birth, stat, ret)
            delay = np.where(has_birth, delay, 0)
    sidx = stat - L["stat_lo"]
    early, late = L["early"][sidx], L["late"][sidx]
    flex = early >= 0
    earliest = np.where(flex, stat - np.minimum(early, delay), stat)
    latest = np.where(flex, stat + late, stat)
    in_window = (ret >= earliest) & (ret <= latest)
    if not L["all_birth"]:
        in_window |= ~has_birth
    min_months = L["min"][sidx]
    min_ok = (min_months >= 0) & (months >= min_months)

    # parameters in force in the retirement month
    midx = ret - L["lo"]
    lut_base = _gather(L["base"], midx)
    base = np.where(base_in >= 0, base_in, lut_base)
    provisional = (base_in < 0) & _gather(L["provisional"], midx)
    b_num, b_den = _gather(L["b_num"], midx), _gather(L["b_den"], midx)
    t_num, t_den = _gather(L["t_num"], midx), _gather(L["t_den"], midx)
    t_missing = (pre > 0) & (np.asarray(t_num) < 0)
    if np.ndim(t_num) or t_num < 0:
        t_num = np.where(np.asarray(t_num) < 0, 0, t_num)
        t_den = np.where(np.asarray(t_den) > 0, t_den, 1)
    b_missing = np.asarray(b_num) < 0
    if np.ndim(b_num) or b_num < 0:
        b_num, b_den = np.where(np.asarray(b_num) < 0, 0, b_num), np.where(np.asarray(b_den) > 0, b_den, 1)

    combo_lut = L["combo"]
    age = ret - birth
    if L["no_birth"]:
        table_div = np.full(n, -1, np.int64)
    else:
        if not L["all_birth"]:
            age = np.where(has_birth, age, 0)
        if (combo_lut == combo_lut[0]).all():
            c0 = int(combo_lut[0])
            table_div = L["divisors"][c0][age] if c0 >= 0 else np.full(n, -1, np.int64)
        else:
            combo = combo_lut[midx]
            table_div = np.full(n, -1, np.int64)
            for c, arr in enumerate(L["divisors"]):
                m = combo == c
                table_div[m] = arr[age[m]]
    divisor = np.where(div_in > 0, div_in, table_div)
    missing = (base < 0) | b_missing | t_missing | (divisor <= 0)
    any_missing = bool(missing.any())

    # the formulas (国发〔2005〕38号 五), exactly as for one case; years through the same function's table
    base_c = np.where(base < 0, 0, base) if any_missing else base
    indexed = indexed_wage_fen(base_c, index)
    years = L["years"][months]
    basic = basic_pension_fen(base_c, indexed, years, b_num, b_den)
    account = account_pension_fen(balance, np.where(divisor > 0, divisor, 1) if any_missing else divisor)
    transitional = transitional_pension_fen(indexed, L["years"][pre], t_num, t_den)
    total = basic + account + transitional

    reason = np.where(missing, R_MISSING, R_OK)
    reason = np.where(~min_ok, R_MIN, reason)
    reason = np.where(~in_window, R_RANGE, reason)
    if any_missing:
        for v in (basic, account, transitional, total):
            v[missing] = -1
    if int(np.max(total, initial=0)) > INT32_MAX or int(np.max(base, initial=0)) > INT32_MAX:
        raise InputError("有行的金额超出每月 21,474,836.47 元，不是可信的输入")
    out["basic_pension_fen"][s] = basic
    out["account_pension_fen"][s] = account
    out["transitional_pension_fen"][s] = transitional
    out["total_fen"][s] = total
    out["pension_base_fen"][s] = base
    out["annuity_months_tenths"][s] = divisor
    out["provisional"][s] = provisional
    out["eligible"][s] = in_window & min_ok & ~missing
    out["reason"][s] = reason


def _validate(cols: dict[str, np.ndarray]) -> None:
    """Whole-column checks, once (cheap reductions rather than per-row masks)."""
    for name, label in (("index", "平均缴费指数"), ("months", "缴费月数"), ("pre", "视同缴费月数"), ("balance", "个人账户储存额")):
        if cols[name].min() < 0:
            raise InputError(f"{label}不能为负数（第 {int(np.argmin(cols[name]))} 行）")
    if (cols["index"].max() > MAX_INDEX_MICRO or cols["months"].max() > MAX_MONTHS
            or cols["balance"].max() > MAX_BALANCE_FEN):
        raise InputError("输入超出合理范围（平均缴费指数 ≤ 100、缴费月数 ≤ 1200、个人账户 ≤ 1 万亿元）")
    if (cols["months"] - cols["pre"]).min() < 0:
        raise InputError(f"pre_account_months 不能大于 contribution_months（第 {int(np.argmin(cols['months'] - cols['pre']))} 行）")
    if cols["orig"].min() < 0 or cols["orig"].max() >= GROUP_CODES.size:
        raise InputError("original_retirement_age 应为 60、55 或 50")


# ---------------------------------------------------------------------------------------------
# the compiled engine: one loop over the rows, calling the formulas' own code compiled by Numba


BIRTH_ORIGIN = 1850 * 12  # cohorts tracked by the scan: births from 1850 to 2149
BAD_ROW = {
    1: "输入无效（负数、超出合理范围，或视同缴费月数大于总缴费月数）",
    2: "退休年龄超出 0–100 岁或出生月份超出范围",
    3: "缺少出生月份/原法定退休年龄，且未给计发月数",
}


def _numba_stats(cols: dict[str, np.ndarray]) -> dict[str, Any]:
    """What :func:`_numpy_stats` gives, in one compiled pass over the rows."""
    _numba_kernel()
    scan = _KERNEL[1]
    if cols["orig"].min() < 0 or cols["orig"].max() >= GROUP_CODES.size:
        raise InputError("original_retirement_age 应为 60、55 或 50")
    code = GROUP_CODES8[cols["orig"]]
    cols["code"] = code
    presence = np.zeros((len(GROUPS), 300 * 12), dtype=np.bool_)
    lo, hi, blo, bhi, n_birth, bad, kind = scan(
        cols["ret"], cols["birth"], code, cols["index"], cols["months"], cols["pre"], cols["balance"],
        cols["div_in"], bool(cols.get("div_given", True)), presence, BIRTH_ORIGIN,
    )
    if bad >= 0:
        raise InputError(f"第 {bad} 行{BAD_ROW[kind]}")
    n = cols["ret"].size
    st: dict[str, Any] = {"lo": int(lo), "hi": int(hi), "all_birth": n_birth == n, "no_birth": n_birth == 0}
    if n_birth:
        a, b = int(blo) - BIRTH_ORIGIN, int(bhi) - BIRTH_ORIGIN
        st.update(blo=int(blo), bhi=int(bhi), present=presence[:, a : b + 1].reshape(-1).copy())
    return st


def _kernel_args(cols: dict[str, np.ndarray], L: dict, out: dict[str, np.ndarray]) -> tuple:
    divisors = np.stack(L["divisors"]) if L["divisors"] else np.full((1, MAX_AGE_MONTHS), -1, np.int64)
    code = cols["code"] if "code" in cols else GROUP_CODES[cols["orig"]]
    empty = np.zeros(1, dtype=np.int64)
    return (
        cols["ret"], cols["birth"], code, cols["index"], cols["months"], cols["pre"], cols["balance"],
        cols["base_in"], bool(cols.get("base_given", True)),
        cols["div_in"], bool(cols.get("div_given", True)),
        L["lo"], L["base"], L["provisional"].astype(np.bool_), L["b_num"], L["b_den"], L["t_num"], L["t_den"],
        L["combo"], divisors,
        L.get("blo", 0), L.get("span", 1), L.get("stat_age", empty), L.get("delay", empty),
        L["stat_lo"], L["min"], L["early"], L["late"], L["years"],
        out["basic_pension_fen"], out["account_pension_fen"], out["transitional_pension_fen"], out["total_fen"],
        out["pension_base_fen"], out["annuity_months_tenths"], out["provisional"], out["eligible"], out["reason"],
    )


_KERNEL: Any = None


def _numba_kernel():
    """Compile (once, cached on disk) the row loop; None when Numba is not installed."""
    global _KERNEL
    if _KERNEL is not None:
        return _KERNEL[0] if _KERNEL else None
    try:
        import numba
    except ImportError:
        _KERNEL = False
        return None
    import types

    from shebao.policy import common, pension

    jit = numba.njit(nogil=True, cache=True)

    @jit
    def rdiv_exact(n, d):
        """floor((2n + d) / 2d) for 0 ≤ n, 0 < d, 2n + d < 2**53: a float quotient, corrected to exact.

        Same value as common.rdiv (tested row by row), without a 64-bit integer division per call.
        """
        num = 2 * n + d
        den = 2 * d
        q = np.int64(np.float64(num) / np.float64(den))
        if q * den > num:
            q -= 1
        elif (q + 1) * den <= num:
            q += 1
        return q

    env = {"rdiv": rdiv_exact, "MICRO": common.MICRO}

    def compiled(fn):
        # the very bytecode of the formula, with its helper resolved to the compiled rdiv
        return jit(types.FunctionType(fn.__code__, {**fn.__globals__, **env}, fn.__name__))

    indexed_j = compiled(pension.indexed_wage_fen)
    years_j = compiled(pension.contribution_years_centi)
    basic_j = compiled(pension.basic_pension_fen)
    account_j = compiled(pension.account_pension_fen)
    trans_j = compiled(pension.transitional_pension_fen)

    @numba.njit(nogil=True, cache=True)
    def kernel(ret, birth, code, index, months, pre, balance, base_in, has_base, div_in, has_div,
               lo, base_lut, prov_lut, bnum_lut, bden_lut, tnum_lut, tden_lut, combo_lut, divisors,
               blo, span, stat_age_lut, delay_lut, stat_lo, min_lut, early_lut, late_lut, years_lut,
               o_basic, o_account, o_trans, o_total, o_base, o_div, o_prov, o_elig, o_reason, start, stop):
        overflow = 0
        for i in range(start, stop):
            r = ret[i]
            m = r - lo
            b = birth[i]
            g = code[i]
            has_birth = b >= 0 and g >= 0
            if has_birth:
                k = g * span + b - blo
                stat = b + stat_age_lut[k]
                delay = delay_lut[k]
            else:
                stat = r
                delay = 0
            s = stat - stat_lo
            early = early_lut[s]
            if early >= 0:
                earliest = stat - min(early, delay)
                latest = stat + late_lut[s]
            else:
                earliest = stat
                latest = stat
            in_window = (not has_birth) or (earliest <= r and r <= latest)
            min_months = min_lut[s]
            min_ok = min_months >= 0 and months[i] >= min_months
            base = base_in[i] if has_base else np.int64(-1)
            provisional = False
            if base < 0:
                base = base_lut[m]
                provisional = prov_lut[m]
            b_num = bnum_lut[m]
            b_den = bden_lut[m]
            t_num = tnum_lut[m]
            t_den = tden_lut[m]
            t_missing = pre[i] > 0 and t_num < 0
            d = div_in[i] if has_div else np.int64(0)
            if d <= 0:
                c = combo_lut[m]
                d = divisors[c, r - b] if (has_birth and c >= 0) else -1
            missing = base < 0 or b_num < 0 or t_missing or d <= 0
            o_base[i] = base
            o_div[i] = d
            o_prov[i] = provisional
            if base > INT32_MAX or d > INT32_MAX:
                overflow += 1
            if missing:
                o_basic[i] = -1
                o_account[i] = -1
                o_trans[i] = -1
                o_total[i] = -1
            else:
                indexed = indexed_j(base, index[i])
                basic = basic_j(base, indexed, years_j(months[i]), b_num, b_den)
                account = account_j(balance[i], d)
                trans = trans_j(indexed, years_j(pre[i]), t_num, t_den) if pre[i] > 0 else 0
                o_basic[i] = basic
                o_account[i] = account
                o_trans[i] = trans
                total = basic + account + trans
                if total > INT32_MAX:
                    overflow += 1
                o_total[i] = total
            if not in_window:
                o_reason[i] = R_RANGE
            elif not min_ok:
                o_reason[i] = R_MIN
            elif missing:
                o_reason[i] = R_MISSING
            else:
                o_reason[i] = R_OK
            o_elig[i] = in_window and min_ok and not missing
        return overflow

    @numba.njit(nogil=True, cache=True)
    def scan(ret, birth, code, index, months, pre, balance, div_in, has_div, presence, birth_origin):
        """One pass: ranges for the lookup tables, the cohorts present, and the first invalid row."""
        n = ret.size
        lo, hi = ret[0], ret[0]
        blo, bhi = np.int64(1) << 40, np.int64(-1)
        n_birth = 0
        bad, bad_kind = -1, 0
        for i in range(n):
            r = ret[i]
            lo = min(lo, r)
            hi = max(hi, r)
            if (index[i] < 0 or months[i] < 0 or pre[i] < 0 or balance[i] < 0 or pre[i] > months[i]
                    or index[i] > MAX_INDEX_MICRO or months[i] > MAX_MONTHS or balance[i] > MAX_BALANCE_FEN):
                if bad < 0:
                    bad, bad_kind = i, 1
                continue
            b = birth[i]
            g = code[i]
            if b >= 0 and g >= 0:
                n_birth += 1
                if r - b < 0 or r - b >= 1200 or b - birth_origin < 0 or b - birth_origin >= presence.shape[1]:
                    if bad < 0:
                        bad, bad_kind = i, 2
                    continue
                presence[g, b - birth_origin] = True
                blo = min(blo, b)
                bhi = max(bhi, b)
            elif (not has_div or div_in[i] <= 0) and bad < 0:
                bad, bad_kind = i, 3
        return lo, hi, blo, bhi, n_birth, bad, bad_kind

    _KERNEL = (kernel, scan)
    return kernel
