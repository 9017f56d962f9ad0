"""Which article of 工伤保险条例 applies to an incident, from facts (第十四、十五、十六条), and the
deadlines of a determination (第十七条, 第二十条).

Pure law on plain values: the facts come already read (by :mod:`shebao.injury.determination` from
what people write, or typed by a reviewer). The rules follow the text of the regulation, with the
edge cases that 最高人民法院关于审理工伤保险行政案件若干问题的规定 (法释〔2014〕9号) decides:
its 第四条 (activities the employer organises; moving between work sites), 第五条 (因工外出:
study and meetings count, personal activities do not) and 第六条 (上下班途中: the home of a
spouse, parents or children; daily errands on a reasonable route).

A fact is ``True``, ``False`` or ``None`` (not known). ``unclear`` is returned only when a fact
that the applicable item itself requires is unknown; the fact is named in ``missing``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from shebao.policy.paramset import ParameterSet, default_parameters

LAW = "工伤保险条例"
JI = "最高人民法院关于审理工伤保险行政案件若干问题的规定"

# What each fact means, in the words a reviewer asks for it (the ``missing`` list names these keys)
FACT_LABELS: dict[str, str] = {
    "during_work_hours": "是否在工作时间内",
    "at_workplace": "是否在工作场所内",
    "work_reason": "是否因工作原因",
    "preparatory_or_closing": "是否在从事预备性或收尾性工作",
    "duty_violence": "是否因履行工作职责受到暴力等意外伤害",
    "occupational_disease": "是否已被诊断、鉴定为职业病（职业病诊断证明书）",
    "occupational_disease_suspected": "自述可能患职业病（尚未诊断）",
    "business_trip": "是否因工外出（出差、受指派外出学习或开会）",
    "personal_activity": "是否在从事与工作无关的个人活动",
    "missing_person": "是否发生事故下落不明",
    "commuting": "是否在上下班途中（合理时间、合理路线）",
    "unreasonable_route": "是否偏离合理时间或路线（如下班后办私事再回家）",
    "accident_kind": "事故类型（道路交通事故 / 城市轨道交通 / 客运轮渡 / 火车 / 非交通事故）",
    "traffic_responsibility": "交通事故责任认定（无责/次要/同等/主要/全部）",
    "other_law": "法律、行政法规是否规定应认定为工伤",
    "sudden_illness": "是否突发疾病",
    "at_post": "是否在工作时间和工作岗位",
    "died": "是否死亡",
    "sudden_death_hours": "突发疾病后经抢救至死亡的时间（小时）",
    "public_interest_rescue": "是否在抢险救灾等维护国家利益、公共利益活动中",
    "heroic_act": "是否见义勇为",
    "old_injury_recurrence": "是否旧伤复发",
    "military_injury": "是否原在军队服役因战、因公负伤致残",
    "disabled_soldier_certificate": "是否已取得革命伤残军人证",
    "crime": "是否故意犯罪（以司法机关生效文书为据）",
    "drunk": "是否醉酒（血液酒精含量≥80mg/100mL）",
    "drugs": "是否吸毒",
    "self_inflicted": "是否自残或自杀",
    "injured": "是否受到伤害（事故伤害、疾病或死亡）",
}

ITEM_TEXT: dict[tuple[int, int], str] = {
    (14, 1): "在工作时间和工作场所内，因工作原因受到事故伤害的",
    (14, 2): "工作时间前后在工作场所内，从事与工作有关的预备性或者收尾性工作受到事故伤害的",
    (14, 3): "在工作时间和工作场所内，因履行工作职责受到暴力等意外伤害的",
    (14, 4): "患职业病的",
    (14, 5): "因工外出期间，由于工作原因受到伤害或者发生事故下落不明的",
    (14, 6): "在上下班途中，受到非本人主要责任的交通事故或者城市轨道交通、客运轮渡、火车事故伤害的",
    (14, 7): "法律、行政法规规定应当认定为工伤的其他情形",
    (15, 1): "在工作时间和工作岗位，突发疾病死亡或者在48小时之内经抢救无效死亡的",
    (15, 2): "在抢险救灾等维护国家利益、公共利益活动中受到伤害的",
    (15, 3): "职工原在军队服役，因战、因公负伤致残，已取得革命伤残军人证，到用人单位后旧伤复发的",
    (16, 1): "故意犯罪的",
    (16, 2): "醉酒或者吸毒的",
    (16, 3): "自残或者自杀的",
}
CN_NUM = {1: "一", 2: "二", 3: "三", 4: "四", 5: "五", 6: "六", 7: "七"}
ARTICLE_CN = {14: "第十四条", 15: "第十五条", 16: "第十六条", 17: "第十七条", 20: "第二十条"}
HEADS = {14: "职工有下列情形之一的，应当认定为工伤：", 15: "职工有下列情形之一的，视同工伤：",
         16: "职工符合本条例第十四条、第十五条的规定，但是有下列情形之一的，不得认定为工伤或者视同工伤："}

# Non-road accidents of 第十四条第（六）项, for which the worker's share of responsibility does not matter
RAIL_FERRY_TRAIN = ("rail_transit", "ferry", "train")
NOT_MAIN_RESPONSIBILITY = ("none", "minor", "equal")  # 无责任、次要责任、同等责任
MAIN_RESPONSIBILITY = ("main", "full")                 # 主要责任、全部责任
SUDDEN_DEATH_HOURS = 48


def item_ref(article: int, item: int | None = None) -> str:
    """"工伤保险条例 第十四条第（一）项"."""
    return f"{LAW} {ARTICLE_CN[article]}" + (f"第（{CN_NUM[item]}）项" if item else "")


@dataclass
class Ruling:
    """The outcome of the rules: what applies, what is missing, and why, step by step."""

    determination: str
    article: int | None = None
    item: int | None = None
    missing: list[str] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)
    citations: list[tuple[str, int, int | None]] = field(default_factory=list)  # (law, article, item)
    local_practice: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {"determination": self.determination, "article": self.article, "item": self.item,
                "missing": list(self.missing), "reasons": list(self.reasons),
                "citations": [{"law": law, "article": a, "item": i} for law, a, i in self.citations],
                "local_practice": self.local_practice}


def _cite(r: Ruling, article: int, item: int | None, law: str = LAW) -> None:
    if (law, article, item) not in r.citations:
        r.citations.append((law, article, item))


def _candidate(f: dict[str, Any]) -> Ruling:
    """The article 14/15 item the facts point to (before article 16 is checked)."""
    g = f.get
    # 第十四条第（四）项: an occupational disease as diagnosed under the law on occupational diseases
    if g("occupational_disease"):
        r = Ruling("injury", 14, 4, reasons=["已被诊断、鉴定为职业病"])
        _cite(r, 14, 4)
        return r
    if g("occupational_disease_suspected"):
        r = Ruling("unclear", 14, 4, missing=["occupational_disease"],
                   reasons=["职业病须经依法诊断、鉴定；尚无职业病诊断证明书"])
        _cite(r, 14, 4)
        return r
    # 第十五条第（三）项: only a former serviceman with the certificate, whose old war/duty injury recurs
    if g("old_injury_recurrence"):
        if g("military_injury") is False or (g("military_injury") is None and g("disabled_soldier_certificate") is None):
            r = Ruling("not_injury", reasons=["第十五条第（三）项的旧伤复发仅指持革命伤残军人证的原军人；"
                                             "已认定工伤的职工旧伤复发，按工伤旧伤复发确认处理，不再另行认定工伤"])
            _cite(r, 15, 3)
            return r
        if g("disabled_soldier_certificate") is True:
            r = Ruling("deemed", 15, 3, reasons=["原在军队服役因战、因公负伤致残，已取得革命伤残军人证，到用人单位后旧伤复发"])
            _cite(r, 15, 3)
            return r
        if g("disabled_soldier_certificate") is False:
            r = Ruling("not_injury", reasons=["未取得革命伤残军人证，不符合第十五条第（三）项"])
            _cite(r, 15, 3)
            return r
        r = Ruling("unclear", 15, 3, missing=["disabled_soldier_certificate"],
                   reasons=["原军人旧伤复发：须已取得革命伤残军人证"])
        _cite(r, 15, 3)
        return r
    # 第十五条第（一）项
    if g("sudden_illness"):
        if g("at_post") is False:
            r = Ruling("not_injury", reasons=["突发疾病不在工作时间和工作岗位，不符合第十五条第（一）项"])
            _cite(r, 15, 1)
            return r
        if g("died") is False:
            r = Ruling("not_injury", reasons=["突发疾病未死亡，不符合第十五条第（一）项（视同工伤以死亡为要件）"])
            _cite(r, 15, 1)
            return r
        hours = g("sudden_death_hours")
        missing = [k for k in ("at_post",) if g(k) is None]
        if g("died") is None:
            missing.append("died")
        if hours is None:
            missing.append("sudden_death_hours")
        elif float(hours) > SUDDEN_DEATH_HOURS:
            r = Ruling("not_injury", reasons=[f"经抢救{hours}小时后死亡，超过48小时，不符合第十五条第（一）项"])
            _cite(r, 15, 1)
            return r
        if missing:
            r = Ruling("unclear", 15, 1, missing=missing, reasons=["突发疾病：须在工作时间和工作岗位，当场死亡或48小时之内经抢救无效死亡"])
        else:
            r = Ruling("deemed", 15, 1, reasons=[f"在工作时间和工作岗位突发疾病，{'当场' if float(hours) == 0 else f'{hours}小时内经抢救无效'}死亡"])
        _cite(r, 15, 1)
        return r
    # 第十五条第（二）项
    if g("public_interest_rescue"):
        r = Ruling("deemed", 15, 2, reasons=["在抢险救灾等维护国家利益、公共利益活动中受到伤害"])
        _cite(r, 15, 2)
        return r
    if g("heroic_act"):
        r = Ruling("deemed", 15, 2, local_practice=True,
                   reasons=["见义勇为不在第十五条第（二）项的文字之内；按维护公共利益活动视同工伤是各地的做法"
                            "（如当地见义勇为认定），须由认定机构按本地规定把握"])
        _cite(r, 15, 2)
        return r
    # 第十四条第（六）项, with 法释〔2014〕9号 第六条 on what counts as the way to and from work
    if g("commuting"):
        if g("unreasonable_route"):
            r = Ruling("not_injury", reasons=["不在合理时间或合理路线的上下班途中（下班后办私事另行往返）"])
            _cite(r, 14, 6)
            _cite(r, 6, None, JI)
            return r
        kind = g("accident_kind")
        if kind in RAIL_FERRY_TRAIN:
            label = {"rail_transit": "城市轨道交通", "ferry": "客运轮渡", "train": "火车"}[kind]
            r = Ruling("injury", 14, 6, reasons=[f"上下班途中受到{label}事故伤害；本人责任的限定只适用于道路交通事故"])
            _cite(r, 14, 6)
            return r
        if kind == "other":
            r = Ruling("not_injury", reasons=["上下班途中的伤害不是交通事故或城市轨道交通、客运轮渡、火车事故（如自己摔倒、被动物咬伤），"
                                             "不符合第十四条第（六）项"])
            _cite(r, 14, 6)
            return r
        if kind is None:
            r = Ruling("unclear", 14, 6, missing=["accident_kind"], reasons=["上下班途中：须为交通事故或城市轨道交通、客运轮渡、火车事故"])
            _cite(r, 14, 6)
            return r
        resp = g("traffic_responsibility")
        if resp in MAIN_RESPONSIBILITY:
            r = Ruling("not_injury", reasons=["上下班途中的交通事故本人负主要或全部责任，不符合第十四条第（六）项"])
        elif resp in NOT_MAIN_RESPONSIBILITY:
            shown = {"none": "无责任", "minor": "次要责任", "equal": "同等责任"}[resp]
            r = Ruling("injury", 14, 6, reasons=[f"上下班途中受到交通事故伤害，本人{shown}，属非本人主要责任"])
        else:
            r = Ruling("unclear", 14, 6, missing=["traffic_responsibility"],
                       reasons=["上下班途中的道路交通事故：须有交通事故责任认定（非本人主要责任）"])
            _cite(r, 1, None, JI)
        _cite(r, 14, 6)
        return r
    # 第十四条第（五）项, with 法释〔2014〕9号 第五条
    if g("business_trip"):
        if g("personal_activity"):
            r = Ruling("not_injury", reasons=["因工外出期间从事与工作无关的个人活动受到伤害"])
            _cite(r, 14, 5)
            _cite(r, 5, None, JI)
            return r
        r = Ruling("injury", 14, 5, reasons=["因工外出期间" + ("发生事故下落不明" if g("missing_person") else "由于工作原因受到伤害")])
        _cite(r, 14, 5)
        _cite(r, 5, None, JI)
        return r
    if g("other_law"):
        r = Ruling("injury", 14, 7, reasons=["法律、行政法规规定应当认定为工伤的其他情形（须写明所依据的法律、行政法规）"])
        _cite(r, 14, 7)
        return r
    # 第十四条第（一）–（三）项: at work
    if g("personal_activity") or g("work_reason") is False:
        r = Ruling("not_injury", reasons=["伤害出于与工作无关的个人原因（私事、个人活动），不符合第十四条"])
        _cite(r, 14, 1)
        return r
    if g("at_workplace") is False:
        r = Ruling("not_injury", reasons=["不在工作场所内（如宿舍、家中），也不属于因工外出或上下班途中"])
        _cite(r, 14, 1)
        return r
    if g("during_work_hours") is False and not g("preparatory_or_closing"):
        r = Ruling("not_injury", reasons=["不在工作时间内（休息日、下班后），也未从事与工作有关的预备性或收尾性工作"])
        _cite(r, 14, 1)
        return r
    if g("preparatory_or_closing"):
        if g("at_workplace") is None:
            r = Ruling("unclear", 14, 2, missing=["at_workplace"], reasons=["预备性或收尾性工作须在工作场所内"])
        else:
            r = Ruling("injury", 14, 2, reasons=["工作时间前后在工作场所内，从事与工作有关的预备性或收尾性工作受到事故伤害"])
        _cite(r, 14, 2)
        return r
    if g("at_workplace") or g("during_work_hours"):
        item = 3 if g("duty_violence") else 1
        missing = [k for k in ("during_work_hours", "at_workplace") if g(k) is None]
        if missing:
            r = Ruling("unclear", 14, item, missing=missing,
                       reasons=["须在工作时间和工作场所内；缺少的事实请申请人补充"])
        elif item == 3:
            r = Ruling("injury", 14, 3, reasons=["在工作时间和工作场所内，因履行工作职责受到暴力等意外伤害"])
        else:
            r = Ruling("injury", 14, 1, reasons=["在工作时间和工作场所内，因工作原因受到事故伤害"
                                                 + ("" if g("work_reason") else "（没有证据证明是非工作原因导致的，按工作原因认定）")])
            if not g("work_reason"):
                _cite(r, 4, None, JI)
        _cite(r, 14, item)
        return r
    context = ("during_work_hours", "at_workplace", "work_reason", "commuting", "business_trip", "personal_activity",
               "sudden_illness", "accident_kind")
    if all(g(k) is None for k in context):
        return Ruling("unclear", missing=["during_work_hours", "at_workplace", "work_reason"],
                      reasons=["未写明受伤的时间、地点和当时在做什么，无法对照第十四条、第十五条"])
    return Ruling("not_injury", reasons=["所述情形不符合第十四条、第十五条的任何一项"])


def determine(facts: dict[str, Any]) -> Ruling:
    """The article and item of 工伤保险条例 that apply to the facts.

    Args:
        facts: the facts (keys of :data:`FACT_LABELS`, plus ``accident_kind`` ∈ road / rail_transit /
            ferry / train / other, ``traffic_responsibility`` ∈ none / minor / equal / main / full,
            ``sudden_death_hours``). ``None`` or absent means not known.

    Returns:
        A :class:`Ruling`: ``injury`` (第十四条), ``deemed`` (第十五条), ``excluded`` (第十六条: the
        worker met 第十四/十五条 but an exclusion applies), ``not_injury`` or ``unclear``.
        A worker's own negligence never excludes; only 第十六条 does.
    """
    r = _candidate(facts)
    exclusions = [(1, "crime", "故意犯罪"), (2, "drunk", "醉酒"), (2, "drugs", "吸毒"), (3, "self_inflicted", "自残或者自杀")]
    for item, key, label in exclusions:
        if facts.get(key):
            if r.determination in ("injury", "deemed", "unclear"):
                ex = Ruling("excluded", 16, item, reasons=[*r.reasons, f"但有{label}情形，不得认定为工伤或者视同工伤"],
                            citations=list(r.citations))
                _cite(ex, 16, item)
                if key in ("drunk", "drugs", "self_inflicted"):
                    _cite(ex, 1, None, JI)
                return ex
            r.reasons.append(f"另有{label}情形（第十六条第（{CN_NUM[item]}）项）；本就不符合第十四条、第十五条")
            _cite(r, 16, item)
            return r
    return r


# ---------------------------------------------------------------- deadlines (第十七条, 第二十条)

def application_deadline(incident: dt.date, *, applicant: str, region: str | None = None,
                         params: ParameterSet | None = None) -> dict[str, Any]:
    """The last day to apply for a determination, counted from the day of the injury or of the
    occupational-disease diagnosis (工伤保险条例 第十七条): 30 days for the employer, one year for the
    worker, a close relative or the trade union when the employer did not apply.

    Args:
        incident: 事故伤害发生之日 or 被诊断、鉴定为职业病之日.
        applicant: ``employer`` or ``employee``.
    """
    params = params or default_parameters()
    if applicant == "employer":
        pv = params.get("injury.employer_application_days", incident, region)
        last = incident + dt.timedelta(days=int(pv.value))
        text = f"用人单位应自事故伤害发生之日或被诊断、鉴定为职业病之日起{pv.value}日内提出工伤认定申请"
    elif applicant == "employee":
        pv = params.get("injury.employee_application_years", incident, region)
        years = int(pv.value)
        try:
            last = incident.replace(year=incident.year + years)
        except ValueError:  # 29 February
            last = incident.replace(year=incident.year + years, day=28)
        text = f"用人单位未申请的，职工或其近亲属、工会组织可在{years}年内直接提出工伤认定申请"
    else:
        raise ValueError(f"unknown applicant: {applicant}")
    return {"applicant": applicant, "last_day": last, "rule": text, "reference": f"{LAW} 第十七条"}


def decision_deadline(accepted: dt.date, *, clear_case: bool = False, region: str | None = None,
                      params: ParameterSet | None = None) -> dict[str, Any]:
    """The last day to decide an accepted application (工伤保险条例 第二十条): 60 days, or 15 days
    for an application whose facts are clear and rights and duties plain."""
    params = params or default_parameters()
    name = "injury.decision_days_clear" if clear_case else "injury.decision_days"
    pv = params.get(name, accepted, region)
    return {"last_day": accepted + dt.timedelta(days=int(pv.value)), "days": int(pv.value),
            "rule": ("事实清楚、权利义务明确的，" if clear_case else "") + f"自受理之日起{pv.value}日内作出工伤认定决定",
            "reference": f"{LAW} 第二十条"}


__all__ = ["FACT_LABELS", "ITEM_TEXT", "Ruling", "application_deadline", "decision_deadline", "determine",
           "item_ref"]
