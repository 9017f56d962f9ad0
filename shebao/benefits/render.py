"""Rendering notices to printable HTML and PDF (Chinese).

HTML comes from ``templates/notice.html`` (Jinja2, autoescaped). The PDF is drawn with fpdf2 and
needs a CJK TrueType font, found in this order: ``SHEBAO_CJK_FONT`` (a .ttf/.ttc path), then the
Debian packages ``fonts-wqy-microhei`` / ``fonts-wqy-zenhei`` / ``fonts-arphic-uming`` (the README's
setup installs ``fonts-wqy-microhei``). Without one, PDF rendering fails with a message saying what
to install; HTML always works.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from shebao.benefits.models import Notice
from shebao.benefits.notices import notice_data
from shebao.core.crypto import mask_id_number, mask_name

TEMPLATES = Path(__file__).parent / "templates"
FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
)
AGENCY = "社会保险经办机构（盖章）"

FACT_LABELS = (
    ("benefit_id", "待遇编号"), ("kind_label", "待遇种类"), ("start_date", "待遇开始日期"),
    ("monthly_amount", "月待遇标准（元）"), ("from_period", "暂停起始月份"), ("resume_period", "恢复发放月份"),
    ("last_period", "发放截止月份"), ("provisional_total", "暂核金额（元/月）"), ("final_total", "核定金额（元/月）"),
    ("monthly_difference", "每月差额（元）"), ("backpay", "补发金额（元）"), ("old_amount", "调整前（元/月）"),
    ("increase", "调整额（元/月）"), ("new_amount", "调整后（元/月）"), ("effective", "调整生效月份"),
    ("arrears", "补发调整额（元）"), ("principal", "多发金额（元）"), ("outstanding", "应退还金额（元）"),
    ("demand_due", "退还期限"), ("death_date", "死亡日期"), ("reason", "原因"),
)


class FontMissing(RuntimeError):
    """No CJK font to draw a Chinese PDF with."""


def find_cjk_font() -> str:
    env = os.environ.get("SHEBAO_CJK_FONT")
    if env:
        if not Path(env).is_file():
            raise FontMissing(f"SHEBAO_CJK_FONT 指向的字体文件不存在：{env}")
        return env
    for path in FONT_CANDIDATES:
        if Path(path).is_file():
            return path
    raise FontMissing("生成 PDF 需要中文字体：请安装 fonts-wqy-microhei（apt-get install fonts-wqy-microhei），"
                      "或设置 SHEBAO_CJK_FONT 为一个 .ttf/.ttc 字体文件")


def context(notice: Notice, *, person_name: str | None = None, person: Any = None,
            for_recipient: bool = False) -> dict[str, Any]:
    """What the template shows. Personal data is masked (a copy shown on a screen or handed over the
    counter), except in the recipient's own copy (``for_recipient``), which shows their name and ID
    number as official forms do: staff print it on purpose, and that access is audited by the caller."""
    data = notice_data(notice)
    if person is not None:
        person_name = person.name
    facts = []
    for key, label in FACT_LABELS:
        value = data.get(key)
        if value not in (None, "", [], {}):
            facts.append((label, str(value)))
    if data.get("items"):
        # a survivor notice is issued only with every amount known (an older one may lack some)
        for it in data["items"]:
            if it.get("amount") is not None:
                facts.append((it.get("label", it.get("kind")), f"{it['amount']} 元"))
    shown_name = person_name if for_recipient else mask_name(person_name)
    person_label = (shown_name if person_name else "") + f"（参保人编号 {notice.person_id}）"
    text = data.get("text", "")
    if notice.kind == "survivor" or data.get("addressee") == "survivors":  # to the survivors, naming the deceased
        deceased = f"参保人员{person_label}"
        addressee = f"{deceased}的遗属" + ("（继承人）" if notice.kind != "survivor" else "")
        text = text.replace("{deceased}", deceased)
    else:
        addressee = person_label
    return {
        "title": notice.title,
        "number": f"SB{notice.issued_on:%Y%m%d}-{notice.id:06d}",
        "issued_on": notice.issued_on.isoformat(),
        "addressee": addressee,
        "text": text,
        "facts": facts if notice.kind != "assessment" else [(k, v) for k, v in facts if k in ("待遇编号", "待遇种类")],
        "rows": _personal_rows(person, full=for_recipient) + (data.get("rows") or []) if notice.kind == "assessment" else [],
        "formula": data.get("formula") or [],
        "articles": data.get("articles", ""),
        "appeal": data.get("appeal", ""),
        "agency": AGENCY,
    }


def _personal_rows(person: Any, *, full: bool = False) -> list[list[str]]:
    if person is None:
        return []
    name, id_number = (person.name, person.id_number) if full else (mask_name(person.name), mask_id_number(person.id_number))
    return [["姓名", name], ["公民身份号码", id_number],
            ["性别", {"M": "男", "F": "女"}.get(person.sex, person.sex)],
            ["出生年月", person.birth_date.strftime("%Y-%m")],
            ["视同缴费月数", str(person.deemed_months)]]


def render_html(notice: Notice, *, person_name: str | None = None, person: Any = None,
                for_recipient: bool = False) -> str:
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=select_autoescape(["html"]))
    return env.get_template("notice.html").render(**context(notice, person_name=person_name, person=person,
                                                            for_recipient=for_recipient))


def render_pdf(notice: Notice, *, person_name: str | None = None, person: Any = None,
               for_recipient: bool = False) -> bytes:
    """The notice as a PDF (A4), in the CJK font :func:`find_cjk_font` finds."""
    from fpdf import FPDF

    ctx = context(notice, person_name=person_name, person=person, for_recipient=for_recipient)
    font = find_cjk_font()
    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(True, margin=18)
    pdf.set_margins(20, 18, 20)
    if font.endswith(".ttc"):
        pdf.add_font("cjk", "", font, collection_font_number=0)
    else:
        pdf.add_font("cjk", "", font)
    pdf.add_page()
    pdf.set_title(ctx["title"])
    width = pdf.w - pdf.l_margin - pdf.r_margin
    pdf.set_font("cjk", size=18)
    pdf.cell(width, 12, ctx["title"], align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("cjk", size=9)
    pdf.cell(width, 6, f"通知编号：{ctx['number']}　签发日期：{ctx['issued_on']}", align="R",
             new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    pdf.set_font("cjk", size=11)
    pdf.multi_cell(width, 7, ctx["addressee"] + "：", new_x="LMARGIN", new_y="NEXT")
    if ctx["text"]:
        pdf.multi_cell(width, 7, "    " + ctx["text"], new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    for rows in (ctx["facts"], ctx["rows"]):
        if not rows:
            continue
        with pdf.table(col_widths=(45, 75), text_align=("LEFT", "RIGHT"), line_height=7,
                       first_row_as_headings=False) as table:
            for label, value in rows:
                row = table.row()
                row.cell(str(label))
                row.cell(str(value))
        pdf.ln(3)
    for f in ctx["formula"]:
        pdf.multi_cell(width, 6, "· " + f, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    pdf.set_font("cjk", size=10)
    pdf.multi_cell(width, 6, "依据：" + ctx["articles"], new_x="LMARGIN", new_y="NEXT")
    pdf.ln(1)
    pdf.multi_cell(width, 6, "权利告知：" + ctx["appeal"], new_x="LMARGIN", new_y="NEXT")
    pdf.ln(10)
    pdf.set_font("cjk", size=11)
    pdf.cell(width, 7, ctx["agency"], align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.cell(width, 7, ctx["issued_on"], align="R", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
