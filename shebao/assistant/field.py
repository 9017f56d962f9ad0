"""Knowing its field: social insurance, and the labour and personal-data rules the texts hold.

A question is in the field when it holds a term of the field. Terms are of two strengths: a
strong one (社保, 养老金, 工伤, 失业保险金 …) makes the question the field's whatever else it says;
a weak one (公司, 工资, 退休, 失业, 合同 …) only when nothing in the question belongs to another
subject (travel, weather, shares, commercial insurance, a divorce …). A question outside the
field gets a short refusal that says what the assistant can help with, and no citation.
"""

from __future__ import annotations

import re

from shebao.assistant.spelling import correct_typos

REFUSAL = (
    "抱歉，这个问题不在社会保险政策的范围内，我无法回答。"
    "我可以帮您：查询养老、医疗、工伤、失业、生育保险和劳动保障的法律条文；"
    "测算退休时间、养老金、灵活就业缴费档次、补缴、失业保险金、工伤和遗属待遇。"
)

STRONG = (
    "社保", "社会保险", "社会保障", "养老保险", "医疗保险", "医保", "工伤", "失业保险", "失业金", "生育保险",
    "生育津贴", "养老金", "退休金", "退休工资", "基本养老", "个人账户", "缴费年限", "缴费基数", "参保", "断缴",
    "补缴", "社保卡", "12333", "人社", "劳动保障", "劳动监察", "劳动能力鉴定", "伤残", "职业病", "抚恤金",
    "丧葬补助", "遗属", "工亡", "延迟退休", "退休年龄", "法定退休", "灵活就业", "经办机构", "社会保险费",
    "五险", "失业登记", "产假", "哺乳", "女职工", "劳动合同", "劳动仲裁", "劳动争议", "个人信息", "敏感个人信息",
    "医疗保障基金", "定点医药机构", "骗保", "冒领", "待遇资格认证", "养老待遇", "工伤认定", "停工留薪",
    "杀熟", "自动化决策", "定点医", "定点药",
)

WEAK = (
    "退休", "失业", "公司", "单位", "老板", "工资", "上班", "下班", "加班", "辞职", "辞退", "开除", "解雇", "合同",
    "试用期", "年假", "休假", "病假", "怀孕", "生孩子", "生育", "看病", "住院", "报销", "药", "医院", "受伤",
    "死亡", "去世", "病故", "打工", "农民工", "员工", "职工", "雇", "用人", "劳务", "派遣", "童工", "工时",
    "实习", "隐私", "身份证", "人脸", "信息", "缴费", "交钱", "领钱", "待遇", "补助", "津贴", "赔偿", "罚款",
    "举报", "投诉", "仲裁", "监察", "抚恤", "丧葬", "保险", "出差", "骚扰", "夜班", "喂奶",
    "小时班", "工作时间", "休息日", "工作日", "工作", "休息", "经期", "未成年", "作业", "营业执照", "干活",
)

# subjects of other fields: with one of these, a weak term does not make the question the field's
OTHER = (
    "天气", "下雨", "气温", "旅游", "旅行", "景点", "好玩", "机票", "火车票", "酒店", "签证", "护照", "股票", "股市",
    "炒股", "基金定投", "理财", "比特币", "彩票", "房价", "买房", "房贷", "贷款", "信用卡", "电影", "电视剧", "综艺",
    "明星", "歌", "游戏", "小说", "菜谱", "做菜", "做饭", "好吃", "餐厅", "火锅", "减肥", "健身", "美容", "化妆", "星座",
    "算命", "风水", "手机", "电脑", "截屏", "WiFi", "wifi", "编程", "考研", "高考", "英语", "作文", "猫", "狗粮",
    "宠物", "花草", "车险", "重疾险", "寿险", "商业保险", "保险公司", "意外险", "离婚", "结婚", "彩礼", "抚养权",
    "继承房产", "遗嘱", "交通违章", "驾照", "扣分", "车祸责任", "离婚财产", "诈骗电话", "足球", "篮球", "世界杯",
    "年会", "团建", "面试技巧", "简历", "装修", "快递", "外卖", "网购", "退货", "天文", "历史", "诗", "翻译",
    "发朋友圈", "养老院哪家", "广场舞", "钓鱼", "跑步", "菜谱", "红烧", "生日", "礼物", "笑话",
    # banking, health products and symptoms, pastimes: a weak term beside them is the scene
    "银行卡", "工资卡", "挂失", "保健品", "发烧", "感冒", "挂号", "乐器", "钢琴",
    # health and diet (单位体检查出血压高吃啥好: the workplace is the scene)
    "血脂", "血压", "血糖", "尿酸", "胆固醇", "食疗", "养生", "偏方", "失眠",
    # taxes, cars, pets, clothes, canteens, pastimes and tutoring: the workplace or the boss is the scene
    # (工资条上的个税怎么算, 老板的车被刮了谁赔, 上班路上听什么播客)
    "个税", "个人所得税", "车被", "换车", "买车", "停车", "狗", "衣服", "穿什么", "食堂", "播客", "听歌", "音乐",
    "辅导作业", "过冬",
)


# Field words in another sense: a commercial policy (商业养老保险, 意外险 is in OTHER), a crime (合同诈骗罪).
_OTHER_SENSE = re.compile(r"商业[\u4e00-\u9fff]{0,4}险|罪")
# Weak terms that only set the scene: a place (单位附近, 公司楼下) …
_PLACE = re.compile(r"(?:单位|公司|医院|厂里)(?:附近|楼下|门口|旁边|对面|周边|周围)")
# … a time (退休了, 失业后, 下班后: what follows is the question; 退休了学什么乐器好 is not the field's) …
_SCENE = re.compile(r"^(?:退休|失业|下班|上班|辞职|怀孕|生孩子|住院)(?:了|后|以后|之后|的时候)[，,]?")
# … or health care without money or rights (孩子发烧去哪个医院好; 医院能报销吗 is the field's).
_CARE = ("看病", "住院", "药", "医院")
_CARE_MATTER = re.compile(r"报|费|钱|付|赔|结算|补助|待遇|津贴|工资|单位|公司|老板|工作|上班|假")


def _weak_topics(q: str) -> list[str]:
    """The weak terms of a question that are its topic, not its scene."""
    q = _PLACE.sub("", _SCENE.sub("", q))
    found = [t for t in WEAK if t in q]
    if found and all(t in _CARE for t in found) and not _CARE_MATTER.search(q):
        return []
    return found


def strong_terms(question: str) -> list[str]:
    return [t for t in STRONG if t in question]


def in_field(question: str) -> bool:
    """Whether a question is about social insurance (or the labour and personal-data rules).

    Examples:
        >>> in_field("上下班路上被车撞了算工伤吗"), in_field("失业了想去云南旅游散散心，去哪好玩")
        (True, False)
        >>> in_field("明天股市会涨吗"), in_field("公司克扣工资合法吗")
        (False, True)
    """
    q = correct_typos((question or "").replace(" ", ""))  # 产价 → 产假: a typo hides no term of the field
    if not q:
        return False
    senses = _OTHER_SENSE.findall(q)
    q = _OTHER_SENSE.sub("", q)  # 商业养老保险: no 养老保险 of the field
    other = sum(1 for t in OTHER if t in q) + len(senses)
    strong = len(strong_terms(q))
    if strong:
        return other <= strong  # "工伤住院无聊，有什么好玩的手机游戏" is not about the injury
    if other:
        return False
    return bool(_weak_topics(q))
