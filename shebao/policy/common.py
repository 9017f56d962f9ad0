"""Shared pieces of the calculators: exact fixed-point arithmetic, input parsing, traces, reasons.

The fixed-point helpers work unchanged on Python ints and on NumPy integer arrays, so a formula
written with them gives the same result for one case and for a whole column.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from shebao.policy.tree import ParameterMissing, ParamValue

MICRO = 1_000_000  # scale of contribution indices and other ratios carried as integers


class InputError(ValueError):
    """An input the calculators cannot use (message in Chinese, for the citizen or clerk)."""


# ---------------------------------------------------------------------------------------------
# fixed point


def rdiv(n: Any, d: Any) -> Any:
    """n / d rounded half-up, for n ≥ 0 and d > 0 (ints or NumPy integer arrays)."""
    return (2 * n + d) // (2 * d)


def ratio(value: Decimal) -> tuple[int, int]:
    """A Decimal as an exact (numerator, denominator)."""
    return value.as_integer_ratio()


def fen_str(fen: int) -> str:
    """Integer fen → '1234.56'."""
    fen = int(fen)
    sign = "-" if fen < 0 else ""
    fen = abs(fen)
    return f"{sign}{fen // 100}.{fen % 100:02d}"


def centi_str(centi: int) -> str:
    return fen_str(centi)


def tenths_str(tenths: int) -> str:
    tenths = int(tenths)
    return f"{tenths // 10}.{tenths % 10}"


def ym(day: dt.date) -> int:
    """A month as one integer: year × 12 + month − 1."""
    return day.year * 12 + day.month - 1


def ym_date(value: int) -> dt.date:
    value = int(value)
    return dt.date(value // 12, value % 12 + 1, 1)


def ym_str(value: int) -> str:
    value = int(value)
    return f"{value // 12:04d}-{value % 12 + 1:02d}"


# ---------------------------------------------------------------------------------------------
# inputs


def parse_decimal(value: Any, field: str, *, max_places: int | None = None, minimum: int | None = 0) -> Decimal:
    """A number or numeric string, exactly (floats through their shortest repr)."""
    if isinstance(value, bool) or value is None:
        raise InputError(f"{field} 应为数值")
    if isinstance(value, Decimal):
        number = value
    else:
        text = repr(value) if isinstance(value, float) else str(value).strip().replace(",", "")
        try:
            number = Decimal(text)
        except (InvalidOperation, ValueError):
            raise InputError(f"{field} 不是数值：{value!r}") from None
    if not number.is_finite():
        raise InputError(f"{field} 不是有限数值：{value!r}")
    if minimum is not None and number < minimum:
        raise InputError(f"{field} 不能小于 {minimum}：{value!r}")
    if max_places is not None and number != number.quantize(Decimal(1).scaleb(-max_places)):
        raise InputError(f"{field} 最多 {max_places} 位小数：{value!r}")
    return number


def parse_fen(value: Any, field: str) -> int:
    """Yuan (≤ 2 decimals) → integer fen."""
    return int(parse_decimal(value, field, max_places=2) * 100)


def parse_micro(value: Any, field: str) -> int:
    """A ratio such as the average contribution index (≤ 6 decimals) → integer millionths."""
    return int(parse_decimal(value, field, max_places=6) * MICRO)


def parse_int(value: Any, field: str, minimum: int = 0) -> int:
    number = parse_decimal(value, field, minimum=minimum)
    if number != number.to_integral_value():
        raise InputError(f"{field} 应为整数：{value!r}")
    return int(number)


def parse_month(value: Any, field: str) -> dt.date:
    """'YYYY-MM' or 'YYYY-MM-DD' (or a date) → the first of that month."""
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return value.replace(day=1)
    text = str(value or "").strip()
    try:
        if len(text) == 7:
            return dt.date.fromisoformat(text + "-01")
        return dt.date.fromisoformat(text).replace(day=1)
    except ValueError:
        raise InputError(f"{field} 应为 YYYY-MM 或 YYYY-MM-DD：{value!r}") from None


def parse_date(value: Any, field: str) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value or "").strip()
    try:
        if len(text) == 7:
            return dt.date.fromisoformat(text + "-01")
        return dt.date.fromisoformat(text)
    except ValueError:
        raise InputError(f"{field} 应为 YYYY-MM-DD：{value!r}") from None


def parse_bool(value: Any, field: str) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in ("true", "false", "1", "0", "是", "否"):
        return value.strip().lower() in ("true", "1", "是")
    raise InputError(f"{field} 应为 true/false：{value!r}")


def present(inputs: dict, key: str) -> bool:
    value = inputs.get(key)
    return value is not None and value != ""


# ---------------------------------------------------------------------------------------------
# trace and reasons


class Trace:
    """Steps, parameters used and references: what a clerk shows and an auditor checks."""

    __slots__ = ("steps", "params", "_seen")

    def __init__(self) -> None:
        self.steps: list[dict[str, Any]] = []
        self.params: list[ParamValue] = []
        self._seen: set[tuple[str, str, dt.date]] = set()

    def use(self, pv: ParamValue) -> ParamValue:
        key = (pv.name, pv.region, pv.effective_date)
        if key not in self._seen:
            self._seen.add(key)
            self.params.append(pv)
        return pv

    def step(self, step: str, formula: str, inputs: dict[str, Any], result: Any, reference: str) -> None:
        self.steps.append(
            {"step": step, "formula": formula, "inputs": inputs, "result": result, "reference": reference}
        )

    def unconfirmed(self, extra: list[str] | None = None) -> list[str]:
        """Parameters whose source could not be verified and that the agency has not taken on
        (adopted or set): their results need a person."""
        taken = {pv.name for pv in self.params if pv.decides_as == "agency"}
        names = [pv.name for pv in self.params if not pv.confirmed and pv.name not in taken]
        return sorted(set(names + [n for n in (extra or []) if n not in taken]))

    def sources(self, extra: list[str] | None = None) -> dict[str, str]:
        """Each parameter used, with the source level it decides as (``agency`` once adopted or set).

        A parameter used at several dates or regions carries the lowest of its levels; ``extra``
        names parameters some of whose entries are not confirmed (a table's key), which count as
        ``secondary`` unless the agency adopted or set the value.
        """
        from shebao.policy.tree import lowest_level

        out: dict[str, str] = {}
        for pv in self.params:
            level = pv.decides_as
            if pv.name in (extra or ()) and level == "official":
                level = "secondary"
            out[pv.name] = lowest_level([out.get(pv.name, level), level]) or level
        return out

    def source_level(self, extra: list[str] | None = None) -> str | None:
        """The lowest level among the values used: what an amount computed from them carries."""
        from shebao.policy.tree import lowest_level

        return lowest_level(self.sources(extra).values())

    def to_dict(self) -> dict[str, Any]:
        return {"steps": self.steps, "parameters": [pv.to_trace() for pv in self.params]}


def reason(code: str, text: str, reference: str = "") -> dict[str, str]:
    return {"code": code, "text": text, "reference": reference}


def missing_reason(exc: ParameterMissing) -> dict[str, str]:
    return reason("parameter_missing", str(exc), exc.name)
