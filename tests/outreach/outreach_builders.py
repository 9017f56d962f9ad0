"""A hand-built registry with a person on each side of every campaign boundary (as-of 2026-08-31).

The as-of date is chosen so that every boundary date is someone's statutory retirement date: under
the 2025 reform some months are nobody's (no one retires in July 2027, for instance)."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

from shebao.outreach.selection import add_months
from shebao.policy.paramset import default_parameters
from shebao.policy.retirement import min_contribution_months, statutory_retirement
from tests.risk.risk_builders import ExchangeBuilder, make_id

AS_OF = dt.date(2026, 8, 31)
DAY = dt.timedelta(days=1)
CARD = "6222020000000007"  # passes the Luhn check the registry applies


def statutory_date(birth: dt.date, original_age: int) -> dt.date:
    st = statutory_retirement(birth, original_age, default_parameters())
    return add_months(birth, st.age_months)


def birth_for(target: dt.date) -> tuple[dt.date, int]:
    """A (birth date, original retirement age) whose statutory retirement date is ``target``."""
    for age in (60, 55, 50):
        for back in range(0, 4 * 366):
            birth = dt.date(target.year - age - 3, target.month, 1) + dt.timedelta(days=back)
            if statutory_date(birth, age) == target:
                return birth, age
    raise AssertionError(f"no birth date retires on {target}")


def min_months_for(birth: dt.date, age: int) -> int:
    st = statutory_retirement(birth, age, default_parameters())
    return min_contribution_months(st.retirement_ym, default_parameters())


class Registry:
    """The builder plus the expected (campaign, person) pairs."""

    def __init__(self) -> None:
        self.b = ExchangeBuilder()
        self.expected: set[tuple[str, str]] = set()
        self.applications: list[dict[str, str]] = []
        self.seq = 0

    def id_number(self, birth: dt.date | str, sex: str) -> str:
        """A valid ID number whose sex digit agrees with ``sex`` (the registry checks it)."""
        self.seq += 1 if (self.seq + 1) % 2 == (1 if sex == "M" else 0) else 2
        return make_id(self.seq, str(birth))

    def person(self, pid: str, *, birth: str, sex: str = "M", **kwargs) -> str:
        return self.b.person(pid, id_number=self.id_number(birth, sex), birth=birth, **kwargs)

    def worker(self, pid: str, birth: dt.date, age: int, *, months: int, last_period: str = "2026-08") -> str:
        """An insured worker with ``months`` of pension contributions, the last in ``last_period``."""
        sex = "M" if age == 60 else "F"
        id_number = self.person(pid, birth=birth.isoformat(), sex=sex, retirement_age=age, certified=None,
                                contrib_years=None)
        self.b.rows["persons"][-1]["sex"] = sex
        full_years, rest = divmod(months, 12)
        first = int(last_period[:4]) - full_years - (1 if rest else 0)
        for i, year in enumerate(range(first, int(last_period[:4]))):
            n = rest if (rest and i == 0) else 12
            self.b.rows["contribution_years"].append({"person_id": pid, "year": year, "insurance": "pension",
                                                      "months": n, "avg_base": "4000.00", "avg_index": "0.8"})
        self.b.contribution(pid, last_period)
        # the detail month adds one: take one from the yearly summaries so the total is exact
        self.b.rows["contribution_years"][-1]["months"] -= 1
        return id_number

    def write(self, folder: Path, *, with_applications: bool = True) -> Path:
        self.b.write(folder)
        if with_applications:
            with (folder / "applications.csv").open("w", encoding="utf-8", newline="") as fh:
                writer = csv.DictWriter(fh, fieldnames=["application_no", "person_id", "kind", "status", "received_on"])
                writer.writeheader()
                writer.writerows(self.applications)
        return folder


def build() -> Registry:
    r = Registry()
    window_end = add_months(AS_OF, 6)                          # 2027-02-28
    # O01: retires within the next 6 months (after the as-of date, up to and including the window's end)
    r.worker("P01IN", *birth_for(window_end), months=200)
    r.expected.add(("O01", "P01IN"))
    r.worker("P01OUT", *birth_for(window_end + DAY), months=200)  # a day after the window: not yet
    # O04 (entitled, not claiming) on the as-of day itself; a day later it is O01's
    b, a = birth_for(AS_OF)
    minimum = min_months_for(b, a)
    r.worker("P04IN", b, a, months=minimum)
    r.expected.add(("O04", "P04IN"))
    r.worker("P04TOMORROW", *birth_for(AS_OF + DAY), months=minimum)
    r.expected.add(("O01", "P04TOMORROW"))
    r.worker("P04SHORT", b, a, months=minimum - 1)             # a month short: O03, not O04
    r.expected.add(("O03", "P04SHORT"))
    r.worker("P04PENSIONER", b, a, months=minimum)              # has a pension: told nothing about claiming
    r.b.benefit("BPEN1", "P04PENSIONER", start="2026-09-01", account=CARD)
    r.b.certify("P04PENSIONER", "2026-08-29")
    r.worker("P04APPLIED", b, a, months=minimum)                # has applied: not told to apply
    r.applications.append({"application_no": "YL1", "person_id": "P04APPLIED", "kind": "pension",
                           "status": "review", "received_on": "2026-08-20"})
    dead = r.worker("P04DEAD", b, a, months=minimum)            # dead: no campaign at all
    r.b.death(dead, "2026-08-01")
    # O03: short of the minimum, retiring within 12 months (up to and including 2027-06-30)
    near_end = add_months(AS_OF, 12)                           # 2027-08-31
    b, a = birth_for(near_end)
    minimum = min_months_for(b, a)
    r.worker("P03IN", b, a, months=minimum - 1)
    r.expected.add(("O03", "P03IN"))
    r.worker("P03ENOUGH", b, a, months=minimum)                 # enough months: no back-payment offer
    r.worker("P03LATER", *birth_for(near_end + DAY), months=minimum - 1)  # a day past the 12 months
    r.worker("P23BOTH", b, a, months=minimum - 1, last_period="2026-05")  # short, and stopped paying: two campaigns
    r.expected |= {("O02", "P23BOTH"), ("O03", "P23BOTH")}
    # O02: under retirement age, contributions stopped 3 or more months before the as-of month
    young = dt.date(1985, 3, 10)
    r.worker("P02IN", young, 60, months=120, last_period="2026-05")
    r.expected.add(("O02", "P02IN"))
    r.worker("P02OUT", young, 60, months=120, last_period="2026-06")
    # O05: certification due within the next 30 days, both ends inclusive (cycle 365 days)
    for pid, certified, due_in in (("P05FIRST", "2025-08-31", True), ("P05OVERDUE", "2025-08-30", False),
                                   ("P05LAST", "2025-09-30", True), ("P05LATER", "2025-10-01", False)):
        r.person(pid, birth="1950-05-05", certified=certified, contrib_years=None)
        r.b.benefit(f"B{pid}", pid, start="2010-06-01", account=CARD)
        if due_in:
            r.expected.add(("O05", pid))
    r.person("P05NEVER", birth="1950-05-05", certified=None, contrib_years=None)  # counts from the start
    r.b.benefit("BP05NEVER", "P05NEVER", start="2025-09-15", account=CARD)
    r.expected.add(("O05", "P05NEVER"))
    dead = r.person("P05DEAD", birth="1950-05-05", certified="2025-09-01", contrib_years=None)
    r.b.benefit("BP05DEAD", "P05DEAD", start="2010-06-01", account=CARD)
    r.b.death(dead, "2026-08-01")
    return r
