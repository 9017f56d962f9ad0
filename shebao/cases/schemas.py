"""Pydantic schemas of applications and reviews (API and CLI share them)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator

from shebao.core.money import finite_amount_or_none

SEPARATION_REASONS = ("dismissed", "contract_expired", "mutual", "resigned", "other")


class Agent(BaseModel):
    """代办人: who applies for the person (recorded as such)."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=50)
    id_number: str
    relation: Literal["spouse", "child", "parent", "employer", "other"]


class PensionFacts(BaseModel):
    """Facts of a pension claim; everything else comes from the registry."""

    model_config = ConfigDict(extra="forbid")

    retirement_date: str | None = Field(None, description="退休月份 YYYY-MM（默认按法定退休年龄与提前/延迟月数计算）")
    early_months: int = Field(0, ge=0, le=36)
    late_months: int = Field(0, ge=0, le=36)

    @field_validator("retirement_date")
    @classmethod
    def _month(cls, value: str | None) -> str | None:
        if value is None:
            return None
        text = str(value)[:7]
        try:
            dt.date.fromisoformat(text + "-01")
        except ValueError as exc:
            raise ValueError(f"retirement_date 应为 YYYY-MM：{value!r}") from exc
        return text

    @model_validator(mode="after")
    def _one_direction(self) -> PensionFacts:
        if self.early_months and self.late_months:
            raise ValueError("early_months 与 late_months 不能同时填写")
        return self


class UnemploymentFacts(BaseModel):
    """Facts of an unemployment claim: when and why the job ended."""

    model_config = ConfigDict(extra="forbid")

    separation_date: dt.date
    separation_reason: Literal["dismissed", "contract_expired", "mutual", "resigned", "other"]
    seeking_work: bool = True


class ApplicationCreate(BaseModel):
    """POST /api/v1/applications and ``shebao apply``."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["pension", "unemployment"]
    person_id: str | None = Field(None, max_length=32)
    id_number: str | None = None
    idempotency_key: str = Field(min_length=1, max_length=128)
    bank_account: str
    agent: Agent | None = None
    channel: Literal["portal", "agent", "clerk"] | None = Field(
        None, description="受理渠道（默认：有代办人为 agent，否则按提交人角色）")
    facts: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _check(self) -> ApplicationCreate:
        if not self.person_id and not self.id_number:
            raise ValueError("需要 person_id 或 id_number（申请人）")
        facts_model = PensionFacts if self.kind == "pension" else UnemploymentFacts
        self.facts = facts_model.model_validate(self.facts).model_dump(mode="json")
        if self.channel == "agent" and self.agent is None:
            raise ValueError("代办渠道需要填写 agent（代办人姓名、身份证号、关系）")
        return self


class ReviewDecision(BaseModel):
    """A reviewer's decision on a claimed application.

    The first reviewer's ``approve`` proposes ``monthly_amount``, ``start_date`` and ``kind``
    (defaults: the rules' result); a second reviewer confirms exactly that or ``return_to_first``.
    """

    model_config = ConfigDict(extra="forbid")

    action: Literal["approve", "reject", "return", "return_to_first"]
    comment: str = Field("", max_length=2000)
    comment_visibility: Literal["internal", "applicant"] | None = Field(
        None, description="意见范围：internal 仅内部可见；applicant 写入给申请人的通知（填写意见时必选）")
    monthly_amount: Annotated[Decimal | None, BeforeValidator(finite_amount_or_none)] = Field(
        None, description="核定的月金额（元，有限小数；默认为规则计算结果）")
    start_date: dt.date | None = Field(None, description="待遇起始日期（默认为规则结果）")
    kind: Literal["pension", "unemployment"] | None = Field(None, description="待遇事项（须与申请一致）")


class ClaimRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    application_no: str | None = None


class ApplicationRead(BaseModel):
    """An application with its decision (amounts, reasons, trace) and risk score with its factors."""

    application_no: str
    kind: str
    person_id: str
    status: str
    route: str | None
    channel: str
    agent: dict[str, Any] | None
    bank_account: str
    received_on: str
    deadline: str
    decision_ms: float | None
    decision: dict[str, Any]
    risk: dict[str, Any]
    benefit_id: str | None
    review: dict[str, Any]
    autofill: dict[str, Any] | None = None
    inputs: dict[str, Any] | None = None
    steps: list[dict[str, Any]] | None = None
    history: list[dict[str, Any]] | None = None
    working_days_left: int | None = None
    person_history: dict[str, Any] | None = None
