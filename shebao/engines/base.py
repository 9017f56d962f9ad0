"""The small engine interface batch screening runs on (after Splink's database API).

An engine loads an exchange folder as typed tables, creates views and runs SQL, returning Arrow
tables. A :class:`Dialect` holds the few SQL differences between engines, used as macros by the
catalogue's templates. Rules are written once, in the catalogue.
"""

from __future__ import annotations

import csv
from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pyarrow as pa

# Column types of the exchange tables as the rules see them. Money is DECIMAL (never float),
# periods stay 'YYYY-MM' strings (they sort correctly as text), dates are DATE.
STRING, DATE, MONEY, INT, FLOAT = "string", "date", "money", "int", "float"

TABLES: dict[str, dict[str, str]] = {
    "persons": {
        "person_id": STRING, "id_number": STRING, "name": STRING, "sex": STRING, "birth_date": DATE,
        "region_code": STRING, "phone": STRING, "original_retirement_age": INT, "deemed_months": INT,
    },
    "contributions": {
        "person_id": STRING, "employer_id": STRING, "period": STRING, "insurance": STRING, "base": MONEY,
        "employee_amount": MONEY, "employer_amount": MONEY, "paid_date": DATE,
    },
    "contribution_years": {
        "person_id": STRING, "year": INT, "insurance": STRING, "months": INT, "avg_base": MONEY,
        "avg_index": FLOAT,
    },
    "benefits": {
        "benefit_id": STRING, "person_id": STRING, "kind": STRING, "region_code": STRING, "start_date": DATE,
        "end_date": DATE, "monthly_amount": MONEY, "status": STRING, "bank_account": STRING,
    },
    "payments": {
        "payment_id": STRING, "benefit_id": STRING, "person_id": STRING, "period": STRING, "paid_date": DATE,
        "amount": MONEY, "bank_account": STRING, "kind": STRING, "status": STRING,
    },
    "deaths": {"id_number": STRING, "name": STRING, "death_date": DATE, "source": STRING},
    "incarcerations": {"id_number": STRING, "start_date": DATE, "end_date": DATE, "source": STRING},
    "certifications": {"person_id": STRING, "certified_date": DATE, "method": STRING},
}

# Defaults for optional columns (missing column, or empty cell).
DEFAULTS: dict[tuple[str, str], str] = {
    ("payments", "kind"): "regular",
    ("payments", "status"): "paid",
    ("persons", "deemed_months"): "0",
}


class EngineError(RuntimeError):
    """The data cannot be read or a query failed (the message says which file or rule)."""


@dataclass(frozen=True)
class Source:
    """Where one exchange table comes from: a CSV or Parquet file, with the columns it has.

    ``typed`` names the columns a Parquet file already stores in the table's type (dates, money,
    numbers): engines read those as they are instead of through text.
    """

    table: str
    path: Path | None
    columns: tuple[str, ...]
    typed: frozenset[str] = frozenset()

    @property
    def is_parquet(self) -> bool:
        return self.path is not None and self.path.suffix == ".parquet"


# The tables screening cannot run without (the rest of the exchange folder is optional).
REQUIRED_TABLES = ("persons", "benefits", "payments")


@dataclass(frozen=True)
class TableSet:
    """A family of tables an engine loads from a folder: their typed columns, which must be present,
    and defaults for optional columns. Each domain with batch rules names its own (the registry's
    exchange folder for screening, bills and their catalogue, the four parties' statements ...)."""

    tables: dict[str, dict[str, str]]
    required: tuple[str, ...] = ()
    defaults: dict[tuple[str, str], str] | None = None


EXCHANGE = TableSet(TABLES, REQUIRED_TABLES, DEFAULTS)


def find_sources(folder: Path, tables: TableSet = EXCHANGE) -> dict[str, Source]:
    """Locate each table of ``tables`` in ``folder`` (``X.csv`` or ``X.parquet``); absent ones are empty."""
    folder = Path(folder)
    if not folder.is_dir():
        raise EngineError(f"目录不存在：{folder}")
    sources: dict[str, Source] = {}
    for table in tables.tables:
        parquet, csv_path = folder / f"{table}.parquet", folder / f"{table}.csv"
        if parquet.exists():
            import pyarrow.parquet as pq

            schema = pq.read_schema(parquet)
            sources[table] = Source(table, parquet, tuple(schema.names), _typed_columns(schema, tables.tables[table]))
        elif csv_path.exists():
            with csv_path.open(encoding="utf-8-sig", newline="") as fh:
                header = next(csv.reader(fh), [])
            sources[table] = Source(table, csv_path, tuple(h.strip() for h in header))
        else:
            sources[table] = Source(table, None, ())
    for table in tables.required:
        if sources[table].path is None:
            raise EngineError(f"{folder} 中缺少 {table}.csv（或 .parquet）")
    return sources


def _typed_columns(schema: pa.Schema, kinds: dict[str, str]) -> frozenset[str]:
    """The non-text columns of a Parquet schema whose Arrow type is already the table's type."""
    import pyarrow as pa

    expected = {DATE: pa.date32(), MONEY: pa.decimal128(18, 2), INT: pa.int32(), FLOAT: pa.float64()}
    return frozenset(field.name for field in schema
                     if field.name in kinds and expected.get(kinds[field.name]) == field.type)


class Dialect(ABC):
    """The SQL that differs between engines. Each method returns an SQL expression."""

    name: str

    @abstractmethod
    def month_of(self, expr: str) -> str:
        """A DATE expression as its 'YYYY-MM' month (NULL stays NULL)."""

    @abstractmethod
    def days_between(self, start: str, end: str) -> str:
        """Whole days from ``start`` to ``end`` (positive when ``end`` is later)."""

    @abstractmethod
    def list_agg(self, expr: str) -> str:
        """Aggregate: the distinct non-null values of ``expr``, sorted, as a list."""

    @abstractmethod
    def quote(self, identifier: str) -> str:
        """Quote a column name."""

    def cast(self, column: str, kind: str) -> str:
        """Cast a text column read from the file to the table's type (standard SQL; both engines)."""
        return column if kind == STRING else f"CAST({column} AS {SQL_TYPES[kind]})"


SQL_TYPES = {DATE: "DATE", MONEY: "DECIMAL(18, 2)", INT: "INTEGER", FLOAT: "DOUBLE"}


def typed_select(source: Source, dialect: Dialect, tables: TableSet = EXCHANGE) -> str:
    """The SELECT list that turns a file's text columns into the table's typed columns."""
    parts = []
    defaults = tables.defaults or {}
    for column, kind in tables.tables[source.table].items():
        default = defaults.get((source.table, column))
        if column in source.typed:  # stored in its type already (typed Parquet): no round trip through text
            expr = dialect.quote(column)
            if default is not None:
                expr = f"coalesce({expr}, {dialect.cast(repr(default), kind)})"
            parts.append(f"{expr} AS {column}")
            continue
        if column in source.columns:
            expr = f"NULLIF(trim(CAST({dialect.quote(column)} AS STRING)), '')"
            if default is not None:
                expr = f"coalesce({expr}, '{default}')"
        else:
            expr = f"'{default}'" if default is not None else "CAST(NULL AS STRING)"
        parts.append(f"{dialect.cast(expr, kind)} AS {column}")
    return ", ".join(parts)


class Engine(ABC):
    """A batch SQL engine: load the exchange folder, create views, run queries."""

    dialect: Dialect

    @abstractmethod
    def load_folder(self, folder: Path, tables: TableSet = EXCHANGE) -> dict[str, int]:
        """Register every table of ``tables`` found in ``folder`` (by default the registry's exchange
        tables); an absent optional table is registered empty. Return the row count of each."""

    @abstractmethod
    def register_arrow(self, name: str, table: pa.Table) -> None:
        """Expose an Arrow table (e.g. rows read from the database) as the table ``name``."""

    @abstractmethod
    def create_view(self, name: str, sql: str) -> None:
        """Create (or replace) a named view over the loaded tables."""

    @abstractmethod
    def query(self, sql: str) -> pa.Table:
        """Run one SELECT and return its result as an Arrow table."""

    def close(self) -> None:  # noqa: B027 - optional for engines with nothing to release
        """Release the engine's resources (the Spark session is shared and left running)."""

    def __enter__(self) -> Engine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
