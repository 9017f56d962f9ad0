"""Which regional texts apply to the agency: a province's or city's regulation applies only there.

The agency's region is ``SHEBAO_REGION`` (an administrative division code, GB/T 2260, e.g.
``370500`` 东营市). National texts apply everywhere; a regional text (``浙江省工伤保险条例``) applies
when its region is the agency's province or city, and is left out of the answers otherwise: a
Shandong agency never cites a Zhejiang article.
"""

from __future__ import annotations

from shebao.assistant.kb import KnowledgeBase
from shebao.assistant.retrieval import _region_of

# GB/T 2260 province-level codes (first two digits) → the name the texts' titles use.
PROVINCES = {
    "11": "北京", "12": "天津", "13": "河北", "14": "山西", "15": "内蒙古", "21": "辽宁", "22": "吉林",
    "23": "黑龙江", "31": "上海", "32": "江苏", "33": "浙江", "34": "安徽", "35": "福建", "36": "江西",
    "37": "山东", "41": "河南", "42": "湖北", "43": "湖南", "44": "广东", "45": "广西", "46": "海南",
    "50": "重庆", "51": "四川", "52": "贵州", "53": "云南", "54": "西藏", "61": "陕西", "62": "甘肃",
    "63": "青海", "64": "宁夏", "65": "新疆",
}
# Prefecture-level cities of Shandong (first four digits), where the project's parameters are.
CITIES = {
    "3701": "济南", "3702": "青岛", "3703": "淄博", "3704": "枣庄", "3705": "东营", "3706": "烟台",
    "3707": "潍坊", "3708": "济宁", "3709": "泰安", "3710": "威海", "3711": "日照", "3713": "临沂",
    "3714": "德州", "3715": "聊城", "3716": "滨州", "3717": "菏泽",
}


def region_names(code: str) -> set[str]:
    """The names a regional text may carry to apply to ``code`` (its province and its city).

    Examples:
        >>> sorted(region_names("370500"))
        ['东营', '山东']
    """
    code = (code or "").strip()
    names = {PROVINCES[code[:2]]} if code[:2] in PROVINCES else set()
    if code[:4] in CITIES:
        names.add(CITIES[code[:4]])
    return names


def applies(law: str, code: str) -> bool:
    """Whether a text (by its title) applies to the region ``code``.

    Examples:
        >>> applies("工伤保险条例", "370500"), applies("山东省劳动和社会保障监察条例", "370500")
        (True, True)
        >>> applies("浙江省工伤保险条例", "370500"), applies("内蒙古自治区工伤保险条例", "150100")
        (False, True)
    """
    region = _region_of(law)
    if region is None:
        return True
    # titles shorten some names (内蒙古自治区 → 内蒙): a prefix either way is the same region
    return any(region.startswith(name) or name.startswith(region) for name in region_names(code))


def for_region(kb: KnowledgeBase, code: str) -> KnowledgeBase:
    """The knowledge base without the regional texts of other regions (``kb`` itself if none)."""
    keep = [i for i, a in enumerate(kb.articles) if applies(a.law, code)]
    if len(keep) == len(kb.articles):
        return kb
    left_out = sorted({a.law for a in kb.articles} - {kb.articles[i].law for i in keep})
    return kb.subset(keep, region=code, excluded_laws=left_out)
