"""Personal reports (个人测算报告): the calculation behind each message, as HTML and a one-page PDF.

A report is computed from its stored inputs alone (the person's record as selected, the campaign's
columns and the as-of date) with the calculators of :mod:`shebao.policy.service`, so the same inputs
give the same report, today or in a year's audit. Personal data is masked: the report may be opened
on a shared phone or printed.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape

from shebao.core.crypto import mask_name
from shebao.outreach.catalogue import Campaign
from shebao.outreach.fonts import report_font_for
from shebao.policy.common import InputError
from shebao.policy.paramset import ParameterSet, default_parameters
from shebao.policy.service import calculate

TEMPLATES = Path(__file__).with_name("templates")
CONTACT = "如有疑问，请拨打 12333 社会保障服务热线，或到就近的社会保险经办机构咨询。"
SEX = {"M": "男", "F": "女"}
# the flexible worker's tiers the plan shows (the calculator's own default list when absent)
PLAN_TIERS = ["0.6", "0.8", "1.0", "1.5", "2.0", "3.0"]


def _iso(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date) else value


def report_inputs(campaign: Campaign, *, person_id: str, fields: dict[str, Any], facts: dict[str, Any],
                  as_of: dt.date) -> dict[str, Any]:
    """What a report is computed from, JSON-ready, stored with the message (no name in full)."""
    avg = facts.get("avg_index")
    balance = facts.get("account_balance")
    return {
        "campaign_id": campaign.id, "attachment": campaign.attachment, "as_of": as_of.isoformat(),
        "person_id": person_id, "masked_name": mask_name(facts.get("name")),
        "fields": {k: str(v) if isinstance(v, Decimal) else _iso(v) for k, v in fields.items()},
        "person": {
            "sex": facts.get("sex"), "birth_date": _iso(facts.get("birth_date")),
            "original_retirement_age": facts.get("original_retirement_age"), "region": facts.get("region_code"),
            "avg_contribution_index": None if avg is None else f"{Decimal(str(avg)):.4f}",
            "account_balance": None if balance is None else f"{Decimal(balance):.2f}",
        },
    }


def _person_inputs(inputs: dict[str, Any]) -> dict[str, Any]:
    p, f = inputs["person"], inputs["fields"]
    out: dict[str, Any] = {"birth_date": p["birth_date"][:7] if p.get("birth_date") else None,
                           "sex": SEX.get(p.get("sex") or "", p.get("sex")),
                           "original_retirement_age": p.get("original_retirement_age"),
                           "contribution_months": f.get("months"),
                           "avg_contribution_index": p.get("avg_contribution_index") or "0.6",
                           "account_balance": p.get("account_balance") or "0"}
    if p.get("region"):
        out["region"] = p["region"]
    return {k: v for k, v in out.items() if v is not None}


def _pension(person: dict[str, Any], month: str, as_of: str, params: ParameterSet) -> dict[str, Any]:
    return calculate("pension", {**person, "retirement_date": month, "assessed_on": as_of}, params)


def compute_report(inputs: dict[str, Any], params: ParameterSet | None = None) -> dict[str, Any]:
    """The report's content: headline, rows, a chart's series, notes with their references."""
    params = params or default_parameters()
    kind, f, as_of = inputs["attachment"], inputs["fields"], inputs["as_of"]
    report: dict[str, Any] = {"campaign_id": inputs["campaign_id"], "as_of": as_of, "person_id": inputs["person_id"],
                              "masked_name": inputs["masked_name"], "rows": [], "chart": None, "notes": [],
                              "contact": CONTACT}
    try:
        builder = {"retirement": _retirement, "plan": _plan, "backpay": _backpay, "claim": _claim,
                   "certification": _certification}[kind]
        builder(report, inputs, f, as_of, params)
    except InputError as exc:  # a record too thin to estimate: say what is missing, keep the message
        report["title"] = report.get("title") or "个人测算报告"
        report["notes"].append({"text": f"无法测算：{exc}。请到经办机构核实缴费记录。", "reference": ""})
    return report


def _retirement(report, inputs, f, as_of, params) -> None:
    person = _person_inputs(inputs)
    report["title"] = "退休测算报告"
    months = [("弹性提前最早", f["earliest_date"][:7]), ("法定退休", f["statutory_date"][:7]),
              ("弹性延迟最晚", f["latest_date"][:7])]
    values = []
    for label, month in months:
        result = _pension(person, month, as_of, params)
        values.append(result["total"])
        report["rows"].append((f"{label}（{month}）", f"每月约 {result['total']} 元"))
    report["headline"] = (f"您的法定退休日期为 {f['statutory_date']}；按现有缴费，届时每月基本养老金约 {values[1]} 元。")
    report["rows"].insert(0, ("累计缴费（含视同）", f"{f['months']} 个月（最低 {f['min_months']} 个月）"))
    report["chart"] = {"title": "不同退休时间的月养老金（元）", "labels": [m[0] for m in months], "values": values}
    report["notes"] += [
        {"text": "法定退休年龄按出生年月逐步延迟，达到法定退休年龄的当月为退休月份。",
         "reference": "国务院关于渐进式延迟法定退休年龄的办法 第一条"},
        {"text": "可自愿选择弹性提前退休（最多提前3年，且不低于原法定退休年龄）或弹性延迟退休（最多延迟3年）。",
         "reference": "国务院关于渐进式延迟法定退休年龄的办法 第三条"},
        {"text": "身份、户籍、缴费记录已由共享数据核验，申请时无需再提交身份证复印件和缴费证明；仍需本人确认银行账户。",
         "reference": "社会保险经办条例 第十四条"},
    ]


def _plan(report, inputs, f, as_of, params) -> None:
    person = _person_inputs(inputs)
    result = calculate("plan", {**person, "as_of": as_of, "tiers": PLAN_TIERS}, params)
    report["title"] = "灵活就业参保套餐"
    tiers = result["tiers"]
    report["headline"] = (f"您的养老保险自 {f['last_period']} 之后中断。以灵活就业人员身份按最低档（{tiers[0]['tier']}）继续缴费，"
                          f"每月 {tiers[0]['monthly_cost']} 元，退休后每月约 {tiers[0]['pension_at_retirement']} 元。")
    for t in tiers:
        report["rows"].append((f"{t['tier']} 档（基数 {t['monthly_base']} 元）",
                               f"每月缴 {t['monthly_cost']} 元，退休后约 {t['pension_at_retirement']} 元/月"))
    report["chart"] = {"title": "各档次退休后月养老金（元）", "labels": [f"{t['tier']}档" for t in tiers],
                       "values": [t["pension_at_retirement"] for t in tiers]}
    report["notes"] += [{"text": c["text"], "reference": c["reference"]} for c in result.get("conditions", [])]
    report["notes"] += [{"text": "测算假设：" + a["text"], "reference": a["reference"]} for a in result.get("assumptions", [])]
    report["notes"].append({"text": "无雇工的个体工商户、未在用人单位参保的非全日制从业人员以及其他灵活就业人员可以参加基本养老保险，"
                                    "由个人缴纳基本养老保险费。", "reference": "中华人民共和国社会保险法 第十条第二款"})


def _backpay(report, inputs, f, as_of, params) -> None:
    person = _person_inputs(inputs)
    plan = calculate("plan", {**person, "as_of": as_of, "tiers": ["0.6"]}, params)
    base = plan["tiers"][0]["monthly_base"]
    short = max(int(f["short_months"]), 1)
    result = calculate("backpay", {**person, "as_of": as_of, "backpay_months": short, "backpay_base": base}, params)
    report["title"] = "补缴收益测算报告"
    report["headline"] = (f"您还差 {short} 个月满最低缴费年限。按最低基数 {base} 元补足需缴 {result['cost']} 元，"
                          f"之后每月可领约 {result['pension_after']} 元，约 {result['months_to_recoup']} 个月收回。")
    report["rows"] += [("已缴月数", f"{f['months']} 个月"), ("最低缴费年限", f"{f['min_months']} 个月"),
                       ("需补缴（延长缴费）", f"{short} 个月，共 {result['cost']} 元"),
                       ("补足后月养老金", f"约 {result['pension_after']} 元"),
                       ("收回所需时间", f"约 {result['months_to_recoup']} 个月")]
    recoup = int(result["months_to_recoup"] or 0)
    gain = Decimal(result["pension_gain_monthly"])
    cost = Decimal(result["cost"])
    marks = sorted({0, 12, 24, 36, recoup, recoup + 12} - {-1})
    report["chart"] = {"title": "领取后累计领取额减去补缴费用（元）", "labels": [f"{m}个月" for m in marks],
                       "values": [f"{gain * m - cost:.2f}" for m in marks]}
    report["notes"] += [{"text": c["text"], "reference": c["reference"]} for c in result.get("conditions", [])]
    report["notes"] += [{"text": "测算假设：" + a["text"], "reference": a["reference"]} for a in result.get("assumptions", [])]


def _claim(report, inputs, f, as_of, params) -> None:
    person = _person_inputs(inputs)
    month = dt.date.fromisoformat(as_of).strftime("%Y-%m")
    result = _pension(person, month, as_of, params)
    report["title"] = "养老金应享未享提示"
    report["headline"] = (f"您已于 {f['statutory_date']} 达到法定退休年龄，累计缴费 {f['months']} 个月，"
                          f"符合按月领取基本养老金的条件；现在申请，每月约 {result['total']} 元。")
    report["rows"] += [("基础养老金", f"{result['basic_pension']} 元"), ("个人账户养老金", f"{result['account_pension']} 元"),
                       ("过渡性养老金", f"{result['transitional_pension']} 元"), ("合计", f"{result['total']} 元/月")]
    report["notes"] += [
        {"text": "参加基本养老保险的个人，达到法定退休年龄时累计缴费满规定年限的，按月领取基本养老金。",
         "reference": "中华人民共和国社会保险法 第十六条"},
        {"text": "申请养老金可在网上或到经办机构办理，身份和缴费信息由共享数据核验。", "reference": "社会保险经办条例 第十七条"},
    ]


def _certification(report, inputs, f, as_of, params) -> None:
    report["title"] = "待遇资格认证提醒"
    report["headline"] = f"您的养老金领取资格认证将于 {f['due_date']} 到期，请在到期前完成认证。"
    report["rows"] += [("上次认证（或待遇开始）", f["cycle_start"]), ("认证周期", f"{f['cycle_days']} 天"),
                       ("到期日", f["due_date"]), ("认证方式", "手机刷脸认证、社区协助认证或到经办窗口认证")]
    report["notes"].append({"text": "社会保险经办机构应当核验待遇享受人员的资格；逾期未认证的，暂停发放，认证后恢复并补发。",
                            "reference": "社会保险经办条例 第二十六条"})


_env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=select_autoescape(["html"]))


def chart_bars(chart: dict[str, Any] | None, width: int = 560, height: int = 220) -> list[dict[str, Any]]:
    """Bar geometry for a chart (the HTML's inline SVG and the PDF draw the same bars)."""
    if not chart:
        return []
    values = [Decimal(str(v)) for v in chart["values"]]
    top = max([abs(v) for v in values] + [Decimal(1)])
    n = len(values)
    slot = width / max(n, 1)
    zero = height / 2 if any(v < 0 for v in values) else height - 20
    scale = (zero - 20) / float(top)
    bars = []
    for i, (label, v) in enumerate(zip(chart["labels"], values, strict=True)):
        h = float(abs(v)) * scale
        y = zero - h if v >= 0 else zero
        bars.append({"x": round(i * slot + slot * 0.15, 1), "y": round(y, 1), "w": round(slot * 0.7, 1),
                     "h": round(h, 1), "label": label, "value": f"{v:.2f}", "negative": v < 0,
                     "label_x": round(i * slot + slot / 2, 1)})
    return bars


def render_html(report: dict[str, Any]) -> str:
    """The report as a page: large type, the chart as inline SVG (no script), the articles."""
    return _env.get_template("report.html").render(report=report, bars=chart_bars(report["chart"]))


def _all_text(report: dict[str, Any]) -> str:
    parts = [report.get("title", ""), report.get("headline", ""), report["masked_name"], report["contact"]]
    parts += [f"{a}{b}" for a, b in report["rows"]] + [n["text"] + n["reference"] for n in report["notes"]]
    if report["chart"]:
        parts += [report["chart"]["title"], *map(str, report["chart"]["labels"])]
    return "".join(parts)


# a line never starts with these (they hang at the end of the line before): 避头点
_NO_LINE_START = set("，。、；：？！）》」』”’%·.,;:?!)")


def wrap(text: str, width_mm: float, measure) -> list[str]:
    """Break ``text`` into lines no wider than ``width_mm`` (``measure(s)`` gives a width): between any
    two hanzi, at spaces, never inside a run of Latin letters and digits (2563.15, 2026-09-03), never
    before closing punctuation. Linear in the text (fpdf2's ``multi_cell`` re-measures each line per
    character: half of a report's time once the font was shared)."""
    tokens: list[str] = []
    for ch in text:
        if tokens and ch.isascii() and not ch.isspace() and tokens[-1][-1:].isascii() and not tokens[-1][-1].isspace():
            tokens[-1] += ch
        else:
            tokens.append(ch)
    lines: list[str] = []
    line, used = "", 0.0
    for token in tokens:
        w = measure(token)
        if line and used + w > width_mm and not token.isspace() and token[0] not in _NO_LINE_START:
            lines.append(line.rstrip())
            line, used = "", 0.0
        if not line and token.isspace():
            continue
        line += token
        used += w
    if line.strip() or not lines:
        lines.append(line.rstrip())
    return lines


class _Page:
    """Text and lines on one PDF page through fpdf2's low-level ``text``/``line``/``rect``, with the
    widths from the shared font (no per-call layout machinery: a report has ~40 strings)."""

    PT = 25.4 / 72  # mm per point

    def __init__(self, pdf, font):
        self.pdf, self.font, self.size = pdf, font, 10.0
        self.left, self.width = pdf.l_margin, pdf.w - pdf.l_margin - pdf.r_margin

    def set_size(self, size: float) -> None:
        self.size = size
        self.pdf.set_font("cjk", size=size)

    def measure(self, text: str) -> float:
        return self.font.width(text, self.size)

    def text(self, text: str, top: float, height: float, *, x: float | None = None, w: float | None = None,
             align: str = "L") -> None:
        """``text`` in the box (x, top, w, height), vertically centred as fpdf2's ``cell`` does."""
        x = self.left if x is None else x
        w = self.width if w is None else w
        if align != "L":
            slack = w - self.measure(text)
            x += slack / 2 if align == "C" else slack
        if text:
            self.pdf.text(x, top + height / 2 + 0.3 * self.size * self.PT, text)

    def paragraph(self, text: str, top: float, line_height: float) -> float:
        """Wrapped text from ``top``; returns the y below it."""
        for line in wrap(text, self.width, self.measure):
            self.text(line, top, line_height)
            top += line_height
        return top


def render_pdf(report: dict[str, Any]) -> bytes:
    """The report as a one-page A4 PDF, the CJK font embedded (cut to the characters used).

    The same report gives the same bytes: the creation date is the report's as-of date and the
    file identifier a digest of the content (fpdf2's default)."""
    font = report_font_for(_all_text(report))
    pdf = font.document(format="A4")
    pdf.set_margins(18, 16, 18)
    pdf.set_auto_page_break(False)
    pdf.set_creation_date(dt.datetime.fromisoformat(report["as_of"]).replace(tzinfo=dt.UTC))
    pdf.add_page()
    pdf.set_title(report["title"])
    page = _Page(pdf, font)
    pdf.set_draw_color(150, 160, 170)
    pdf.set_line_width(0.2)
    y = pdf.t_margin
    page.set_size(20)
    page.text(report["title"], y, 12, align="C")
    y += 12
    page.set_size(10)
    page.text(f"测算日期：{report['as_of']}　　{report['masked_name']}", y, 6, align="R")
    y += 6
    page.set_size(14)
    y = page.paragraph(report.get("headline", ""), y, 8) + 2
    page.set_size(12)
    for label, value in report["rows"][:8]:
        page.text(str(label), y, 8, w=page.width * 0.45)
        page.text(str(value), y, 8, x=page.left + page.width * 0.45, w=page.width * 0.55, align="R")
        y += 8
        pdf.line(page.left, y, page.left + page.width, y)
    if report["chart"]:
        y += 3
        page.set_size(11)
        page.text(report["chart"]["title"], y, 7)
        y += 7
        chart_h = 55.0
        page.set_size(8)
        for b in chart_bars(report["chart"], width=int(page.width), height=int(chart_h)):
            pdf.set_fill_color(200, 80, 80) if b["negative"] else pdf.set_fill_color(40, 110, 180)
            if b["h"] > 0:
                pdf.rect(page.left + b["x"], y + b["y"], b["w"], b["h"], style="F")
            x, w = page.left + b["x"] - 2, b["w"] + 4
            page.text(b["label"], y + chart_h - 6, 4, x=x, w=w, align="C")
            page.text(b["value"], y + b["y"] - 4 if not b["negative"] else y + b["y"] + b["h"], 4, x=x, w=w, align="C")
        y += chart_h + 2
    page.set_size(9)
    for note in report["notes"][:7]:
        if y > pdf.h - 30:
            break
        ref = f"（{note['reference']}）" if note["reference"] else ""
        y = page.paragraph("· " + note["text"] + ref, y, 5)
    page.set_size(10)
    page.paragraph(report["contact"], pdf.h - 22, 6)
    return font.output(pdf)
