"""Outputs and request bodies of the risk domain: screening alerts and their triage."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field


class AlertRead(BaseModel):
    id: int
    rule_id: str
    level: Literal["red", "yellow", "blue"]
    person_id: str
    benefit_id: str | None
    amount_at_risk: str = Field(..., description="风险金额（元，两位小数）")
    evidence: str = Field(..., description="证据说明（个人信息已脱敏）")
    status: Literal["new", "confirmed", "dismissed"]
    reason: str | None
    first_as_of: str
    last_as_of: str
    times_seen: int
    decided_by: str | None
    decided_at: str | None
    handoff: str | None


class AlertPage(BaseModel):
    total: int
    items: list[AlertRead]


class ConfirmBody(BaseModel):
    note: str | None = Field(None, max_length=2000, description="核实说明")


class DismissBody(BaseModel):
    reason: str = Field(..., min_length=1, max_length=2000, description="排除理由（必填）")
