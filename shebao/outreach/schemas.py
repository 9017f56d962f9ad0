"""Outreach inputs and outputs as the API shows them (Pydantic)."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field


class RunRequest(BaseModel):
    as_of: dt.date = Field(description="基准日：按此日期选择对象")
    campaigns: list[str] | None = Field(default=None, description="只运行这些活动（默认全部）")


class TargetOut(BaseModel):
    campaign_id: str
    person_id: str
    model_config = {"extra": "allow"}


class SuppressedOut(BaseModel):
    campaign_id: str
    person_id: str
    channel: str
    reason: str


class RunOut(BaseModel):
    as_of: dt.date
    counts: dict[str, int]
    targets: list[TargetOut]
    suppressed: list[SuppressedOut]
    queued: dict[str, int]
    already_in_outbox: int
    skipped: dict[str, int]
    seconds: float


class OptOutRequest(BaseModel):
    person_id: str = Field(min_length=1, max_length=32)
    channel: str = Field(default="all", pattern="^(all|portal|sms|app|broker)$")


class CampaignStats(BaseModel):
    campaign_id: str
    title: str
    action: str
    targeted: int
    suppressed: int
    delivered: int
    opened: int
    acted: int
    open_rate: str | None
    action_rate: str | None
