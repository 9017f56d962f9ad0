"""Outreach settings (environment variables ``SHEBAO_OUTREACH_*``)."""

from __future__ import annotations

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class OutreachSettings(BaseSettings):
    """Where messages go and how often a person may be contacted.

    ``channels``: the channels besides the portal inbox (always on): ``sms`` and ``app`` post to the
    agency's gateway at ``gateway_url``; ``broker`` publishes to RabbitMQ at ``amqp_url``.
    """

    model_config = SettingsConfigDict(env_prefix="SHEBAO_OUTREACH_", extra="ignore")

    channels: str = Field(default="", description="portal 之外的渠道，逗号分隔：sms、app、broker")
    gateway_url: str = Field(default="", description="短信和 12333 App 推送网关的地址（HTTP POST）")
    gateway_timeout: float = Field(default=10.0, gt=0)
    amqp_url: str = Field(default="", description="RabbitMQ 地址，例如 amqp://guest:guest@127.0.0.1:5672/%2F")
    amqp_queue: str = Field(default="shebao.outreach")
    quiet_hours: str = Field(default="21-8", description="免打扰时段（当地时间，时-时）：短信、推送和消息队列在此期间不发送")
    max_per_30_days: int = Field(default=2, ge=1, description="每人30天内最多收到的活动消息数")
    max_attempts: int = Field(default=5, ge=1)
    backoff_seconds: int = Field(default=60, ge=1, description="首次重试等待秒数，之后每次加倍（最长1天）")

    @field_validator("quiet_hours")
    @classmethod
    def _hours(cls, value: str) -> str:
        if value.strip() in ("", "none"):
            return ""
        start, _, end = value.partition("-")
        if not (start.strip().isdigit() and end.strip().isdigit() and 0 <= int(start) < 24 and 0 <= int(end) < 24):
            raise ValueError(f"SHEBAO_OUTREACH_QUIET_HOURS 应为“开始时-结束时”，例如 21-8：{value!r}")
        return value

    def channel_list(self) -> list[str]:
        extra = [c.strip() for c in self.channels.split(",") if c.strip()]
        unknown = set(extra) - {"sms", "app", "broker"}
        if unknown:
            raise ValueError(f"SHEBAO_OUTREACH_CHANNELS 含未知渠道：{sorted(unknown)}（可选 sms、app、broker）")
        return ["portal", *extra]

    def in_quiet_hours(self, hour: int) -> bool:
        if not self.quiet_hours:
            return False
        start, end = (int(x) for x in self.quiet_hours.split("-"))
        return start <= hour or hour < end if start > end else start <= hour < end
