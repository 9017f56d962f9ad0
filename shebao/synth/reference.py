"""Reference data behind the synthetic population, each table with its source or assumption.

Everything here is a plain constant so that the assumptions can be read (and argued with) in one
place. Where a figure is an approximation rather than a published value, the comment says so.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from shebao.policy import ParameterMissing, load_parameters

# --- Regions -------------------------------------------------------------------------------
# The 16 prefecture-level cities of Shandong (371200 Laiwu was merged into Jinan in 2019) with
# their resident populations at the 2020 census (山东省第七次全国人口普查公报〔第二号〕, 2021-05).
CITY_POPULATION_2020: dict[str, int] = {
    "370100": 9_202_432,  # 济南
    "370200": 10_071_722,  # 青岛
    "370300": 4_704_138,  # 淄博
    "370400": 3_855_601,  # 枣庄
    "370500": 2_193_518,  # 东营
    "370600": 7_102_116,  # 烟台
    "370700": 9_386_705,  # 潍坊
    "370800": 8_357_897,  # 济宁
    "370900": 5_472_217,  # 泰安
    "371000": 2_906_548,  # 威海
    "371100": 2_968_365,  # 日照
    "371300": 11_018_365,  # 临沂
    "371400": 5_611_194,  # 德州
    "371500": 5_952_128,  # 聊城
    "371600": 3_928_568,  # 滨州
    "371700": 8_795_939,  # 菏泽
}

CITY_NAMES: dict[str, str] = {
    "370100": "济南", "370200": "青岛", "370300": "淄博", "370400": "枣庄", "370500": "东营",
    "370600": "烟台", "370700": "潍坊", "370800": "济宁", "370900": "泰安", "371000": "威海",
    "371100": "日照", "371300": "临沂", "371400": "德州", "371500": "聊城", "371600": "滨州",
    "371700": "菏泽",
}

# County-level divisions (GB/T 2260) of each city, used as the first six digits of ID numbers
# and USCCs (a person's ID carries the county where it was first issued).
CITY_COUNTIES: dict[str, tuple[str, ...]] = {
    "370100": ("370102", "370103", "370104", "370105", "370112", "370113", "370114", "370115",
               "370116", "370117", "370124", "370126"),
    "370200": ("370202", "370203", "370211", "370212", "370213", "370214", "370215", "370281",
               "370283", "370285"),
    "370300": ("370302", "370303", "370304", "370305", "370306", "370321", "370322", "370323"),
    "370400": ("370402", "370403", "370404", "370405", "370406", "370481"),
    "370500": ("370502", "370503", "370505", "370522", "370523"),
    "370600": ("370602", "370611", "370612", "370613", "370614", "370681", "370682", "370683",
               "370685", "370686", "370687"),
    "370700": ("370702", "370703", "370704", "370705", "370724", "370725", "370781", "370782",
               "370783", "370784", "370785", "370786"),
    "370800": ("370811", "370812", "370826", "370827", "370828", "370829", "370830", "370831",
               "370832", "370881", "370883"),
    "370900": ("370902", "370911", "370921", "370923", "370982", "370983"),
    "371000": ("371002", "371003", "371082", "371083"),
    "371100": ("371102", "371103", "371121", "371122"),
    "371300": ("371302", "371311", "371312", "371321", "371322", "371323", "371324", "371325",
               "371326", "371327", "371328", "371329"),
    "371400": ("371402", "371403", "371422", "371423", "371424", "371425", "371426", "371427",
               "371428", "371481", "371482"),
    "371500": ("371502", "371503", "371521", "371522", "371524", "371525", "371526", "371581"),
    "371600": ("371602", "371603", "371621", "371622", "371623", "371625", "371681"),
    "371700": ("371702", "371703", "371721", "371722", "371723", "371724", "371725", "371726",
               "371728"),
}

CITY_CODES: tuple[str, ...] = tuple(CITY_POPULATION_2020)


def prefecture_of(region: str) -> str:
    """The Shandong prefecture (city) code of a prefecture or county code, for a population living there."""
    code = str(region).strip()
    city = code[:4] + "00" if len(code) == 6 and code.isdigit() else ""
    if city not in CITY_POPULATION_2020:
        raise ValueError(f"合成人口只含山东省各市（{'、'.join(CITY_POPULATION_2020)}）：{region!r} 不是其中的市或县区代码")
    return city
CITY_WEIGHTS = np.array([CITY_POPULATION_2020[c] for c in CITY_CODES], dtype=np.float64)
CITY_WEIGHTS /= CITY_WEIGHTS.sum()

# --- Age and sex ---------------------------------------------------------------------------
# National population by five-year age group and sex at the 2020 census, in 10,000 persons
# (第七次全国人口普查 分年龄、性别的人口, as in 《中国统计年鉴2021》; the last group is 100+). The
# figures were transcribed without the source at hand and are rounded: their totals (72,097 men,
# 68,866 women) are within 0.4% of the census's 72,334 / 68,844, so shares are good to about that;
# check them against the yearbook before quoting them. Shandong's 5-year table is not shipped;
# the national shape is raked to Shandong's published broad shares (below), which is what makes
# the pyramid "Shandong-like". City populations above sum to the census total, 101,527,453.
AGE_GROUPS: tuple[int, ...] = tuple(range(0, 101, 5))  # lower bounds; the last group is 100–104
CENSUS_2020_MALE = np.array([4097, 4831, 4604, 3904, 3969, 4813, 6372, 5082, 4779, 5794, 6119,
                             5095, 3637, 3630, 2406, 1472, 907, 437, 124, 22, 3], dtype=np.float64)
CENSUS_2020_FEMALE = np.array([3691, 4193, 3922, 3364, 3525, 4372, 6043, 4819, 4516, 5628, 5997,
                               5045, 3701, 3771, 2553, 1652, 1131, 646, 234, 54, 9], dtype=np.float64)

# Shandong 2020 census broad age shares of the resident population (山东省第七次全国人口普查公报
# 〔第四号〕): 0–14 18.78%, 15–59 60.32%, 60+ 20.90% of which 65+ 15.13%.
SHANDONG_BROAD_SHARES = {(0, 15): 0.1878, (15, 60): 0.6032, (60, 65): 0.2090 - 0.1513, (65, 105): 0.1513}

#: Youngest age in the registry: nobody may be employed before 16 (劳动法 第15条), and the
#: registry of an employee pension scheme holds no children, so the pyramid is truncated at 16.
MIN_REGISTRY_AGE = 16


def shandong_pyramid() -> tuple[np.ndarray, np.ndarray]:
    """Shares by (sex, five-year group) of the whole 2020 population: national shape raked to
    Shandong's broad shares. Returns (male, female) arrays that together sum to 1."""
    male = CENSUS_2020_MALE.copy()
    female = CENSUS_2020_FEMALE.copy()
    total = male.sum() + female.sum()
    male /= total
    female /= total
    lows = np.array(AGE_GROUPS)
    for (lo, hi), share in SHANDONG_BROAD_SHARES.items():
        sel = (lows >= lo) & (lows < hi)
        current = male[sel].sum() + female[sel].sum()
        male[sel] *= share / current
        female[sel] *= share / current
    return male, female


def registry_age_shares() -> tuple[np.ndarray, np.ndarray]:
    """Single-year age shares (ages 0..104) by sex for the registry (ages ≥ 16), uniform within
    each five-year group; (male, female), summing to 1 together."""
    male5, female5 = shandong_pyramid()
    male = np.repeat(male5 / 5.0, 5)
    female = np.repeat(female5 / 5.0, 5)
    male[:MIN_REGISTRY_AGE] = 0.0
    female[:MIN_REGISTRY_AGE] = 0.0
    total = male.sum() + female.sum()
    return male / total, female / total


# --- Mortality -----------------------------------------------------------------------------
# Gompertz–Makeham hazards m(x) = a + b·exp(c·x) per year of age, fitted so that the life
# expectancy at birth equals the 2020 census life table's (第七次全国人口普查: male 75.37, female
# 80.88 years; infant deaths 5.8‰ / 5.0‰). The fit gives annual death rates of about 1.3% (men)
# and 0.75% (women) at 60–64 and 8.6% / 6.2% at 80–84, near the census's age-specific rates.
# It is a fit, not the census table itself.
MORTALITY_GM = {"M": (0.0007, 2.8564e-05, 0.097), "F": (0.0003, 8.3873e-06, 0.108)}


def death_hazard(age: np.ndarray, male: np.ndarray) -> np.ndarray:
    """Annual force of mortality at ``age`` (years, float) for each person."""
    am, bm, cm = MORTALITY_GM["M"]
    af, bf, cf = MORTALITY_GM["F"]
    return np.where(male, am + bm * np.exp(cm * age), af + bf * np.exp(cf * age))


# --- Wages and pension series ---------------------------------------------------------------
# National average wage of urban non-private units, yuan/year (国家统计局, 《中国统计年鉴》), used
# only for its growth; years before 1978 are taken flat at 600.
_NATIONAL_AVG_WAGE = {
    1978: 615, 1979: 668, 1980: 762, 1981: 772, 1982: 798, 1983: 826, 1984: 974, 1985: 1148,
    1986: 1329, 1987: 1459, 1988: 1747, 1989: 1935, 1990: 2140, 1991: 2340, 1992: 2711,
    1993: 3371, 1994: 4538, 1995: 5348, 1996: 5980, 1997: 6444, 1998: 7446, 1999: 8319,
    2000: 9333, 2001: 10834, 2002: 12373, 2003: 13969, 2004: 15920, 2005: 18200, 2006: 20856,
    2007: 24721, 2008: 28898, 2009: 32244, 2010: 36539, 2011: 41799, 2012: 46769, 2013: 51483,
    2014: 56360, 2015: 62029, 2016: 67569, 2017: 74318, 2018: 82413, 2019: 90501, 2020: 97379,
    2021: 106837, 2022: 114029,
}
# Shandong's all-caliber average wage (全口径城镇单位就业人员平均工资, ``wages.average_annual``) and
# its pension base (计发基数, ``pension.base``) come from the policy parameter tree for every year it
# holds. Earlier years of the wage: the earliest published value scaled back with the national
# series' growth (an approximation: Shandong published the all-caliber figure only from 2019). Later
# years: +2% a year (assumption). Earlier years of the base: 1.045 × the previous year's average
# monthly wage (the ratio seen in 2023–2025); after the last published year +2% a year.
WAGE_GROWTH_AFTER = 0.02
REGION = "370000"

FIRST_YEAR = 1950
LAST_YEAR = 2100

# Personal-account credited interest (记账利率): the parameter tree's published values
# (``pension.account.interest_rate``, 2016 on); before 2016 (the tree holds none) assumed equal to
# the one-year deposit rate, an approximation of this generator, not a legal value; after the last
# published year assumed 2.5%.
ASSUMED_INTEREST_BEFORE_2016 = {
    1996: 0.0747, 1997: 0.0567, 1998: 0.0477, 1999: 0.0225, 2000: 0.0225, 2001: 0.0225,
    2002: 0.0198, 2003: 0.0198, 2004: 0.0225, 2005: 0.0225, 2006: 0.0252, 2007: 0.0414,
    2008: 0.0225, 2009: 0.0225, 2010: 0.0275, 2011: 0.035, 2012: 0.03, 2013: 0.03, 2014: 0.0275,
    2015: 0.0175,
}
ACCOUNT_INTEREST_AFTER = 0.025

#: Personal accounts began in Shandong's enterprise scheme in 1996; earlier service is deemed.
ACCOUNT_START_YEAR = 1996

# Yearly pension adjustment (调待) applied to those already retired: the parameter tree's national
# headline rates (``pension.adjustment.overall_rate``, 2016 on); 2005–2015 the generator assumes
# 10% a year and before 2005 10% (the 1990s adjustments tracked double-digit wage growth), after
# the tree's last year 2% — approximations of this generator, not legal values.
ASSUMED_ADJUSTMENT_BEFORE_2016 = {y: 0.10 for y in range(2005, 2016)}

#: Our series and the policy engine's parameter (Shandong, 370000) that overrides it year by year
#: wherever the engine has a value for that very year.
ENGINE_PARAMETERS = {
    "avg_wage": "wages.average_annual",
    "pension_base": "pension.base",
    "account_interest": "pension.account.interest_rate",
    "adjustment": "pension.adjustment.overall_rate",
}


@dataclass(frozen=True)
class Series:
    """Yearly series indexed by ``year - FIRST_YEAR``, and which years came from the engine."""

    avg_wage: np.ndarray  # yuan/year, whole yuan
    pension_base: np.ndarray  # yuan/month
    interest: np.ndarray  # credited rate of the year
    adjustment_factor: np.ndarray  # Π (1 + adjustment) up to the year
    from_engine: dict[str, list[int]]


def _engine_values(years: range) -> dict[str, dict[int, float]]:
    out: dict[str, dict[int, float]] = {k: {} for k in ENGINE_PARAMETERS}
    params = load_parameters()
    for key, name in ENGINE_PARAMETERS.items():
        for y in years:
            try:
                value = params.get(name, dt.date(y, 7, 1), REGION, same_period=True).value
            except ParameterMissing:
                continue
            if value is not None:
                out[key][y] = float(value)
    return out


@lru_cache(maxsize=1)
def series() -> Series:
    """The wage, pension-base, interest and adjustment series: the policy engine's values where
    it has them, the stated values and assumptions of this module elsewhere."""
    engine = _engine_values(range(1990, dt.date.today().year + 2))
    years = np.arange(FIRST_YEAR, LAST_YEAR + 1)
    ix = years - FIRST_YEAR

    published = engine["avg_wage"]
    nat = np.array([_NATIONAL_AVG_WAGE.get(min(y, 2022), 600) if y >= 1978 else 600 for y in years], dtype=np.float64)
    anchor = min(published)
    wage = published[anchor] * nat / _NATIONAL_AVG_WAGE[min(anchor, 2022)]
    for y, v in published.items():
        wage[y - FIRST_YEAR] = v
    for y in range(max(published) + 1, LAST_YEAR + 1):
        wage[y - FIRST_YEAR] = wage[y - 1 - FIRST_YEAR] * (1 + WAGE_GROWTH_AFTER)
    wage = np.round(wage)

    bases = engine["pension_base"]
    base = np.round(1.045 * wage[np.maximum(ix - 1, 0)] / 12.0)
    for y, v in bases.items():
        base[y - FIRST_YEAR] = v
    for y in range(max(bases) + 1, LAST_YEAR + 1):
        base[y - FIRST_YEAR] = np.round(base[y - 1 - FIRST_YEAR] * 1.02)

    rates = {**ASSUMED_INTEREST_BEFORE_2016, **engine["account_interest"]}
    last_rate = max(rates)
    interest = np.array([rates.get(y, ACCOUNT_INTEREST_AFTER if y > last_rate else 0.0) for y in years])

    adj = {**ASSUMED_ADJUSTMENT_BEFORE_2016, **engine["adjustment"]}
    factor = np.cumprod(1 + np.array([adj.get(y, 0.10 if y < 2005 else 0.02) for y in years]))
    return Series(avg_wage=wage, pension_base=base, interest=interest, adjustment_factor=factor,
                  from_engine={k: sorted(v) for k, v in engine.items()})


def _at(table: np.ndarray, year: np.ndarray | int) -> np.ndarray:
    return table[np.clip(np.asarray(year) - FIRST_YEAR, 0, len(table) - 1)]


def avg_wage(year: np.ndarray | int) -> np.ndarray:
    """Shandong average wage (yuan/year) of ``year``."""
    return _at(series().avg_wage, year)


def pension_base(year: np.ndarray | int) -> np.ndarray:
    """Shandong pension base (计发基数, yuan/month) of ``year``."""
    return _at(series().pension_base, year)


def account_interest(year: int) -> float:
    """Credited interest rate of the personal account for ``year`` (0 before accounts existed)."""
    return float(_at(series().interest, year))


def adjustment_factor(year: np.ndarray | int) -> np.ndarray:
    """Cumulative adjustment factor F[year]; a pension assessed in year r is worth
    ``amount × F[t] / F[r]`` in year t."""
    return _at(series().adjustment_factor, year)


@lru_cache(maxsize=1)
def _account_shares() -> np.ndarray:
    """``pension.account.contribution_rate`` by year (the rate in force at the year's end; years
    before the tree's first value take that first value, as the generator deems early accounts)."""
    params = load_parameters()
    years = range(FIRST_YEAR, LAST_YEAR + 1)
    first = params.history("pension.account.contribution_rate")[0]["effective_date"]
    first = dt.date.fromisoformat(first) if isinstance(first, str) else first
    return np.array([float(params.get("pension.account.contribution_rate", max(dt.date(y, 12, 31), first)).value)
                     for y in years])


def account_share(year: np.ndarray | int) -> np.ndarray:
    """Share of the base credited to the personal account (``pension.account.contribution_rate``:
    11% before 2006, 8% since, 国发〔2005〕38号)."""
    return _at(_account_shares(), year)


def legal_value(name: str, on: dt.date = dt.date(2006, 1, 1), region: str = REGION):
    """A legal value from the policy parameter tree (the generator keeps no copy of its own)."""
    return load_parameters().get(name, on, region).value

# --- Contributions ------------------------------------------------------------------------
# Rates in basis points (Shandong 2024): pension 16% employer / 8% employee; unemployment 0.7% /
# 0.3%; work injury employer only, by industry risk class (0.2%–1.9%, 8 classes, approximate).
PENSION_EMPLOYER_BP = 1600
PENSION_EMPLOYEE_BP = 800
FLEX_PENSION_BP = 2000  # flexible workers pay 20% themselves (recorded as employee_amount)
UNEMP_EMPLOYER_BP = 70
UNEMP_EMPLOYEE_BP = 30

# GB/T 4754-2017 sections with an (approximate) share of Shandong's insured employment and the
# work-injury rate class's rate in basis points.
INDUSTRIES: tuple[tuple[str, str, float, int], ...] = (
    ("A", "农业", 0.02, 70),
    ("B", "矿业", 0.03, 190),
    ("C", "制造", 0.36, 90),
    ("D", "电力", 0.03, 40),
    ("E", "建筑", 0.10, 130),
    ("F", "商贸", 0.10, 40),
    ("G", "物流", 0.06, 90),
    ("H", "餐饮", 0.04, 40),
    ("I", "信息技术", 0.04, 20),
    ("J", "金融", 0.04, 20),
    ("K", "置业", 0.03, 40),
    ("L", "商务服务", 0.04, 40),
    ("M", "科技", 0.03, 20),
    ("N", "环境", 0.02, 70),
    ("O", "家政服务", 0.02, 40),
    ("P", "教育", 0.03, 20),
    ("Q", "医疗", 0.03, 20),
    ("R", "文化传媒", 0.01, 20),
)
INDUSTRY_LETTERS = [i[0] for i in INDUSTRIES]
INDUSTRY_WORDS = [i[1] for i in INDUSTRIES]
INDUSTRY_SHARES = np.array([i[2] for i in INDUSTRIES]) / sum(i[2] for i in INDUSTRIES)
INDUSTRY_INJURY_BP = np.array([i[3] for i in INDUSTRIES], dtype=np.int64)

FIRM_WORDS = ("华泰", "鲁信", "金城", "海岳", "泰和", "恒通", "宏达", "鑫源", "齐鲁", "东方",
              "新华", "瑞丰", "长城", "盛世", "万通", "博远", "汇丰",
              "永安", "天元", "中信", "润华", "安泰", "嘉禾", "康平", "德胜", "方正", "远航", "晨光",
              "明德", "信达", "和顺", "隆盛")
FIRM_SUFFIXES = ("有限公司", "有限责任公司", "股份有限公司", "集团有限公司")

# --- Names ---------------------------------------------------------------------------------
# The most common surnames in Shandong with approximate relative frequencies (公安部户籍统计,
# rounded), and given-name characters by sex. Every given-name character has a homophone or
# near-form variant in NAME_VARIANTS so that a duplicate registration can carry a name variant.
SURNAMES: tuple[tuple[str, float], ...] = (
    ("王", 9.4), ("张", 8.0), ("李", 7.6), ("刘", 6.3), ("陈", 3.0), ("杨", 2.6), ("赵", 2.3),
    ("孙", 2.5), ("徐", 1.9), ("马", 1.6), ("高", 1.7), ("于", 1.6), ("田", 0.9), ("孔", 0.6),
    ("朱", 1.0), ("郭", 1.2), ("周", 1.0), ("吴", 0.9), ("宋", 1.0), ("韩", 1.0), ("杜", 0.6),
    ("许", 0.6), ("曹", 0.7), ("魏", 0.7), ("吕", 0.6), ("丁", 0.6), ("崔", 0.7), ("姜", 0.8),
    ("董", 0.8), ("梁", 0.6), ("邢", 0.4), ("曲", 0.4), ("薛", 0.4), ("袁", 0.4), ("程", 0.5),
    ("郑", 0.6), ("谢", 0.4), ("范", 0.5), ("孟", 0.6), ("贾", 0.5), ("侯", 0.4), ("秦", 0.4),
    ("尹", 0.4), ("常", 0.4), ("胡", 0.6), ("单", 0.3), ("邵", 0.3), ("牛", 0.3), ("房", 0.2),
    ("颜", 0.2),
)
GIVEN_MALE = tuple("伟强军磊勇涛斌明刚建国华平志鹏飞杰亮超辉成峰海波东林晓文宇浩")
GIVEN_FEMALE = tuple("芳丽娜静敏燕艳玲红霞英梅莉婷颖雪洁琳娟慧倩秀凤兰萍晶丹")
NAME_VARIANTS: dict[str, str] = {
    "伟": "玮", "强": "蔷", "军": "君", "磊": "垒", "勇": "永", "涛": "滔", "斌": "彬", "明": "铭",
    "刚": "钢", "建": "健", "国": "果", "华": "骅", "平": "萍", "志": "智", "鹏": "朋", "飞": "菲",
    "杰": "洁", "亮": "靓", "超": "潮", "辉": "晖", "成": "诚", "峰": "锋", "海": "亥", "波": "博",
    "东": "冬", "林": "琳", "晓": "小", "文": "雯", "宇": "玉", "浩": "昊", "芳": "方", "丽": "俐",
    "娜": "那", "静": "婧", "敏": "民", "燕": "艳", "艳": "燕", "玲": "灵", "红": "宏", "霞": "侠",
    "英": "瑛", "梅": "媚", "莉": "丽", "婷": "亭", "颖": "影", "雪": "学", "洁": "杰", "琳": "林",
    "娟": "鹃", "慧": "惠", "倩": "茜", "秀": "绣", "凤": "风", "兰": "岚", "萍": "平", "晶": "菁",
    "丹": "单",
}

# --- Banks and phones ----------------------------------------------------------------------
# Six-digit BINs of debit cards common in Shandong (ICBC, ABC, BOC, CCB, the social security card
# co-branded BINs, Postal Savings, Qilu Bank ...): 19-digit card numbers.
BANK_BINS = ("622202", "622848", "621661", "621700", "623052", "621799", "622188", "623668",
             "621468", "622908")
# Mainland mobile prefixes (工信部 号段).
MOBILE_PREFIXES = ("130", "131", "132", "133", "134", "135", "136", "137", "138", "139", "150",
                   "151", "152", "153", "155", "156", "157", "158", "159", "166", "176", "177",
                   "178", "180", "181", "182", "183", "185", "186", "187", "188", "189", "198",
                   "199")
