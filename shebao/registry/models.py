"""Registry tables: persons, employers, contributions, accounts, benefits, payments, and the
registries shared by other departments (deaths, incarcerations, certifications).

Natural keys are the exchange format's (see issue 2 / README). Personal data (ID numbers, names,
phones, bank accounts) is stored encrypted; ``*_bidx`` columns hold the keyed blind index used
for equality look-ups. ``row_hash`` is a keyed digest of a row's content, so that re-loading an
unchanged row writes nothing.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    SmallInteger,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from shebao.core.crypto import EncryptedString
from shebao.core.db import Base, utcnow

MONEY = Numeric(14, 2)
INDEX = Numeric(8, 4)


class _Tracked:
    row_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Person(_Tracked, Base):
    """参保人 (an insured person's registration record)."""

    __tablename__ = "persons"

    person_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    id_number: Mapped[str] = mapped_column(EncryptedString)
    id_number_bidx: Mapped[str] = mapped_column(String(64), index=True)
    name: Mapped[str] = mapped_column(EncryptedString)
    # blind index of the full name (normalised: no spaces): staff search people by name without the
    # table ever being decrypted; equality only (a full name, not a part of one)
    name_bidx: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    sex: Mapped[str] = mapped_column(String(1))
    birth_date: Mapped[date] = mapped_column(Date)
    region_code: Mapped[str] = mapped_column(String(6), index=True)
    phone: Mapped[str | None] = mapped_column(EncryptedString, nullable=True)
    original_retirement_age: Mapped[int] = mapped_column(SmallInteger)
    deemed_months: Mapped[int] = mapped_column(Integer, default=0)


class Employer(_Tracked, Base):
    """用人单位."""

    __tablename__ = "employers"

    employer_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    uscc: Mapped[str] = mapped_column(String(18), index=True)
    name: Mapped[str] = mapped_column(String(200))
    region_code: Mapped[str] = mapped_column(String(6))
    industry_code: Mapped[str] = mapped_column(String(1))


class Contribution(_Tracked, Base):
    """One month's contribution to one insurance (monthly detail)."""

    __tablename__ = "contributions"
    __table_args__ = (UniqueConstraint("person_id", "period", "insurance", "employer_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    # no index of its own: the unique key above starts with it
    person_id: Mapped[str] = mapped_column(ForeignKey("persons.person_id"))
    # '' for flexible workers, so that the natural key stays unique on both databases.
    employer_id: Mapped[str] = mapped_column(String(32), default="")
    period: Mapped[str] = mapped_column(String(7))
    insurance: Mapped[str] = mapped_column(String(16))
    base: Mapped[Decimal] = mapped_column(MONEY)
    employee_amount: Mapped[Decimal] = mapped_column(MONEY)
    employer_amount: Mapped[Decimal] = mapped_column(MONEY)
    paid_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    # where a record moved in by a transfer between regions (养老保险关系转移接续) was paid, and the
    # transfer that moved it (NULL for a record of the place that holds it); see benefits.transfers
    origin_region: Mapped[str | None] = mapped_column(String(6), nullable=True)
    transfer_no: Mapped[str | None] = mapped_column(String(24), nullable=True, index=True)


class ContributionYear(_Tracked, Base):
    """A yearly contribution summary with the agency's contribution index."""

    __tablename__ = "contribution_years"
    __table_args__ = (UniqueConstraint("person_id", "year", "insurance"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    person_id: Mapped[str] = mapped_column(ForeignKey("persons.person_id"), index=True)
    year: Mapped[int] = mapped_column(SmallInteger)
    insurance: Mapped[str] = mapped_column(String(16))
    months: Mapped[int] = mapped_column(SmallInteger)
    avg_base: Mapped[Decimal] = mapped_column(MONEY)
    avg_index: Mapped[Decimal] = mapped_column(INDEX)


class PensionAccount(_Tracked, Base):
    """个人账户 balance on a date."""

    __tablename__ = "pension_accounts"
    __table_args__ = (UniqueConstraint("person_id", "as_of"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    person_id: Mapped[str] = mapped_column(ForeignKey("persons.person_id"), index=True)
    as_of: Mapped[date] = mapped_column(Date)
    balance: Mapped[Decimal] = mapped_column(MONEY)


class Benefit(_Tracked, Base):
    """待遇: a monthly benefit, or a one-off grant paid once."""

    __tablename__ = "benefits"

    benefit_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    person_id: Mapped[str] = mapped_column(ForeignKey("persons.person_id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    region_code: Mapped[str] = mapped_column(String(6))
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    monthly_amount: Mapped[Decimal] = mapped_column(MONEY)
    status: Mapped[str] = mapped_column(String(16), index=True)
    bank_account: Mapped[str | None] = mapped_column(EncryptedString, nullable=True)
    bank_account_bidx: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)


_NOT_DUPLICATE = text("status <> 'duplicate'")


class Payment(_Tracked, Base):
    """A payment instruction or a paid amount; one per (benefit, period, kind).

    The uniqueness is a partial index that leaves out ``status = 'duplicate'``: a legacy second
    payment for the same benefit, period and kind is kept as evidence of money paid twice.
    """

    __tablename__ = "payments"
    __table_args__ = (
        Index("uq_payments_benefit_id_period_kind", "benefit_id", "period", "kind", unique=True,
              sqlite_where=_NOT_DUPLICATE, postgresql_where=_NOT_DUPLICATE),
        Index("ix_payments_period", "period"),
    )

    payment_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    benefit_id: Mapped[str] = mapped_column(ForeignKey("benefits.benefit_id"), index=True)
    person_id: Mapped[str] = mapped_column(ForeignKey("persons.person_id"), index=True)
    period: Mapped[str] = mapped_column(String(7))
    paid_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    amount: Mapped[Decimal] = mapped_column(MONEY)
    bank_account: Mapped[str | None] = mapped_column(EncryptedString, nullable=True)
    bank_account_bidx: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    kind: Mapped[str] = mapped_column(String(16), default="regular")
    status: Mapped[str] = mapped_column(String(16), default="paid")


class Death(_Tracked, Base):
    """A death reported by civil affairs, a funeral home, the police or a hospital."""

    __tablename__ = "deaths"
    __table_args__ = (UniqueConstraint("id_number_bidx", "source"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    id_number: Mapped[str] = mapped_column(EncryptedString)
    id_number_bidx: Mapped[str] = mapped_column(String(64), index=True)
    name: Mapped[str] = mapped_column(EncryptedString)
    death_date: Mapped[date] = mapped_column(Date)
    source: Mapped[str] = mapped_column(String(16))


class Incarceration(_Tracked, Base):
    """A custodial sentence (收监执行) reported by the justice department or a court."""

    __tablename__ = "incarcerations"
    __table_args__ = (UniqueConstraint("id_number_bidx", "start_date"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    id_number: Mapped[str] = mapped_column(EncryptedString)
    id_number_bidx: Mapped[str] = mapped_column(String(64), index=True)
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    source: Mapped[str] = mapped_column(String(16))


class Certification(_Tracked, Base):
    """待遇资格认证: one proof of life."""

    __tablename__ = "certifications"
    __table_args__ = (UniqueConstraint("person_id", "certified_date", "method"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    person_id: Mapped[str] = mapped_column(ForeignKey("persons.person_id"), index=True)
    certified_date: Mapped[date] = mapped_column(Date)
    method: Mapped[str] = mapped_column(String(16))


def _index_name(_mapper, _connection, target: Person) -> None:
    """Keep the name's blind index with the name, whatever path writes a person through the ORM."""
    from shebao.core.crypto import blind_index

    target.name_bidx = blind_index(target.name) if target.name else None


from sqlalchemy import event  # noqa: E402

event.listen(Person, "before_insert", _index_name)
event.listen(Person, "before_update", _index_name)
