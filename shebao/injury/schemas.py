"""Inputs and outputs of the injury domain (Pydantic)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, Field

EARLIEST, LATEST = date(1950, 1, 1), date(2099, 12, 31)
TEXT_MAX = 10_000


class DetermineInput(BaseModel):
    """``shebao injury determine``: one incident."""

    text: str = Field("", max_length=TEXT_MAX, description="受伤经过（职工、家属或单位的原话）")
    facts: dict[str, Any] | None = Field(None, description="另行知道的事实（可选），如 traffic_responsibility、drunk")


class GradeInput(BaseModel):
    """``shebao injury grade``: one medical conclusion."""

    text: str = Field("", max_length=TEXT_MAX, description="医疗诊断结论（伤情、手术、功能检查结果）")


class CaseCreate(BaseModel):
    """An employer's report or an employee's claim (工伤认定申请)."""

    person_id: str = Field(..., min_length=1, max_length=32, description="参保人编号")
    employer_id: str | None = Field(None, max_length=32, description="用人单位编号")
    region_code: str = Field("370000", pattern=r"^\d{6}$", description="统筹地区代码")
    applicant: Literal["employer", "employee"] = Field(..., description="申请人：employer 用人单位 / employee 职工或其近亲属、工会组织")
    incident_date: date = Field(..., ge=EARLIEST, le=LATEST, description="事故伤害发生之日，或被诊断、鉴定为职业病之日")
    received_on: date | None = Field(None, ge=EARLIEST, le=LATEST, description="收到申请之日（默认今天）")
    occupational_disease: bool = Field(False, description="是否职业病")
    incident_text: str = Field(..., min_length=1, max_length=TEXT_MAX, description="受伤经过")
    diagnosis_text: str | None = Field(None, max_length=TEXT_MAX, description="医疗诊断或职业病诊断结论")
    facts: dict[str, Any] | None = Field(None, description="另行知道的事实")
    documents: dict[str, bool] | None = Field(None, description="已交材料：application_form、labour_relation、medical_certificate")


class CaseAccept(BaseModel):
    accepted_on: date | None = Field(None, ge=EARLIEST, le=LATEST, description="受理之日（默认今天）")
    clear_case: bool = Field(False, description="事实清楚、权利义务明确（15日内决定）")


class CaseDecision(BaseModel):
    """The reviewer's determination: agreeing with the suggestion or overriding it (with a reason)."""

    determination: Literal["injury", "deemed", "excluded", "not_injury"]
    article: int | None = Field(None, ge=1, le=100, description="条：14、15 或 16")
    item: int | None = Field(None, ge=1, le=10, description="项")
    reason: str = Field("", max_length=2000, description="理由（与建议不一致时必填）")


class CaseAppraisal(BaseModel):
    """The 劳动能力鉴定 conclusion."""

    grade: int | None = Field(..., ge=1, le=10, description="伤残等级 1–10；未达等级为 null")
    clause: str | None = Field(None, max_length=16, description="GB/T 16180-2014 条款，如 5.7.2(20)")
    reason: str = Field("", max_length=2000, description="理由（与建议不一致时必填）")
    appraised_on: date | None = Field(None, ge=EARLIEST, le=LATEST)


class CaseGrant(BaseModel):
    """Benefits from the appraised grade (工伤保险条例 第三十五至三十七条)."""

    avg_monthly_wage: Decimal = Field(..., gt=0, le=1_000_000, decimal_places=2, description="受伤前12个月平均月缴费工资")
    regional_avg_monthly_wage: Decimal | None = Field(None, gt=0, le=1_000_000, decimal_places=2,
                                                      description="统筹地区上年度职工月平均工资（默认取参数）")
    bank_account: str | None = Field(None, max_length=32, description="收款账户")
    start_date: date | None = Field(None, ge=EARLIEST, le=LATEST, description="待遇起始日（默认鉴定之日）")
