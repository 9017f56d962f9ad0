"""Read the facts of an incident from what a worker, a relative or an employer writes, and suggest the
determination (工伤认定) by the rules of :mod:`shebao.policy.injury_determination`.

The reading is rules on the words people use ("下班骑车回家", "对方全责", "喝多了", "抢救了一天还是走了"),
each fact kept with the words it came from so that a reviewer sees why. Negations ("没喝酒",
"没有车撞我", "还没做职业病诊断") are read as such. Facts typed in by the caller are merged with the
text: where they disagree, the disagreement is reported and the fact counts as not known (never
silently preferred). An optional language model (``SHEBAO_LLM_URL``) may add facts the rules did
not find; it never decides: the same rule check runs on whatever it read.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

from shebao.core.segment import dictionary_words, jieba_tokens
from shebao.injury.citations import article_text, interpretation_text
from shebao.policy.injury_determination import FACT_LABELS, ITEM_TEXT, JI, LAW, determine, item_ref

CLAUSE_SPLIT = re.compile(r"[，。；！？,;!?\n（）()]")
CJK = re.compile(r"[\u4e00-\u9fff]")

# words that negate what follows within a few characters ("不小心" and "不慎" are not negations)
NEG = re.compile(r"(没有|没|未曾|未|并未|并非|不是|不算|不属于|否认)[^，。；]{0,4}$")

SELF = r"(我|本人|自己|职工|他|她|我老公|我丈夫|我爸|伤者|[\u4e00-\u9fff]某)"
OTHER = r"(对方|对面|那辆车|肇事|司机|货车|轿车|小车|汽车|面包车|三轮车|摩托车|出租车|公交车|大车|车主|电动车|后车|前车|卡车|私家车|肇事车)"

_CN_NUM = {"零": 0, "一": 1, "两": 2, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10,
           "半": 0.5}


def cn_number(s: str) -> float | None:
    """'36' → 36, '两' → 2, '十二' → 12, '一天半' is not handled (returns None)."""
    if s.replace(".", "", 1).isdigit():
        return float(s)
    if all(ch in _CN_NUM for ch in s):
        if s == "十":
            return 10
        if "十" in s:
            a, _, b = s.partition("十")
            return (_CN_NUM.get(a, 1) if a else 1) * 10 + (_CN_NUM.get(b, 0) if b else 0)
        if len(s) == 1:
            return _CN_NUM[s]
    return None


@dataclass
class Found:
    value: Any
    words: str
    source: str = "text"


class Reader:
    """One text's facts, with the words each came from."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.facts: dict[str, Found] = {}

    def find(self, pattern: str, *, negatable: bool = True, flags: int = 0) -> tuple[re.Match | None, bool]:
        """The first match of ``pattern`` and whether it is negated (a negation just before it)."""
        first_negated = None
        for m in re.finditer(pattern, self.text, flags):
            before = self.text[max(0, m.start() - 6):m.start()]
            before = re.split(r"[，。；！？,;]", before)[-1]
            before = before.replace("不小心", "").replace("不慎", "")
            if negatable and NEG.search(before):
                first_negated = first_negated or m
                continue
            return m, False
        return first_negated, first_negated is not None

    def set(self, key: str, value: Any, words: str) -> None:
        if key not in self.facts:
            self.facts[key] = Found(value, words)

    def flag(self, key: str, pattern: str, *, negatable: bool = True, value: Any = True) -> bool:
        m, negated = self.find(pattern, negatable=negatable)
        if m is None:
            return False
        if negated:
            self.set(key, False if value is True else None, self.context(m))
            return False
        self.set(key, value, m.group(0))
        return True

    def context(self, m: re.Match) -> str:
        return self.text[max(0, m.start() - 4):m.end()].lstrip("，。；,; ")

    def has(self, pattern: str) -> re.Match | None:
        m, negated = self.find(pattern)
        return None if negated else m

    def value(self, key: str) -> Any:
        f = self.facts.get(key)
        return f.value if f else None


# ---------------------------------------------------------------- vocabulary

WORK_ACTIVITY = (r"(上班时|上班的时候|上班时间|上班期间|工作时|工作中|干活|在岗|当班|值班|值夜班|操作|作业|施工|卸货|装货|搬运|搬|"
                 r"巡逻|执法|检修|维修|修理|更换|绑钢筋|炒菜|拖地|打扫卫生|送货|开车时|开车的时候|驾驶|收银|加工|焊接|切割|安装|调试|"
                 r"接待|巡检|生产|工作岗位|工位上|岗位上|上班期间|上班时候|出车|分拣|切菜|烧窑|装设备|吊装|送件|派件|送快递|装卸|"
                 r"加班|开工|打磨|浇筑|砌墙|抹灰|喷漆|电焊|装车|卸车|分单|配送|派送|修电梯|叉车|被(机器|机床|传送带|皮带|设备|冲床|电锯|切割机|搅拌机|吊车)[^，。]{0,4}(夹|卷|压|绞|切|砸))")
WORKPLACE = (r"(车间|工地|仓库|厂区|厂里|厂内|工厂|办公室|岗位|工位|单位|店里|商场|超市|配电房|柜台|公司|矿上|矿井|井下|"
             r"机房|现场|饭店|餐厅|后厨|工作场所|生产线|流水线|脚手架|架子上|楼层|工棚)")
OFF_PLACE = r"(在家|家里|家中|宿舍|出租屋|朋友家)"
OFF_TIME = r"(星期天|星期六|星期日|周六|周日|礼拜天|礼拜六|周末|休息日|节假日|放假|休假|请假|下班后|下班之后|下班以后|轮休|午休)"
PERSONAL_REASON = (r"(私事|私人|钓鱼|个人恩怨|打牌|输钱|赌|感情纠纷|家务事|借钱|私仇|逛街|购物|旅游|游玩|爬山|景区|探亲访友|酒吧|KTV|"
                   r"打架|斗殴|私自|聚会|办完(公事|事情|事)后)")
EMPLOYER_ACTIVITY = r"(单位|公司|厂里|工会|领导)(组织|安排|指派)的?[^，。]{0,12}(运动会|活动|团建|比赛|拓展|培训|体检|聚餐|年会)"

PREP_CLOSE = (r"(提前[^，。]{0,8}(准备|预热|加油|检查|到岗|开机)|班前准备|(上班|开工|上岗|交班)前[^，。]{0,10}(准备|领|检查|换|调试)|"
              r"离上班还有|还没到(营业|上班|开工)时间|(开店|开门|营业前|开工)准备|(收工|完工|下班)(后|以后|之后)[^，。]{0,10}(收拾|整理|推|归还|放回|送回|入库|清理|关)|"
              r"交接班|换工作服|领劳保|预热|"
              r"下班(铃)?[^，。]{0,6}(收拾|整理|打扫|清理|关机|断电|清扫)|收拾工具|清理设备|关机断电|收尾)")

COMMUTE = (r"(上班(?!时|期间|的时候|时候|时间)[^，。]{0,8}(路上|途中)|下(夜|早|中)?班[^，。]{0,10}(路上|途中|回家|回宿舍|回老家|往家)|"
           r"上下班|回家的路上|回家路上|(坐|乘|搭)[^，。]{0,6}(上班|下班)|(上班|下班)[^，。]{0,4}(坐|乘|搭|骑|开车|走路)|"
           r"(骑|坐|乘|搭|开车|走路)[^，。]{0,6}(上班|下班)|通勤|去上班|去单位的路上|往单位|(往家|回家)[^，。]{0,3}(走|赶)|下班[^，。]{0,6}顺路)")
ERRAND = r"(顺路|买菜|接孩子|送孩子|取快递|吃早饭|买早餐)"
DETOUR = (r"下班(后|以后|之后)?[^，。]{0,4}(去|到)[^，。]{0,8}(打麻将|打牌|玩|唱歌|聚会|喝酒|朋友家|网吧|逛街|洗浴|钓鱼|约会|"
          r"亲戚家吃饭)")

RAIL = r"(地铁|轻轨|城铁|城市轨道)"
FERRY = r"(轮渡|渡船|渡轮)"
TRAIN = r"(火车|列车|高铁|(?<!电)动车)"
ROAD = (r"(车祸|撞|追尾|刮倒|刮蹭|交通事故|碰撞|交警|肇事|翻车|侧翻|碾压|被车)")
NON_TRAFFIC = r"(滑倒|摔倒|摔了一跤|跌倒|被狗|狗咬|绊倒|踩空|掉进|坑里)"

RESP_SELF_MINOR = SELF + r"[^。；对方车]{0,12}次要责任"
RESP_SELF_EQUAL = r"(同等责任|双方同责|同责|各负一半)"
RESP_SELF_MAIN = SELF + r"[^。；对方车]{0,12}(主要责任|主责)"
RESP_SELF_FULL = SELF + r"[^。；对方车]{0,12}(全部责任|全责)"
RESP_SELF_NONE = SELF + r"[^。；对方车]{0,12}(无责|没有责任|不负责任|无责任|不承担责任)"
RESP_OTHER_FULL = OTHER + r"[^，。；]{0,4}(全部责任|全责|负全责)"
RESP_OTHER_MAIN = OTHER + r"[^，。；]{0,4}(主要责任|主责)"

DRUNK = r"(醉酒|喝醉|喝多了|喝高了|醉醺醺|酒醉|烂醉)"
DRUNK_OTHER = r"(醉酒|喝醉)的?(病人|家属|乘客|客户|顾客|司机|驾驶员|男子|人|对方)|(对方|肇事司机|司机)[^，。]{0,4}(醉酒|酒驾|喝醉)"
ALCOHOL = r"(\d+(?:\.\d+)?)\s*(mg|毫克)\s*/\s*(100\s*ml|100\s*mL|100毫升|百毫升)"
DRUGS = r"(吸毒|毒品|冰毒|海洛因|尿检[^，。]{0,4}阳性)"
CRIME = (r"(故意犯罪|被判[^，。]{0,8}罪|构成[^，。]{0,8}罪|故意伤害罪|(偷|盗窃|盗取)[^，。]{0,4}(厂里|单位|公司|工地|仓库|货物|财物|铜线|钢材)|"
         r"公安[^，。]{0,4}(立案|刑事拘留)|刑事拘留|故意撞人)")
CRIME_OTHER = r"(对方|歹徒|凶手|小偷|肇事|劫匪|嫌疑人|那人)[^，。]{0,10}(被判|构成|故意伤害罪|判刑|刑事拘留|立案)"
SELF_HARM = (r"(自杀|自残|轻生|割腕|服毒|自己拿刀[^，。]{0,6}(砍|割|剁|切)|故意把手[^，。]{0,6}(伸进|放进)|跳楼自尽|上吊)")

SUDDEN = (r"(突发|突然(晕倒|倒地|发病|昏迷|倒下|不省人事|抽搐)|猝死|心梗|心肌梗|脑出血|脑溢血|脑梗|心脏骤停|心脏病发作|"
          r"心脏不舒服|晕倒|昏倒|中风|主动脉夹层)")
DIED = r"(去世|死亡|走了|没了|身亡|猝死|没救过来|抢救无效|不治|过世|离世|人没了|当场死亡)"
SURVIVED = r"(出院|康复|救过来了|抢救成功|脱离危险|好转|还在(ICU|重症|抢救|住院|医院))"
RESCUE = r"(抢险|救灾|防汛|救火|灭火|抗洪|抗震|扑火|森林火灾|泥石流|排险|疫情防控)"
HEROIC = r"(见义勇为|救人|救落水|跳下去救|跳进[^，。]{0,4}救|制止|抓小偷|抓歹徒|勇斗|追小偷|追歹徒)"
DUTY_CONTEXT = (r"(保安|巡逻|值班|执法|收银|催收|催款|收货款|货款|客户|乘客|病人|患者|家属|顾客|城管|协管|护士|医生|司机|"
                r"售票|门卫|上班时|上班期间|工作时)")
VIOLENCE = (r"(动手|殴打|打人|打我|打了|打伤|打断|推倒|用刀|持刀|捅|砍伤|袭击|抢劫|抢钱|冲上来|秤砣|划伤了胳膊|撕打|围殴|"
            r"咬伤了我|掐|砸我|拿东西|扔|泼)")
OLD_INJURY = r"(旧伤复发|旧伤又犯|老伤复发|旧伤发作)"
MILITARY = r"(部队|当兵|服役|退伍|转业|军人)"
CERT = r"(革命伤残军人证|伤残军人证|残疾军人证)"
OCC_DIAG = (r"(职业病诊断证明书|诊断为职业|职业病鉴定书|诊断为[^，。]{0,6}(尘肺|矽肺)|职业性[\u4e00-\u9fff]{1,10}|"
            r"职业病诊断[^，。]{0,12}(结论|确诊|诊断为|是))")
OCC_SUSPECT = r"(职业病|尘肺|矽肺|中毒|噪声聋)"
TRIP = (r"(出差|派[我他她]?(到|去|往)|外出(学习|开会|培训|办事)|参加培训|培训期间|参加会议|开会期间|会议期间|"
        r"送货去外地|去外地|到外省|到外地|随船出海|跑业务|谈合同|外出公干|公出)")
MISSING_PERSON = r"(下落不明|失联|失踪|音讯全无)"
OTHER_LAW = r"(法律、行政法规[^。]{0,6}规定[^。]{0,24}(应当|应)认定为工伤|第十四条第[（(]?七)"
INJURED = (r"(伤|骨折|撞|摔|砸|压|刮倒|夹|卷|绞|烧|烫|割|划|切断|断了|死亡|去世|走了|没了|病|失联|下落不明|中毒|聋|尘肺|截肢|缝|流血|"
           r"住院|抢救|咬|昏迷|晕倒|突发|猝死|心梗|脑出血|脑溢血|白血病|骨裂|挫伤|扭伤|闪了腰|椎间盘)")


def read_facts(text: str) -> dict[str, Found]:
    """The facts one text states (keys of :data:`~shebao.policy.injury_determination.FACT_LABELS`)."""
    r = Reader(text)
    r.flag("injured", INJURED, negatable=False)
    # article 16 first: who is drunk, who committed the crime
    m = re.search(ALCOHOL, text)
    if m:
        level = float(m.group(1))
        r.set("drunk", level >= 80, m.group(0) + ("（≥80，醉酒）" if level >= 80 else "（<80，饮酒未达醉酒）"))
    if not re.search(DRUNK_OTHER, text):
        r.flag("drunk", DRUNK)
    else:
        stripped = re.sub(DRUNK_OTHER, "", text)
        if re.search(DRUNK, stripped):
            r.set("drunk", True, re.search(DRUNK, stripped).group(0))
    r.flag("drugs", DRUGS)
    if not re.search(CRIME_OTHER, text):
        r.flag("crime", CRIME)
    r.flag("self_inflicted", SELF_HARM)

    # 第十五条
    r.flag("old_injury_recurrence", OLD_INJURY)
    if r.value("old_injury_recurrence"):
        r.flag("disabled_soldier_certificate", CERT)
        r.flag("military_injury", MILITARY)
        if r.value("disabled_soldier_certificate"):
            r.set("military_injury", True, r.facts["disabled_soldier_certificate"].words)
    if r.flag("sudden_illness", SUDDEN):
        m = r.has(r"(当场|立即|当时就)[^，。]{0,4}(死亡|没了|走了|身亡|去世|没有了)|当场就没了|当场死亡|猝死")
        died_m = r.has(r"没救过来|抢救无效|" + DIED)
        if died_m:
            r.set("died", True, died_m.group(0))
        elif r.has(SURVIVED):
            r.set("died", False, r.has(SURVIVED).group(0))
        hours_m = re.search(r"(不到|不足|未满|没到)\s*(\d+|[一二两三四五六七八九十]+)\s*(个)?(小时|钟头)", text)
        within_m = re.search(r"(\d+|[一二两三四五六七八九十]+)\s*(个)?小时(之内|以内|内)", text)
        span_m = re.search(r"(抢救|救治|住院|ICU|重症)[^，。]{0,6}?(\d+|[一二两三四五六七八九十]+)\s*(个)?(多)?(小时|钟头|天|日)", text)
        if m:
            r.set("sudden_death_hours", 0, m.group(0))
        elif hours_m and cn_number(hours_m.group(2)) is not None:
            r.set("sudden_death_hours", cn_number(hours_m.group(2)) - 1, hours_m.group(0))
        elif within_m and cn_number(within_m.group(1)) is not None:
            r.set("sudden_death_hours", cn_number(within_m.group(1)) - 1, within_m.group(0))
        elif span_m and cn_number(span_m.group(2)) is not None:
            n = cn_number(span_m.group(2))
            hours = n * 24 if span_m.group(5) in ("天", "日") else n
            if span_m.group(4):
                hours += 1
            r.set("sudden_death_hours", hours, span_m.group(0))
        if r.has(OFF_PLACE) or r.has(r"(星期天|星期六|周末|休息日|节假日|放假|休假)"):
            r.set("at_post", False, (r.has(OFF_PLACE) or r.has(r"(星期天|星期六|周末|休息日|节假日|放假|休假)")).group(0))
        else:
            w = r.has(WORK_ACTIVITY) or r.has(r"(车间|工地|岗位|工位|单位|厂里|办公室|公司|上班)")
            if w:
                r.set("at_post", True, w.group(0))
    duty = r.has(DUTY_CONTEXT)
    if not duty:
        r.flag("public_interest_rescue", RESCUE)
        r.flag("heroic_act", HEROIC)
    else:
        r.flag("public_interest_rescue", RESCUE)

    # 第十四条第（四）项
    sus = r.has(OCC_SUSPECT)
    diag_neg = re.search(r"(还没|没有|未|尚未|还未|没)[^，。]{0,6}(做|进行|去做)?[^，。]{0,4}(职业病)?(诊断|鉴定)", text)
    if re.search(r"怀疑|是不是|会不会", text) and sus or diag_neg and sus:
        r.set("occupational_disease_suspected", True, (diag_neg or sus).group(0))
    else:
        r.flag("occupational_disease", OCC_DIAG)

    # 第十四条第（六）项
    commute = r.has(COMMUTE)
    if commute and not r.has(r"下班后在|下班之后在|下班以后在"):
        r.set("commuting", True, commute.group(0))
        if r.has(DETOUR):
            r.set("unreasonable_route", True, r.has(DETOUR).group(0))
        elif r.has(ERRAND):
            r.set("errand", True, r.has(ERRAND).group(0))
        for key, pat in (("rail_transit", RAIL), ("ferry", FERRY), ("train", TRAIN)):
            mm = r.has(pat)
            if mm:
                r.set("accident_kind", key, mm.group(0))
                break
        else:
            road, _ = r.find(ROAD)
            road_neg = road is not None and r.find(ROAD)[1]
            if road and not road_neg:
                r.set("accident_kind", "road", road.group(0))
            elif r.has(NON_TRAFFIC) or road_neg:
                r.set("accident_kind", "other", (r.has(NON_TRAFFIC) or road).group(0))
            elif r.has(r"(砸伤|砸到|砸中|被[^，。]{0,6}砸|咬伤|被狗|摔伤|跌伤|掉下来)"):
                # hurt on the way, but by no vehicle: not a traffic accident (第十四条第（六）项)
                r.set("accident_kind", "other", r.has(r"(砸伤|砸到|砸中|被[^，。]{0,6}砸|咬伤|被狗|摔伤|跌伤|掉下来)").group(0))
        for key, pat in (("minor", RESP_SELF_MINOR), ("none", RESP_SELF_NONE), ("full", RESP_SELF_FULL),
                         ("main", RESP_SELF_MAIN), ("none", RESP_OTHER_FULL), ("minor", RESP_OTHER_MAIN),
                         ("equal", RESP_SELF_EQUAL)):
            mm = r.has(pat)
            if mm:
                r.set("traffic_responsibility", key, mm.group(0))
                break

    # 第十四条第（五）项 (法释〔2014〕9号 第五条)
    trip = r.has(TRIP)
    if trip and not r.value("commuting"):
        r.set("business_trip", True, trip.group(0))
        r.flag("missing_person", MISSING_PERSON)
    r.flag("other_law", OTHER_LAW, negatable=False)

    # 第十四条第（一）–（三）项
    act = r.has(EMPLOYER_ACTIVITY)
    if act:
        r.set("work_reason", True, act.group(0) + "（单位组织的活动，法释〔2014〕9号 第四条第（二）项）")
        r.set("during_work_hours", True, act.group(0))
        r.set("at_workplace", True, act.group(0))
    personal = r.has(PERSONAL_REASON)
    if personal:
        r.set("personal_activity", True, personal.group(0))
    off_place = r.has(OFF_PLACE)
    if off_place:
        r.set("at_workplace", False, off_place.group(0))
    prep = r.has(PREP_CLOSE)
    if prep:
        r.set("preparatory_or_closing", True, prep.group(0))
    off_time = r.has(OFF_TIME)
    if off_time and not prep and not r.value("commuting"):
        r.set("during_work_hours", False, off_time.group(0))
    work = r.has(WORK_ACTIVITY)
    if work:
        r.set("during_work_hours", True, work.group(0))
        r.set("work_reason", True, work.group(0))
        if not r.value("business_trip"):
            r.set("at_workplace", True, work.group(0))
    place = r.has(WORKPLACE)
    if place:
        r.set("at_workplace", True, place.group(0))
    if prep and r.value("at_workplace") is None:
        r.set("at_workplace", True, prep.group(0))
    time_m = re.search(r"(上午|下午|早上|中午|晚上|凌晨|夜里)?\s*(\d{1,2}|[一二两三四五六七八九十]+)\s*(点|时许|时左右|点左右|点多)", text)
    if time_m and (r.value("at_workplace") or r.value("work_reason")):
        r.set("during_work_hours", True, time_m.group(0))
    duty = duty or (work if r.has(r"(用|拿|抄起)[^，。]{0,6}(砸|打|捅|砍)|打我|砸我|动手") else None)
    if duty and r.has(VIOLENCE) and not personal:
        r.set("duty_violence", True, r.has(VIOLENCE).group(0) + "（" + duty.group(0) + "）")
        r.set("work_reason", True, duty.group(0))
        if r.value("during_work_hours") is None:
            r.set("during_work_hours", True, duty.group(0))
        if r.value("at_workplace") is None:
            r.set("at_workplace", True, duty.group(0))
    return r.facts


# facts a caller may type, with their kinds
TYPED_FACTS: dict[str, type | tuple[type, ...]] = {
    **{k: bool for k in FACT_LABELS if k not in ("accident_kind", "traffic_responsibility", "sudden_death_hours")},
    "accident_kind": str, "traffic_responsibility": str, "sudden_death_hours": (int, float),
}
TYPED_ALIASES = {"self_inflicted": "self_inflicted", "crime": "crime", "drunk": "drunk"}
RESPONSIBILITY_WORDS = {"无责": "none", "无责任": "none", "次要": "minor", "次要责任": "minor", "同等": "equal",
                        "同等责任": "equal", "主要": "main", "主要责任": "main", "全部": "full", "全责": "full",
                        "全部责任": "full"}


def _typed(facts: dict[str, Any] | None) -> tuple[dict[str, Any], list[str]]:
    """The caller's facts, checked; unknown or ill-typed keys are reported, not used."""
    out: dict[str, Any] = {}
    notes: list[str] = []
    for key, value in (facts or {}).items():
        if key in ("time", "place"):
            out[key] = value
            continue
        if key not in TYPED_FACTS:
            notes.append(f"未使用的事实 {key}（不认识的字段）")
            continue
        if value is None:
            continue
        if key == "traffic_responsibility" and isinstance(value, str):
            value = RESPONSIBILITY_WORDS.get(value, value)
            if value not in ("none", "minor", "equal", "main", "full"):
                notes.append(f"traffic_responsibility 应为 none/minor/equal/main/full：{value!r}，未使用")
                continue
        if key == "accident_kind" and value not in ("road", "rail_transit", "ferry", "train", "other"):
            notes.append(f"accident_kind 应为 road/rail_transit/ferry/train/other：{value!r}，未使用")
            continue
        kinds = TYPED_FACTS[key]
        if kinds is bool and not isinstance(value, bool) or key == "sudden_death_hours" and (
                isinstance(value, bool) or not isinstance(value, kinds)):
            notes.append(f"{key} 的值类型不对：{value!r}，未使用")
            continue
        out[key] = value
    return out, notes


LlmReader = Callable[[str], dict[str, Any]]


@lru_cache(maxsize=1)
def injury_dictionary() -> str:
    """The word list of incident texts (a jieba user dictionary), shipped in ``data/injury_dict.txt``."""
    return resources.files("shebao.injury").joinpath("data/injury_dict.txt").read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def topic_words() -> frozenset[str]:
    return frozenset(word for word, _ in dictionary_words(injury_dictionary()))


def warm_up() -> None:
    """Load the word list and the segmenter (the first call otherwise pays for it, about a second)."""
    topic_tokens("工伤")


def topic_tokens(text: str) -> list[str]:
    """The words of the text (segmented as the knowledge base segments, with the injury word list) that
    say it is about an injury at all; none means the text is about something else."""
    words = topic_words()
    return [t for t in jieba_tokens(text, injury_dictionary()) if t in words]


def suggest(text: Any, facts: dict[str, Any] | None = None, *, llm: LlmReader | None = None) -> dict[str, Any]:
    """The suggested determination of one incident.

    Args:
        text: what the worker, a relative or the employer wrote.
        facts: facts known otherwise (optional): ``during_work_hours``, ``commuting``,
            ``traffic_responsibility`` (none/minor/equal/main/full), ``drunk``, ``self_inflicted``,
            ``crime``, ``sudden_death_hours``, ... (keys of ``FACT_LABELS``), ``time``, ``place``.
        llm: an optional reader that returns more facts from the text (never decides).

    Returns:
        ``determination``, ``article``, ``item``, ``facts`` (each ``{value, words, source}``),
        ``missing``, ``contradictions``, ``citations`` (with the article's text), ``explanation``.
        Never raises on bad input: an empty or off-topic text gives ``unclear`` with the reason.
    """
    text = text if isinstance(text, str) else ("" if text is None else str(text))
    typed, notes = _typed(facts if isinstance(facts, dict) else None)
    if facts is not None and not isinstance(facts, dict):
        notes.append("facts 应为对象，未使用")
    read = read_facts(text)
    if llm is not None and text.strip():
        try:
            extra = llm(text) or {}
        except Exception as exc:  # noqa: BLE001 — the model is an optional helper; the rules still run
            notes.append(f"语言模型未能读取（{type(exc).__name__}），仅按规则读取")
            extra = {}
        extra_typed, _ = _typed(extra if isinstance(extra, dict) else {})
        for key, value in extra_typed.items():
            if key not in read:
                read[key] = Found(value, "（语言模型读取，规则复核）", "llm")

    merged: dict[str, Any] = {k: f.value for k, f in read.items()}
    shown: dict[str, dict[str, Any]] = {k: {"value": f.value, "words": f.words, "source": f.source} for k, f in read.items()}
    contradictions: list[dict[str, Any]] = []
    for key, value in typed.items():
        if key in ("time", "place"):
            shown[key] = {"value": value, "words": None, "source": "facts"}
            continue
        if key in read and read[key].value is not None and read[key].value != value:
            contradictions.append({"fact": key, "label": FACT_LABELS.get(key, key), "text_says": read[key].value,
                                   "words": read[key].words, "facts_say": value})
            merged[key] = None
            shown[key] = {"value": None, "words": read[key].words, "source": "contradiction",
                          "text_says": read[key].value, "facts_say": value}
        else:
            merged[key] = value
            shown[key] = {"value": value, "words": read[key].words if key in read else None, "source": "facts"}
    if "commuting" in typed and typed["commuting"] and merged.get("accident_kind") is None:
        road = re.search(ROAD, text)
        if road:
            merged["accident_kind"] = "road"
            shown["accident_kind"] = {"value": "road", "words": road.group(0), "source": "text"}

    if not text.strip() and not typed:
        return _unread("文本为空：请写明受伤经过（时间、地点、在做什么、怎么受的伤）", shown, notes)
    if text.strip() and not CJK.search(text) and not typed:
        return _unread("文本不是中文，无法读取事实：请用中文写明受伤经过", shown, notes)
    relevant = [k for k in merged if k != "injured" and merged[k] not in (None, False)]
    if merged.get("injured") and any(merged.get(k) is False for k in ("at_workplace", "during_work_hours")):
        relevant.append("context")  # hurt, and where or when is said: a case to rule on
    if not typed and not relevant and not topic_tokens(text):
        return _unread("未读到与工伤有关的事实（受伤经过、时间、地点、工作内容）：请补充", shown, notes)

    ruling = determine(merged)
    missing = list(ruling.missing)
    for c in contradictions:
        if c["fact"] not in missing:
            missing.append(c["fact"])
    determination = ruling.determination
    if contradictions and determination in ("injury", "deemed", "not_injury"):
        determination = "unclear"
    explanation = _explain(determination, ruling, missing, contradictions, notes)
    citations = []
    for law, article, item in ruling.citations:
        if law == LAW:
            citations.append({"law": LAW, "article": article, "item": item,
                              "ref": item_ref(article, item),
                              "text": (ITEM_TEXT.get((article, item)) if item else None) or article_text(article)})
        else:
            citations.append({"law": JI, "article": article, "item": item, "ref": f"{JI} 第{_cn(article)}条",
                              "text": interpretation_text(article)})
    article, item = ruling.article, ruling.item
    return {"determination": determination, "article": article, "item": item, "facts": shown,
            "missing": missing,
            "missing_labels": [FACT_LABELS.get(k, k) for k in missing],
            "contradictions": contradictions, "citations": citations, "local_practice": ruling.local_practice,
            "explanation": explanation, "notes": notes}


def _cn(n: int) -> str:
    digits = "零一二三四五六七八九"
    return digits[n] if n < 10 else ("十" + (digits[n % 10] if n % 10 else "")) if n < 20 else str(n)


def _unread(reason: str, shown: dict[str, Any], notes: list[str]) -> dict[str, Any]:
    return {"determination": "unclear", "article": None, "item": None, "facts": shown, "missing": ["injured"],
            "missing_labels": [FACT_LABELS["injured"]], "contradictions": [], "citations": [],
            "local_practice": False, "explanation": reason, "notes": notes}


WORDS = {"injury": "建议认定为工伤", "deemed": "建议视同工伤", "excluded": "建议不得认定为工伤或视同工伤",
         "not_injury": "建议不予认定为工伤", "unclear": "事实不全，暂不能建议"}


def _explain(determination: str, ruling: Any, missing: list[str], contradictions: list[dict[str, Any]],
             notes: list[str]) -> str:
    parts = [WORDS[determination] + (f"（{item_ref(ruling.article, ruling.item)}）" if ruling.article else "") + "。"]
    parts.extend(s + "。" for s in ruling.reasons)
    if contradictions:
        parts.append("所填事实与文字不一致，须核实：" + "；".join(
            f"{c['label']}：文字为“{c['words']}”，所填为 {c['facts_say']}" for c in contradictions) + "。")
    if missing:
        parts.append("请补充：" + "、".join(FACT_LABELS.get(k, k) for k in missing) + "。")
    if determination in ("injury", "deemed"):
        parts.append("本人过失（如违反操作规程、不小心）不影响认定，只有第十六条的情形排除。")
    parts.append("以上为初步建议，由工伤认定人员审核决定。")
    parts.extend(notes)
    return "".join(parts)
