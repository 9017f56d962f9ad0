"""Each screening rule on small hand-built folders, with the near misses the issue lists, on each
batch engine (DuckDB and Spark: the ``batch_engine`` fixture), so that a rule is written once and
both engines are held to the same expected alerts.

As-of date 2026-10-31: the lookback is 2025-11 … 2026-10 (by payment period).
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from risk_builders import AS_OF, months

from shebao.risk.screening import screen_folder

LOOKBACK = months("2025-11", "2026-10")


def run(build, tmp_path, engine, rule: str, as_of: date = AS_OF) -> dict[str, object]:
    folder = build.write(tmp_path / "x")
    result = screen_folder(folder, as_of=as_of, rules=[rule], engine=engine)
    return {f.person_id: f for f in result.findings}


# --- R01 paid after death ----------------------------------------------------------------------

def test_r01_payments_after_death_month_flagged_death_month_payable(build, tmp_path, batch_engine):
    idn = build.person("p1")
    build.benefit("b1", "p1", end="", status="active")
    build.pay("b1", "p1", LOOKBACK)
    build.death(idn, "2026-05-10")
    found = run(build, tmp_path, batch_engine, "R01")
    f = found["p1"]
    assert f.level == "red" and f.benefit_id == "b1"
    assert f.amount_at_risk == Decimal("15000.00")  # 2026-06 … 2026-10, not the death month
    assert "2026-06–2026-10" in f.evidence and "2026-05-10" in f.evidence
    assert idn not in f.evidence and idn[:6] + "********" + idn[-4:] in f.evidence


def test_r01_near_miss_only_death_month_paid(build, tmp_path, batch_engine):
    idn = build.person("p1")
    build.benefit("b1", "p1", end="2026-05-31", status="terminated")
    build.pay("b1", "p1", months("2025-11", "2026-05"))
    build.death(idn, "2026-05-10")
    assert run(build, tmp_path, batch_engine, "R01") == {}


def test_r01_still_active_after_death_without_payments(build, tmp_path, batch_engine):
    idn = build.person("p1")
    build.benefit("b1", "p1", status="active")
    build.pay("b1", "p1", months("2025-11", "2026-09"))
    build.death(idn, "2026-09-20")
    f = run(build, tmp_path, batch_engine, "R01")["p1"]
    assert f.amount_at_risk == Decimal("0.00") and "正常状态的待遇 1 项" in f.evidence


def test_r01_name_shared_with_dead_stranger(build, tmp_path, batch_engine):
    build.person("p1", name="王建国")
    build.benefit("b1", "p1")
    build.pay("b1", "p1", LOOKBACK)
    stranger = build.person("p2", name="王建国")  # same name, another ID number, no benefit
    build.death(stranger, "2026-01-03")
    assert run(build, tmp_path, batch_engine, "R01") == {}


def test_r01_one_id_two_records_each_alerted_and_death_grants_excluded(build, tmp_path, batch_engine):
    idn = build.person("p1")
    build.person("p2", id_number=idn, region="370202")
    build.benefit("b1", "p1", end="2026-03-31", status="terminated")
    build.pay("b1", "p1", months("2025-11", "2026-03"))
    build.benefit("b2", "p2", region="370202", end="2026-08-31", status="terminated")
    build.pay("b2", "p2", months("2026-01", "2026-08"), amount="1000.00")
    build.benefit("g1", "p1", kind="funeral_grant", start="2026-03-15", status="terminated")
    build.pay("g1", "p1", "2026-04", amount="8000.00", kind="one_off")
    build.death(idn, "2026-02-28", source="funeral")
    found = run(build, tmp_path, batch_engine, "R01")
    assert found["p1"].amount_at_risk == Decimal("3000.00")   # 2026-03 only; the funeral grant is due
    assert found["p2"].amount_at_risk == Decimal("6000.00")   # 2026-03 … 2026-08
    # the death (date and source), what was paid after it, and the ID masked
    assert found["p1"].evidence.startswith("身份证号 370502********") and found["p1"].evidence.endswith(
        " 于 2026-02-28 死亡（来源：殡葬）；死亡当月之后发放 1 笔，期间 2026-03–2026-03，合计 3000.00 元；"
        "死亡后仍为正常状态的待遇 0 项"), found["p1"].evidence


def test_r01_death_after_as_of_not_known_yet(build, tmp_path, batch_engine):
    idn = build.person("p1")
    build.benefit("b1", "p1")
    build.pay("b1", "p1", LOOKBACK)
    build.death(idn, "2026-11-02")
    assert run(build, tmp_path, batch_engine, "R01") == {}


# --- R02 paid while imprisoned -----------------------------------------------------------------

def test_r02_payments_during_sentence(build, tmp_path, batch_engine):
    idn = build.person("p1")
    build.benefit("b1", "p1")
    build.pay("b1", "p1", LOOKBACK)
    build.prison(idn, "2026-03-10", "2026-06-20")
    f = run(build, tmp_path, batch_engine, "R02")["p1"]
    assert f.amount_at_risk == Decimal("9000.00")  # 2026-04, 05, 06: not the start month, up to the end month
    assert "2026-04–2026-06" in f.evidence


def test_r02_near_miss_sentence_starting_this_month(build, tmp_path, batch_engine):
    idn = build.person("p1")
    build.benefit("b1", "p1")
    build.pay("b1", "p1", LOOKBACK)
    build.prison(idn, "2026-10-05")
    assert run(build, tmp_path, batch_engine, "R02") == {}


def test_r02_open_sentence_and_other_kinds(build, tmp_path, batch_engine):
    idn = build.person("p1")
    build.benefit("b1", "p1", kind="unemployment", amount="1800.00")
    build.pay("b1", "p1", months("2026-07", "2026-10"), amount="1800.00")
    build.benefit("b2", "p1", kind="injury_allowance", amount="2000.00")
    build.pay("b2", "p1", months("2026-07", "2026-10"), amount="2000.00")
    build.prison(idn, "2026-08-01")
    f = run(build, tmp_path, batch_engine, "R02")["p1"]
    assert f.benefit_id == "b1" and f.amount_at_risk == Decimal("3600.00") and "未释放" in f.evidence


# --- R04 the same benefit, period and kind paid twice ---------------------------------------------

def test_r04_period_paid_twice(build, tmp_path, batch_engine):
    build.person("p1")
    build.benefit("b1", "p1")
    build.pay("b1", "p1", LOOKBACK, amount="3000.00")
    build.pay("b1", "p1", ["2026-03", "2021-05"], amount="2900.00")  # twice in March; an old one too
    build.pay("b1", "p1", "2021-05", amount="3000.00")
    found = run(build, tmp_path, batch_engine, "R04")
    f = found["p1"]
    assert f.level == "red" and f.benefit_id == "b1"
    assert f.amount_at_risk == Decimal("5800.00")  # the smaller of each pair (2900 twice): no lookback limit
    assert "2021-05、2026-03" in f.evidence and "2 笔" in f.evidence


def test_r04_near_misses(build, tmp_path, batch_engine):
    build.person("p1")
    build.benefit("b1", "p1")
    build.pay("b1", "p1", LOOKBACK)
    build.pay("b1", "p1", "2026-03", status="failed")          # a failed attempt paid nothing
    build.pay("b1", "p1", "2026-04", kind="recovery", amount="-3000.00")
    build.pay("b1", "p1", "2026-05", kind="backpay")            # another kind
    build.pay("b1", "p1", "2026-11")                            # twice, but after the as-of month
    build.pay("b1", "p1", "2026-11")
    build.person("p2")
    build.benefit("b2", "p2")
    build.pay("b2", "p2", "2026-03")                            # another benefit, same period
    assert run(build, tmp_path, batch_engine, "R04") == {}


# --- R03 split large transfer ------------------------------------------------------------------

def test_r03_two_transfers_reaching_threshold_alert_each_person(build, tmp_path, batch_engine):
    for pid in ("p1", "p2"):
        build.person(pid)
        build.benefit("b" + pid, pid, kind="disability_grant", account="6222020000009999")
        build.pay("b" + pid, pid, "2026-07", amount="25000.00", account="6222020000009999", paid_date="2026-07-08",
                  kind="one_off")
    found = run(build, tmp_path, batch_engine, "R03")
    assert set(found) == {"p1", "p2"}
    assert found["p1"].amount_at_risk == Decimal("50000.00")
    assert "**** 9999" in found["p1"].evidence and "6222020000009999" not in found["p1"].evidence


def test_r03_near_misses(build, tmp_path, batch_engine):
    build.person("p1")
    build.benefit("b1", "p1", kind="disability_grant", account="6222020000008888")
    # just under: 24,999.99 × 2 = 49,999.98
    build.pay("b1", "p1", "2026-07", amount="24999.99", account="6222020000008888", paid_date="2026-07-08")
    build.pay("b1", "p1", "2026-07", amount="24999.99", account="6222020000008888", paid_date="2026-07-08")
    # a large payment is not split: one above, one below the threshold
    build.pay("b1", "p1", "2026-08", amount="50000.00", account="6222020000008888", paid_date="2026-08-08")
    build.pay("b1", "p1", "2026-08", amount="100.00", account="6222020000008888", paid_date="2026-08-08")
    # two days
    build.pay("b1", "p1", "2026-09", amount="30000.00", account="6222020000008888", paid_date="2026-09-08")
    build.pay("b1", "p1", "2026-09", amount="30000.00", account="6222020000008888", paid_date="2026-09-09")
    # before the lookback (by paid date)
    build.pay("b1", "p1", "2025-10", amount="30000.00", account="6222020000008888", paid_date="2025-10-31")
    build.pay("b1", "p1", "2025-10", amount="30000.00", account="6222020000008888", paid_date="2025-10-31")
    assert run(build, tmp_path, batch_engine, "R03") == {}


# --- Y01 / B01 certification overdue ------------------------------------------------------------

def _cert_case(build, pid: str, overdue: int) -> None:
    build.person(pid, certified=(AS_OF - timedelta(days=365 + overdue)).isoformat())
    build.benefit("b" + pid, pid)


def test_certification_thresholds_exact(build, tmp_path, batch_engine):
    _cert_case(build, "o90", 90)
    _cert_case(build, "o91", 91)
    _cert_case(build, "o120", 120)
    _cert_case(build, "o121", 121)
    folder = build.write(tmp_path / "x")
    result = screen_folder(folder, as_of=AS_OF, rules=["Y01", "B01"], engine=batch_engine)
    got = {(f.person_id, f.rule_id) for f in result.findings}
    assert got == {("o91", "B01"), ("o120", "B01"), ("o121", "Y01")}
    y = next(f for f in result.findings if f.rule_id == "Y01")
    assert "已逾期 121 天" in y.evidence


def test_certification_never_certified_counts_from_start_and_dead_left_to_r01(build, tmp_path, batch_engine):
    build.person("p1", certified=None)
    build.benefit("b1", "p1", start="2025-01-01")  # 668 days to as-of: overdue 303
    idn = build.person("p2", certified="2024-01-01")
    build.benefit("b2", "p2")
    build.death(idn, "2026-01-01")
    build.person("p3", certified="2024-01-01")
    build.benefit("b3", "p3", status="suspended")  # only active benefits
    found = run(build, tmp_path, batch_engine, "Y01")
    assert set(found) == {"p1"} and "从未认证" in found["p1"].evidence and "303 天" in found["p1"].evidence


# --- Y02 shared account ----------------------------------------------------------------------

def test_y02_shared_account_alerts_every_person(build, tmp_path, batch_engine):
    for pid in ("p1", "p2"):
        build.person(pid)
        build.benefit("b" + pid, pid, account="6222020000007777")
        build.pay("b" + pid, pid, LOOKBACK[-3:], account="6222020000007777")
    found = run(build, tmp_path, batch_engine, "Y02")
    assert set(found) == {"p1", "p2"} and "2 个不同身份证号" in found["p1"].evidence


def test_y02_near_misses(build, tmp_path, batch_engine):
    # shared only before the lookback
    for pid in ("p1", "p2"):
        build.person(pid)
        build.benefit("b" + pid, pid, account="6222020000006666")
        build.pay("b" + pid, pid, ["2025-09", "2025-10"], account="6222020000006666")
    # one person (one ID number) under two records on one account
    idn = build.person("p3")
    build.person("p4", id_number=idn)
    for pid in ("p3", "p4"):
        build.benefit("b" + pid, pid, account="6222020000005555")
        build.pay("b" + pid, pid, LOOKBACK[-2:], account="6222020000005555")
    assert run(build, tmp_path, batch_engine, "Y02") == {}


# --- Y03 duplicate benefit --------------------------------------------------------------------

def test_y03_overlapping_benefits_two_regions(build, tmp_path, batch_engine):
    idn = build.person("p1", region="370502")
    build.person("p2", id_number=idn, region="370202")
    build.benefit("b1", "p1", start="2019-01-01")
    build.benefit("b2", "p2", region="370202", start="2026-01-01", amount="2500.00")
    build.pay("b1", "p1", LOOKBACK)
    build.pay("b2", "p2", months("2026-01", "2026-10"), amount="2500.00")
    found = run(build, tmp_path, batch_engine, "Y03")
    assert set(found) == {"p1", "p2"}
    assert found["p1"].amount_at_risk == found["p2"].amount_at_risk == Decimal("25000.00")
    assert found["p2"].benefit_id == "b2" and "养老金" in found["p2"].evidence


def test_y03_near_miss_move_without_overlap_and_different_kinds(build, tmp_path, batch_engine):
    idn = build.person("p1", region="370502")
    build.person("p2", id_number=idn, region="370202")
    build.benefit("b1", "p1", start="2019-01-01", end="2025-05-31", status="terminated")
    build.benefit("b2", "p2", region="370202", start="2025-06-01")
    build.benefit("b3", "p2", kind="injury_allowance", region="370202", start="2020-01-01")
    assert run(build, tmp_path, batch_engine, "Y03") == {}


# --- B02 first payment in another region ------------------------------------------------------

def test_b02_first_payment_elsewhere_within_lookback(build, tmp_path, batch_engine):
    build.person("p1", region="370502")
    build.benefit("b1", "p1", region="440305", start="2026-02-01")
    build.pay("b1", "p1", months("2026-02", "2026-10"))
    build.person("p2", region="370502")
    build.benefit("b2", "p2", region="440305", start="2024-01-01")
    build.pay("b2", "p2", months("2025-10", "2026-10"))  # first paid before the lookback
    build.person("p3", region="370502")
    build.benefit("b3", "p3", start="2026-02-01")
    build.pay("b3", "p3", months("2026-02", "2026-10"))  # same region
    found = run(build, tmp_path, batch_engine, "B02")
    assert set(found) == {"p1"} and "2026-02" in found["p1"].evidence and found["p1"].benefit_id == "b1"


# --- B03 contribution record anomaly ----------------------------------------------------------

def test_b03_minimum_period_with_deemed_months(build, tmp_path, batch_engine):
    build.person("short", contrib_years=None, deemed=0)
    build.benefit("bs", "short")
    for p in months("2000-01", "2014-02"):  # 170 months
        build.contribution("short", p)
    build.person("enough", contrib_years=None, deemed=30)
    build.benefit("be", "enough")
    for p in months("2000-01", "2012-06"):  # 150 months + 30 deemed = 180
        build.contribution("enough", p)
    found = run(build, tmp_path, batch_engine, "B03")
    assert set(found) == {"short"} and "170 个月" in found["short"].evidence


def test_b03_yearly_summaries_fill_years_without_detail_only(build, tmp_path, batch_engine):
    build.person("p1", contrib_years=None)
    build.benefit("b1", "p1")
    for p in months("2010-01", "2010-12"):
        build.contribution("p1", p)
    build.rows["contribution_years"] += [
        {"person_id": "p1", "year": y, "insurance": "pension", "months": 12, "avg_base": "3000", "avg_index": "1"}
        for y in range(1996, 2011)  # 1996–2010; 2010 has detail and must not count twice
    ]
    # 12 (detail 2010) + 14×12 (summaries 1996–2009) = 180: not flagged
    assert run(build, tmp_path, batch_engine, "B03") == {}


def test_b03_contribution_before_sixteen(build, tmp_path, batch_engine):
    build.person("p1", birth="1960-06-15")
    build.benefit("b1", "p1")
    build.contribution("p1", "1976-06")  # the month of the 16th birthday: fine
    build.person("p2", birth="1960-06-15")
    build.benefit("b2", "p2")
    build.contribution("p2", "1976-05")  # a month before it
    found = run(build, tmp_path, batch_engine, "B03")
    assert set(found) == {"p2"} and "年满 16 周岁前的缴费 1 个月" in found["p2"].evidence


def test_b03_minimum_rises_from_2030_with_delayed_retirement(build, tmp_path, batch_engine):
    # Born 1969-01, original age 60: delayed 13 months → retires 2030-02, minimum 186 months.
    build.person("p1", birth="1969-01-10", contrib_years=None, deemed=183)
    build.benefit("b1", "p1", start="2030-02-01")
    build.person("p2", birth="1969-01-10", contrib_years=None, deemed=186)
    build.benefit("b2", "p2", start="2030-02-01")
    # Born 1968-06, original age 60: delayed 11 months → retires 2029-05, minimum still 180.
    build.person("p3", birth="1968-06-10", contrib_years=None, deemed=181)
    build.benefit("b3", "p3", start="2029-05-01")
    found = run(build, tmp_path, batch_engine, "B03")
    assert set(found) == {"p1"} and "2030 年达到退休年龄，最低要求 186 个月" in found["p1"].evidence


# --- the catalogue is data -------------------------------------------------------------------

def test_analyst_changes_a_threshold_in_yaml_only(build, tmp_path, batch_engine):
    import yaml

    from shebao.risk.catalogue import DEFAULT_CATALOGUE, load_catalogue

    build.person("p1")
    build.benefit("b1", "p1", kind="disability_grant", account="6222020000008888")
    for _ in range(2):
        build.pay("b1", "p1", "2026-07", amount="24999.99", account="6222020000008888", paid_date="2026-07-08")
    folder = build.write(tmp_path / "x")
    assert screen_folder(folder, as_of=AS_OF, rules=["R03"], engine=batch_engine).findings == []
    doc = yaml.safe_load(DEFAULT_CATALOGUE.read_text(encoding="utf-8"))
    next(r for r in doc["rules"] if r["id"] == "R03")["parameters"]["large_amount"] = 40000
    changed = tmp_path / "catalogue.yaml"
    changed.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    found = screen_folder(folder, as_of=AS_OF, rules=["R03"], catalogue=load_catalogue(changed), engine=batch_engine).findings
    assert [(f.person_id, f.amount_at_risk) for f in found] == [("p1", Decimal("49999.98"))]
    assert "40000" in found[0].evidence


def test_catalogue_errors_name_the_rule(tmp_path, build, batch_engine):
    import pytest

    from shebao.risk.catalogue import CatalogueError, load_catalogue

    bad = tmp_path / "bad.yaml"
    bad.write_text("rules:\n  - {id: X1, level: purple, title: t, sql: 'SELECT 1', evidence: e}\n", encoding="utf-8")
    with pytest.raises(CatalogueError, match="X1"):
        load_catalogue(bad)
    bad.write_text("rules:\n  - {id: X2, level: red, title: t, sql: 'SELECT {{ nope }}', evidence: e}\n",
                   encoding="utf-8")
    build.person("p1")
    folder = build.write(tmp_path / "x")
    with pytest.raises(CatalogueError, match="nope"):
        screen_folder(folder, as_of=AS_OF, catalogue=load_catalogue(bad), engine=batch_engine)
    bad.write_text("rules:\n  - {id: X3, level: red, title: t, sql: 'SELECT person_id FROM persons', evidence: e}\n",
                   encoding="utf-8")
    with pytest.raises(CatalogueError, match="X3.*benefit_id"):
        screen_folder(folder, as_of=AS_OF, catalogue=load_catalogue(bad), engine=batch_engine)
