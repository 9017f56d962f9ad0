"""Columns of the exchange format (issue 2) as Arrow schemas, in the order they are written."""

from __future__ import annotations

import pyarrow as pa

MONEY = pa.decimal128(14, 2)
INDEX = pa.decimal128(8, 4)

SCHEMAS: dict[str, pa.Schema] = {
    "persons": pa.schema([
        ("person_id", pa.string()), ("id_number", pa.string()), ("name", pa.string()),
        ("sex", pa.string()), ("birth_date", pa.date32()), ("region_code", pa.string()),
        ("phone", pa.string()), ("original_retirement_age", pa.int8()), ("deemed_months", pa.int32()),
    ]),
    "employers": pa.schema([
        ("employer_id", pa.string()), ("uscc", pa.string()), ("name", pa.string()),
        ("region_code", pa.string()), ("industry_code", pa.string()),
    ]),
    "contributions": pa.schema([
        ("person_id", pa.string()), ("employer_id", pa.string()), ("period", pa.string()),
        ("insurance", pa.string()), ("base", MONEY), ("employee_amount", MONEY),
        ("employer_amount", MONEY), ("paid_date", pa.date32()),
    ]),
    "contribution_years": pa.schema([
        ("person_id", pa.string()), ("year", pa.int16()), ("insurance", pa.string()),
        ("months", pa.int8()), ("avg_base", MONEY), ("avg_index", INDEX),
    ]),
    "pension_accounts": pa.schema([
        ("person_id", pa.string()), ("as_of", pa.date32()), ("balance", MONEY),
    ]),
    "benefits": pa.schema([
        ("benefit_id", pa.string()), ("person_id", pa.string()), ("kind", pa.string()),
        ("region_code", pa.string()), ("start_date", pa.date32()), ("end_date", pa.date32()),
        ("monthly_amount", MONEY), ("status", pa.string()), ("bank_account", pa.string()),
    ]),
    "payments": pa.schema([
        ("payment_id", pa.string()), ("benefit_id", pa.string()), ("person_id", pa.string()),
        ("period", pa.string()), ("paid_date", pa.date32()), ("amount", MONEY),
        ("bank_account", pa.string()), ("kind", pa.string()), ("status", pa.string()),
    ]),
    "deaths": pa.schema([
        ("id_number", pa.string()), ("name", pa.string()), ("death_date", pa.date32()),
        ("source", pa.string()),
    ]),
    "incarcerations": pa.schema([
        ("id_number", pa.string()), ("start_date", pa.date32()), ("end_date", pa.date32()),
        ("source", pa.string()),
    ]),
    "certifications": pa.schema([
        ("person_id", pa.string()), ("certified_date", pa.date32()), ("method", pa.string()),
    ]),
    "labels": pa.schema([
        ("subject_type", pa.string()), ("subject_id", pa.string()), ("label", pa.string()),
        ("cluster_id", pa.string()),
    ]),
}

FILES: tuple[str, ...] = tuple(SCHEMAS)

LABELS: tuple[str, ...] = (
    "paid_after_death", "paid_while_imprisoned", "shared_account", "split_transfer",
    "duplicate_benefit", "fake_backpayment", "duplicate_record",
)
