"""The exchange format: a folder of UTF-8 CSV files with a header row (or Parquet, same columns).

This module is the contract shared by import, export, the synthetic generator and batch
screening: which files exist, their columns, natural keys, and how one row is validated and
converted. Parsing a row raises :class:`FieldError` naming the field and the reason.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from shebao.core.safefiles import restore
from shebao.core.validators import (
    InvalidValue,
    id_birth_date,
    id_sex,
    validate_bank_card,
    validate_id_number,
    validate_phone,
    validate_uscc,
)

INSURANCES = ("pension", "unemployment", "injury")
MONTHLY_BENEFIT_KINDS = ("pension", "unemployment", "injury_allowance", "injury_survivor_pension")
ONE_OFF_BENEFIT_KINDS = ("funeral_grant", "survivor_grant", "death_grant", "disability_grant", "account_inheritance")
BENEFIT_KINDS = MONTHLY_BENEFIT_KINDS + ONE_OFF_BENEFIT_KINDS
BENEFIT_STATUSES = ("active", "suspended", "terminated")
PAYMENT_KINDS = ("regular", "backpay", "adjustment", "recovery", "one_off")
# 'duplicate': a legacy second payment for the same benefit, period and kind (money paid twice, kept
# as evidence; the loader marks it so, and it holds no place in the one-per-(benefit, period, kind) index).
DUPLICATE = "duplicate"
PAYMENT_STATUSES = ("paid", "failed", "pending", DUPLICATE)
DEATH_SOURCES = ("civil_affairs", "funeral", "police", "health")
INCARCERATION_SOURCES = ("justice", "court")
CERTIFICATION_METHODS = ("face", "bank", "hospital", "community", "silent")
RETIREMENT_AGES = (60, 55, 50)
INDUSTRY_SECTIONS = tuple("ABCDEFGHIJKLMNOPQRST")  # GB/T 4754-2017 门类

# Fields holding personal data: masked in reports and logs.
PERSONAL_FIELDS = frozenset({"id_number", "name", "phone", "bank_account"})


@dataclass
class Reject:
    """One line of the rejects report: the file and line of a row that was not taken, the field, its
    value (masked) and why (the registry's loader and the bills exchange check write the same report)."""

    file: str
    line: int
    field: str
    value: str
    reason: str


class FieldError(ValueError):
    """One field of one row is invalid."""

    def __init__(self, field_name: str, value: Any, reason: str):
        super().__init__(f"{field_name}: {reason}")
        self.field = field_name
        self.value = value
        self.reason = reason


# --- field parsers ---------------------------------------------------------------------------

def _text(row: dict, name: str, *, max_len: int = 200, required: bool = True) -> str | None:
    value = restore((row.get(name) or "").strip())  # the quote `shebao export` puts before a formula-like cell
    if not value:
        if required:
            raise FieldError(name, value, "必填字段为空")
        return None
    if len(value) > max_len:
        raise FieldError(name, value, f"长度超过 {max_len} 个字符")
    return value


_KEY = re.compile(r"[0-9A-Za-z_.\-]+")


def _key(row: dict, name: str, *, required: bool = True, max_len: int = 32) -> str | None:
    # max_len is the database column's (a longer key would make PostgreSQL refuse the whole file)
    value = _text(row, name, max_len=max_len, required=required)
    if value is not None and not _KEY.fullmatch(value):
        raise FieldError(name, value, "编号只能包含字母、数字、下划线、点和连字符")
    return value


_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _date(row: dict, name: str, *, required: bool = True) -> date | None:
    value = (row.get(name) or "").strip()
    if not value:
        if required:
            raise FieldError(name, value, "必填日期为空")
        return None
    if not _ISO_DATE.fullmatch(value):
        raise FieldError(name, value, "日期格式应为 YYYY-MM-DD")
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise FieldError(name, value, "不是有效日期") from exc


_PERIOD = re.compile(r"(\d{4})-(\d{2})")


def _period(row: dict, name: str = "period") -> str:
    value = (row.get(name) or "").strip()
    m = _PERIOD.fullmatch(value)
    if not m or not 1 <= int(m.group(2)) <= 12 or not 1950 <= int(m.group(1)) <= 2100:
        raise FieldError(name, value, "期间格式应为 YYYY-MM（月份 01–12）")
    return value


def _amount(row: dict, name: str, *, allow_negative: bool = False, required: bool = True) -> Decimal | None:
    value = (row.get(name) or "").strip()
    if not value:
        if required:
            raise FieldError(name, value, "金额为空")
        return None
    try:
        amount = Decimal(value)
    except InvalidOperation as exc:
        raise FieldError(name, value, "不是有效金额") from exc
    if not amount.is_finite():
        raise FieldError(name, value, "不是有效金额")
    if amount.as_tuple().exponent < -2:  # type: ignore[operator]
        raise FieldError(name, value, "金额最多两位小数（元）")
    if amount < 0 and not allow_negative:
        raise FieldError(name, value, "金额不能为负数")
    if abs(amount) >= Decimal("1e12"):
        raise FieldError(name, value, "金额超出范围")
    return amount.quantize(Decimal("0.01"))


def _int(row: dict, name: str, *, lo: int, hi: int, default: int | None = None) -> int:
    value = (row.get(name) or "").strip()
    if not value:
        if default is not None:
            return default
        raise FieldError(name, value, "必填整数为空")
    if not re.fullmatch(r"-?\d+", value):
        raise FieldError(name, value, "不是整数")
    number = int(value)
    if not lo <= number <= hi:
        raise FieldError(name, value, f"应在 {lo} 到 {hi} 之间")
    return number


def _choice(row: dict, name: str, choices: tuple, *, default: str | None = None) -> str:
    value = (row.get(name) or "").strip()
    if not value and default is not None:
        return default
    if value not in choices:
        raise FieldError(name, value, f"取值应为 {'|'.join(choices)}")
    return value


def _region(row: dict, name: str = "region_code") -> str:
    value = (row.get(name) or "").strip()
    if not re.fullmatch(r"\d{6}", value):
        raise FieldError(name, value, "行政区划代码应为 6 位数字")
    return value


def _checked(name: str, value: str, fn: Callable[[str], str]) -> str:
    try:
        return fn(value)
    except InvalidValue as exc:
        raise FieldError(name, value, exc.reason) from exc


def _id_number(row: dict, name: str = "id_number") -> str:
    return _checked(name, (row.get(name) or "").strip(), validate_id_number)


def _bank_account(row: dict, name: str = "bank_account", *, required: bool = False) -> str | None:
    value = (row.get(name) or "").strip()
    if not value:
        if required:
            raise FieldError(name, value, "必填字段为空")
        return None
    return _checked(name, value, validate_bank_card)


# --- row parsers: exchange row (strings) → typed record ---------------------------------------

def parse_person(row: dict) -> dict:
    id_number = _id_number(row)
    birth = _date(row, "birth_date")
    sex = _choice(row, "sex", ("M", "F"))
    if id_number[0] != "9":  # foreigners' permanent-residence IDs follow another layout
        if id_birth_date(id_number) != birth:
            raise FieldError("birth_date", row.get("birth_date"), "出生日期与身份证号码不一致")
        if id_sex(id_number) != sex:
            raise FieldError("sex", row.get("sex"), "性别与身份证号码不一致")
    phone = (row.get("phone") or "").strip()
    return {
        "person_id": _key(row, "person_id"),
        "id_number": id_number,
        "name": _text(row, "name", max_len=50),
        "sex": sex,
        "birth_date": birth,
        "region_code": _region(row),
        "phone": _checked("phone", phone, validate_phone) if phone else None,
        "original_retirement_age": _choice_int(row, "original_retirement_age", RETIREMENT_AGES),
        "deemed_months": _int(row, "deemed_months", lo=0, hi=600, default=0),
    }


def _choice_int(row: dict, name: str, choices: tuple[int, ...]) -> int:
    value = (row.get(name) or "").strip()
    if not value.isdigit() or int(value) not in choices:
        raise FieldError(name, value, f"取值应为 {'|'.join(map(str, choices))}")
    return int(value)


def parse_employer(row: dict) -> dict:
    return {
        "employer_id": _key(row, "employer_id"),
        "uscc": _checked("uscc", (row.get("uscc") or "").strip(), validate_uscc),
        "name": _text(row, "name", max_len=200),
        "region_code": _region(row),
        "industry_code": _choice(row, "industry_code", INDUSTRY_SECTIONS),
    }


def parse_contribution(row: dict) -> dict:
    return {
        "person_id": _key(row, "person_id"),
        "employer_id": _key(row, "employer_id", required=False) or "",
        "period": _period(row),
        "insurance": _choice(row, "insurance", INSURANCES),
        "base": _amount(row, "base"),
        "employee_amount": _amount(row, "employee_amount"),
        "employer_amount": _amount(row, "employer_amount"),
        "paid_date": _date(row, "paid_date", required=False),
    }


def parse_contribution_year(row: dict) -> dict:
    index_text = (row.get("avg_index") or "").strip()
    try:
        index = Decimal(index_text)
    except InvalidOperation as exc:
        raise FieldError("avg_index", index_text, "缴费指数不是有效数字") from exc
    if not index.is_finite() or index < 0 or index > 10:
        raise FieldError("avg_index", index_text, "缴费指数应在 0 到 10 之间")
    return {
        "person_id": _key(row, "person_id"),
        "year": _int(row, "year", lo=1950, hi=2100),
        "insurance": _choice(row, "insurance", INSURANCES),
        "months": _int(row, "months", lo=0, hi=12),
        "avg_base": _amount(row, "avg_base"),
        "avg_index": index.quantize(Decimal("0.0001")),
    }


def parse_pension_account(row: dict) -> dict:
    return {
        "person_id": _key(row, "person_id"),
        "as_of": _date(row, "as_of"),
        "balance": _amount(row, "balance"),
    }


def parse_benefit(row: dict) -> dict:
    start = _date(row, "start_date")
    end = _date(row, "end_date", required=False)
    if end is not None and start is not None and end < start:
        raise FieldError("end_date", row.get("end_date"), "终止日期早于开始日期")
    return {
        "benefit_id": _key(row, "benefit_id"),
        "person_id": _key(row, "person_id"),
        "kind": _choice(row, "kind", BENEFIT_KINDS),
        "region_code": _region(row),
        "start_date": start,
        "end_date": end,
        "monthly_amount": _amount(row, "monthly_amount"),
        "status": _choice(row, "status", BENEFIT_STATUSES),
        "bank_account": _bank_account(row),
    }


def parse_payment(row: dict) -> dict:
    kind = _choice(row, "kind", PAYMENT_KINDS, default="regular")
    status = _choice(row, "status", PAYMENT_STATUSES, default="paid")
    paid_date = _date(row, "paid_date", required=False)
    if status == "paid" and paid_date is None:
        raise FieldError("paid_date", "", "已支付（paid）的记录必须有支付日期")
    return {
        "payment_id": _key(row, "payment_id", max_len=40),
        "benefit_id": _key(row, "benefit_id"),
        "person_id": _key(row, "person_id"),
        "period": _period(row),
        "paid_date": paid_date,
        "amount": _amount(row, "amount", allow_negative=(kind == "recovery")),
        "bank_account": _bank_account(row),
        "kind": kind,
        "status": status,
    }


def parse_death(row: dict) -> dict:
    return {
        "id_number": _id_number(row),
        "name": _text(row, "name", max_len=50),
        "death_date": _date(row, "death_date"),
        "source": _choice(row, "source", DEATH_SOURCES),
    }


def parse_incarceration(row: dict) -> dict:
    start = _date(row, "start_date")
    end = _date(row, "end_date", required=False)
    if end is not None and start is not None and end < start:
        raise FieldError("end_date", row.get("end_date"), "释放日期早于收监日期")
    return {
        "id_number": _id_number(row),
        "start_date": start,
        "end_date": end,
        "source": _choice(row, "source", INCARCERATION_SOURCES),
    }


def parse_certification(row: dict) -> dict:
    return {
        "person_id": _key(row, "person_id"),
        "certified_date": _date(row, "certified_date"),
        "method": _choice(row, "method", CERTIFICATION_METHODS),
    }


@dataclass(frozen=True)
class FileSpec:
    """One file of the exchange format."""

    name: str                      # file stem: persons → persons.csv / persons.parquet
    table: str                     # database table
    columns: tuple[str, ...]       # required columns, in export order
    natural_key: tuple[str, ...]   # natural key in exchange terms
    parse: Callable[[dict], dict]
    optional: tuple[str, ...] = ()
    # Foreign references checked before insert: field → file whose key it must name.
    references: dict[str, str] = field(default_factory=dict)
    # The key as the database enforces it (blind index instead of an encrypted value).
    db_key: tuple[str, ...] = ()
    # Another unique key the database enforces (payments: one per benefit, period and kind).
    unique: tuple[str, ...] = ()

    @property
    def all_columns(self) -> tuple[str, ...]:
        return self.columns + self.optional


SPECS: tuple[FileSpec, ...] = (
    FileSpec("persons", "persons",
             ("person_id", "id_number", "name", "sex", "birth_date", "region_code", "phone",
              "original_retirement_age", "deemed_months"),
             ("person_id",), parse_person),
    FileSpec("employers", "employers", ("employer_id", "uscc", "name", "region_code", "industry_code"),
             ("employer_id",), parse_employer),
    FileSpec("contributions", "contributions",
             ("person_id", "employer_id", "period", "insurance", "base", "employee_amount", "employer_amount",
              "paid_date"),
             ("person_id", "period", "insurance", "employer_id"), parse_contribution,
             references={"person_id": "persons", "employer_id": "employers"}),
    FileSpec("contribution_years", "contribution_years",
             ("person_id", "year", "insurance", "months", "avg_base", "avg_index"),
             ("person_id", "year", "insurance"), parse_contribution_year,
             references={"person_id": "persons"}),
    FileSpec("pension_accounts", "pension_accounts", ("person_id", "as_of", "balance"),
             ("person_id", "as_of"), parse_pension_account, references={"person_id": "persons"}),
    FileSpec("benefits", "benefits",
             ("benefit_id", "person_id", "kind", "region_code", "start_date", "end_date", "monthly_amount",
              "status", "bank_account"),
             ("benefit_id",), parse_benefit, references={"person_id": "persons"}),
    FileSpec("payments", "payments",
             ("payment_id", "benefit_id", "person_id", "period", "paid_date", "amount", "bank_account"),
             ("payment_id",), parse_payment, optional=("kind", "status"),
             references={"benefit_id": "benefits", "person_id": "persons"},
             unique=("benefit_id", "period", "kind")),
    FileSpec("deaths", "deaths", ("id_number", "name", "death_date", "source"),
             ("id_number", "source"), parse_death, db_key=("id_number_bidx", "source")),
    FileSpec("incarcerations", "incarcerations", ("id_number", "start_date", "end_date", "source"),
             ("id_number", "start_date"), parse_incarceration, db_key=("id_number_bidx", "start_date")),
    FileSpec("certifications", "certifications", ("person_id", "certified_date", "method"),
             ("person_id", "certified_date", "method"), parse_certification,
             references={"person_id": "persons"}),
)

SPEC_BY_NAME: dict[str, FileSpec] = {s.name: s for s in SPECS}
