"""Typed inputs of the citizens' calculators (Pydantic), one model per calculator.

The models check the *shape* of what was typed (a number where a number belongs, a date where a
date belongs, a list of dependants); the calculators keep the *law* (ranges, the months since the
age of 16, the floor and ceiling of a base) and read numbers the way people write them ("80%",
"1,200", "2025-06"), so numbers and dates stay lax here: a numeric string is a number. Each field
carries its Chinese label (``title``) and what it expects (``description``), which is what
:func:`shebao.policy.service.calculate` says when a field is refused. Unknown keys pass through to
the calculator untouched (``extra="allow"``): the calculators document optional inputs of their own.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

NUMBER = "数字，例如 120 或 0.8"
MONTH = "年月，例如 2025-06"
DATE = "日期，例如 2025-06-01"
FLAG = "是或否（true / false）"
TEXT = "文字"

Number = int | Decimal | float | str
Day = dt.date | str
Flag = bool | int | str


def _f(title: str, expects: str) -> Any:
    return Field(None, title=title, description=expects)


class CalculatorInputs(BaseModel):
    """What every calculator may be given: the region (default 370000, Shandong)."""

    model_config = ConfigDict(extra="allow")

    region: Annotated[str | int | None, _f("地区", "行政区划代码，例如 370502")] = None


class PersonInputs(CalculatorInputs):
    """A contributor's record as the pension-side calculators read it."""

    birth_date: Annotated[Day | None, _f("出生年月", MONTH)] = None
    sex: Annotated[str | None, _f("性别", "男或女")] = None
    original_retirement_age: Annotated[Number | None, _f("原法定退休年龄", "60、55 或 50")] = None
    contribution_months: Annotated[Number | None, _f("已缴费月数", NUMBER)] = None
    pre_account_months: Annotated[Number | None, _f("视同缴费月数", NUMBER)] = None
    avg_contribution_index: Annotated[Number | None, _f("平均缴费指数", "0.6 到 3.0 之间的数字，例如 0.8 或 80%")] = None
    account_balance: Annotated[Number | None, _f("个人账户储存额", "金额（元），例如 30000")] = None


class PensionInputs(PersonInputs):
    """``calc pension``: the monthly basic pension of an enterprise employee."""

    retirement_date: Annotated[Day | None, _f("退休时间", MONTH)] = None
    assessed_on: Annotated[Day | None, _f("核定日期", DATE)] = None
    pension_base: Annotated[Number | None, _f("计发基数", "金额（元）")] = None
    annuity_months: Annotated[Number | None, _f("计发月数", NUMBER)] = None
    extended_contribution: Annotated[Flag | None, _f("是否延长缴费", FLAG)] = None


class RetirementInputs(PersonInputs):
    """``calc retirement``: the statutory retirement date and the flexible window."""

    early_months: Annotated[Number | None, _f("提前退休月数", NUMBER)] = None
    late_months: Annotated[Number | None, _f("延迟退休月数", NUMBER)] = None


class PlanInputs(PersonInputs):
    """``calc plan``: a flexible worker's contribution tiers."""

    as_of: Annotated[Day | None, _f("测算日期", DATE)] = None
    tiers: Annotated[list[Number] | None, _f("缴费档次", "档次列表，例如 [0.6, 1.0]")] = None


class BackpayInputs(PlanInputs):
    """``calc backpay``: the back-payment report."""

    backpay_months: Annotated[Number | None, _f("补缴月数", NUMBER)] = None
    backpay_base: Annotated[Number | None, _f("补缴基数", "金额（元/月）")] = None


class UnemploymentInputs(CalculatorInputs):
    """``calc unemployment``: the unemployment benefit of one person."""

    date: Annotated[Day | None, _f("失业登记日期", DATE)] = None
    unemployed_on: Annotated[Day | None, _f("失业日期", DATE)] = None
    contribution_months: Annotated[Number | None, _f("失业前累计缴费月数", NUMBER)] = None
    previous_unclaimed_months: Annotated[Number | None, _f("前次应领未领月数", NUMBER)] = None
    previous_unused_months: Annotated[Number | None, _f("以前未领的失业保险金月数", NUMBER)] = None
    involuntary: Annotated[Flag | None, _f("是否非本人意愿中断就业", FLAG)] = None
    registered: Annotated[Flag | None, _f("是否已办理失业登记", FLAG)] = None
    seeking_work: Annotated[Flag | None, _f("是否有求职要求", FLAG)] = None
    receiving_pension: Annotated[Flag | None, _f("是否已领取养老金", FLAG)] = None
    birth_date: Annotated[Day | None, _f("出生年月", MONTH)] = None
    sex: Annotated[str | None, _f("性别", "男或女")] = None
    original_retirement_age: Annotated[Number | None, _f("原法定退休年龄", "60、55 或 50")] = None


class Dependant(BaseModel):
    """A dependant of a worker who died of a work injury."""

    model_config = ConfigDict(extra="allow")

    relation: Annotated[str | None, _f("亲属关系", "spouse（配偶）或 other（其他亲属）")] = None
    orphan_or_lone_elderly: Annotated[Flag | None, _f("是否孤儿或孤寡老人", FLAG)] = None


class InjuryInputs(CalculatorInputs):
    """``calc injury``: the work-injury benefits of one case."""

    injury_date: Annotated[Day | None, _f("受伤日期", DATE)] = None
    death_date: Annotated[Day | None, _f("死亡日期", DATE)] = None
    avg_monthly_wage: Annotated[Number | None, _f("本人月平均工资", "金额（元）")] = None
    regional_avg_monthly_wage: Annotated[Number | None, _f("统筹地区职工月平均工资", "金额（元）")] = None
    grade: Annotated[Number | None, _f("伤残等级", "1 到 10 的整数")] = None
    work_arranged: Annotated[Flag | None, _f("是否安排工作", FLAG)] = None
    minimum_wage: Annotated[Number | None, _f("最低工资标准", "金额（元）")] = None
    pension: Annotated[Number | None, _f("养老金", "金额（元）")] = None
    care_level: Annotated[Number | None, _f("生活护理等级", "1 到 3 的整数")] = None
    dependants: Annotated[list[Dependant] | None, _f("供养亲属", "亲属列表")] = None
    occupational_disease: Annotated[Flag | None, _f("是否职业病", FLAG)] = None
    years_to_retirement: Annotated[Number | None, _f("解除劳动合同时距法定退休年龄的年数", NUMBER)] = None


class SurvivorInputs(CalculatorInputs):
    """``calc survivor``: funeral grant and survivor lump sum (death of illness or non-work causes)."""

    death_date: Annotated[Day | None, _f("死亡日期", DATE)] = None
    contribution_months: Annotated[Number | None, _f("累计缴费月数", NUMBER)] = None
    retired: Annotated[Flag | None, _f("是否已退休", FLAG)] = None
    pension_months: Annotated[Number | None, _f("已领取养老金月数", NUMBER)] = None


INPUTS: dict[str, type[CalculatorInputs]] = {
    "pension": PensionInputs,
    "retirement": RetirementInputs,
    "plan": PlanInputs,
    "backpay": BackpayInputs,
    "unemployment": UnemploymentInputs,
    "injury": InjuryInputs,
    "survivor": SurvivorInputs,
}
"""The calculators by kind, with their input model: the one list the API, the CLI and the portal use."""

LABELS = {
    "pension": "养老金测算",
    "retirement": "退休时间测算",
    "plan": "灵活就业参保套餐",
    "backpay": "补缴收益测算",
    "unemployment": "失业保险金测算",
    "injury": "工伤保险待遇测算",
    "survivor": "丧葬补助金和抚恤金测算",
}


# --- parameters (staff) ---------------------------------------------------------------------------


class ParamSet(BaseModel):
    name: str = Field(..., examples=["pension.base"])
    region: str = Field("000000", examples=["370000"])
    effective_from: dt.date
    value: Any = Field(..., description="数值、字符串、表格（映射）或 null（已知缺失）")
    reference: str | dict[str, str] = Field(..., examples=["鲁人社字〔2026〕1号"])
    published: dt.date | None = None
    confirmed: bool = True
    note: str | None = None


class ParamAdopt(BaseModel):
    name: str = Field(..., examples=["wages.minimum_monthly"])
    region: str = Field("000000", examples=["370500"])
    effective_from: dt.date
    note: str = Field(..., min_length=1, examples=["经核对鲁政字〔2025〕140号"])
