"""What every page shares: the templates, the render helper, labels in Chinese."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.templating import Jinja2Templates
from markupsafe import Markup

from shebao.core.roles import ROLE_LABELS, Role
from shebao.web import auth

HERE = Path(__file__).resolve().parent
STATIC_DIR = HERE / "static"
VENDOR_FILES = ("htmx.min.js", "echarts.min.js")
TEXT_SIZE_COOKIE = "shebao_text"

templates = Jinja2Templates(directory=str(HERE / "templates"))

LEVEL_LABELS = {"red": "红色", "yellow": "黄色", "blue": "蓝色"}
ALERT_STATUS_LABELS = {"new": "待处理", "confirmed": "已确认", "dismissed": "已排除"}
BENEFIT_KIND_LABELS = {
    "pension": "基本养老金",
    "unemployment": "失业保险金",
    "injury_allowance": "伤残津贴",
    "injury_disability_allowance": "伤残津贴",
    "injury_survivor": "供养亲属抚恤金",
    "survivor_pension": "供养亲属抚恤金",
    "funeral_grant": "丧葬补助金",
    "account_inheritance": "个人账户继承",
    "survivor_grant": "一次性抚恤金",
    "injury_death_grant": "一次性工亡补助金",
}
BENEFIT_STATUS_LABELS = {"active": "正常发放", "suspended": "暂停发放", "stopped": "终止", "ended": "已结束",
                         "terminated": "终止", "paid": "已支付"}
PAYMENT_KIND_LABELS = {"regular": "按月发放", "backpay": "补发", "adjustment": "调待补发", "recovery": "追回",
                       "one_off": "一次性"}
PAYMENT_STATUS_LABELS = {"paid": "已支付", "pending": "待支付", "failed": "支付失败", "returned": "退回",
                         "created": "待支付", "sent": "已送银行", "escalated": "已转人工"}
CATEGORIES = {
    "male_60": ("male", 60, "男职工（原法定退休年龄 60 岁）"),
    "female_55": ("female", 55, "女干部（原法定退休年龄 55 岁）"),
    "female_50": ("female", 50, "女工人（原法定退休年龄 50 岁）"),
}


def large_text(request: Request) -> bool:
    return request.cookies.get(TEXT_SIZE_COOKIE) == "large"


def label(value: Any, mapping: dict[str, str]) -> str:
    return mapping.get(str(value), str(value)) if value is not None else ""


def as_json(value: Any) -> Markup:
    """JSON for a ``<script type="application/json">`` block (data, never executed)."""
    text = json.dumps(value, ensure_ascii=False, default=str)
    return Markup(text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))


templates.env.filters["label"] = label
templates.env.filters["as_json"] = as_json
templates.env.globals.update(
    LEVEL_LABELS=LEVEL_LABELS, ALERT_STATUS_LABELS=ALERT_STATUS_LABELS, BENEFIT_KIND_LABELS=BENEFIT_KIND_LABELS,
    BENEFIT_STATUS_LABELS=BENEFIT_STATUS_LABELS, PAYMENT_KIND_LABELS=PAYMENT_KIND_LABELS,
    PAYMENT_STATUS_LABELS=PAYMENT_STATUS_LABELS, CATEGORIES=CATEGORIES,
)


def render(request: Request, template: str, context: dict[str, Any] | None = None, *, status_code: int = 200,
           user: Any = None, headers: dict[str, str] | None = None):
    """Render ``template`` with what every page needs (CSRF token, the user, the text size)."""
    ctx: dict[str, Any] = {
        "request": request,
        "csrf_token": auth.csrf_token(request),
        "large_text": large_text(request),
        "user": user,
        "role_label": ROLE_LABELS[Role(user.role)] if user is not None else "",
        "allowed": (lambda area: auth.allowed(user, area)) if user is not None else (lambda area: False),
        "path": request.url.path,
        "cases_enabled": _cases_enabled(),
    }
    ctx.update(context or {})
    response = templates.TemplateResponse(request, template, ctx, status_code=status_code, headers=headers)
    response.headers["Cache-Control"] = "no-store"  # pages may hold personal data: never cached
    return response


def _cases_enabled() -> bool:
    from shebao.web import cases_view

    return cases_view.available()


def safe_back(value: str | None, default: str = "/") -> str:
    """A same-site path to go back to (never another site: ``//evil`` and ``http:`` are refused)."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return default
    return value
