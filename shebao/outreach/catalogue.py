"""The campaign catalogue (``campaigns.yaml``): what each campaign targets, says and attaches."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

DEFAULT_PATH = Path(__file__).with_name("campaigns.yaml")
ATTACHMENTS = ("retirement", "plan", "backpay", "claim", "certification")


class CampaignError(ValueError):
    """The catalogue is wrong: the message names the campaign and the field."""


@dataclass(frozen=True)
class Campaign:
    id: str
    title: str
    description: str
    policy: tuple[dict[str, str], ...]
    target: str
    message: str
    attachment: str
    cadence_days: int
    recontact_days: int
    parameters: dict[str, Any] = field(default_factory=dict)

    @property
    def references(self) -> str:
        """The policy basis in words: 《法》第X条；..."""
        return "；".join(f"《{p['law']}》{p['article']}" for p in self.policy)


@dataclass(frozen=True)
class Catalogue:
    version: str
    parameters: dict[str, Any]
    views: dict[str, str]
    campaigns: tuple[Campaign, ...]

    def campaign(self, campaign_id: str) -> Campaign:
        for c in self.campaigns:
            if c.id == campaign_id:
                return c
        raise CampaignError(f"未知活动：{campaign_id}（可选：{'、'.join(c.id for c in self.campaigns)}）")


def _campaign(raw: dict[str, Any], n: int) -> Campaign:
    cid = str(raw.get("id") or f"第{n}个活动")
    for key in ("id", "title", "target", "message", "attachment", "policy"):
        if not raw.get(key):
            raise CampaignError(f"活动 {cid} 缺少字段 {key}")
    if raw["attachment"] not in ATTACHMENTS:
        raise CampaignError(f"活动 {cid} 的 attachment 应为 {'、'.join(ATTACHMENTS)} 之一：{raw['attachment']!r}")
    if not re.search(r"\bperson_id\b", raw["target"]):
        raise CampaignError(f"活动 {cid} 的 target 必须返回 person_id 列")
    for key in ("cadence_days", "recontact_days"):
        value = raw.get(key, 0)
        if not isinstance(value, int) or value < 0:
            raise CampaignError(f"活动 {cid} 的 {key} 应为非负整数：{value!r}")
    policy = tuple({"law": str(p["law"]), "article": str(p["article"])} for p in raw["policy"])
    return Campaign(id=cid, title=str(raw["title"]), description=str(raw.get("description", "")).strip(),
                    policy=policy, target=raw["target"], message=" ".join(str(raw["message"]).split()),
                    attachment=raw["attachment"], cadence_days=int(raw.get("cadence_days", 30)),
                    recontact_days=int(raw.get("recontact_days", 0)), parameters=dict(raw.get("parameters") or {}))


def load_catalogue(path: str | Path | None = None) -> Catalogue:
    """Read and check a campaign catalogue (the shipped one by default)."""
    path = Path(path) if path else DEFAULT_PATH
    if path == DEFAULT_PATH:
        return _shipped()
    return _read(path)


@lru_cache(maxsize=1)
def _shipped() -> Catalogue:
    return _read(DEFAULT_PATH)


def _read(path: Path) -> Catalogue:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise CampaignError(f"无法读取活动目录 {path}：{exc}") from exc
    campaigns = tuple(_campaign(c, n) for n, c in enumerate(raw.get("campaigns") or [], 1))
    ids = [c.id for c in campaigns]
    if len(set(ids)) != len(ids):
        raise CampaignError(f"活动编号重复：{ids}")
    return Catalogue(version=str(raw.get("version", "")), parameters=dict(raw.get("parameters") or {}),
                     views=dict(raw.get("views") or {}), campaigns=campaigns)
