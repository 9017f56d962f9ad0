"""Outputs and request bodies of the bills domain: bills with their totals, flags and their triage."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field


class FlagRead(BaseModel):
    id: int
    rule_id: str
    level: Literal["A", "B"] = Field(..., description="A：规则（核减）；B：异常模型提示（不核减）")
    bill_id: str
    line_no: int | None = Field(None, description="明细行号；整单规则为空")
    amount_disallowed: str = Field(..., description="核减金额（元，两位小数）")
    reason: str
    score: float | None
    status: Literal["new", "confirmed", "dismissed"]
    decision_reason: str | None
    decided_by: str | None
    decided_at: str | None
    first_audit: str
    last_audit: str
    times_seen: int


class FlagPage(BaseModel):
    total: int
    items: list[FlagRead]


class BillSummary(BaseModel):
    bill_id: str
    person_id: str
    hospital_id: str
    admit_date: str
    discharge_date: str
    lines: int
    open: int = Field(..., description="待处理疑点数")
    claimed: str
    disallowed: str
    payable: str


class BillPage(BaseModel):
    total: int
    items: list[BillSummary]


class LineRead(BaseModel):
    line_no: int
    service_date: str
    item_code: str
    item_name: str
    category: str
    quantity: str
    unit_price: str
    amount: str
    disallowed: str = Field(..., description="本行核减（各疑点相加，不超过本行金额；已恢复的不计）")
    flags: list[FlagRead]


class BillRead(BaseModel):
    bill_id: str
    person_id: str
    hospital_id: str
    hospital_name: str
    agreement: bool
    admit_date: str
    discharge_date: str
    injury_date: str
    diagnosis_code: str
    treatment_end_date: str | None
    emergency: bool
    claimed: str
    disallowed: str
    payable: str
    bill_flags: list[FlagRead] = Field(..., description="整单疑点（如 M10）")
    lines: list[LineRead]


class DecideBody(BaseModel):
    decision: Literal["agree", "restore"] = Field(..., description="agree：同意核减；restore：恢复支付")
    reason: str = Field(..., min_length=1, max_length=2000, description="理由（必填）")
    line_no: int | None = Field(None, ge=1, le=2_147_483_647, description="明细行号；省略表示整单疑点")


class FlagDecideBody(BaseModel):
    reason: str | None = Field(None, max_length=2000, description="说明（排除时必填）")
