"""Request and response bodies of the benefits domain (payroll, events after the grant, debts).

The API (``shebao.api.benefits``) validates requests with these; dates are bounded to 1900–2099,
periods are ``YYYY-MM`` and amounts are Decimal yuan with at most two places.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, Field

PERIOD = r"^(19|20)\d{2}-(0[1-9]|1[0-2])$"
EARLIEST, LATEST = date(1900, 1, 1), date(2099, 12, 31)
MAX_AMOUNT = Decimal("999999999999.99")


class PayrollRunBody(BaseModel):
    period: str = Field(..., pattern=PERIOD, description="发放期间 YYYY-MM")
    sync: bool = Field(True, description="发放前处理登记库中的死亡、服刑、认证和计发基数公布")
    as_of: date | None = Field(None, ge=EARLIEST, le=LATEST, description="处理登记库事件的截止日（默认该期间最后一天）")
    batch_size: int = Field(500, ge=1, le=20000)
    max_attempts: int = Field(3, ge=1, le=20)
    max_deduction_rate: Decimal = Field(Decimal("0.50"), ge=0, le=1)


class PayrollRunRead(BaseModel):
    created: int
    existing: int
    total: str = Field(..., description="该期间全部支付指令合计（元）")
    created_total: str
    period: str
    skipped_suspended: int
    retried: int
    escalated: int
    deductions: int
    run_id: int | None
    sync: dict[str, Any] | None = None


class ReturnsBody(BaseModel):
    csv: str = Field(..., description="回盘文件内容：payment_id,result,paid_date,amount,reason", max_length=50_000_000)
    max_attempts: int = Field(3, ge=1, le=20)


class DeathBody(BaseModel):
    person_id: str = Field(..., max_length=32)
    death_date: date = Field(..., ge=EARLIEST, le=LATEST)
    source: str = Field("counter", max_length=16)
    work_injury: dict[str, Any] | None = Field(None, description="因工死亡：calc_injury 的输入")


class SurvivorGrantBody(BaseModel):
    bank_account: str = Field(..., max_length=32)


class CertificationBody(BaseModel):
    person_id: str = Field(..., max_length=32)
    certified_date: date = Field(..., ge=EARLIEST, le=LATEST)
    method: Literal["face", "bank", "hospital", "community", "silent"] = "face"


class RecalcBody(BaseModel):
    year: int | None = Field(None, ge=2000, le=2100)
    on: date | None = Field(None, ge=EARLIEST, le=LATEST)


class AdjustBody(BaseModel):
    year: int = Field(..., ge=2000, le=2100)
    on: date | None = Field(None, ge=EARLIEST, le=LATEST)


class SyncBody(BaseModel):
    as_of: date | None = Field(None, ge=EARLIEST, le=LATEST)


class RepayBody(BaseModel):
    amount: Decimal = Field(..., gt=0, le=MAX_AMOUNT, decimal_places=2)
    receipt: str = Field(..., min_length=1, max_length=40)


class WriteOffBody(BaseModel):
    reason: str = Field(..., min_length=1, max_length=2000)


class SuspendBody(BaseModel):
    from_period: str = Field(..., pattern=PERIOD)
    reason: str = Field(..., min_length=1, max_length=2000)
    backpay_on_resume: bool = False


class ResumeBody(BaseModel):
    from_period: str = Field(..., pattern=PERIOD)
    reason: str = Field(..., min_length=1, max_length=2000)


class OverpaymentBody(BaseModel):
    periods: list[str] = Field(..., min_length=1, max_length=600)
    reason: str = Field(..., min_length=1, max_length=2000)
