"""One chunk of the synthetic registry, generated column-wise with NumPy.

A chunk is a block of persons (100,000 by default) with everything that hangs off them: careers,
contributions, accounts, benefits, payments, the shared registries, and the injected patterns
with their labels. Chunks are independent (each has its own generator derived from the seed and
the chunk number) except for a few global counters kept in :class:`Context` (record keys, the
set of ID numbers already issued), which are advanced in chunk order, so the output is the same
whatever the machine.

Months are counted as ``datetime64[M]`` integers (months since 1970-01) and days as
``datetime64[D]`` integers throughout; amounts are integer fen.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from shebao.synth import ids
from shebao.synth import reference as ref
from shebao.synth.pension import annuity_divisor, assess_pensions
from shebao.synth.schema import INDEX, MONEY

BIG = 10**7  # "never" in month indices
def min_months(retire_year: np.ndarray) -> np.ndarray:
    """Minimum contribution period by the year the statutory age is reached (延迟退休办法 第二条):
    180 months until 2029, then +6 a year up to 240 (2039)."""
    return np.clip(180 + 6 * (np.asarray(retire_year) - 2029), 180, 240)


@dataclass
class PatternRates:
    """How often each injected pattern occurs, as a share of the persons generated.

    Defaults are rare, as in a real registry. A chunk with a non-zero rate always holds at least
    one case of each pattern (when it has a person who fits), so that a small demo shows them all.
    """

    paid_after_death: float = 0.0002
    paid_while_imprisoned: float = 0.00005
    shared_account: float = 0.0001
    split_transfer: float = 0.0001
    duplicate_benefit: float = 0.0001
    fake_backpayment: float = 0.0001
    duplicate_record: float = 0.005


@dataclass
class Context:
    """Settings and global state shared by the chunks, advanced in chunk order."""

    seed: int
    as_of: dt.date
    persons: int
    detail_months: int
    rates: PatternRates
    chunk_size: int = 100_000
    employers: dict = field(default_factory=dict)
    used_ids: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    next_extra_person: int = 0
    next_benefit: int = 1
    next_payment: int = 1
    next_cluster: int = 1
    next_serial: int = 0  # serial for phones and bank accounts beyond the base persons
    pension_counts: dict = field(default_factory=dict)  # pensions assessed by engine / approximation
    region: str | None = None  # a prefecture code: everyone lives there (default: all of Shandong by population)

    def __post_init__(self) -> None:
        self.city_weights = ref.CITY_WEIGHTS
        if self.region:
            city = ref.prefecture_of(self.region)
            self.city_weights = np.array([1.0 if c == city else 0.0 for c in ref.CITY_CODES])
        self.as_of_day = int(np.datetime64(self.as_of, "D").astype(np.int64))
        self.as_of_m = int(np.datetime64(self.as_of, "M").astype(np.int64))
        self.as_of_year = self.as_of.year
        # Monthly contribution detail: the M months before the as-of month, extended back to the
        # January of the first one, because the exchange format keeps yearly summaries only for
        # years without monthly detail (issue 2): a year is either detailed or summarised.
        self.last_c = self.as_of_m - 1
        self.w0 = self.last_c - self.detail_months + 1
        self.w0 -= self.w0 % 12
        self.detail_span = self.last_c - self.w0 + 1
        # Regular payments: the 12 periods up to the as-of month (paid from the 5th to the 14th).
        self.last_p = self.as_of_m if self.as_of.day >= 15 else self.as_of_m - 1
        self.p0 = self.last_p - 11
        male, female = ref.registry_age_shares()
        self.age_p = np.concatenate([male, female])
        self.next_extra_person = self.persons + 1
        self.next_serial = self.persons + 1
        counties = [ref.CITY_COUNTIES[c] for c in ref.CITY_CODES]
        width = max(len(c) for c in counties)
        self.county_table = np.array([[int(x) for x in c] + [int(c[0])] * (width - len(c)) for c in counties])
        self.county_len = np.array([len(c) for c in counties])
        self.city_int = np.array([int(c) for c in ref.CITY_CODES])
        self.city_str = pa.array(list(ref.CITY_CODES))


def month_day(month: np.ndarray, day: np.ndarray | int) -> np.ndarray:
    """Day number (days since 1970-01-01) of ``day`` in month index ``month``."""
    first = np.asarray(month, dtype=np.int64).astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)
    return first + np.asarray(day, dtype=np.int64) - 1


def day_month(days: np.ndarray) -> np.ndarray:
    return np.asarray(days, dtype=np.int64).astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)


def month_last_day(month: np.ndarray) -> np.ndarray:
    return month_day(np.asarray(month) + 1, 1) - 1


def money(fen: np.ndarray, mask: np.ndarray | None = None) -> pa.Array:
    """Integer fen → decimal128(14, 2) yuan, without a copy through Python."""
    return _decimal(np.asarray(fen, dtype=np.int64), MONEY, mask)


def _decimal(units: np.ndarray, typ: pa.DataType, mask: np.ndarray | None = None) -> pa.Array:
    if len(units) and units.min() >= 0:
        buf = np.zeros((len(units), 2), dtype=np.int64)  # high words stay zero (lazily mapped pages)
        buf[:, 0] = units
    else:
        buf = np.empty((len(units), 2), dtype=np.int64)
        buf[:, 0] = units
        buf[:, 1] = units >> 63
    validity = None
    if mask is not None and mask.any():
        validity = pa.array(~mask).buffers()[1]
    return pa.Array.from_buffers(typ, len(units), [validity, pa.py_buffer(buf)])


def dates(days: np.ndarray, mask: np.ndarray | None = None) -> pa.Array:
    arr = np.asarray(days, dtype=np.int32)
    return pa.array(arr, type=pa.int32(), mask=mask).cast(pa.date32())


def period_strings(months: np.ndarray) -> pa.Array:
    """Month indices → ``YYYY-MM`` strings, through a dictionary of the distinct months."""
    uniq, inv = np.unique(months, return_inverse=True)
    labels = pa.array([f"{m // 12 + 1970:04d}-{m % 12 + 1:02d}" for m in uniq.tolist()])
    return pa.DictionaryArray.from_arrays(pa.array(inv.astype(np.int32)), labels)


def take_str(values: list[str] | pa.Array, idx: np.ndarray) -> pa.Array:
    arr = values if isinstance(values, pa.Array) else pa.array(values)
    return pa.DictionaryArray.from_arrays(pa.array(np.asarray(idx, dtype=np.int32)), arr)


# ---------------------------------------------------------------------------------------------
# Employers (one global table)
# ---------------------------------------------------------------------------------------------

def make_employers(ctx: Context) -> pa.Table:
    """Employers: about one per 15 insured persons, in cities by population, sizes Pareto."""
    rng = np.random.default_rng(np.random.SeedSequence([ctx.seed, 0xE])) 
    n = max(len(ref.CITY_CODES) * 2, ctx.persons // 15)
    city = np.sort(np.concatenate([np.arange(len(ref.CITY_CODES)),
                                   rng.choice(len(ref.CITY_CODES), n - len(ref.CITY_CODES), p=ctx.city_weights)]))
    county = ctx.county_table[city, (rng.random(n) * ctx.county_len[city]).astype(np.int64)]
    industry = rng.choice(len(ref.INDUSTRIES), n, p=ref.INDUSTRY_SHARES)
    weight = rng.pareto(1.1, n) + 1.0
    weight = np.minimum(weight, 2000.0)
    cum = np.cumsum(weight)
    starts = np.searchsorted(city, np.arange(len(ref.CITY_CODES)), side="left")
    ends = np.searchsorted(city, np.arange(len(ref.CITY_CODES)), side="right")
    cum_lo = np.where(starts > 0, cum[np.maximum(starts - 1, 0)], 0.0)
    cum_hi = cum[ends - 1]
    serial = np.arange(1, n + 1)
    employer_id = ids.keys("E", serial, 7)
    org = ids.scramble(serial, 10**8, 12_345_679 + ctx.seed % 1000)
    uscc = ids.uscc(county, org)
    firm = rng.integers(0, len(ref.FIRM_WORDS), n)
    suffix = rng.choice(len(ref.FIRM_SUFFIXES), n, p=[0.6, 0.25, 0.1, 0.05])
    city_names = [ref.CITY_NAMES[c] for c in ref.CITY_CODES]
    name = pc.binary_join_element_wise(
        take_str(city_names, city).cast(pa.string()),
        take_str(list(ref.FIRM_WORDS), firm).cast(pa.string()),
        take_str(ref.INDUSTRY_WORDS, industry).cast(pa.string()),
        take_str(list(ref.FIRM_SUFFIXES), suffix).cast(pa.string()),
        "",
    )
    ctx.employers = {
        "n": n, "city": city, "cum": cum, "cum_lo": cum_lo, "cum_hi": cum_hi,
        "injury_bp": ref.INDUSTRY_INJURY_BP[industry],
        "pay_day": rng.integers(10, 26, n),
        "ids": employer_id,
    }
    return pa.table({
        "employer_id": employer_id,
        "uscc": uscc,
        "name": name,
        "region_code": take_str(ctx.city_str, city).cast(pa.string()),
        "industry_code": take_str(ref.INDUSTRY_LETTERS, industry).cast(pa.string()),
    })


def draw_employers(ctx: Context, rng: np.random.Generator, city: np.ndarray) -> np.ndarray:
    """Employer index for each person: 95% in their own city, by employer size."""
    e = ctx.employers
    u = rng.random(len(city))
    anywhere = rng.random(len(city)) < 0.05
    target = np.where(anywhere, u * e["cum"][-1], e["cum_lo"][city] + u * (e["cum_hi"][city] - e["cum_lo"][city]))
    return np.minimum(np.searchsorted(e["cum"], target, side="right"), e["n"] - 1).astype(np.int32)


# ---------------------------------------------------------------------------------------------
# Names, ID numbers
# ---------------------------------------------------------------------------------------------

_SURNAMES = [s for s, _ in ref.SURNAMES]
_SURNAME_P = np.array([w for _, w in ref.SURNAMES]) / sum(w for _, w in ref.SURNAMES)


def draw_names(rng: np.random.Generator, male: np.ndarray) -> tuple[pa.Array, np.ndarray]:
    """Chinese names: a surname by frequency, one or two given-name characters by sex."""
    n = len(male)
    sur = rng.choice(len(_SURNAMES), n, p=_SURNAME_P)
    nm, nf = len(ref.GIVEN_MALE), len(ref.GIVEN_FEMALE)
    chars = list(ref.GIVEN_MALE) + list(ref.GIVEN_FEMALE)
    g1 = np.where(male, rng.integers(0, nm, n), nm + rng.integers(0, nf, n))
    g2 = np.where(male, rng.integers(0, nm, n), nm + rng.integers(0, nf, n))
    single = rng.random(n) < 0.3
    chars_e = pa.array(chars + [""])
    g2 = np.where(single, len(chars), g2)
    name = pc.binary_join_element_wise(
        take_str(_SURNAMES, sur).cast(pa.string()),
        take_str(chars_e, g1).cast(pa.string()),
        take_str(chars_e, g2).cast(pa.string()),
        "",
    )
    return name, sur


def unique_id_bodies(ctx: Context, rng: np.random.Generator, county: np.ndarray, ymd: np.ndarray,
                     male: np.ndarray) -> np.ndarray:
    """17-digit ID bodies, unique across everything issued so far (sequence codes redrawn on a
    clash); the 17th digit is odd for men (GB 11643-1999 §4.4)."""
    def seq(k: int, m: np.ndarray) -> np.ndarray:
        return rng.integers(0, 100, k) * 10 + rng.integers(0, 5, k) * 2 + m.astype(np.int64)

    body = ids.id_body(county, ymd, seq(len(county), male))
    for _ in range(50):
        _, first = np.unique(body, return_index=True)
        clash = np.ones(len(body), dtype=bool)
        clash[first] = False
        if len(ctx.used_ids):
            pos = np.searchsorted(ctx.used_ids, body)
            pos = np.minimum(pos, len(ctx.used_ids) - 1)
            clash |= ctx.used_ids[pos] == body
        if not clash.any():
            break
        body[clash] = ids.id_body(county[clash], ymd[clash], seq(int(clash.sum()), male[clash]))
    else:  # pragma: no cover - 50 redraws without success would need a near-full sequence space
        raise RuntimeError("could not draw unique ID numbers")
    ctx.used_ids = np.sort(np.concatenate([ctx.used_ids, body]))
    return body


def ymd_of(days: np.ndarray) -> np.ndarray:
    d = np.asarray(days, dtype=np.int64).astype("datetime64[D]")
    y = d.astype("datetime64[Y]").astype(np.int64) + 1970
    m = d.astype("datetime64[M]").astype(np.int64) % 12 + 1
    dd = (d - d.astype("datetime64[M]").astype("datetime64[D]")).astype(np.int64) + 1
    return y * 10000 + m * 100 + dd


def statutory_retirement_month(birth_m: np.ndarray, orig_age: np.ndarray) -> np.ndarray:
    """Month in which the statutory age is reached, with the 2025 gradual delay (国务院 渐进式
    延迟法定退休年龄的办法): +1 month per 4 birth months from 1965-01 (men, 60) and 1970-01 (women,
    55) up to 36 months; +1 per 2 months from 1975-01 (women, 50) up to 60."""
    def m(y: int) -> int:
        return (y - 1970) * 12
    delay = np.zeros_like(birth_m)
    for age, start, step, cap in ((60, m(1965), 4, 36), (55, m(1970), 4, 36), (50, m(1975), 2, 60)):
        sel = (orig_age == age) & (birth_m >= start)
        delay[sel] = np.minimum((birth_m[sel] - start) // step + 1, cap)
    return birth_m + orig_age * 12 + delay


# ---------------------------------------------------------------------------------------------
# The chunk
# ---------------------------------------------------------------------------------------------

def build_chunk(ctx: Context, chunk: int, first: int, n: int) -> tuple[dict[str, pa.Table], list[tuple]]:
    """Generate persons ``first .. first+n-1`` (1-based serials) and everything about them."""
    rng = np.random.default_rng(np.random.SeedSequence([ctx.seed, chunk, 0x5EB]))
    rates = ctx.rates
    as_of_day, as_of_m = ctx.as_of_day, ctx.as_of_m
    serial = np.arange(first, first + n, dtype=np.int64)

    # --- persons -------------------------------------------------------------------------
    cell = rng.choice(len(ctx.age_p), n, p=ctx.age_p)
    male = cell < len(ctx.age_p) // 2
    age = (cell % (len(ctx.age_p) // 2)).astype(np.float64)
    birth_day = as_of_day - np.floor((age + rng.random(n)) * 365.2425).astype(np.int64) - 1
    birth_m = day_month(birth_day)
    city = rng.choice(len(ref.CITY_CODES), n, p=ctx.city_weights)
    county = ctx.county_table[city, (rng.random(n) * ctx.county_len[city]).astype(np.int64)]
    body = unique_id_bodies(ctx, rng, county, ymd_of(birth_day), male)
    name, surname = draw_names(rng, male)
    # Women: cadres (干部) retire at 55, workers at 50; the cadre share is an assumption.
    orig_age = np.where(male, 60, np.where(rng.random(n) < 0.35, 55, 50)).astype(np.int64)
    ret_m = statutory_retirement_month(birth_m, orig_age)
    age_at = (as_of_day - birth_day) / 365.2425

    start_age_m = np.clip(np.round(rng.normal(20.5, 2.5, n) * 12), 16 * 12, 30 * 12).astype(np.int64)
    start_m = birth_m + start_age_m + 1  # strictly after the 16th birthday month
    density = rng.beta(4.0, 1.5, n)  # share of career months contributed
    windex = np.exp(rng.normal(np.log(0.85), 0.45, n))  # wage relative to the average wage
    flex_prone = rng.random(n) < 0.18
    flex_share = np.where(flex_prone, 0.8, 0.03)
    acct_m = (ref.ACCOUNT_START_YEAR - 1970) * 12
    pre = np.clip(np.minimum(acct_m, ret_m + 1) - start_m, 0, None)
    deemed = np.where(rng.random(n) < 0.85, np.round(pre * np.clip(density + 0.15, 0, 1)), 0).astype(np.int64)

    # --- deaths over the last three years (clean: benefits stop at the death month) --------
    hazard = ref.death_hazard(np.maximum(age_at - 1.5, 0), male)
    t_back = rng.random(n) * 3.0
    died = (rng.random(n) < 1 - np.exp(-3.0 * hazard)) & (age_at - t_back >= 16.5)
    death_day = np.where(died, as_of_day - 1 - np.floor(t_back * 365.2425).astype(np.int64), BIG * 31)
    death_m = np.where(died, day_month(death_day), BIG)

    # --- custodial sentences started in the last six years (rare; mostly young men) --------
    age_h = np.where(age_at < 18, 0.0, np.where(age_at < 46, 8e-4, np.where(age_at < 65, 3e-4, 5e-5)))
    inc_h = np.where(male, age_h, age_h / 8)
    back = rng.random(n) * 6.0
    jailed = (rng.random(n) < 1 - np.exp(-6.0 * inc_h)) & ~died & (age_at - back >= 18)
    inc_start_day = np.where(jailed, as_of_day - 1 - np.floor(back * 365.2425).astype(np.int64), BIG * 31)
    length = np.clip(np.round(np.exp(rng.normal(np.log(30), 0.7, n))), 6, 180).astype(np.int64)
    inc_end_day = np.where(jailed, inc_start_day + np.round(length * 30.44).astype(np.int64), BIG * 31)
    released = jailed & (inc_end_day < as_of_day)
    inc_s = np.where(jailed, day_month(inc_start_day), BIG)
    inc_e = np.where(jailed, np.where(released, day_month(inc_end_day), BIG), -1)

    # --- work injuries with a disability allowance (grades 1–4, 工伤保险条例 第35条) -----------
    injured = (rng.random(n) < 0.002) & ~died & ~jailed & (age_at > 22)
    inj_start = np.where(injured, as_of_m - 1 - rng.integers(0, 72, n), BIG)
    injured &= inj_start < ret_m
    inj_start = np.where(injured, inj_start, BIG)
    grade = rng.integers(1, 5, n)

    # --- monthly career states over the detail window -------------------------------------
    M = ctx.detail_span
    W = ctx.w0 + np.arange(M)
    eligible = ((W[None, :] >= start_m[:, None]) & (W[None, :] <= np.minimum(ret_m, death_m)[:, None])
                & ~((W[None, :] >= inc_s[:, None]) & (W[None, :] <= inc_e[:, None]))
                & (W[None, :] < inj_start[:, None]))
    state = np.zeros((n, M), dtype=np.int8)  # 0 none, 1 employed, 2 flexible, 3 back-payment
    emp = np.full((n, M), -1, dtype=np.int32)
    h_out = 0.012
    h_in = np.clip(h_out * density / (1 - density + 1e-9), 0.002, 0.5)
    cur = np.zeros(n, dtype=np.int8)
    cur_emp = np.full(n, -1, dtype=np.int32)
    for t in range(M):
        el = eligible[:, t]
        r1, r2, r3 = rng.random(n), rng.random(n), rng.random(n)
        kind = np.where(r2 < flex_share, 2, 1).astype(np.int8)
        if t == 0:
            enter = el & (r1 < density)
            change = np.zeros(n, dtype=bool)
        else:
            active = cur > 0
            newly = el & ~eligible[:, t - 1]
            enter = (~active & (r1 < h_in)) | (newly & (r3 < density))
            leave = active & (r1 < h_out)
            cur = np.where(leave, 0, cur).astype(np.int8)
            change = (cur == 1) & (r3 < 0.01)
        cur = np.where(enter & (cur == 0), kind, cur).astype(np.int8)
        cur = np.where(el, cur, 0).astype(np.int8)
        need = (cur == 1) & ((cur_emp < 0) | change)
        if need.any():
            cur_emp[need] = draw_employers(ctx, rng, city[need])
        cur_emp[cur != 1] = -1
        state[:, t] = cur
        emp[:, t] = cur_emp

    # --- pattern: fake back-payment shortly before retirement ------------------------------
    # A person retiring in the last months pays 1–2 years of contributions at the ceiling in
    # one go, about two months before retiring, with no employer and no activity behind them.
    used = np.zeros(n, dtype=bool)
    labels: list[tuple] = []
    k_fake = _count(rng, rates.fake_backpayment, n)
    fake_pool = np.flatnonzero((ret_m >= ctx.w0 + 20) & (ret_m + 1 <= ctx.last_p) & ~died & ~jailed & ~injured)
    fake = _pick(rng, fake_pool, k_fake, used)
    fake_paid_day = np.full(n, -1, dtype=np.int64)
    if len(fake):
        state[fake] = 0
        emp[fake] = -1
        last = ret_m[fake] - 8
        cols = (W[None, :] <= last[:, None])
        state[fake] = np.where(cols, 3, 0)
        fake_paid_day[fake] = month_day(ret_m[fake] - 2, rng.integers(3, 28, len(fake)))
        fake_paid_day[fake] = np.minimum(fake_paid_day[fake], as_of_day)
        labels.extend(("person", int(serial[q]), "fake_backpayment", None) for q in fake)

    # --- contribution bases ----------------------------------------------------------------
    year_w = W // 12 + 1970
    years = np.unique(year_w)
    yidx = np.searchsorted(years, year_w)
    avg_prev = ref.avg_wage(years - 1).astype(np.int64)
    lower = (avg_prev * 5 + 99) // 100 * 100  # 60% of the monthly average, rounded up to the yuan (fen)
    upper = (avg_prev * 25) // 100 * 100  # 300%, rounded down (fen)
    noise = np.exp(rng.normal(0, 0.05, (n, len(years))))
    emp_base = np.clip(np.round(windex[:, None] * noise * avg_prev[None, :] / 12.0) * 100, lower, upper).astype(np.int64)
    tier = rng.choice(np.array([0.6, 0.8, 1.0, 1.5, 2.0]), n, p=[0.65, 0.15, 0.12, 0.05, 0.03])
    flex_base = np.clip(np.ceil(tier[:, None] * avg_prev[None, :] / 12.0) * 100, lower, upper).astype(np.int64)

    # --- monthly contribution rows ----------------------------------------------------------
    counts = np.array([0, 3, 1, 1], dtype=np.int64)[state].ravel()
    cells = np.repeat(np.arange(n * M, dtype=np.int64), counts)
    offs = np.cumsum(counts) - counts
    ins = (np.arange(len(cells), dtype=np.int64) - np.repeat(offs, counts)).astype(np.int8)
    p = cells // M
    t = cells % M
    st = state.ravel()[cells]
    e_idx = emp.ravel()[cells]
    yi = yidx[t]
    base = np.where(st == 1, emp_base[p, yi], np.where(st == 2, flex_base[p, yi], upper[yi]))
    ee_bp = np.where(st == 1, np.array([ref.PENSION_EMPLOYEE_BP, ref.UNEMP_EMPLOYEE_BP, 0])[ins], ref.FLEX_PENSION_BP)
    inj_bp = ctx.employers["injury_bp"][np.maximum(e_idx, 0)]
    er_bp = np.where(st == 1, np.where(ins == 0, ref.PENSION_EMPLOYER_BP, np.where(ins == 1, ref.UNEMP_EMPLOYER_BP, inj_bp)), 0)
    ee_amt = (base * ee_bp + 5000) // 10000
    er_amt = (base * er_bp + 5000) // 10000
    late = (rng.random(n * M) < 0.02)[cells]
    pay_day = np.where(st == 1, ctx.employers["pay_day"][np.maximum(e_idx, 0)], 10 + (p * 7 + 3) % 15)
    paid = month_day(W[t] + late.astype(np.int64), pay_day)
    paid = np.where(paid > as_of_day, month_day(W[t], pay_day), paid)
    paid = np.where(st == 3, fake_paid_day[p], paid)
    pid_all = ids.keys("P", serial, 9)
    contributions = pa.table({
        "person_id": pa.DictionaryArray.from_arrays(pa.array(p.astype(np.int32)), pid_all),
        "employer_id": pa.DictionaryArray.from_arrays(pa.array(e_idx, mask=e_idx < 0), ctx.employers["ids"]),
        "period": pa.DictionaryArray.from_arrays(pa.array(t.astype(np.int32)), period_strings(W).dictionary),
        "insurance": pa.DictionaryArray.from_arrays(pa.array(ins), pa.array(["pension", "unemployment", "injury"])),
        "base": money(base),
        "employee_amount": money(ee_amt),
        "employer_amount": money(er_amt),
        "paid_date": dates(paid),
    })
    del cells, offs, ins, t, e_idx, ee_bp, er_bp, ee_amt, er_amt, late, pay_day, paid, inj_bp, p, st, yi, base

    # per person and window year: pension months, base sums (for the account and the index)
    act_p, act_t = np.nonzero(state > 0)
    act_st = state[act_p, act_t]
    act_y = yidx[act_t]
    act_base = np.where(act_st == 1, emp_base[act_p, act_y], np.where(act_st == 2, flex_base[act_p, act_y], upper[act_y]))
    act_before_ret = W[act_t] <= ret_m[act_p]
    key = act_p * len(years) + act_y
    det_base = np.bincount(key, weights=act_base, minlength=n * len(years)).reshape(n, len(years))
    det_index = np.bincount(act_p, weights=act_base / (avg_prev[act_y] * 100 / 12.0) * act_before_ret, minlength=n)
    det_months = np.bincount(act_p, weights=act_before_ret.astype(np.float64), minlength=n)

    # --- yearly summaries before the window (pension) ---------------------------------------
    y_first = ref.ACCOUNT_START_YEAR
    w0_year = ctx.w0 // 12 + 1970
    sum_years = np.arange(y_first, max(w0_year, y_first))  # whole years before the detail
    Y = sum_years[None, :]
    lo_m = np.maximum(start_m[:, None], (Y - 1970) * 12)
    hi_m = np.minimum.reduce([np.broadcast_to((Y - 1970) * 12 + 11, (n, len(sum_years))),
                              np.broadcast_to(np.minimum(ret_m, death_m)[:, None], (n, len(sum_years))),
                              np.full((n, len(sum_years)), ctx.w0 - 1)])
    avail = np.clip(hi_m - lo_m + 1, 0, None)
    ov = np.clip(np.minimum(hi_m, inc_e[:, None]) - np.maximum(lo_m, inc_s[:, None]) + 1, 0, None)
    avail = np.clip(avail - ov, 0, 12)
    months = rng.binomial(avail, density[:, None])
    yr_avg_prev = ref.avg_wage(sum_years - 1)
    yr_index = np.clip(windex[:, None] * np.exp(rng.normal(0, 0.08, (n, len(sum_years)))), 0.6, 3.0)
    yr_base_fen = np.round(yr_index * yr_avg_prev[None, :] / 12.0 * 100).astype(np.int64)
    yr_index_rec = np.round(yr_base_fen / (yr_avg_prev[None, :] / 12.0 * 100) * 10000).astype(np.int64)
    yp, yy = np.nonzero(months > 0)
    contribution_years = pa.table({
        "person_id": pa.DictionaryArray.from_arrays(pa.array(yp.astype(np.int32)), pid_all),
        "year": pa.array(sum_years[yy].astype(np.int16)),
        "insurance": pa.DictionaryArray.from_arrays(pa.array(np.zeros(len(yp), dtype=np.int8)), pa.array(["pension"])),
        "months": pa.array(months[yp, yy].astype(np.int8)),
        "avg_base": money(yr_base_fen[yp, yy]),
        "avg_index": _decimal(yr_index_rec[yp, yy], INDEX),
    })
    sum_months = months.sum(axis=1)
    sum_index = (months * yr_index_rec / 10000.0).sum(axis=1)

    # --- personal accounts ------------------------------------------------------------------
    all_years = np.arange(y_first, ctx.as_of_year + 1)
    contrib = np.zeros((n, len(all_years)))
    share_s = ref.account_share(sum_years)
    contrib[:, : len(sum_years)] += months * yr_base_fen * share_s[None, :]
    for j, y in enumerate(years):
        if y >= y_first:  # (a very long detail window may reach before the accounts began)
            contrib[:, y - y_first] += det_base[:, j] * float(ref.account_share(y))
    retired = ret_m + 1 <= as_of_m
    ret_year = ret_m // 12 + 1970
    stop = np.where(retired, ret_year, ctx.as_of_year)
    stop = np.where(died, np.minimum(stop, death_m // 12 + 1970), stop)
    bal = np.zeros(n)
    for j, y in enumerate(all_years):
        r = ref.account_interest(int(y))
        bal = np.where(y < stop, bal * (1 + r) + contrib[:, j], np.where(y == stop, bal + contrib[:, j], bal))
    bal = np.round(bal)

    # --- pensions ---------------------------------------------------------------------------
    total_months = deemed + sum_months + det_months.astype(np.int64)
    avg_idx = np.where(total_months > 0, (deemed * 1.0 + sum_index + det_index) / np.maximum(total_months, 1), 1.0)
    fake_mask = np.zeros(n, dtype=bool)
    fake_mask[fake] = True
    pensioner = retired & (death_m > ret_m) & ((total_months >= min_months(ret_year)) | fake_mask)
    ret_age_years = (ret_m - birth_m) // 12
    pen_idx = np.flatnonzero(pensioner)
    _, pen_now = assess_pensions(
        retire_year=ret_year[pen_idx], retire_age_years=ret_age_years[pen_idx],
        contribution_months=total_months[pen_idx], deemed_months=np.minimum(deemed, total_months)[pen_idx],
        avg_index=avg_idx[pen_idx], account_balance_fen=bal[pen_idx], as_of_year=ctx.as_of_year,
        retirement_month=ret_m[pen_idx], birth_month=birth_m[pen_idx], original_age=orig_age[pen_idx],
        as_of=ctx.as_of, counts=ctx.pension_counts,
    )
    divisor = annuity_divisor(ret_age_years)
    months_drawn = np.clip(np.minimum(as_of_m, death_m) - ret_m, 0, None)
    balance_now = np.where(pensioner, np.round(bal * np.clip(1 - months_drawn / np.maximum(divisor, 1), 0, 1)), bal).astype(np.int64)
    balance_now = np.where(retired & ~pensioner, bal, balance_now).astype(np.int64)

    # --- benefits -----------------------------------------------------------------------------
    region_day = 5 + np.arange(len(ref.CITY_CODES)) % 10  # each city pays pensions on its own day
    B = _Benefits()
    if len(pen_idx):
        B.add(person=pen_idx, kind="pension", start=ret_m[pen_idx] + 1, end=np.full(len(pen_idx), BIG),
              amount=pen_now, city=city[pen_idx], day=region_day[city[pen_idx]])
    # unemployment: the first job loss in the window, claimed by 30% (失业保险条例 第14条)
    prev = np.concatenate([np.zeros((n, 1), dtype=np.int8), state[:, :-1]], axis=1)
    loss = (prev == 1) & (state == 0) & eligible
    has_loss = loss.any(axis=1)
    claim = has_loss & (rng.random(n) < 0.3) & ~injured & ~fake_mask
    cp = np.flatnonzero(claim)
    if len(cp):
        s_t = np.argmax(loss[cp], axis=1)
        after = (np.arange(M)[None, :] > s_t[:, None]) & (state[cp] > 0)
        back_t = np.where(after.any(axis=1), np.argmax(after, axis=1), BIG)
        years_contrib = (total_months[cp] - deemed[cp]) / 12.0
        dur = np.where(years_contrib >= 10, 24, np.where(years_contrib >= 5, 18, 12))
        s_m = W[s_t]
        end = np.minimum.reduce([s_m + dur - 1, np.where(back_t < BIG, ctx.w0 + back_t - 1, BIG), ret_m[cp]])
        end = np.where(end >= ctx.last_p, BIG, end)  # still running at the as-of date: open
        # 90% of Shandong's lower minimum wage tier (about 1,800 yuan/month; assumption)
        amount = np.full(len(cp), 180_000, dtype=np.int64) - (city[cp] % 3) * 18_000
        B.add(person=cp, kind="unemployment", start=s_m, end=end, amount=amount, city=city[cp], day=20)
    ip = np.flatnonzero(injured)
    if len(ip):
        # injury wage: own wage bounded at 60%–300% of the average (工伤保险条例 第64条)
        wage = np.clip(windex[ip], 0.6, 3.0) * ref.avg_wage(inj_start[ip] // 12 + 1970 - 1) / 12.0
        rate = np.array([0, 0.90, 0.85, 0.80, 0.75])[grade[ip]]
        amount = np.round(wage * rate * 100).astype(np.int64)
        B.add(person=ip, kind="injury_allowance", start=inj_start[ip], end=np.where(ret_m[ip] < ctx.last_p, ret_m[ip], BIG),
              amount=amount, city=city[ip], day=15)
        months_grant = np.array([0, 27, 25, 23, 21])[grade[ip]]
        B.add_one_off(person=ip, kind="disability_grant", month=inj_start[ip],
                      paid=month_day(inj_start[ip], 22), amount=np.round(wage * months_grant * 100).astype(np.int64),
                      city=city[ip])

    # --- the death of the insured: benefits stop, grants to the family ------------------------
    dp = np.flatnonzero(died)
    if len(dp):
        avg_m = ref.avg_wage(death_m[dp] // 12 + 1970 - 1) / 12.0
        pen_amt = np.zeros(n, dtype=np.int64)
        pen_amt[pen_idx] = pen_now
        B.add_one_off(person=dp, kind="funeral_grant", month=death_m[dp], paid=month_day(death_m[dp] + 1, 18),
                      amount=np.round(avg_m * 2 * 100).astype(np.int64), city=city[dp])
        surv = np.where(pen_amt[dp] > 0, pen_amt[dp] * 6, np.round(avg_m * 3 * 100)).astype(np.int64)
        B.add_one_off(person=dp, kind="survivor_grant", month=death_m[dp], paid=month_day(death_m[dp] + 1, 25),
                      amount=surv, city=city[dp])
        inherit = balance_now[dp] > 0
        if inherit.any():
            ih = dp[inherit]
            paid = month_day(death_m[ih] + 2, 8)
            B.add_one_off(person=ih, kind="account_inheritance", month=death_m[ih], paid=paid,
                          amount=balance_now[ih], city=city[ih])
            balance_now[ih[paid <= as_of_day]] = 0

    ben = B.finish()
    nb = len(ben["person"])
    monthly = ben["monthly"]
    bp = ben["person"]
    # clean handling of deaths and sentences
    ben_end = np.where(monthly & died[bp], np.minimum(ben["end"], death_m[bp]), ben["end"])
    sup_s = np.where(jailed[bp], inc_s[bp], BIG)
    sup_e = np.where(jailed[bp], inc_e[bp], -1)
    ben_status = np.where(ben_end < BIG, 2, 0)  # 0 active, 1 suspended, 2 terminated
    ben_status = np.where(monthly & (ben_end >= BIG) & jailed[bp] & ~released[bp] & (ben["start"] <= inc_s[bp]), 1, ben_status)
    ben_status = np.where(monthly & (ben["kind"] == K_UNEMP) & jailed[bp] & (sup_s <= ben_end) & (sup_s >= ben["start"]), 2, ben_status)
    ben_end = np.where(monthly & (ben["kind"] == K_UNEMP) & jailed[bp] & (sup_s <= ben_end) & (sup_s >= ben["start"]), sup_s, ben_end)
    ben_status = np.where(~monthly, 2, ben_status)
    # one-off benefits exist once paid (a grant not yet paid on the as-of date is not shown)
    keep = monthly | (ben["paid"] <= as_of_day)
    # no monthly benefit starts after the person's death
    keep &= ~(monthly & died[bp] & (ben["start"] > death_m[bp]))
    account_serial = serial[bp] if nb else np.zeros(0, dtype=np.int64)
    ben_account = account_serial.copy()  # index of the person whose account is credited

    # --- patterns on benefits -------------------------------------------------------------
    pen_rows = np.flatnonzero(keep & (ben["kind"] == K_PENSION) & (ben_status == 0) & (ben["start"] <= ctx.p0))
    cand = pen_rows[~died[bp[pen_rows]] & ~jailed[bp[pen_rows]] & ~fake_mask[bp[pen_rows]]]
    cand_person = bp[cand]
    row_of_person = {int(q): int(r) for q, r in zip(cand_person, cand, strict=True)}
    extra_payments: list[dict] = []

    # paid after death: the death is registered, the pension goes on
    for q in _pick(rng, cand_person, _count(rng, rates.paid_after_death, n), used):
        dm = ctx.last_p - int(rng.integers(2, 9))
        died[q] = True
        death_m[q] = dm
        death_day[q] = month_day(np.array([dm]), int(rng.integers(1, 29)))[0]
        labels.append(("person", int(serial[q]), "paid_after_death", None))
    # paid while imprisoned: a custodial sentence began, the pension goes on
    for q in _pick(rng, cand_person, _count(rng, rates.paid_while_imprisoned, n), used):
        sm = ctx.last_p - int(rng.integers(2, 9))
        jailed[q] = True
        inc_s[q] = sm
        inc_e[q] = BIG
        inc_start_day[q] = month_day(np.array([sm]), int(rng.integers(1, 29)))[0]
        inc_end_day[q] = BIG * 31
        released[q] = False
        labels.append(("person", int(serial[q]), "paid_while_imprisoned", None))
    # shared account: 2–4 unrelated pensioners (different surnames) paid into one account
    k_shared = _count(rng, rates.shared_account, n)
    for _ in range(k_shared):
        avail_p = cand_person[~used[cand_person]]
        if len(avail_p) < 4:
            break
        size = int(rng.integers(2, 5))
        group: list[int] = []
        for q in rng.permutation(avail_p):
            if all(surname[q] != surname[g] for g in group) and pen_now_of(pen_idx, pen_now, q) < 1_200_000:
                group.append(int(q))
            if len(group) == size:
                break
        if len(group) < 2:
            break
        used[group] = True
        owner = serial[group[0]]
        for q in group[1:]:
            ben_account[row_of_person[q]] = owner
        labels.append(("account", int(owner), "shared_account", None))
    # split transfer: 2–3 back-payments on one day, each under 50,000, together over it
    for q in _pick(rng, cand_person, _count(rng, rates.split_transfer, n), used):
        r = row_of_person[int(q)]
        pieces = int(rng.integers(2, 4))
        amounts = rng.integers(3_000_000, 4_999_999, pieces)
        pm = ctx.last_p - int(rng.integers(0, 10))
        day = month_day(np.array([pm]), 26)[0]
        if day > as_of_day:
            pm -= 1
            day = month_day(np.array([pm]), 26)[0]
        # back-pay for several earlier months, paid together: one payment per (benefit, period, kind)
        for i, a in enumerate(amounts):
            extra_payments.append({"row": r, "period": pm - i, "paid": day, "amount": int(a), "kind": 1})
        labels.append(("account", int(serial[q]), "split_transfer", None))
    # duplicate benefit: the same ID number registered in a second city, drawing a second pension
    dup_benefit_src = _pick(rng, cand_person, _count(rng, rates.duplicate_benefit, n), used)

    # --- payments ---------------------------------------------------------------------------
    periods = ctx.p0 + np.arange(12)
    mrows = np.flatnonzero(keep & monthly)
    b_start, b_end = ben["start"][mrows], ben_end[mrows]
    ok = (periods[None, :] >= b_start[:, None]) & (periods[None, :] <= b_end[:, None])
    # ordinary sentences stop payments (sup_s/sup_e were taken before the patterns were injected,
    # so the paid_while_imprisoned cases keep being paid)
    jail = (periods[None, :] > sup_s[mrows][:, None]) & (periods[None, :] <= sup_e[mrows][:, None])
    ok &= ~jail
    pr, pt = np.nonzero(ok)
    pay_rows = mrows[pr]
    pay_period = periods[pt]
    pay_day = month_day(pay_period, ben["day"][pay_rows])
    pay_amount = ben["amount"][pay_rows]
    pay_kind = np.zeros(len(pay_rows), dtype=np.int8)
    # one-off payments within the payment window
    orows = np.flatnonzero(keep & ~monthly & (ben["paid"] >= month_day(np.array([ctx.p0]), 1)[0]))
    pay_rows = np.concatenate([pay_rows, orows])
    pay_period = np.concatenate([pay_period, ben["start"][orows]])
    pay_day = np.concatenate([pay_day, ben["paid"][orows]])
    pay_amount = np.concatenate([pay_amount, ben["amount"][orows]])
    pay_kind = np.concatenate([pay_kind, np.full(len(orows), 4, dtype=np.int8)])
    if extra_payments:
        pay_rows = np.concatenate([pay_rows, [e["row"] for e in extra_payments]])
        pay_period = np.concatenate([pay_period, [e["period"] for e in extra_payments]])
        pay_day = np.concatenate([pay_day, [e["paid"] for e in extra_payments]])
        pay_amount = np.concatenate([pay_amount, [e["amount"] for e in extra_payments]])
        pay_kind = np.concatenate([pay_kind, [e["kind"] for e in extra_payments]]).astype(np.int8)
    sel = pay_day <= as_of_day
    pay_rows, pay_period, pay_day, pay_amount, pay_kind = (a[sel] for a in (pay_rows, pay_period, pay_day, pay_amount, pay_kind))

    # --- extra person records: duplicate benefits and duplicate registrations --------------
    X = _Extras()
    for q in dup_benefit_src:
        q = int(q)
        other = int((city[q] + 1 + rng.integers(0, len(ref.CITY_CODES) - 1)) % len(ref.CITY_CODES))
        xs = X.add(ctx, src=q, city=other, name=None, phone_typo=False, deemed=int(180 + rng.integers(0, 120)))
        start = ctx.last_p - int(rng.integers(3, 20))
        amount = int(pen_now_of(pen_idx, pen_now, q) * rng.uniform(0.9, 1.1))
        X.benefits.append({"xserial": xs, "start": start, "amount": amount, "city": other,
                           "day": int(region_day[other])})
        cl = f"C{ctx.next_cluster:07d}"
        ctx.next_cluster += 1
        labels.append(("person", int(serial[q]), "duplicate_record", cl))
        labels.append(("person", xs, "duplicate_record", cl))
        labels.append(("benefit_of_person", int(serial[q]), "duplicate_benefit", None))
        labels.append(("benefit_of_extra", xs, "duplicate_benefit", None))
    k_dup = _count(rng, rates.duplicate_record, n)
    pool = np.flatnonzero(~died & ~jailed)
    for q in _pick(rng, pool, k_dup, used):
        q = int(q)
        cl = f"C{ctx.next_cluster:07d}"
        ctx.next_cluster += 1
        labels.append(("person", int(serial[q]), "duplicate_record", cl))
        for _ in range(1 if rng.random() < 0.9 else 2):
            variant = int(rng.integers(0, 3))  # 0 name variant, 1 phone typo, 2 second region
            other = int((city[q] + 1 + rng.integers(0, len(ref.CITY_CODES) - 1)) % len(ref.CITY_CODES))
            xs = X.add(ctx, src=q, city=other if variant == 2 else int(city[q]),
                       name="variant" if variant == 0 else None, phone_typo=variant == 1, deemed=None)
            labels.append(("person", xs, "duplicate_record", cl))

    # --- tables -----------------------------------------------------------------------------
    tables: dict[str, pa.Table] = {}
    bank_bin = np.array([int(b) for b in ref.BANK_BINS])

    def account_of(serials: np.ndarray) -> pa.Array:
        serials = np.asarray(serials, dtype=np.int64)
        return ids.bank_cards(bank_bin[serials % len(bank_bin)], ids.scramble(serials, 10**12, 271_828_182_845 + ctx.seed))

    def phone_of(serials: np.ndarray) -> np.ndarray:
        serials = np.asarray(serials, dtype=np.int64)
        prefixes = np.array([int(x) for x in ref.MOBILE_PREFIXES])
        return prefixes[(serials * 31 + ctx.seed) % len(prefixes)] * 10**8 + ids.scramble(serials, 10**8, 31_415_926 + ctx.seed)

    id_arr = ids.id_numbers(body)
    phone_num = phone_of(serial)
    persons = {
        "person_id": pid_all,
        "id_number": id_arr,
        "name": name,
        "sex": take_str(["F", "M"], male.astype(np.int8)).cast(pa.string()),
        "birth_date": dates(birth_day),
        "region_code": take_str(ctx.city_str, city).cast(pa.string()),
        "phone": ids.phones(phone_num // 10**8, phone_num % 10**8),
        "original_retirement_age": pa.array(orig_age.astype(np.int8)),
        "deemed_months": pa.array(deemed.astype(np.int32)),
    }
    ptab = pa.table(persons)
    if X.src:
        xsrc = np.array(X.src)
        xphone = phone_of(np.array(X.serials))
        typo = np.array(X.phone_typo)
        if typo.any():
            # change one of the last eight digits: still a valid mobile number
            pos = rng.integers(0, 8, int(typo.sum()))
            digit = (phone_num[xsrc[typo]] // 10**pos) % 10
            new = (digit + rng.integers(1, 10, len(pos))) % 10
            xphone[typo] = phone_num[xsrc[typo]] + (new - digit) * 10**pos
        xnames = []
        src_names = name.take(pa.array(xsrc)).to_pylist()
        for nm, how in zip(src_names, X.name, strict=True):
            xnames.append(_name_variant(nm) if how == "variant" else nm)
        xtab = pa.table({
            "person_id": ids.keys("P", np.array(X.serials), 9),
            "id_number": id_arr.take(pa.array(xsrc)),
            "name": pa.array(xnames),
            "sex": persons["sex"].take(pa.array(xsrc)),
            "birth_date": dates(birth_day[xsrc]),
            "region_code": take_str(ctx.city_str, np.array(X.city)).cast(pa.string()),
            "phone": ids.phones(xphone // 10**8, xphone % 10**8),
            "original_retirement_age": pa.array(orig_age[xsrc].astype(np.int8)),
            "deemed_months": pa.array(np.array([d if d is not None else deemed[s] for d, s in zip(X.deemed, xsrc, strict=True)], dtype=np.int32)),
        })
        ptab = pa.concat_tables([ptab, xtab])
    tables["persons"] = ptab
    tables["contributions"] = contributions
    tables["contribution_years"] = contribution_years
    tables["pension_accounts"] = pa.table({
        "person_id": pid_all,
        "as_of": dates(np.full(n, as_of_day)),
        "balance": money(balance_now),
    })

    # benefits and payments, with global keys
    kept = np.flatnonzero(keep)
    bid_num = np.full(nb, -1, dtype=np.int64)
    bid_num[kept] = ctx.next_benefit + np.arange(len(kept))
    ctx.next_benefit += len(kept)
    xb = X.benefits
    xb_ids = ctx.next_benefit + np.arange(len(xb))
    ctx.next_benefit += len(xb)
    kinds = pa.array(KIND_NAMES)
    status_names = pa.array(["active", "suspended", "terminated"])
    # monthly benefits start on the first of their month; one-off ones are dated when paid
    start_day = np.where(monthly, month_day(ben["start"], 1), ben["paid"])
    end_day = np.where(ben_end < BIG, month_last_day(np.minimum(ben_end, BIG - 1)), 0)
    end_day = np.where(monthly, end_day, start_day)
    end_null = ben_end >= BIG
    end_null = np.where(monthly, end_null, False)
    ben_accounts = account_of(ben_account)
    btab = pa.table({
        "benefit_id": ids.keys("B", bid_num[kept], 9),
        "person_id": ids.keys("P", serial[bp[kept]], 9),
        "kind": take_str(kinds, ben["kind"][kept]).cast(pa.string()),
        "region_code": take_str(ctx.city_str, ben["city"][kept]).cast(pa.string()),
        "start_date": dates(start_day[kept]),
        "end_date": dates(end_day[kept], mask=end_null[kept]),
        "monthly_amount": money(ben["amount"][kept]),
        "status": take_str(status_names, ben_status[kept]).cast(pa.string()),
        "bank_account": ben_accounts.take(pa.array(kept)),
    })
    x_pay: list[tuple] = []
    if xb:
        xserial = np.array([b["xserial"] for b in xb])
        xstart = np.array([b["start"] for b in xb])
        xacct = ctx.next_serial + np.arange(len(xb))
        ctx.next_serial += len(xb)
        btab = pa.concat_tables([btab, pa.table({
            "benefit_id": ids.keys("B", xb_ids, 9),
            "person_id": ids.keys("P", xserial, 9),
            "kind": pa.array(["pension"] * len(xb)),
            "region_code": take_str(ctx.city_str, np.array([b["city"] for b in xb])).cast(pa.string()),
            "start_date": dates(month_day(xstart, 1)),
            "end_date": dates(np.zeros(len(xb)), mask=np.ones(len(xb), dtype=bool)),
            "monthly_amount": money(np.array([b["amount"] for b in xb])),
            "status": pa.array(["active"] * len(xb)),
            "bank_account": account_of(xacct),
        })])
        for i, b in enumerate(xb):
            for per in periods[periods >= b["start"]]:
                d = int(month_day(np.array([per]), b["day"])[0])
                if d <= as_of_day:
                    x_pay.append((i, int(per), d, b["amount"]))
        x_acct_arr = account_of(xacct)
    tables["benefits"] = btab

    order = np.lexsort((pay_day, pay_period, bid_num[pay_rows]))
    pay_rows, pay_period, pay_day, pay_amount, pay_kind = (a[order] for a in (pay_rows, pay_period, pay_day, pay_amount, pay_kind))
    npay = len(pay_rows)
    pay_ids = ctx.next_payment + np.arange(npay)
    ctx.next_payment += npay
    kind_names = pa.array(["regular", "backpay", "adjustment", "recovery", "one_off"])
    ptab = pa.table({
        "payment_id": ids.keys("Y", pay_ids, 10),
        "benefit_id": ids.keys("B", bid_num[pay_rows], 9),
        "person_id": ids.keys("P", serial[bp[pay_rows]], 9),
        "period": period_strings(pay_period).cast(pa.string()),
        "paid_date": dates(pay_day),
        "amount": money(pay_amount),
        "bank_account": ben_accounts.take(pa.array(pay_rows)),
        "kind": take_str(kind_names, pay_kind).cast(pa.string()),
        "status": pa.array(["paid"] * npay),
    })
    if x_pay:
        xi = np.array([x[0] for x in x_pay])
        xids = ctx.next_payment + np.arange(len(x_pay))
        ctx.next_payment += len(x_pay)
        ptab = pa.concat_tables([ptab, pa.table({
            "payment_id": ids.keys("Y", xids, 10),
            "benefit_id": ids.keys("B", xb_ids[xi], 9),
            "person_id": ids.keys("P", xserial[xi], 9),
            "period": period_strings(np.array([x[1] for x in x_pay])).cast(pa.string()),
            "paid_date": dates(np.array([x[2] for x in x_pay])),
            "amount": money(np.array([x[3] for x in x_pay])),
            "bank_account": x_acct_arr.take(pa.array(xi)),
            "kind": pa.array(["regular"] * len(x_pay)),
            "status": pa.array(["paid"] * len(x_pay)),
        })])
    tables["payments"] = ptab

    # --- shared registries ---------------------------------------------------------------------
    dead_idx = np.flatnonzero(died)
    strangers_d = int(round(len(dead_idx) * 0.5))
    strangers_i = int(round(jailed.sum() * 0.5))
    s_male = rng.random(strangers_d + strangers_i) < 0.6
    s_age = rng.integers(20, 95, strangers_d + strangers_i)
    s_birth = as_of_day - (s_age * 365.2425).astype(np.int64) - rng.integers(1, 365, len(s_age))
    s_city = rng.choice(len(ref.CITY_CODES), len(s_age), p=ctx.city_weights)
    s_county = ctx.county_table[s_city, (rng.random(len(s_age)) * ctx.county_len[s_city]).astype(np.int64)]
    s_body = unique_id_bodies(ctx, rng, s_county, ymd_of(s_birth), s_male) if len(s_age) else np.zeros(0, dtype=np.int64)
    s_ids = ids.id_numbers(s_body)
    s_names, _ = draw_names(rng, s_male)
    # Each death is reported by one to four sources (民政, 殡葬, 公安, 卫健).
    srcs = np.array(["civil_affairs", "funeral", "police", "health"])
    rep = rng.random((len(dead_idx), 4)) < np.array([0.7, 0.5, 0.3, 0.2])
    rep[~rep.any(axis=1), 0] = True
    dr, dc = np.nonzero(rep)
    d_ids = pa.concat_arrays([id_arr.take(pa.array(dead_idx[dr])), s_ids.slice(0, strangers_d)])
    d_names = pa.concat_arrays([name.take(pa.array(dead_idx[dr])), s_names.slice(0, strangers_d)])
    d_days = np.concatenate([death_day[dead_idx[dr]], as_of_day - 1 - rng.integers(0, 3 * 365, strangers_d)])
    d_src = np.concatenate([dc, rng.integers(0, 4, strangers_d)])
    tables["deaths"] = pa.table({
        "id_number": d_ids, "name": d_names, "death_date": dates(d_days),
        "source": take_str(pa.array(srcs), d_src).cast(pa.string()),
    })
    jail_idx = np.flatnonzero(jailed)
    s_start = as_of_day - 1 - rng.integers(0, 6 * 365, strangers_i)
    s_end = s_start + rng.integers(180, 5 * 365, strangers_i)
    i_start = np.concatenate([inc_start_day[jail_idx], s_start])
    i_end = np.concatenate([inc_end_day[jail_idx], s_end])
    tables["incarcerations"] = pa.table({
        "id_number": pa.concat_arrays([id_arr.take(pa.array(jail_idx)), s_ids.slice(strangers_d, strangers_i)]),
        "start_date": dates(i_start),
        "end_date": dates(np.where(i_end < as_of_day, i_end, 0), mask=i_end >= as_of_day),
        "source": take_str(pa.array(["justice", "court"]), (rng.random(len(i_start)) < 0.3).astype(np.int8)).cast(pa.string()),
    })

    # certifications: holders of pensions and injury allowances, on a yearly cycle
    crow = np.flatnonzero(keep & np.isin(ben["kind"], [K_PENSION, K_INJURY]))
    cq = bp[crow]
    cstart = month_day(ben["start"][crow], 1)
    u = rng.random(len(crow))
    since = np.where(u < 0.955, rng.integers(1, 365, len(crow)),
                     np.where(u < 0.98, 365 + rng.integers(1, 91, len(crow)),
                              np.where(u < 0.989, 365 + rng.integers(91, 121, len(crow)),
                                       np.where(u < 0.995, 365 + rng.integers(121, 400, len(crow)), BIG))))
    last = as_of_day - since
    dead_c = died[cq]
    last = np.where(dead_c & (last >= death_day[cq]), death_day[cq] - rng.integers(30, 300, len(crow)), last)
    methods = np.array(["face", "bank", "hospital", "community", "silent"])
    cp_all, cd_all = [], []
    cur_d = last.copy()
    for _k in range(3):
        ok = (cur_d >= cstart) & (cur_d <= as_of_day)
        cp_all.append(cq[ok])
        cd_all.append(cur_d[ok])
        cur_d = cur_d - 365 + rng.integers(-20, 21, len(cur_d))
    c_person = np.concatenate(cp_all)
    c_day = np.concatenate(cd_all)
    corder = np.lexsort((c_day, c_person))
    c_person, c_day = c_person[corder], c_day[corder]
    c_method = rng.choice(len(methods), len(c_person), p=[0.40, 0.05, 0.03, 0.07, 0.45])
    tables["certifications"] = pa.table({
        "person_id": ids.keys("P", serial[c_person], 9),
        "certified_date": dates(c_day),
        "method": take_str(pa.array(methods), c_method).cast(pa.string()),
    })

    # labels with their final subject keys
    out_labels = []
    for subject, key, label, cl in labels:
        if subject == "person":
            out_labels.append(("person", f"P{key:09d}", label, cl))
        elif subject == "account":
            out_labels.append(("account", account_of(np.array([key]))[0].as_py(), label, cl))
        elif subject == "benefit_of_person":
            r = row_of_person[key - int(serial[0])]
            out_labels.append(("benefit", f"B{bid_num[r]:09d}", label, cl))
        elif subject == "benefit_of_extra":
            i = [b["xserial"] for b in xb].index(key)
            out_labels.append(("benefit", f"B{xb_ids[i]:09d}", label, cl))
    return tables, out_labels


def pen_now_of(pen_idx: np.ndarray, pen_now: np.ndarray, q: int) -> int:
    i = np.searchsorted(pen_idx, q)
    return int(pen_now[i]) if i < len(pen_idx) and pen_idx[i] == q else 0


def _count(rng: np.random.Generator, rate: float, n: int) -> int:
    if rate <= 0:
        return 0
    expected = rate * n
    k = int(np.floor(expected + rng.random()))
    return max(1, k)


def _pick(rng: np.random.Generator, pool: np.ndarray, k: int, used: np.ndarray) -> np.ndarray:
    """Up to ``k`` members of ``pool`` not used by another pattern; marks them used."""
    pool = np.asarray(pool)
    if k <= 0 or len(pool) == 0:
        return np.zeros(0, dtype=np.int64)
    free = pool[~used[pool]]
    chosen = rng.permutation(free)[:k] if len(free) else free
    used[chosen] = True
    return np.sort(chosen)


def _name_variant(name: str) -> str:
    """Replace one given-name character by a homophone or near form (王丽 → 王俐)."""
    for i in range(len(name) - 1, 0, -1):
        if name[i] in ref.NAME_VARIANTS:
            return name[:i] + ref.NAME_VARIANTS[name[i]] + name[i + 1:]
    return name + "子"


K_PENSION, K_UNEMP, K_INJURY = 0, 1, 2
KIND_NAMES = ["pension", "unemployment", "injury_allowance", "injury_survivor_pension", "funeral_grant",
              "survivor_grant", "death_grant", "disability_grant", "account_inheritance"]
_KIND = {k: i for i, k in enumerate(KIND_NAMES)}


class _Benefits:
    """Benefits as columns, appended kind by kind."""

    def __init__(self) -> None:
        self.parts: list[dict[str, np.ndarray]] = []

    def add(self, *, person, kind, start, end, amount, city, day) -> None:
        k = len(person)
        self.parts.append({"person": person, "kind": np.full(k, _KIND[kind]), "start": start, "end": end,
                           "amount": amount, "city": city, "day": np.broadcast_to(day, (k,)),
                           "monthly": np.ones(k, dtype=bool), "paid": np.full(k, -1)})

    def add_one_off(self, *, person, kind, month, paid, amount, city) -> None:
        k = len(person)
        self.parts.append({"person": person, "kind": np.full(k, _KIND[kind]), "start": month, "end": month,
                           "amount": amount, "city": city, "day": np.zeros(k, dtype=np.int64),
                           "monthly": np.zeros(k, dtype=bool), "paid": paid})

    def finish(self) -> dict[str, np.ndarray]:
        keys = ["person", "kind", "start", "end", "amount", "city", "day", "monthly", "paid"]
        if not self.parts:
            return {k: np.zeros(0, dtype=bool if k == "monthly" else np.int64) for k in keys}
        out = {k: np.concatenate([np.asarray(p[k]) for p in self.parts]) for k in keys}
        for k in keys:
            if k != "monthly":
                out[k] = out[k].astype(np.int64)
        # benefits of one person together, monthly ones first
        order = np.lexsort((out["start"], out["kind"], out["person"]))
        return {k: v[order] for k, v in out.items()}


class _Extras:
    """Extra person records (duplicate registrations), keyed after the base persons."""

    def __init__(self) -> None:
        self.src: list[int] = []
        self.serials: list[int] = []
        self.city: list[int] = []
        self.name: list[str | None] = []
        self.phone_typo: list[bool] = []
        self.deemed: list[int | None] = []
        self.benefits: list[dict] = []

    def add(self, ctx: Context, *, src: int, city: int, name: str | None, phone_typo: bool, deemed: int | None) -> int:
        s = ctx.next_extra_person
        ctx.next_extra_person += 1
        self.src.append(src)
        self.serials.append(s)
        self.city.append(city)
        self.name.append(name)
        self.phone_typo.append(phone_typo)
        self.deemed.append(deemed)
        return s
