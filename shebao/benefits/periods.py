"""Payroll periods (YYYY-MM) as plain strings, and month arithmetic on them."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date

_PERIOD = re.compile(r"^((?:19|20)\d{2})-(0[1-9]|1[0-2])$")


class PeriodError(ValueError):
    """A period that is not YYYY-MM."""


def parse_period(value: str) -> tuple[int, int]:
    m = _PERIOD.match(str(value or "").strip())
    if not m:
        raise PeriodError(f"期间应为 YYYY-MM（1900–2099 年）：{value!r}")
    return int(m.group(1)), int(m.group(2))


def check_period(value: str) -> str:
    y, m = parse_period(value)
    return f"{y:04d}-{m:02d}"


def period_of(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def month_index(period: str) -> int:
    y, m = parse_period(period)
    return y * 12 + m - 1


def from_index(index: int) -> str:
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def add_months(period: str, n: int) -> str:
    return from_index(month_index(period) + n)


def first_day(period: str) -> date:
    y, m = parse_period(period)
    return date(y, m, 1)


def last_day(period: str) -> date:
    nxt = first_day(add_months(period, 1))
    return date.fromordinal(nxt.toordinal() - 1)


def months_between(first: str, last: str) -> Iterator[str]:
    """Every period from ``first`` through ``last`` (nothing when last < first)."""
    for i in range(month_index(first), month_index(last) + 1):
        yield from_index(i)


def count_months(first: str, last: str) -> int:
    return max(0, month_index(last) - month_index(first) + 1)
