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
from shebao.outreach.fonts import report_font
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


def render_pdf(report: dict[str, Any]) -> bytes:
    """The report as a one-page A4 PDF in the CJK font the notices use."""
    from fpdf import FPDF

    font = report_font(_all_text(report))
    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(False)
    pdf.set_margins(18, 16, 18)
    pdf.add_font("cjk", "", font, **({"collection_font_number": 0} if font.endswith(".ttc") else {}))
    pdf.add_page()
    pdf.set_title(report["title"])
    width = pdf.w - pdf.l_margin - pdf.r_margin
    pdf.set_font("cjk", size=20)
    pdf.cell(width, 12, report["title"], align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("cjk", size=10)
    pdf.cell(width, 6, f"测算日期：{report['as_of']}　　{report['masked_name']}", align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("cjk", size=14)
    pdf.multi_cell(width, 8, report.get("headline", ""), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    pdf.set_font("cjk", size=12)
    for label, value in report["rows"][:8]:
        pdf.cell(width * 0.45, 8, str(label), border="B")
        pdf.cell(width * 0.55, 8, str(value), border="B", align="R", new_x="LMARGIN", new_y="NEXT")
    if report["chart"]:
        pdf.ln(3)
        pdf.set_font("cjk", size=11)
        pdf.cell(width, 7, report["chart"]["title"], new_x="LMARGIN", new_y="NEXT")
        top, chart_h = pdf.get_y(), 55.0
        bars = chart_bars(report["chart"], width=int(width), height=int(chart_h))
        pdf.set_font("cjk", size=8)
        for b in bars:
            pdf.set_fill_color(200, 80, 80) if b["negative"] else pdf.set_fill_color(40, 110, 180)
            if b["h"] > 0:
                pdf.rect(pdf.l_margin + b["x"], top + b["y"], b["w"], b["h"], style="F")
            pdf.set_xy(pdf.l_margin + b["x"] - 2, top + chart_h - 6)
            pdf.cell(b["w"] + 4, 4, b["label"], align="C")
            pdf.set_xy(pdf.l_margin + b["x"] - 2, top + b["y"] - 4 if not b["negative"] else top + b["y"] + b["h"])
            pdf.cell(b["w"] + 4, 4, b["value"], align="C")
        pdf.set_y(top + chart_h + 2)
    pdf.set_font("cjk", size=9)
    for note in report["notes"][:7]:
        if pdf.get_y() > pdf.h - 30:
            break
        ref = f"（{note['reference']}）" if note["reference"] else ""
        pdf.multi_cell(width, 5, "· " + note["text"] + ref, new_x="LMARGIN", new_y="NEXT")
    pdf.set_y(pdf.h - 22)
    pdf.set_font("cjk", size=10)
    pdf.multi_cell(width, 6, report["contact"], new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
