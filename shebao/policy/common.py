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
    """An input the calculators cannot use (message in Chinese, for the citizen or clerk).

    ``field`` names the input at fault (the API answers 422 with it); the message never does.
    """

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


# The calculators' inputs as a person reads them: messages use these names, never the keys.
FIELD_LABELS = {
    "monthly_base": "月缴费基数", "months": "缴费月数", "year": "年度",
    "region": "地区", "date": "失业登记日期", "pension_months": "已领取养老金月数", "as_of": "测算日期", "assessed_on": "核定日期", "birth_date": "出生年月",
    "sex": "性别", "original_retirement_age": "原法定退休年龄", "retirement_date": "退休时间",
    "contribution_months": "已缴费月数", "pre_account_months": "视同缴费月数",
    "avg_contribution_index": "平均缴费指数", "account_balance": "个人账户储存额", "pension_base": "计发基数",
    "annuity_months": "计发月数", "extended_contribution": "是否延长缴费", "early_months": "提前退休月数",
    "late_months": "延迟退休月数", "tiers": "缴费档次", "backpay_months": "补缴月数", "backpay_base": "补缴基数",
    "total": "养老金合计", "avg_monthly_wage": "本人月平均工资", "care_level": "生活护理等级",
    "death_date": "死亡日期", "grade": "伤残等级", "occupational_disease": "是否职业病",
    "years_to_retirement": "距法定退休年龄的年数", "injury_date": "受伤日期", "minimum_wage": "最低工资标准",
    "paid_through": "已发放至", "pension": "养老金", "pension_start": "养老金起发月份",
    "previous_unused_months": "以前未领的失业保险金月数", "recalculated_on": "重算日期",
    "regional_avg_monthly_wage": "统筹地区职工月平均工资", "unemployed_on": "失业日期",
    "separation_date": "离职日期", "separation_reason": "离职原因",
}


def field_label(field: str) -> str:
    return FIELD_LABELS.get(field, field)


def _shown(value: Any) -> str:
    text = str(value)
    return "“" + (text if len(text) <= 40 else text[:40] + "…") + "”"


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


def parse_decimal(value: Any, field: str, *, max_places: int | None = None, minimum: int | None = 0,
                  percent: bool = False) -> Decimal:
    """A number or numeric string, exactly (floats through their shortest repr).

    With ``percent``, "80%" (or "80％") is read as 0.8.
    """
    name = field_label(field)
    if isinstance(value, bool) or value is None:
        raise InputError(f"请填写{name}（数字）", field)
    if isinstance(value, Decimal):
        number = value
    else:
        text = repr(value) if isinstance(value, float) else str(value).strip().replace(",", "").replace("，", "")
        scale = 0
        if percent and text.endswith(("%", "％")):
            text, scale = text[:-1].strip(), -2
        try:
            number = Decimal(text)
            if scale:  # "60%" → 0.6 (not 0.60), "300%" → 3
                number = number.scaleb(scale).normalize()
                if number.is_finite() and number.as_tuple().exponent > 0:
                    number = number.quantize(Decimal(1))
        except (InvalidOperation, ValueError):
            example = "，例如 0.8 或 80%" if percent else ""
            raise InputError(f"{name}应为数字{example}，您填写的是{_shown(value)}", field) from None
    if not number.is_finite():
        raise InputError(f"{name}应为有限的数字，您填写的是{_shown(value)}", field)
    if minimum is not None and number < minimum:
        raise InputError(f"{name}不能小于 {minimum}，您填写的是{_shown(value)}", field)
    if max_places is not None and number != number.quantize(Decimal(1).scaleb(-max_places)):
        raise InputError(f"{name}最多 {max_places} 位小数，您填写的是{_shown(value)}", field)
    return number


def parse_fen(value: Any, field: str) -> int:
    """Yuan (≤ 2 decimals) → integer fen."""
    return int(parse_decimal(value, field, max_places=2) * 100)


def parse_micro(value: Any, field: str) -> int:
    """A ratio such as the average contribution index (≤ 6 decimals) → integer millionths."""
    return int(parse_decimal(value, field, max_places=6, percent=True) * MICRO)


def parse_int(value: Any, field: str, minimum: int = 0) -> int:
    number = parse_decimal(value, field, minimum=minimum)
    if number != number.to_integral_value():
        raise InputError(f"{field_label(field)}应为整数，您填写的是{_shown(value)}", field)
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
        raise InputError(f"{field_label(field)}应为“年-月”，例如 1975-06，您填写的是{_shown(value)}", field) from None


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
        raise InputError(f"{field_label(field)}应为“年-月-日”，例如 2025-06-30，您填写的是{_shown(value)}", field) from None


def parse_bool(value: Any, field: str) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in ("true", "false", "1", "0", "是", "否"):
        return value.strip().lower() in ("true", "1", "是")
    raise InputError(f"{field_label(field)}应为“是”或“否”，您填写的是{_shown(value)}", field)


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
