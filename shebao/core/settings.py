"""One `Settings` object read from the environment (prefix ``SHEBAO_``).

Nothing is built at import time: call :func:`get_settings` (cached) or construct ``Settings()``
in tests after setting the environment.
"""

from __future__ import annotations

import logging
import os
import secrets
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

log = logging.getLogger(__name__)

KEY_FILE_NAME = "secret.key"


class ConfigurationError(RuntimeError):
    """The configuration cannot be used (e.g. a production instance without a secret key)."""


class Settings(BaseSettings):
    """shebao's configuration. Every field is documented in the README (a test checks it)."""

    model_config = SettingsConfigDict(env_prefix="SHEBAO_", extra="ignore")

    home: Path = Field(default=Path("./var"), description="数据目录：嵌入式数据库、密钥、索引")
    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL; default sqlite:///$SHEBAO_HOME/shebao.db"
    )
    env: Literal["development", "production"] = Field(default="development")
    secret_key: str | None = Field(default=None, description="instance secret (≥ 32 characters)")
    secret_key_file: Path | None = Field(default=None, description="file holding the instance secret")
    user: str | None = Field(default=None, description="the named user the CLI acts as")
    llm_url: str | None = Field(default=None, description="optional OpenAI-compatible endpoint")
    timezone: str = Field(default="Asia/Shanghai",
                          description="IANA time zone of every time shown in pages, notices and exports")
    region: str = Field(default="370500", description="the agency's administrative division code (GB/T 2260)")
    audit_checkpoint_every: int = Field(default=1000, ge=1, description="entries between signed checkpoints")
    audit_checkpoint_minutes: float = Field(default=10, gt=0,
                                            description="minutes of activity after which a checkpoint is signed")
    audit_witness_url: str | None = Field(default=None, description="optional HTTP witness of audit checkpoints")
    payroll_lease_seconds: int = Field(default=600, ge=10,
                                       description="a payroll run not renewed for this long is failed")
    api_write_lanes: int = Field(default=1, ge=1, description="submission transactions an API process runs at once")
    load_max_field_bytes: int = Field(
        default=65536, ge=256, description="shebao load: a field longer than this (UTF-8 bytes) rejects its row"
    )
    auto_decide_sources: str = Field(
        default="official,agency",
        description="source levels of parameter values that may decide a case without a person (comma-separated)",
    )

    @property
    def auto_decide_levels(self) -> frozenset[str]:
        """The source levels (official, agency, secondary, derived) that may decide a case alone."""
        levels = frozenset(p.strip().lower() for p in self.auto_decide_sources.split(",") if p.strip())
        unknown = levels - {"official", "agency", "secondary", "derived"}
        if unknown:
            raise ConfigurationError(
                f"SHEBAO_AUTO_DECIDE_SOURCES 含未知来源级别 {sorted(unknown)}（可用 official, agency, secondary, derived）")
        return levels
    max_body_bytes: int = Field(default=1_048_576, ge=1024, description="largest request body the server reads (bytes)")
    intake_max_request_bytes: int = Field(default=64 * 1_048_576, ge=1024,
                                          description="largest document upload request (bytes; all files together)")
    intake_max_file_bytes: int = Field(default=20 * 1_048_576, ge=1024,
                                       description="largest single uploaded document file (bytes); a larger file is "
                                                   "that file's problem, the others are still read")
    login_hash_workers: int = Field(default=2, ge=1, description="password checks a process runs at once")
    login_hash_wait: float = Field(default=5.0, ge=0, description="seconds a login waits for a hashing slot before 429")
    login_rate_per_ip: int = Field(default=30, ge=1, description="login attempts per client address per minute")
    login_rate_per_user: int = Field(default=10, ge=1, description="login attempts per user name per minute")

    @model_validator(mode="after")
    def _resolve(self) -> Settings:
        self.region = str(self.region).strip()
        if len(self.region) != 6 or not self.region.isdigit():
            raise ConfigurationError(f"SHEBAO_REGION 应为6位行政区划代码：{self.region!r}")
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ConfigurationError(f"SHEBAO_TIMEZONE 不是有效的时区名称（如 Asia/Shanghai）：{self.timezone!r}") from None
        self.home = Path(self.home).expanduser().resolve()
        if not self.database_url:
            self.database_url = f"sqlite:///{self.home / 'shebao.db'}"
        return self

    @property
    def is_sqlite(self) -> bool:
        return str(self.database_url).startswith("sqlite")

    def ensure_home(self) -> Path:
        """Create the data folder (owner-only) and return it."""
        self.home.mkdir(parents=True, exist_ok=True)
        try:
            os.chmod(self.home, 0o700)
        except OSError:  # a shared folder we do not own: leave its mode alone
            pass
        return self.home

    def resolve_secret(self) -> bytes:
        """Return the instance secret.

        In production a missing secret is refused. In development a key is generated once into
        ``$SHEBAO_HOME/secret.key`` (mode 0600) with a warning, and reused afterwards.
        """
        if self.secret_key:
            value = self.secret_key.strip()
        elif self.secret_key_file:
            value = Path(self.secret_key_file).read_text(encoding="utf-8").strip()
        else:
            key_path = self.home / KEY_FILE_NAME
            if self.env == "production":
                if key_path.exists():
                    value = key_path.read_text(encoding="utf-8").strip()
                else:
                    raise ConfigurationError(
                        "生产环境必须设置 SHEBAO_SECRET_KEY 或 SHEBAO_SECRET_KEY_FILE（实例密钥缺失）"
                    )
            else:
                if not key_path.exists():
                    self.ensure_home()
                    fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                    with os.fdopen(fd, "w", encoding="utf-8") as fh:
                        fh.write(secrets.token_urlsafe(48))
                    log.warning("开发环境：已生成实例密钥 %s（生产环境请设置 SHEBAO_SECRET_KEY）", key_path)
                value = key_path.read_text(encoding="utf-8").strip()
        if len(value) < 32:
            raise ConfigurationError("实例密钥太短：至少 32 个字符")
        return value.encode("utf-8")


def local_tz():
    """The time zone of every time shown to people (``SHEBAO_TIMEZONE``)."""
    from zoneinfo import ZoneInfo

    return ZoneInfo(get_settings().timezone)


def local_today():
    """Today's date where the agency is (``SHEBAO_TIMEZONE``), not where the server's clock is set:
    a notice issued at 01:00 in Beijing is dated that day, though UTC is still on the day before."""
    import datetime as dt

    return dt.datetime.now(local_tz()).date()


def to_local(value):
    """A stored time (naive = UTC, as the database keeps it; or an ISO string) in local time."""
    import datetime as dt

    if value is None or value == "":
        return None
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
        return value.astimezone(local_tz())
    return value


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings (cached; tests call ``get_settings.cache_clear()``)."""
    return Settings()


def timezone_label() -> str:
    """How times shown to people name their zone: 北京时间 for Asia/Shanghai, else the IANA name."""
    name = get_settings().timezone
    return {"Asia/Shanghai": "北京时间", "Asia/Chongqing": "北京时间", "PRC": "北京时间"}.get(name, name)
