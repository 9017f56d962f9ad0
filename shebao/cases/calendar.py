"""Working days with the national holiday calendar, including make-up working days (调休).

Legal deadlines of the agency run in working days (社会保险经办条例 第十八条: 20 working days for a
pension claim; 第二十四条: 10 for unemployment benefit); how many is a policy parameter
(``deadlines.*``, :mod:`shebao.policy.deadlines`), counted here. The calendar ships as data
(``data/holidays.yaml``, one entry per State Council notice); years it does not cover fall back to
Monday–Friday and are reported by :func:`covered`, so that a caller can say the deadline is
approximate instead of pretending to know.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from pathlib import Path

from shebao.policy.deadlines import claim_deadline, reference_text
from shebao.policy.paramset import ParameterSet

DATA = Path(__file__).with_name("data") / "holidays.yaml"



@lru_cache(maxsize=1)
def _load() -> tuple[frozenset[dt.date], frozenset[dt.date], frozenset[int]]:
    import yaml

    raw = yaml.safe_load(DATA.read_text(encoding="utf-8"))
    holidays: set[dt.date] = set()
    workdays: set[dt.date] = set()
    for entry in raw.values():
        for start, end, _name in entry["holidays"]:
            day = start
            while day <= end:
                holidays.add(day)
                day += dt.timedelta(days=1)
        workdays.update(entry.get("workdays") or [])
    return frozenset(holidays), frozenset(workdays), frozenset(int(y) for y in raw)


def covered(year: int) -> bool:
    """Whether the shipped calendar holds the holiday notice of ``year``."""
    return year in _load()[2]


def is_working_day(day: dt.date) -> bool:
    """A working day: Monday–Friday unless a holiday, or a weekend day declared a make-up working day."""
    holidays, workdays, _ = _load()
    if day in workdays:
        return True
    if day in holidays:
        return False
    return day.weekday() < 5


def add_working_days(start: dt.date, n: int) -> dt.date:
    """The ``n``-th working day after ``start`` (the day of receipt itself is not counted)."""
    day = start
    counted = 0
    while counted < n:
        day += dt.timedelta(days=1)
        if is_working_day(day):
            counted += 1
    return day


def working_days_between(start: dt.date, end: dt.date) -> int:
    """Working days after ``start`` up to and including ``end`` (negative when ``end`` is earlier)."""
    if end < start:
        return -working_days_between(end, start)
    n = 0
    day = start
    while day < end:
        day += dt.timedelta(days=1)
        if is_working_day(day):
            n += 1
    return n


def deadline_for(kind: str, received: dt.date, params: ParameterSet | None = None, region: str | None = None) -> dt.date:
    """The legal deadline of an application of ``kind`` received on ``received``."""
    return add_working_days(received, int(claim_deadline(kind, received, region, params).value))


def deadline_reference(kind: str, received: dt.date, params: ParameterSet | None = None,
                       region: str | None = None) -> str:
    """The article that sets that deadline ("社会保险经办条例 第十八条")."""
    return reference_text(claim_deadline(kind, received, region, params))
