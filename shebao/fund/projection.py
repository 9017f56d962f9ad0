r"""Actuarial projection of the enterprise employees' basic pension scheme (企业职工基本养老保险).

A cohort-component model by retirement group and single year of age, in yearly steps (the
structure of the World Bank's PROST and of the ILO's pension model, written down here so that it
can be checked; see Plamondon et al., *Actuarial Practice in Social Security*, ILO/ISSA 2002,
ch. 5–7, and Holzmann, Palacios & Zviniene, *PROST*, World Bank SP Discussion Paper 0417, 2004).

Groups :math:`g` are the three original retirement groups of the policy engine (men 60, women 55,
women 50), ages :math:`x = 16 … 105`. For a cohort born in year :math:`b = t - x` the state at the
start of year :math:`t` is: insured non-retired persons :math:`N_{g,x}`, of whom a share
:math:`s_{g,x}` contributes; their average contribution index :math:`I` (base over the average
wage), cumulative contribution months :math:`M` (with deemed months), months before the
individual account :math:`M^{pre}`, account balance :math:`B`; retirees :math:`R_{g,x}` with average
monthly pension :math:`P_{g,x}`. Each year:

1. **Entrants** :math:`E_t(x) = E \cdot (1+e)^{t-t_0} \cdot \pi_x` join :math:`N` (split by sex and
   group), with :math:`M = B = 0` and the entrants' index.
2. **Wages**: :math:`W_t = W_{t_0-1}(1+w)^{t-t_0+1}`, where :math:`W_{t_0-1}` is the policy engine's
   pension base (计发基数) of the year before the start; the pension base of year :math:`t` is
   :math:`W_t` too.
3. **Contributors** :math:`C = N\,s\,(1+\delta)^{t-t_0}` (capped at :math:`N`).
4. **Retirement**: for each birth month :math:`m` of the cohort the policy engine gives the statutory
   retirement month (:func:`shebao.policy.retirement.statutory_retirement`: the 2025 gradual reform,
   or the original age for the old fixed rule); birth months are taken as uniform, so the
   share of :math:`N` retiring in month :math:`\mu` of year :math:`t` is one twelfth per birth month
   whose retirement falls then (all of the rest when the cohort is past its age).
5. **Benefits** of each retiring birth month: :func:`shebao.policy.batch.pension_batch` (the same
   formulas as :func:`shebao.policy.pension.calc_pension`: basic, individual-account and
   transitional parts, annuity divisor by age in months) on the cohort's averages, with the
   pension base :math:`W_t`. They join :math:`R` with pension-weighted averages.
6. **Cash flows**:
   :math:`\text{contributions}_t = \sum (\tau_{er}+\tau_{ee})\,W_t\,I\,s\,N\,k`, with :math:`k = 12`
   months, or :math:`\mu+1` for those retiring in month :math:`\mu`;
   :math:`\text{expenditure}_t = \sum 12\,R\,P + \sum_{\text{retiring}} n\,P^{new}\,(11-\mu)`;
   :math:`\text{interest}_t = r\,A_{t-1}`; subsidy as the scenario gives it (a share of the
   expenditure or an amount growing yearly; 社会保险法 第十三条、第六十五条);
   :math:`\text{income}_t = \text{contributions} + \text{subsidy} + \text{interest}`,
   current balance :math:`= \text{income} - \text{expenditure}`,
   :math:`A_t = A_{t-1} + \text{current balance}`.
7. **Accounts**: :math:`B \leftarrow B(1+r_a) + 12\,\tau_{ee}\,W_t\,I\,s`,
   :math:`M \leftarrow M + 12 s`.
8. **Mortality** at the year end, :math:`N, R \leftarrow (1-q_{x})\,N, R` with :math:`q_x` from the
   scenario's life table (shipped: 中国人身保险业经验生命表（2010—2013）, an insured-lives table,
   see ``data/life-table-cl-2010-2013.csv``), then ages advance and pensions are indexed,
   :math:`P \leftarrow P(1+j)`.

Reported: contributors :math:`\sum C`, retirees :math:`\sum R` after the year's retirements,
dependency ratios retirees / contributors and retirees / insured workers (:math:`\sum N`), the year
the current balance first turns negative and the year the accumulated balance is exhausted.

Simplifications (stated, not hidden): cohort averages go through the pension formula (the basic
pension is linear in the index and the years separately, not in their product, so a cohort's
average pension is approximated); deaths are counted at the year end; everyone retires at the
statutory age (no flexible retirement, no minimum-period shortfall); a person's contribution index
stays at its starting value. Aggregates are computed in floating point and reported in yuan rounded
half-up to the fen: they are estimates, not amounts paid.
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

GROUPS = ("M60", "F55", "F50")
GROUP_SEX = ("M", "F", "F")
GROUP_AGE = (60, 55, 50)
AGE_MIN, AGE_MAX = 16, 105
AGES = np.arange(AGE_MIN, AGE_MAX + 1)
NA = AGES.size
DATA = Path(__file__).with_name("data")
SCENARIOS = Path(__file__).with_name("scenarios")
DEMO_SCENARIO = SCENARIOS / "demo.yaml"
LIFE_TABLE = DATA / "life-table-cl-2010-2013.csv"
LIFE_TABLE_SOURCE = ("中国人身保险业经验生命表（2010—2013），中国保监会 2016-12-21 通知附表（保险业经验表：参保人群，"
                     "非全体人口）")

# Assumptions with a source have a default (the policy engine or a shipped table). The others are
# scenario inputs without which the projection does not run.
REQUIRED = ("opening_balance", "new_entrants", "contribution_density", "wage_growth", "pension_indexation",
            "fiscal_subsidy", "interest_rate")
DEFAULTS: dict[str, dict[str, Any]] = {
    "employer_rate": {"value": 0.16, "source": "国务院办公厅关于印发降低社会保险费率综合方案的通知（国办发〔2019〕13号）一、降低养老保险单位缴费比例（单位缴费比例高于16%的可降至16%）；社会保险法 第十二条"},
    "employee_rate": {"value": 0.08, "source": "国务院关于完善企业职工基本养老保险制度的决定（国发〔2005〕38号）个人缴费比例8%（policy: pension.account.contribution_rate）；社会保险法 第十二条"},
    "retirement_rule": {"value": "reform_2025", "source": "国务院关于渐进式延迟法定退休年龄的办法 第一条（policy: retirement.*）"},
    "mortality": {"value": {"male": "cl5_male", "female": "cl6_female", "scale": 1.0}, "source": LIFE_TABLE_SOURCE + "：CL5/CL6 养老类业务表"},
    "density_change": {"value": 0.0, "source": "默认不变（缴费率随年份的变化，情景可另给）"},
}
CENT = Decimal("0.01")


class ScenarioError(ValueError):
    """The scenario is incomplete or wrong (the message names the input)."""


def money(value: float) -> str:
    """A float amount as a yuan string rounded half-up to the fen."""
    if not np.isfinite(value) or abs(value) >= 1e20:
        raise ScenarioError("预测结果超出数值范围：请检查情景的增长率和人数")
    return str(Decimal(repr(float(value))).quantize(CENT, rounding=ROUND_HALF_UP))


@lru_cache(maxsize=1)
def life_table() -> dict[str, np.ndarray]:
    """The shipped life table: column → qx by age 0–105 (qx at 105 is 1)."""
    with LIFE_TABLE.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(line for line in fh if not line.startswith("#")))
    cols = [c for c in rows[0] if c != "age"]
    return {c: np.array([float(r[c]) for r in rows]) for c in cols}


# --- scenarios -----------------------------------------------------------------------------------------


@dataclass
class Scenario:
    """A projection scenario: its name, label, start year, population and assumptions (each with a note)."""

    name: str
    label: str
    start_year: int
    region: str
    population: dict[str, Any]
    assumptions: dict[str, dict[str, Any]]
    given: list[str] = field(default_factory=list)

    def value(self, name: str) -> Any:
        return self.assumptions[name]["value"]

    def inputs(self) -> dict[str, Any]:
        """What the projection was given (and which defaults with sources it used)."""
        out = {}
        for name, item in sorted(self.assumptions.items()):
            out[name] = {"value": item["value"], "source": item.get("source") or item.get("note") or "",
                         "given": name in self.given}
        out["population"] = {"source": self.population.get("source"), "as_of": str(self.population.get("as_of", "")),
                             "given": True}
        return out


def load_scenario(path: Path | str | None = None, *, overrides: dict[str, Any] | None = None) -> Scenario:
    """Read a scenario YAML (default: the shipped 演示假设); missing unsourced inputs are an error."""
    import yaml

    path = Path(path) if path else DEMO_SCENARIO
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ScenarioError(f"情景文件不存在：{path}") from None
    except yaml.YAMLError as exc:
        raise ScenarioError(f"情景文件 {path} 不是有效的 YAML：{exc}") from None
    return scenario_from_dict(data, where=str(path), overrides=overrides)


def scenario_from_dict(data: Any, *, where: str = "情景", overrides: dict[str, Any] | None = None) -> Scenario:
    if not isinstance(data, dict):
        raise ScenarioError(f"{where}：应为键值结构（name、start_year、population、assumptions）")
    raw = dict(data.get("assumptions") or {})
    for key, value in (overrides or {}).items():
        raw[key] = {"value": value, "note": "命令行/页面覆盖"}
    missing = [k for k in REQUIRED if k not in raw]
    if missing:
        raise ScenarioError(f"{where}：缺少无来源的情景输入 {', '.join(missing)}（这些假设没有可引用的来源，须由使用者给出）")
    assumptions: dict[str, dict[str, Any]] = {}
    for key, item in raw.items():
        if not isinstance(item, dict) or "value" not in item:
            raise ScenarioError(f"{where}：假设 {key} 应写成 {{value: ..., note: 来源或说明}}")
        assumptions[key] = dict(item)
    given = sorted(assumptions)
    for key, item in DEFAULTS.items():
        assumptions.setdefault(key, dict(item))
    try:
        start = int(data.get("start_year") or 0)
    except (TypeError, ValueError):
        start = 0
    if not 2000 <= start <= 2100:
        raise ScenarioError(f"{where}：start_year 应为 2000–2100 的年份")
    population = data.get("population") or {}
    if population.get("source") not in ("aggregates", "registry"):
        raise ScenarioError(f"{where}：population.source 应为 aggregates（按性别和五岁组的汇总）或 registry（数据库）")
    if assumptions["retirement_rule"]["value"] not in ("reform_2025", "fixed"):
        raise ScenarioError(f"{where}：retirement_rule 应为 reform_2025 或 fixed")
    bounds = {"contribution_density": (0.0, 1.0), "wage_growth": (-0.5, 1.0), "pension_indexation": (-0.5, 1.0),
              "interest_rate": (-0.5, 1.0), "account_interest": (-0.5, 1.0), "density_change": (-0.5, 1.0),
              "employer_rate": (0.0, 1.0), "employee_rate": (0.0, 1.0), "female_55_share": (0.0, 1.0),
              "opening_balance": (-1e16, 1e16)}
    for key, (lo, hi) in bounds.items():
        if key not in assumptions:
            continue
        try:
            value = float(assumptions[key]["value"])
        except (TypeError, ValueError):
            raise ScenarioError(f"{where}：假设 {key} 的值应为数字") from None
        if not lo <= value <= hi:
            raise ScenarioError(f"{where}：假设 {key} 应在 {lo:g} 到 {hi:g} 之间：{value:g}")
    return Scenario(name=str(data.get("name") or Path(where).stem), label=str(data.get("label") or ""),
                    start_year=start, region=str(data.get("region") or "370000"), population=population,
                    assumptions=assumptions, given=given)


# --- the starting population ---------------------------------------------------------------------------


@dataclass
class Cohorts:
    """Per group × age arrays (shape (3, 90)): the state at the start of the first year."""

    insured: np.ndarray
    share: np.ndarray  # contributors / insured
    index: np.ndarray
    months: np.ndarray
    pre_months: np.ndarray
    balance: np.ndarray
    retirees: np.ndarray
    pension: np.ndarray

    @classmethod
    def empty(cls) -> Cohorts:
        z = lambda: np.zeros((len(GROUPS), NA))  # noqa: E731
        return cls(z(), z(), z(), z(), z(), z(), z(), z())


def _band(text: str) -> tuple[int, int]:
    lo, _, hi = str(text).partition("-")
    lo_i, hi_i = int(lo), int(hi or lo)
    if not AGE_MIN <= lo_i <= hi_i <= AGE_MAX:
        raise ValueError
    return lo_i, hi_i


def cohorts_from_aggregates(pop: dict[str, Any], *, wage0: float, female_55_share: float) -> Cohorts:
    """Cohorts from aggregates by sex and 5-year band: each band spread evenly over its single ages."""
    c = Cohorts.empty()
    sums = {k: np.zeros((len(GROUPS), NA)) for k in ("contrib", "base", "months", "pre", "balance", "pension")}
    for i, band in enumerate(pop.get("bands") or []):
        where = f"population.bands 第 {i + 1} 行"
        try:
            lo, hi = _band(band["band"])
            sex = str(band["sex"]).upper()
            vals = {k: float(band.get(k) or 0) for k in ("insured", "contributors", "retirees", "avg_base", "avg_months",
                                                        "avg_pre_months", "avg_balance", "avg_pension")}
        except (KeyError, ValueError, TypeError):
            raise ScenarioError(f"{where}：应有 sex（M/F）、band（如 20-24，16–105 岁）及数字 insured、contributors、"
                                "retirees、avg_base、avg_months、avg_pre_months、avg_balance、avg_pension") from None
        if sex not in ("M", "F") or vals["contributors"] > vals["insured"] or min(vals.values()) < 0:
            raise ScenarioError(f"{where}：sex 应为 M 或 F，人数不能为负，缴费人数不能多于参保人数")
        groups = [(0, 1.0)] if sex == "M" else [(1, female_55_share), (2, 1.0 - female_55_share)]
        n_ages = hi - lo + 1
        for g, w in groups:
            a = slice(lo - AGE_MIN, hi - AGE_MIN + 1)
            ins, con, ret = (vals["insured"] * w / n_ages, vals["contributors"] * w / n_ages, vals["retirees"] * w / n_ages)
            c.insured[g, a] += ins
            sums["contrib"][g, a] += con
            sums["base"][g, a] += con * vals["avg_base"]
            sums["months"][g, a] += ins * vals["avg_months"]
            sums["pre"][g, a] += ins * vals["avg_pre_months"]
            sums["balance"][g, a] += ins * vals["avg_balance"]
            c.retirees[g, a] += ret
            sums["pension"][g, a] += ret * vals["avg_pension"]
    return _finish(c, sums, wage0)


def _finish(c: Cohorts, sums: dict[str, np.ndarray], wage0: float) -> Cohorts:
    with np.errstate(invalid="ignore", divide="ignore"):
        c.share = np.where(c.insured > 0, sums["contrib"] / c.insured, 0.0)
        c.index = np.where(sums["contrib"] > 0, sums["base"] / sums["contrib"] / wage0, 1.0)
        c.months = np.where(c.insured > 0, sums["months"] / c.insured, 0.0)
        c.pre_months = np.where(c.insured > 0, sums["pre"] / c.insured, 0.0)
        c.balance = np.where(c.insured > 0, sums["balance"] / c.insured, 0.0)
        c.pension = np.where(c.retirees > 0, sums["pension"] / c.retirees, 0.0)
    return c


@dataclass
class Registry:
    """One row per person of the starting registry (NumPy arrays of equal length).

    ``status``: 0 insured not contributing, 1 contributor, 2 retiree; ``group``: 0 men 60, 1 women
    55, 2 women 50; ``base``: monthly contribution base (contributors); ``pension``: monthly pension
    (retirees); money in yuan.
    """

    group: np.ndarray
    birth_year: np.ndarray
    status: np.ndarray
    base: np.ndarray
    months: np.ndarray
    pre_months: np.ndarray
    balance: np.ndarray
    pension: np.ndarray


def cohorts_from_registry(reg: Registry, *, start_year: int, wage0: float) -> Cohorts:
    """Cohorts from person records: counts and averages by group and single age (``start_year`` − birth year)."""
    age = np.clip(start_year - reg.birth_year.astype(np.int64), AGE_MIN - 1, AGE_MAX)
    keep = age >= AGE_MIN
    g, a, st = reg.group[keep].astype(np.int64), age[keep] - AGE_MIN, reg.status[keep]
    idx = g * NA + a
    size = len(GROUPS) * NA

    def total(weights: np.ndarray | None, mask: np.ndarray) -> np.ndarray:
        w = mask.astype(np.float64) if weights is None else np.where(mask, weights[keep], 0.0)
        return np.bincount(idx, weights=w, minlength=size).reshape(len(GROUPS), NA)

    working, contributing, retired = st < 2, st == 1, st == 2
    c = Cohorts.empty()
    c.insured = total(None, working)
    c.retirees = total(None, retired)
    sums = {"contrib": total(None, contributing), "base": total(reg.base.astype(np.float64), contributing),
            "months": total(reg.months.astype(np.float64), working), "pre": total(reg.pre_months.astype(np.float64), working),
            "balance": total(reg.balance.astype(np.float64), working),
            "pension": total(reg.pension.astype(np.float64), retired)}
    return _finish(c, sums, wage0)


# --- the projection --------------------------------------------------------------------------------------


@dataclass
class Projection:
    """Yearly results (floats) and the per-cohort table of every year."""

    scenario: Scenario
    years: list[dict[str, Any]]
    cohorts: list[dict[str, np.ndarray]]  # per year: arrays (3, 90) of contributors, insured, retirees, ...
    turns_negative: int | None
    exhausted: int | None

    def to_json(self) -> dict[str, Any]:
        """The issue's JSON: money as yuan strings."""
        return {
            "scenario": self.scenario.name,
            "inputs": self.scenario.inputs(),
            "years": [{
                "year": y["year"], "contributors": round(y["contributors"]), "retirees": round(y["retirees"]),
                "income": money(y["income"]), "expenditure": money(y["expenditure"]),
                "current_balance": money(y["current_balance"]), "accumulated_balance": money(y["accumulated_balance"]),
                "dependency_ratio_contributors": round(y["dependency_ratio_contributors"], 4),
                "dependency_ratio_insured": round(y["dependency_ratio_insured"], 4),
            } for y in self.years],
            "turns_negative": self.turns_negative,
            "exhausted": self.exhausted,
        }

    def detail(self) -> list[dict[str, Any]]:
        """The yearly figures with the income broken down (contributions, subsidy, interest)."""
        keys = ("contributions", "subsidy", "interest", "new_retirees", "insured", "average_pension", "wage")
        return [{"year": y["year"], **{k: (money(y[k]) if k in ("contributions", "subsidy", "interest", "average_pension", "wage")
                                           else round(y[k])) for k in keys}} for y in self.years]


def _retirement_months(birth_year: int, group: int, rule: str, params: Any) -> np.ndarray:
    """Month index (year*12+month-1) of the statutory retirement for each birth month of a cohort."""
    from shebao.policy.retirement import statutory_retirement

    out = np.empty(12, dtype=np.int64)
    for m in range(12):
        st = statutory_retirement(dt.date(birth_year, m + 1, 1), GROUP_AGE[group], params)
        out[m] = st.retirement_ym if rule == "reform_2025" else st.original_ym
    return out


def _entrants(sc: Scenario, year: int) -> np.ndarray:
    spec = sc.value("new_entrants")
    try:
        total = float(spec["total"]) * (1 + float(spec.get("growth", 0))) ** (year - sc.start_year)
        male = float(spec.get("male_share", 0.5))
        ages = {int(k): float(v) for k, v in (spec.get("ages") or {}).items()}
    except (TypeError, ValueError, KeyError, AttributeError):
        raise ScenarioError("new_entrants 应为 {total: 人数, growth: 年增长率, male_share: 男性占比, ages: {年龄: 占比}}") from None
    if not 0 <= total <= 1e9 or not 0 <= male <= 1 or any(v < 0 for v in ages.values()):
        raise ScenarioError("new_entrants：total 应在 0 到 10 亿之间，male_share 在 0 到 1 之间，年龄占比不能为负")
    if not ages or any(not AGE_MIN <= a <= AGE_MAX for a in ages) or sum(ages.values()) <= 0:
        raise ScenarioError("new_entrants.ages 应给出 16–105 岁的入职年龄分布")
    s = sum(ages.values())
    f55 = float(sc.value("female_55_share")) if "female_55_share" in sc.assumptions else 0.0
    out = np.zeros((len(GROUPS), NA))
    for a, w in ages.items():
        n = total * w / s
        out[0, a - AGE_MIN] += n * male
        out[1, a - AGE_MIN] += n * (1 - male) * f55
        out[2, a - AGE_MIN] += n * (1 - male) * (1 - f55)
    return out


def _subsidy(sc: Scenario, year: int, expenditure: float) -> float:
    spec = sc.value("fiscal_subsidy")
    if isinstance(spec, dict) and "share_of_expenditure" in spec:
        return float(spec["share_of_expenditure"]) * expenditure
    if isinstance(spec, dict) and "amount" in spec:
        return float(spec["amount"]) * (1 + float(spec.get("growth", 0))) ** (year - sc.start_year)
    raise ScenarioError("fiscal_subsidy 应为 {share_of_expenditure: 比例} 或 {amount: 元, growth: 年增长率}")


def starting_wage(sc: Scenario, params: Any = None) -> float:
    """The policy engine's pension base of the year before the start (yuan a month), or the scenario's."""
    if "starting_wage" in sc.assumptions:
        return float(sc.value("starting_wage"))
    from shebao.policy.paramset import default_parameters

    params = params or default_parameters()
    try:
        return float(params.get("pension.base", dt.date(sc.start_year - 1, 1, 1), sc.region).value)
    except Exception as exc:  # ParameterMissing: the region/year has no published base
        raise ScenarioError(f"政策参数中没有 {sc.region} 地区 {sc.start_year - 1} 年的计发基数；请在情景中给出 starting_wage") from exc


def project(sc: Scenario, cohorts: Cohorts, *, to_year: int, params: Any = None) -> Projection:
    """Run the cohort-component projection from ``sc.start_year`` to ``to_year`` (inclusive)."""
    from shebao.policy.batch import pension_batch
    from shebao.policy.paramset import default_parameters

    if to_year < sc.start_year or to_year > sc.start_year + 100:
        raise ScenarioError(f"预测截止年份应在 {sc.start_year} 至 {sc.start_year + 100} 之间：{to_year}")
    params = params or default_parameters()
    rule = sc.value("retirement_rule")
    wage0 = starting_wage(sc, params)
    w, j = float(sc.value("wage_growth")), float(sc.value("pension_indexation"))
    r = float(sc.value("interest_rate"))
    ra = float(sc.assumptions.get("account_interest", {"value": r})["value"])
    rate_er, rate_ee = float(sc.value("employer_rate")), float(sc.value("employee_rate"))
    density, dchange = float(sc.value("contribution_density")), float(sc.value("density_change"))
    mort = sc.value("mortality")
    table = life_table()
    try:
        scale = float(mort.get("scale", 1.0))
        q_sex = {"M": np.minimum(table[mort["male"]] * scale, 1.0), "F": np.minimum(table[mort["female"]] * scale, 1.0)}
    except (KeyError, TypeError, AttributeError):
        raise ScenarioError(f"mortality 应为 {{male: 列名, female: 列名, scale: 倍数}}，列名可选 {', '.join(table)}") from None
    q = np.stack([q_sex[s][AGE_MIN:AGE_MAX + 1] for s in GROUP_SEX])
    q[:, -1] = 1.0
    ent_index = float(sc.value("new_entrants").get("avg_base_index", 1.0))

    N, s, Ix = cohorts.insured.copy(), cohorts.share.copy(), cohorts.index.copy()
    M, Mp, B = cohorts.months.copy(), cohorts.pre_months.copy(), cohorts.balance.copy()
    R, P = cohorts.retirees.copy(), cohorts.pension.copy()
    s = np.where(N > 0, s, density)
    A = float(sc.value("opening_balance"))
    years: list[dict[str, Any]] = []
    per_cohort: list[dict[str, np.ndarray]] = []
    turns_negative = exhausted = None
    ret_cache: dict[tuple[int, int], np.ndarray] = {}
    for t in range(sc.start_year, to_year + 1):
        W = wage0 * (1 + w) ** (t - sc.start_year + 1)
        # 1. entrants (weighted into the cohort averages)
        E = _entrants(sc, t)
        tot = N + E
        with np.errstate(invalid="ignore", divide="ignore"):
            s = np.where(tot > 0, (N * s + E * density) / tot, s)
            Ix = np.where(tot > 0, (N * Ix + E * ent_index) / tot, Ix)
            M = np.where(tot > 0, N * M / tot, M)
            Mp = np.where(tot > 0, N * Mp / tot, Mp)
            B = np.where(tot > 0, N * B / tot, B)
        N = tot
        sh = np.minimum(s * (1 + dchange) ** (t - sc.start_year), 1.0)
        C = N * sh
        # 2. retirements: one row per retiring birth month
        rows: list[tuple[int, int, int, int, float]] = []  # (g, a, ret_ym, birth_ym, share of N)
        for g in range(len(GROUPS)):
            for a in np.flatnonzero(N[g] > 0):
                b = t - (int(a) + AGE_MIN)
                key = (g, b)
                if key not in ret_cache:
                    ret_cache[key] = _retirement_months(b, g, rule, params)
                rm = ret_cache[key]
                ry = rm // 12
                left = int((ry >= t).sum())
                if left == 0:  # past the statutory age: all retire in January
                    rows.extend((g, int(a), t * 12, b * 12 + m, 1 / 12) for m in range(12))
                    continue
                for m in np.flatnonzero(ry == t):
                    rows.append((g, int(a), int(rm[m]), b * 12 + int(m), 1 / left))
        contrib = np.zeros((len(GROUPS), NA))
        expend = 12 * R * P
        retiring = np.zeros((len(GROUPS), NA))
        new_pension_sum = np.zeros((len(GROUPS), NA))
        if rows:
            arr = np.array(rows, dtype=np.float64)
            gg, aa = arr[:, 0].astype(np.int64), arr[:, 1].astype(np.int64)
            ret_ym, birth_ym, frac = arr[:, 2].astype(np.int64), arr[:, 3].astype(np.int64), arr[:, 4]
            mu = ret_ym - t * 12  # month of the year (0–11)
            n_row = N[gg, aa] * frac
            worked = (mu + 1) * sh[gg, aa]
            pay = pension_batch({
                "retirement_month": ret_ym, "birth_month": birth_ym,
                "original_retirement_age": np.array([GROUP_AGE[x] for x in gg], dtype=np.int64),
                "avg_contribution_index_micro": np.round(Ix[gg, aa] * 1_000_000).astype(np.int64),
                "contribution_months": np.round(M[gg, aa] + worked).astype(np.int64),
                "pre_account_months": np.minimum(np.round(Mp[gg, aa]), np.round(M[gg, aa] + worked)).astype(np.int64),
                "account_balance_fen": np.round((B[gg, aa] + rate_ee * W * Ix[gg, aa] * worked) * 100).astype(np.int64),
                "pension_base_fen": np.full(gg.size, int(round(W * 100)), dtype=np.int64),
            }, region=sc.region, assessed_on=dt.date(t, 12, 31), params=params, threads=1, engine="numpy")
            p_new = pay["total_fen"].astype(np.float64) / 100
            np.add.at(contrib, (gg, aa), n_row * (rate_er + rate_ee) * W * Ix[gg, aa] * worked)
            np.add.at(expend, (gg, aa), n_row * p_new * (11 - mu))
            np.add.at(retiring, (gg, aa), n_row)
            np.add.at(new_pension_sum, (gg, aa), n_row * p_new)
        staying = N - retiring
        contrib += staying * sh * (rate_er + rate_ee) * W * Ix * 12
        contributions, expenditure = float(contrib.sum()), float(expend.sum())
        interest = r * A
        subsidy = _subsidy(sc, t, expenditure)
        income = contributions + subsidy + interest
        current = income - expenditure
        A += current
        retirees_now = R + retiring
        with np.errstate(invalid="ignore", divide="ignore"):
            P = np.where(retirees_now > 0, (R * P + new_pension_sum) / retirees_now, 0.0)
        total_c, total_r, total_n = float(C.sum()), float(retirees_now.sum()), float(N.sum())
        years.append({
            "year": t, "contributors": total_c, "retirees": total_r, "insured": total_n,
            "new_retirees": float(retiring.sum()), "contributions": contributions, "subsidy": subsidy,
            "interest": interest, "income": income, "expenditure": expenditure, "current_balance": current,
            "accumulated_balance": A, "wage": W,
            "average_pension": float((retirees_now * P).sum() / total_r) if total_r else 0.0,
            "dependency_ratio_contributors": total_r / total_c if total_c else 0.0,
            "dependency_ratio_insured": total_r / total_n if total_n else 0.0,
        })
        per_cohort.append({"contributors": C.copy(), "insured": N.copy(), "retirees": retirees_now.copy(),
                           "contributions": contrib, "expenditure": expend})
        if turns_negative is None and current < 0:
            turns_negative = t
        if exhausted is None and A < 0:
            exhausted = t
        # accounts and months of those who stay, then deaths, ageing and indexation
        B = B * (1 + ra) + 12 * rate_ee * W * Ix * sh
        M = M + 12 * sh
        N = staying * (1 - q)
        R = retirees_now * (1 - q)
        N, s, Ix, M, Mp, B = (_age(x) for x in (N, s, Ix, M, Mp, B))
        R, P = _age(R), _age(P) * (1 + j)
    return Projection(sc, years, per_cohort, turns_negative, exhausted)


def _age(x: np.ndarray) -> np.ndarray:
    """Advance one year of age (the oldest age leaves: its mortality is 1)."""
    out = np.zeros_like(x)
    out[:, 1:] = x[:, :-1]
    return out


def run(sc: Scenario, *, to_year: int, registry: Registry | None = None, params: Any = None) -> Projection:
    """Build the starting cohorts (from the scenario's aggregates or the given registry) and project."""
    wage0 = starting_wage(sc, params)
    if sc.population.get("source") == "registry":
        if registry is None:
            raise ScenarioError("情景的 population.source 为 registry：需要从数据库读取参保人员（shebao fund project 会读取）")
        cohorts = cohorts_from_registry(registry, start_year=sc.start_year, wage0=wage0)
    else:
        share = float(sc.value("female_55_share")) if "female_55_share" in sc.assumptions else None
        if share is None or not 0 <= share <= 1:
            raise ScenarioError("按汇总数据预测需要情景输入 female_55_share（原法定退休年龄55岁的女职工占女性的比例，0–1）")
        cohorts = cohorts_from_aggregates(sc.population, wage0=wage0, female_55_share=share)
    return project(sc, cohorts, to_year=to_year, params=params)


def compare(a: Projection, b: Projection) -> list[dict[str, Any]]:
    """Year by year, scenario ``b`` minus scenario ``a`` (money as yuan strings)."""
    out = []
    for ya, yb in zip(a.years, b.years, strict=False):
        out.append({"year": ya["year"], "contributors": round(yb["contributors"] - ya["contributors"]),
                    "retirees": round(yb["retirees"] - ya["retirees"]),
                    **{k: money(yb[k] - ya[k]) for k in ("income", "expenditure", "current_balance", "accumulated_balance")},
                    "dependency_ratio_contributors": round(yb["dependency_ratio_contributors"] - ya["dependency_ratio_contributors"], 4)})
    return out


def project_json(scenario: dict[str, Any] | None, *, to_year: int, compare_fixed_ages: bool = False,
                 registry: Registry | None = None) -> dict[str, Any]:
    """The projection's JSON for a scenario given as data (default: the demo), optionally with the old
    fixed retirement ages side by side (``comparison``: its years and the year-by-year difference)."""
    import copy

    try:
        sc = load_scenario() if scenario is None else scenario_from_dict(scenario)
        result = run(sc, to_year=to_year, registry=registry)
    except (TypeError, ValueError, KeyError, AttributeError, OverflowError) as exc:
        if isinstance(exc, ScenarioError):
            raise
        # a scenario given as data (the API) may have any shape: name what is wrong, never fail hard
        raise ScenarioError(f"情景格式有误（应与情景 YAML 同结构，见 shebao/fund/scenarios/demo.yaml）：{exc}") from None
    data = result.to_json()
    data["label"] = sc.label
    data["detail"] = result.detail()
    if compare_fixed_ages:
        fixed = copy.deepcopy(sc)
        fixed.assumptions["retirement_rule"] = {"value": "fixed", "note": "对比：原法定退休年龄（不实施延迟退休）"}
        other = run(fixed, to_year=to_year, registry=registry)
        oj = other.to_json()
        data["comparison"] = {"scenario": f"{sc.name}（原法定退休年龄）", "years": oj["years"],
                              "turns_negative": oj["turns_negative"], "exhausted": oj["exhausted"],
                              "difference": compare(other, result)}
    return data
