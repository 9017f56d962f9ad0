"""Outputs and request bodies of the fund domain."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

DifferenceClass = Literal["missing_at_agency", "missing_at_tax", "missing_at_bank", "missing_in_fund_account",
                          "amount_differs", "duplicated", "timing"]


class DifferenceRead(BaseModel):
    id: int
    period: str
    flow: str
    klass: DifferenceClass = Field(..., alias="class", description="差异类别")
    amount: str = Field(..., description="金额（元，两位小数）")
    reference: str
    agency_ref: str
    counterpart_ref: str
    detail: str
    status: Literal["open", "cleared", "resolved"]
    cleared_period: str | None
    note: str | None

    model_config = {"populate_by_name": True}


class ReportRead(BaseModel):
    period: str
    status: Literal["open", "signed_off"]
    tolerance_days: int
    summary: dict[str, Any]
    run_by: str
    run_at: str | None
    signed_off_by: str | None
    signed_off_at: str | None
    signoff_note: str | None
    reopened_by: str | None
    reopened_at: str | None
    reopen_reason: str | None


class ReportWithDifferences(BaseModel):
    report: ReportRead
    differences: list[DifferenceRead]


class SignOffBody(BaseModel):
    note: str = Field("", max_length=2000, description="签认说明")


class ReopenBody(BaseModel):
    reason: str = Field(..., min_length=1, max_length=2000, description="重开原因（必填）")


class ResolveBody(BaseModel):
    note: str = Field(..., min_length=1, max_length=2000, description="处理说明（必填）")


class ProjectionRequest(BaseModel):
    to_year: int = Field(2050, ge=2000, le=2200, description="预测截止年份")
    scenario: dict[str, Any] | None = Field(None, description="情景（与情景 YAML 同结构）；省略时用“演示假设”")
    compare_fixed_ages: bool = Field(False, description="另按原法定退休年龄预测并给出差额")
