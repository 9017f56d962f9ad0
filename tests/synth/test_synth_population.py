"""The synthetic population: format, validity, distributions, determinism, and labelled patterns.

One population of a few thousand persons (in several chunks, with elevated pattern rates) is
generated per module and queried with DuckDB, the way screening will read it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import duckdb
import numpy as np
import pyarrow.parquet as pq
import pytest

from shebao.core.validators import (
    InvalidValue,
    validate_bank_card,
    validate_id_number,
    validate_phone,
    validate_uscc,
)
from shebao.synth import PatternRates, generate
from shebao.synth import reference as ref

AS_OF = dt.date(2026, 11, 25)
N = 4000
RATES = PatternRates(paid_after_death=0.002, paid_while_imprisoned=0.002, shared_account=0.002,
                     split_transfer=0.002, duplicate_benefit=0.002, fake_backpayment=0.002,
                     duplicate_record=0.01)

# Issue 2's exchange format, verbatim, plus labels.csv from issue 3.
COLUMNS = {
    "persons": "person_id id_number name sex birth_date region_code phone original_retirement_age deemed_months",
    "employers": "employer_id uscc name region_code industry_code",
    "contributions": "person_id employer_id period insurance base employee_amount employer_amount paid_date",
    "contribution_years": "person_id year insurance months avg_base avg_index",
    "pension_accounts": "person_id as_of balance",
    "benefits": "benefit_id person_id kind region_code start_date end_date monthly_amount status bank_account",
    "payments": "payment_id benefit_id person_id period paid_date amount bank_account kind status",
    "deaths": "id_number name death_date source",
    "incarcerations": "id_number start_date end_date source",
    "certifications": "person_id certified_date method",
    "labels": "subject_type subject_id label cluster_id",
}


@pytest.fixture(scope="module")
def pop(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("synth") / "pop"
    summary = generate(N, seed=11, out=out, as_of=AS_OF, rates=RATES, progress=False, chunk_size=1500)
    assert summary.rows["persons"] > N
    return out


@pytest.fixture(scope="module")
def db(pop: Path):
    con = duckdb.connect()
    for name in COLUMNS:
        con.execute(f"create view {name}_raw as select * from read_csv('{pop / (name + '.csv')}', all_varchar=true, header=true)")
    con.execute("""create view persons as select person_id, id_number, name, sex, birth_date::date birth_date,
        region_code, phone, original_retirement_age::int ora, deemed_months::int deemed_months from persons_raw""")
    con.execute("""create view contributions as select person_id, employer_id, period, insurance,
        base::decimal(14,2) base, employee_amount::decimal(14,2) ee, employer_amount::decimal(14,2) er,
        paid_date::date paid_date, strptime(period || '-01', '%Y-%m-%d')::date period_day from contributions_raw""")
    con.execute("""create view years as select person_id, "year"::int "year", "months"::int "months",
        avg_base::decimal(14,2) avg_base, avg_index::decimal(8,4) avg_index from contribution_years_raw""")
    con.execute("""create view benefits as select benefit_id, person_id, kind, region_code, start_date::date start_date,
        end_date::date end_date, monthly_amount::decimal(14,2) amount, status, bank_account from benefits_raw""")
    con.execute("""create view payments as select payment_id, benefit_id, person_id, period, paid_date::date paid_date,
        amount::decimal(14,2) amount, bank_account, kind, status,
        strptime(period || '-01', '%Y-%m-%d')::date period_day from payments_raw""")
    con.execute("create view deaths as select id_number, name, death_date::date death_date, source from deaths_raw")
    con.execute("""create view incarcerations as select id_number, start_date::date start_date, end_date::date end_date,
        source from incarcerations_raw""")
    con.execute("create view certifications as select person_id, certified_date::date d, method from certifications_raw")
    con.execute("create view labels as select * from labels_raw")
    con.execute("create view pay_id as select p.*, q.id_number from payments p join persons q using (person_id)")
    return con


def rows(con, sql: str) -> list[tuple]:
    return con.execute(sql).fetchall()


def labelled(con, label: str) -> set[str]:
    return {r[0] for r in rows(con, f"select subject_id from labels where label = '{label}'")}


# --- format ------------------------------------------------------------------------------------

def test_files_have_exactly_the_exchange_columns(pop: Path):
    for name, cols in COLUMNS.items():
        header = (pop / f"{name}.csv").read_text(encoding="utf-8").split("\n", 1)[0]
        assert header.split(",") == cols.split(), name


def test_amounts_dates_and_periods_are_written_as_the_format_says(pop: Path):
    import re

    lines = (pop / "payments.csv").read_text(encoding="utf-8").splitlines()[1:200]
    for line in lines:
        f = line.split(",")
        assert re.fullmatch(r"\d{4}-\d{2}", f[3]) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", f[4])
        assert re.fullmatch(r"\d+\.\d{2}", f[5])
    for line in (pop / "contributions.csv").read_text(encoding="utf-8").splitlines()[1:500]:
        f = line.split(",")
        assert all(re.fullmatch(r"\d+\.\d{2}", x) for x in f[4:7]), line


def test_files_are_readable_by_their_owner_only(pop: Path):
    for path in pop.iterdir():
        assert path.stat().st_mode & 0o077 == 0, path


def test_parquet_has_the_same_columns_and_rows(tmp_path: Path):
    a = generate(300, seed=5, out=tmp_path / "c", as_of=AS_OF, progress=False)
    b = generate(300, seed=5, out=tmp_path / "p", as_of=AS_OF, fmt="parquet", progress=False)
    assert a.rows == b.rows
    for name, cols in COLUMNS.items():
        table = pq.read_table(tmp_path / "p" / f"{name}.parquet")
        assert table.column_names == cols.split()
    con = duckdb.connect()
    x = con.execute(f"select * from read_csv('{tmp_path / 'c' / 'persons.csv'}', all_varchar=true) order by 1").fetchall()
    y = con.execute(f"select * from '{tmp_path / 'p' / 'persons.parquet'}' order by 1").fetchall()
    assert [tuple(str(v) for v in r) for r in x] == [tuple(str(v) for v in r) for r in y]


# --- identifiers --------------------------------------------------------------------------------

def test_every_id_number_is_valid_and_consistent_with_the_person(db):
    for _pid, idn, sex, birth, region in rows(db, "select person_id, id_number, sex, birth_date, region_code from persons"):
        assert validate_id_number(idn, today=AS_OF) == idn
        assert idn[6:14] == birth.strftime("%Y%m%d")
        assert (int(idn[16]) % 2 == 1) == (sex == "M")
        assert region in ref.CITY_POPULATION_2020
    # a base record's ID was issued in a county of its own city
    for idn, region in rows(db, f"select id_number, region_code from persons where person_id <= 'P{N:09d}'"):
        assert idn[:6] in ref.CITY_COUNTIES[region]
    for (idn,) in rows(db, "select id_number from deaths union all select id_number from incarcerations"):
        validate_id_number(idn, today=AS_OF)


def test_id_numbers_are_unique_except_for_labelled_duplicates(db):
    dup = rows(db, "select id_number, list(person_id) from persons group by 1 having count(*) > 1")
    flagged = labelled(db, "duplicate_record")
    assert dup, "the fixture injects duplicate registrations"
    for _, pids in dup:
        assert set(pids) <= flagged


def test_every_uscc_bank_card_and_phone_is_valid(db):
    for (u,) in rows(db, "select uscc from employers_raw"):
        assert validate_uscc(u) == u
    for (acct,) in rows(db, "select bank_account from benefits union select bank_account from payments"):
        assert validate_bank_card(acct) == acct and len(acct) == 19
    for (phone,) in rows(db, "select phone from persons"):
        assert validate_phone(phone) == phone
    with pytest.raises(InvalidValue):  # the validators used above do reject a bad card
        validate_bank_card("6222020000000000001")


def test_regions_are_the_16_cities_weighted_by_population(tmp_path: Path):
    generate(30_000, seed=2, out=tmp_path / "r", as_of=AS_OF, progress=False, detail_months=1)
    con = duckdb.connect()
    got = dict(con.execute(f"select region_code, count(*) / 30000.0 from read_csv('{tmp_path / 'r' / 'persons.csv'}', all_varchar=true) where person_id <= 'P000030000' group by 1").fetchall())
    assert set(got) == set(ref.CITY_CODES) and "371200" not in got
    for code, share in zip(ref.CITY_CODES, ref.CITY_WEIGHTS, strict=True):
        assert abs(got[code] - share) < 0.006, code


# --- distributions --------------------------------------------------------------------------------

def test_raked_pyramid_matches_shandong_broad_census_shares():
    male, female = ref.shandong_pyramid()
    lows = np.array(ref.AGE_GROUPS)
    total = male + female
    assert total.sum() == pytest.approx(1.0)
    assert total[lows >= 60].sum() == pytest.approx(0.2090, abs=1e-9)
    assert total[lows >= 65].sum() == pytest.approx(0.1513, abs=1e-9)
    assert total[lows < 15].sum() == pytest.approx(0.1878, abs=1e-9)


def test_age_pyramid_within_tolerance_of_the_census(tmp_path: Path):
    n = 60_000
    generate(n, seed=3, out=tmp_path / "a", as_of=AS_OF, progress=False, detail_months=1)
    con = duckdb.connect()
    got = con.execute(f"""
        select sex, least(date_diff('year', birth_date::date, date '{AS_OF}') // 5, 20) g, count(*) / {n}.0
        from read_csv('{tmp_path / 'a' / 'persons.csv'}', all_varchar=true)
        where person_id <= 'P{n:09d}' group by all""").fetchall()
    shares = {(s, int(g)): v for s, g, v in got}
    male, female = ref.registry_age_shares()
    for g in range(4, 20):  # 20–24 … 95–99 (15–19 is cut at 16)
        for sex, target in (("M", male[g * 5:g * 5 + 5].sum()), ("F", female[g * 5:g * 5 + 5].sum())):
            assert abs(shares.get((sex, g), 0.0) - target) < 0.003 + 0.1 * target, (sex, g * 5)
    # and the population aged 60+ is Shandong's share of the adult population (2020 census)
    old = sum(v for (s, g), v in shares.items() if g >= 12)
    m5, f5 = ref.shandong_pyramid()
    lows = np.array(ref.AGE_GROUPS)
    adult = (m5 + f5)[lows >= 15].sum() - 0.2 * (m5 + f5)[lows == 15].sum()
    assert old == pytest.approx((m5 + f5)[lows >= 60].sum() / adult, abs=0.01)
    assert con.execute(f"select min(date_diff('year', birth_date::date, date '{AS_OF}')) from read_csv('{tmp_path / 'a' / 'persons.csv'}', all_varchar=true)").fetchone()[0] >= 16


def test_bases_within_60_to_300_percent_of_previous_year_average_wage(db):
    years = rows(db, "select distinct year(period_day) from contributions")
    for (y,) in years:
        avg = float(ref.avg_wage(y - 1))
        lo, hi = rows(db, f"select min(base), max(base) from contributions where year(period_day) = {y}")[0]
        assert float(lo) >= 0.6 * avg / 12 - 0.005 and float(hi) <= 3.0 * avg / 12 + 0.005
        assert float(lo) < 0.6 * avg / 12 + 1  # many are at the floor, as in the real registry
    lo, hi = rows(db, "select min(avg_index), max(avg_index) from years")[0]
    assert float(lo) >= 0.6 and float(hi) <= 3.0
    for y, base, idx in rows(db, "select year, avg_base, avg_index from years using sample 500 rows"):
        assert float(idx) == pytest.approx(float(base) / (float(ref.avg_wage(y - 1)) / 12), abs=6e-5)


def test_contribution_amounts_follow_the_rates(db):
    bad = rows(db, """select count(*) from contributions where
        (insurance = 'pension' and employer_id is not null and (ee <> round(base * 0.08, 2) or er <> round(base * 0.16, 2)))
        or (insurance = 'pension' and employer_id is null and (ee <> round(base * 0.20, 2) or er <> 0))
        or (insurance = 'unemployment' and (ee <> round(base * 0.003, 2) or er <> round(base * 0.007, 2)))
        or (insurance = 'injury' and ee <> 0)""")[0][0]
    assert bad == 0
    # detail covers the 36 months before the as-of month, back to the January of the first, and
    # the yearly summaries the years before it (issue 2: summaries only for years without detail)
    lo, hi, n = rows(db, "select min(period), max(period), count(distinct period) from contributions")[0]
    assert (lo, hi, n) == ("2023-01", "2026-10", 46)
    assert rows(db, "select max(\"year\") from years")[0][0] == 2022


def test_no_contribution_before_16_or_after_death(db):
    assert rows(db, """select count(*) from contributions c join persons p using (person_id)
        where c.period_day < p.birth_date + interval 16 year""")[0][0] == 0
    assert rows(db, """select count(*) from contributions c join persons p using (person_id)
        join deaths d using (id_number) where c.period_day > d.death_date""")[0][0] == 0


def test_pensions_are_plausible(db):
    avg, lo = rows(db, "select avg(amount), min(amount) from benefits where kind = 'pension'")[0]
    assert 2000 < float(avg) < 6000 and float(lo) > 100
    # retirees are of retirement age and hold at least the minimum period (except the fraud cases)
    young = rows(db, """select count(*) from benefits b join persons p using (person_id) where b.kind = 'pension'
        and b.start_date < p.birth_date + to_months(p.ora * 12)""")[0][0]
    assert young == 0
    short = rows(db, """
        with m as (select person_id, count(*) n from contributions where insurance = 'pension' group by 1),
             y as (select person_id, sum("months") n from years group by 1)
        select b.person_id from benefits b join persons p using (person_id)
        left join m using (person_id) left join y using (person_id)
        where b.kind = 'pension' and coalesce(m.n, 0) + coalesce(y.n, 0) + p.deemed_months < 180""")
    allowed = labelled(db, "fake_backpayment") | labelled(db, "duplicate_record")
    assert {r[0] for r in short} <= allowed


def test_deaths_follow_age_and_end_benefits(db):
    rate = dict(rows(db, f"""select date_diff('year', p.birth_date, date '{AS_OF}') >= 75, avg((d.id_number is not null)::int)
        from persons p left join (select distinct id_number from deaths) d using (id_number)
        where person_id <= 'P{N:09d}' group by 1"""))
    assert rate[True] > 5 * rate[False] > 0
    # the registry holds the ordinary dead too: their pensions terminated in the death month
    ended = rows(db, """select count(*), count(*) filter (where b.status = 'terminated'
            and date_trunc('month', b.end_date) = date_trunc('month', d.death_date))
        from benefits b join persons p using (person_id) join (select distinct id_number, death_date from deaths) d using (id_number)
        where b.kind = 'pension' and p.person_id not in (select subject_id from labels where label = 'paid_after_death')""")[0]
    assert ended[0] > 0 and ended[0] == ended[1]
    assert rows(db, "select count(distinct source) from deaths")[0][0] >= 3
    # strangers: people outside the registry are in the shared registries too
    assert rows(db, "select count(*) from deaths where id_number not in (select id_number from persons)")[0][0] > 0


def test_certifications_on_a_yearly_cycle_with_lateness(db):
    overdue = rows(db, f"""
        with last as (select person_id, max(d) d from certifications group by 1)
        select date_diff('day', coalesce(l.d, b.start_date), date '{AS_OF}') - 365 od
        from benefits b left join last l using (person_id)
        where b.kind = 'pension' and b.status = 'active'""")
    od = np.array([r[0] for r in overdue])
    assert (od <= 0).mean() > 0.9
    assert ((od >= 91) & (od <= 120)).sum() >= 1 and (od > 120).sum() >= 1
    never = rows(db, f"""select count(*) from benefits b where kind = 'pension' and status = 'active'
        and start_date < date '{AS_OF}' - interval 2 year
        and person_id not in (select person_id from certifications)""")[0][0]
    assert never >= 1
    assert {r[0] for r in rows(db, "select distinct method from certifications")} <= {"face", "bank", "hospital", "community", "silent"}
    assert rows(db, """select count(*) from certifications c join persons p using (person_id)
        join deaths d using (id_number) where c.d > d.death_date""")[0][0] == 0


# --- determinism ------------------------------------------------------------------------------------

def _digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def test_same_seed_same_bytes_different_seed_different_data(tmp_path: Path):
    kw = dict(as_of=AS_OF, progress=False, chunk_size=700)
    generate(1500, seed=9, out=tmp_path / "a", **kw)
    generate(1500, seed=9, out=tmp_path / "b", **kw)
    generate(1500, seed=10, out=tmp_path / "c", **kw)
    a, b, c = _digest(tmp_path / "a"), _digest(tmp_path / "b"), _digest(tmp_path / "c")
    assert a == b
    assert a["persons.csv"] != c["persons.csv"] and a["contributions.csv"] != c["contributions.csv"]
    generate(1500, seed=9, out=tmp_path / "d", as_of=dt.date(2025, 6, 30), progress=False, chunk_size=700)
    assert _digest(tmp_path / "d")["payments.csv"] != a["payments.csv"]


# --- labelled patterns -----------------------------------------------------------------------------

def test_every_pattern_is_injected(db):
    counts = dict(rows(db, "select label, count(*) from labels group by 1"))
    for label in ("paid_after_death", "paid_while_imprisoned", "shared_account", "split_transfer",
                  "duplicate_benefit", "fake_backpayment", "duplicate_record"):
        assert counts.get(label, 0) >= 2, label
    types = dict(rows(db, "select label, list(distinct subject_type) from labels group by 1"))
    assert types["shared_account"] == ["account"] and types["split_transfer"] == ["account"]
    assert types["duplicate_benefit"] == ["benefit"] and types["paid_after_death"] == ["person"]
    assert rows(db, "select count(*) from labels where (cluster_id is null) = (label = 'duplicate_record')")[0][0] == 0


PAID_AFTER_DEATH = """
    select distinct p.id_number from pay_id p join deaths d using (id_number)
    where p.period_day >= date_trunc('month', d.death_date) + interval 1 month
    union
    select distinct q.id_number from benefits b join persons q using (person_id) join deaths d using (id_number)
    where b.kind in ('pension', 'unemployment', 'injury_allowance') and b.status <> 'terminated'"""


def test_paid_after_death_matches_exactly_the_labels(db):
    hits = {r[0] for r in rows(db, PAID_AFTER_DEATH)}
    ids_ = {r[0] for r in rows(db, "select id_number from persons where person_id in (select subject_id from labels where label = 'paid_after_death')")}
    assert ids_ and hits == ids_


IMPRISONED = """
    select distinct p.id_number from pay_id p join incarcerations i using (id_number)
    join benefits b using (benefit_id)
    where b.kind in ('pension', 'unemployment')
      and p.period_day >= date_trunc('month', i.start_date) + interval 1 month
      and (i.end_date is null or p.period_day <= date_trunc('month', i.end_date))"""


def test_paid_while_imprisoned_matches_exactly_the_labels(db):
    hits = {r[0] for r in rows(db, IMPRISONED)}
    ids_ = {r[0] for r in rows(db, "select id_number from persons where person_id in (select subject_id from labels where label = 'paid_while_imprisoned')")}
    assert ids_ and hits == ids_
    # the registry also holds ordinary sentences, with the pension stopped meanwhile
    assert rows(db, "select count(*) from incarcerations i join persons using (id_number)")[0][0] > len(ids_)


def test_shared_accounts_match_exactly_the_labels(db):
    hits = {r[0] for r in rows(db, f"""select bank_account from pay_id
        where period_day >= date '{AS_OF.replace(day=1)}' - interval 11 month
        group by 1 having count(distinct id_number) >= 2""")}
    assert hits and hits == labelled(db, "shared_account")


def test_split_transfers_match_exactly_the_labels(db):
    hits = {r[0] for r in rows(db, """select bank_account from payments where amount < 50000
        group by bank_account, paid_date having count(*) >= 2 and sum(amount) >= 50000""")}
    assert hits and hits == labelled(db, "split_transfer")


def test_duplicate_benefits_match_exactly_the_labels(db):
    pairs = rows(db, """
        select a.benefit_id, b.benefit_id, a.person_id <> b.person_id, a.region_code <> b.region_code
        from (benefits a join persons pa using (person_id)) join (benefits b join persons pb using (person_id))
          on pa.id_number = pb.id_number and a.kind = b.kind and a.benefit_id < b.benefit_id
        where a.kind in ('pension', 'unemployment', 'injury_allowance')
          and a.start_date <= coalesce(b.end_date, date '9999-12-31') and b.start_date <= coalesce(a.end_date, date '9999-12-31')""")
    hits = {x for a, b, _, _ in pairs for x in (a, b)}
    assert hits and hits == labelled(db, "duplicate_benefit")
    assert all(two_people and two_regions for _, _, two_people, two_regions in pairs)


def test_fake_backpayments_match_exactly_the_labels(db):
    # many months paid on one day, at least six months late, with no employer, just before the
    # pension starts: no ordinary contribution is paid that late
    late = {r[0] for r in rows(db, "select distinct person_id from contributions where paid_date >= period_day + interval 6 month")}
    assert late == labelled(db, "fake_backpayment")
    for pid in late:
        n, days, employers, top = rows(db, f"""select count(*), count(distinct paid_date), count(employer_id), max(base)
            from contributions where person_id = '{pid}'""")[0]
        start = rows(db, f"select start_date from benefits where person_id = '{pid}' and kind = 'pension'")
        paid = rows(db, f"select max(paid_date) from contributions where person_id = '{pid}'")[0][0]
        assert n >= 12 and days == 1 and employers == 0 and start
        assert dt.timedelta(0) < start[0][0] - paid <= dt.timedelta(days=130)
        assert float(top) * 12 >= 2.9 * float(ref.avg_wage(paid.year - 2))


def test_duplicate_records_share_one_real_person(db):
    clusters = rows(db, """select l.cluster_id, count(*), count(distinct p.id_number), count(distinct p.birth_date),
            count(distinct p.sex), count(distinct p.name) + count(distinct p.phone) + count(distinct p.region_code)
        from labels l join persons p on p.person_id = l.subject_id
        where l.label = 'duplicate_record' group by 1""")
    assert clusters
    for _, records, ids_, births, sexes, variety in clusters:
        assert records >= 2 and ids_ == 1 and births == 1 and sexes == 1
        assert variety > 3  # a name variant, a phone typo or a second region
    kinds = rows(db, """with c as (select l.cluster_id, p.* from labels l join persons p on p.person_id = l.subject_id
            where l.label = 'duplicate_record')
        select count(distinct name) > 1, count(distinct phone) > 1, count(distinct region_code) > 1 from c group by cluster_id""")
    assert any(k[0] for k in kinds) and any(k[1] for k in kinds) and any(k[2] for k in kinds)


def test_every_label_points_at_an_existing_subject(db):
    for kind, table, key in (("person", "persons", "person_id"), ("benefit", "benefits", "benefit_id"),
                             ("account", "payments", "bank_account")):
        missing = rows(db, f"select count(*) from labels where subject_type = '{kind}' and subject_id not in (select {key} from {table})")
        assert missing[0][0] == 0, kind


def test_clean_accounts_receive_one_persons_payments_at_most_once_a_day(db):
    shared = labelled(db, "shared_account") | labelled(db, "split_transfer")
    multi = rows(db, "select bank_account from payments group by bank_account, paid_date having count(*) > 1")
    assert {r[0] for r in multi} <= shared


def test_natural_keys_are_unique_and_the_registry_parsers_accept_every_row(db, pop: Path):
    keys = {
        "persons": "person_id", "employers": "employer_id", "benefits": "benefit_id", "payments": "payment_id",
        "contributions": "person_id, period, insurance, employer_id",
        "contribution_years": "person_id, \"year\", insurance", "pension_accounts": "person_id, as_of",
        "deaths": "id_number, source", "incarcerations": "id_number, start_date",
        "certifications": "person_id, certified_date, method",
    }
    for name, key in keys.items():
        assert rows(db, f"select count(*) from (select {key} from {name}_raw group by all having count(*) > 1)")[0][0] == 0, name
    # the database allows one payment per benefit, period and kind
    assert rows(db, "select count(*) from (select 1 from payments group by benefit_id, period, kind having count(*) > 1)")[0][0] == 0
    exchange = pytest.importorskip("shebao.registry.exchange")
    import csv

    for spec in exchange.SPECS:
        with open(pop / f"{spec.name}.csv", encoding="utf-8") as f:
            for i, row in enumerate(csv.DictReader(f)):
                if i >= 3000:
                    break
                spec.parse(row)
