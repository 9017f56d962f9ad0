"""Arrow/Parquet ↔ the batch engine: user-facing columns (the single-case input fields) to integer
fixed-point columns and back, exactly.

Money may come as decimal, integer, float or numeric-string columns; a value with more decimals
than allowed (2 for money, 6 for the index, 1 for annuity months) is refused, never rounded.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from shebao.policy.batch import REASONS, pension_batch
from shebao.policy.common import InputError
from shebao.policy.paramset import ParameterSet

FIXED_INPUTS = {
    # field: (batch column, decimals, default when the column or the value is absent)
    "pension_base": ("pension_base_fen", 2, -1),
    "avg_contribution_index": ("avg_contribution_index_micro", 6, None),
    "account_balance": ("account_balance_fen", 2, 0),
    "annuity_months": ("annuity_months_tenths", 1, 0),
    "contribution_months": ("contribution_months", 0, None),
    "pre_account_months": ("pre_account_months", 0, 0),
    "original_retirement_age": ("original_retirement_age", 0, 0),
}


def scaled(column: pa.ChunkedArray | pa.Array, name: str, places: int, default: int | None) -> np.ndarray:
    """A numeric column → int64 of value × 10^places, exactly; nulls → ``default``."""
    arr = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    valid = ~np.asarray(arr.is_null().to_numpy(zero_copy_only=False), dtype=bool) if arr.null_count else None
    if valid is not None and default is None:
        raise InputError(f"列 {name} 有空值")
    t = arr.type
    if pa.types.is_string(t) or pa.types.is_large_string(t):
        pattern = r"^\s*\d+(\.\d{0,PLACES})?\s*$".replace("PLACES", str(places)) if places else r"^\s*\d+(\.0*)?\s*$"
        ok = pc.match_substring_regex(arr, pattern)
        if valid is not None:
            ok = pc.or_(ok, arr.is_null())
        if not pc.all(ok).as_py():
            raise InputError(f"列 {name} 有不是非负数值或小数超过 {places} 位的值")
        arr = pc.cast(pc.utf8_trim_whitespace(arr), pa.float64())
        t = arr.type
    if pa.types.is_decimal(t):
        if t.scale > places:
            # exact check: the value must not change when rounded to `places`
            rounded = pc.round(arr, places)
            if not pc.all(pc.equal(rounded, arr)).as_py():
                raise InputError(f"列 {name} 的小数超过 {places} 位")
        arr = pc.cast(arr, pa.float64())
        t = arr.type
    values = arr.to_numpy(zero_copy_only=False)
    if valid is not None:
        values = np.where(valid, values, 0)
    if pa.types.is_integer(t):
        out = values.astype(np.int64) * 10**places
    elif pa.types.is_floating(t):
        x = values.astype(np.float64)
        out = np.round(x * 10**places).astype(np.int64)
        if np.any(np.abs(out - x * 10**places) > 1e-6 * np.maximum(1.0, np.abs(x))):
            raise InputError(f"列 {name} 的小数超过 {places} 位")
    else:
        raise InputError(f"列 {name} 的类型 {t} 不是数值")
    if valid is not None:
        out = np.where(valid, out, default)
    if (out[valid] if valid is not None else out).min(initial=0) < 0:
        raise InputError(f"列 {name} 不能为负数")
    return out


def _months(column: Any, name: str) -> np.ndarray:
    """A month column (``YYYY-MM[-DD]`` strings, dates or timestamps) → ``year*12 + month-1``; null → -1."""
    arr = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    if arr.null_count and name != "birth_date":
        raise InputError(f"列 {name} 有空值")
    if pa.types.is_timestamp(arr.type):
        arr = arr.cast(pa.date32())
    if pa.types.is_date(arr.type):
        year = pc.year(arr)
        month = pc.month(arr)
    elif pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type):
        arr = pc.utf8_trim_whitespace(arr)
        ok = pc.match_substring_regex(arr, r"^\d{4}-\d{2}(-\d{2})?$")
        if not pc.all(pc.or_kleene(ok, arr.is_null())).as_py():
            raise InputError(f"列 {name} 应为 YYYY-MM 或 YYYY-MM-DD")
        year = pc.cast(pc.utf8_slice_codeunits(arr, 0, 4), pa.int64())
        month = pc.cast(pc.utf8_slice_codeunits(arr, 5, 7), pa.int64())
        bad = pc.any(pc.or_(pc.less(month, 1), pc.greater(month, 12))).as_py()
        if bad:
            raise InputError(f"列 {name} 的月份应在 01–12")
    else:
        raise InputError(f"列 {name} 的类型 {arr.type} 不是月份")
    out = pc.add(pc.multiply(year, 12), pc.subtract(month, 1))
    out = pc.fill_null(out, -1)
    return np.asarray(out.to_numpy(zero_copy_only=False), dtype=np.int64)


def fen_decimal(values: np.ndarray, scale: int, valid: np.ndarray | None = None, precision: int = 18) -> pa.Array:
    """int64 of unscaled values → an Arrow decimal128 column (no float, no per-row Python)."""
    n = values.size
    words = np.empty((n, 2), dtype=np.int64)
    words[:, 0] = values
    words[:, 1] = np.where(values < 0, -1, 0)
    buffers = [None, pa.py_buffer(words.tobytes())]
    if valid is not None and not valid.all():
        buffers[0] = pa.py_buffer(np.packbits(valid, bitorder="little").tobytes())
        return pa.Array.from_buffers(pa.decimal128(precision, scale), n, buffers, null_count=int((~valid).sum()))
    return pa.Array.from_buffers(pa.decimal128(precision, scale), n, buffers)


def pension_table(table: pa.Table, *, params: ParameterSet, assessed_on: dt.date | None = None,
                  threads: int = 2) -> pa.Table:
    """Assess every row of an Arrow table whose columns are the single-case input fields."""
    n = table.num_rows
    cols: dict[str, np.ndarray] = {}
    if "retirement_date" not in table.column_names:
        raise InputError("缺少列 retirement_date")
    cols["retirement_month"] = _months(table["retirement_date"], "retirement_date")
    if "birth_date" in table.column_names:
        cols["birth_month"] = _months(table["birth_date"], "birth_date")
    for field, (target, places, default) in FIXED_INPUTS.items():
        if field in table.column_names:
            cols[target] = scaled(table[field], field, places, default)
        elif default is None:
            raise InputError(f"缺少列 {field}")
    regions = (
        np.asarray(table["region"].cast(pa.string()).fill_null("370000").to_numpy(zero_copy_only=False)).astype(str)
        if "region" in table.column_names
        else None
    )
    assessed = None
    if "assessed_on" in table.column_names:
        assessed = np.asarray(table["assessed_on"].cast(pa.string()).to_numpy(zero_copy_only=False)).astype(str)
    groups: list[tuple[str, dt.date | None, np.ndarray | None]] = []
    if regions is None and assessed is None:
        groups.append(("370000", assessed_on, None))
    else:
        keys = np.char.add(regions if regions is not None else np.full(n, "370000"),
                           np.char.add("|", assessed if assessed is not None else np.full(n, "")))
        for key in np.unique(keys):
            region, _, day = str(key).partition("|")
            on = dt.date.fromisoformat(day[:10]) if day and day != "None" else assessed_on
            groups.append((region, on, np.flatnonzero(keys == key)))
    out: dict[str, np.ndarray] | None = None
    for region, on, rows in groups:
        part_cols = cols if rows is None else {k: v[rows] for k, v in cols.items()}
        res = pension_batch(part_cols, region=region, assessed_on=on, params=params, threads=threads)
        if rows is None:
            out = res
        else:
            if out is None:
                out = {k: np.empty(n, dtype=v.dtype) for k, v in res.items()}
            for k, v in res.items():
                out[k][rows] = v
    assert out is not None
    computed = out["total_fen"] >= 0
    extra = {
        "basic_pension": fen_decimal(out["basic_pension_fen"], 2, computed),
        "account_pension": fen_decimal(out["account_pension_fen"], 2, computed),
        "transitional_pension": fen_decimal(out["transitional_pension_fen"], 2, computed),
        "total": fen_decimal(out["total_fen"], 2, computed),
        "pension_base": fen_decimal(out["pension_base_fen"], 2, out["pension_base_fen"] >= 0),
        "annuity_months": fen_decimal(out["annuity_months_tenths"], 1, out["annuity_months_tenths"] > 0, 6),
        "provisional": pa.array(out["provisional"]),
        "eligible": pa.array(out["eligible"]),
        "reasons": _reason_lists(out["reason"]),
    }
    for name, col in extra.items():
        if name in table.column_names:
            table = table.drop_columns([name])
        table = table.append_column(name, col)
    return table


def _reason_lists(codes: np.ndarray) -> pa.Array:
    """The first blocking reason of each row as a list of codes (empty when none), like ``reasons``."""
    has = codes > 0
    offsets = np.zeros(codes.size + 1, dtype=np.int32)
    np.cumsum(has, out=offsets[1:])
    names = pa.array([r or "" for r in REASONS], type=pa.string())
    values = names.take(pa.array(codes[has].astype(np.int64)))
    return pa.ListArray.from_arrays(pa.array(offsets), values)
