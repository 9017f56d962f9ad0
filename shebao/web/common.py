"""What every page shares: the templates, the render helper, labels in Chinese."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.templating import Jinja2Templates
from markupsafe import Markup

from shebao.core.roles import ROLE_LABELS, Role
from shebao.web import auth, labels
from shebao.web.labels import LABELS

HERE = Path(__file__).resolve().parent
STATIC_DIR = HERE / "static"
VENDOR_FILES = ("htmx.min.js", "echarts.min.js")
TEXT_SIZE_COOKIE = "shebao_text"

templates = Jinja2Templates(directory=str(HERE / "templates"))

# the tables live in shebao.web.labels (one table of labels); these names stay for the templates
LEVEL_LABELS = LABELS["level"]
ALERT_STATUS_LABELS = LABELS["alert_status"]
BENEFIT_KIND_LABELS = LABELS["benefit_kind"]
BENEFIT_STATUS_LABELS = LABELS["benefit_status"]
PAYMENT_KIND_LABELS = LABELS["payment_kind"]
PAYMENT_STATUS_LABELS = LABELS["payment_status"]
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


def masked(value: Any, kind: str) -> str:
    """The one masking rule of every staff page: ``{{ person.id_number | mask('id') }}``.

    Kinds: id, name, phone, card, address, text (ID numbers and card numbers inside free text).
    The full value is shown only through the audited "查看完整信息" action (POST .../reveal).
    """
    from shebao.core.crypto import mask

    return mask(None if value is None else str(value), kind)


def local_time(value: Any, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """A stored time (UTC in the database) in ``SHEBAO_TIMEZONE``, formatted for people."""
    from shebao.core.settings import to_local

    local = to_local(value)
    return local.strftime(fmt) if local is not None else ""


def utc_time(value: Any) -> str:
    """A stored UTC time as shown in the audit log: labelled."""
    import datetime as dt

    if not value:
        return ""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    if value.tzinfo is not None:
        value = value.astimezone(dt.UTC)
    return value.strftime("%Y-%m-%d %H:%M:%S") + " UTC"


def timezone_label() -> str:
    """How pages name the local time zone (:func:`shebao.core.settings.timezone_label`)."""
    from shebao.core.settings import timezone_label as label

    return label()


templates.env.globals["TIMEZONE_LABEL"] = timezone_label
templates.env.filters["mask"] = masked
templates.env.filters["local_time"] = local_time
templates.env.filters["utc_time"] = utc_time
templates.env.filters["label"] = label
templates.env.filters["as_json"] = as_json
templates.env.filters["zh"] = labels.zh
templates.env.filters["value_text"] = labels.value_text
templates.env.filters["count"] = labels.count
templates.env.filters["num"] = labels.num
templates.env.filters["plain"] = labels.plain
templates.env.filters["plain_text"] = labels.plain_text


def plain_value(value) -> str:
    """An assumption's value for a page: a number or a word as it is; a structure (a life table's
    columns, an entrants' distribution) is described, not printed as code."""
    if isinstance(value, dict | list | tuple):
        return "见情景文件（多项取值）"
    return {"reform_2025": "渐进式延迟退休（2025年起）", "fixed": "原法定退休年龄", "aggregates": "汇总数据",
            "registry": "数据库登记数据"}.get(str(value), "" if value is None else str(value))


def plain_source(text) -> str:
    """A source note without the parameter names it quotes in brackets (the reference stays)."""
    import re

    text = "" if text is None else str(text)
    if re.fullmatch(r"[a-z_0-9]+", text):  # a bare code (the starting population's kind): its words
        return plain_value(text)
    text = re.sub(r"[（(](?:政策参数|policy:)\s*[A-Za-z0-9_.*]+[）)]", "", text)
    return text


templates.env.filters["plain_value"] = plain_value
templates.env.filters["plain_source"] = plain_source
templates.env.filters["param_title"] = labels.param_title
templates.env.filters["detail_items"] = labels.detail_items
templates.env.filters["param_label"] = labels.param_label
templates.env.filters["shown"] = labels.shown
templates.env.filters["source"] = labels.source
templates.env.filters["model_version"] = labels.model_version
templates.env.globals["TERMS"] = labels.TERMS
templates.env.globals["LABELS"] = LABELS
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


# The second wave's workbench pages: (page module, link, area in auth.PAGE_ROLES, label). A link
# shows once its module exists, so each domain adds its pages without editing the layout.
SECOND_WAVE_NAV: tuple[tuple[str, str, str, str], ...] = (
    ("shebao.web.linkage_view", "/staff/linkage", "linkage", "人员合并"),
    ("shebao.web.transfers_view", "/staff/transfers", "transfers", "关系转移"),
    ("shebao.web.injury_view", "/staff/injury", "injury", "工伤认定"),
    ("shebao.web.bills_view", "/staff/bills", "bills", "医疗费用审核"),
    ("shebao.web.intake_view", "/staff/documents", "documents", "材料预审"),
    ("shebao.web.fund_view", "/staff/fund", "fund", "基金监测"),
    ("shebao.web.outreach_view", "/staff/outreach", "outreach", "政策快送"),
)


def second_wave_nav() -> list[tuple[str, str, str]]:
    """The links of :data:`SECOND_WAVE_NAV` whose page module exists, as (link, area, label)."""
    import importlib.util

    return [(href, area, label) for module, href, area, label in SECOND_WAVE_NAV
            if importlib.util.find_spec(module) is not None]


templates.env.globals["second_wave_nav"] = second_wave_nav


def _cases_enabled() -> bool:
    from shebao.web import cases_view

    return cases_view.available()


def safe_back(value: str | None, default: str = "/") -> str:
    """A same-site path to go back to (never another site: ``//evil`` and ``http:`` are refused)."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return default
    return value
