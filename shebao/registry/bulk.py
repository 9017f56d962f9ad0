"""Set-based loading of the large files (contributions): columns checked at once, rows written in bulk.

The per-row path (``loader.load_file``) parses each row in Python and upserts it through
SQLAlchemy: about 8,000 rows a second, too slow for a migration. For the files listed in
:data:`FAST` this module does the same work column by column:

1. the CSV is read by the same reader as the per-row path (so the same lines are rejected for
   encoding, NUL, size and CSV structure), into columns;
2. every column is checked with Arrow compute kernels against a *conservative* pattern (a value
   the pattern accepts is one the row parser accepts and reads the same way), and references are
   checked as set membership;
3. a row that any check flags goes through the row parser (``rows.check_row``) — which gives
   exactly the per-row path's reject, field and reason, or accepts it (a value written oddly but
   valid, such as `` 5000 ``);
4. duplicate natural keys within the file are found by grouping (the later row is rejected,
   naming the first, as before); the keyed row digest is the per-row path's, so a reload of
   unchanged rows writes nothing whichever path wrote them;
5. rows go to the database in bulk: on PostgreSQL ``COPY`` into a temporary staging table, then
   one ``UPDATE … FROM`` for keys present with another digest and one ``INSERT … SELECT`` for
   absent keys; on SQLite one ``executemany`` of ``INSERT … ON CONFLICT DO UPDATE … WHERE
   row_hash differs`` on the driver's cursor.

Everything happens in the file's one transaction, as before. Files with personal data (encrypted
per value) and payments (the duplicate rule) keep the per-row path.
"""

from __future__ import annotations

import hmac
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import Table
from sqlalchemy.orm import Session

from shebao.core.crypto import get_keyring
from shebao.core.db import Base, utcnow
from shebao.registry.exchange import INSURANCES, FieldError, FileSpec
from shebao.registry.rows import BAD_FIELD, check_row, masked

BULK_ROWS = 50_000
# Wall-clock seconds of the phases of the last bulk load (read, check, digest, write, merge),
# for benchmarks/bench_load.py.
last_timings: dict[str, float] = {}

# Conservative patterns: a value matching one is accepted by the row parser and read unchanged
# (apart from the amount's two decimals, added below). Anything else is left to the row parser.
KEY = r"^[0-9A-Za-z_.\-]{1,32}$"
OPT_KEY = r"^[0-9A-Za-z_.\-]{0,32}$"
PERIOD = r"^(19[5-9][0-9]|20[0-9][0-9]|2100)-(0[1-9]|1[0-2])$"
AMOUNT = r"^(0|[1-9][0-9]{0,11})(\.[0-9]{1,2})?$"
DATE = r"^[1-9][0-9]{3}-[0-9]{2}-[0-9]{2}$"

# file → column → (kind, argument); the row parser's output keys are exactly these columns.
FAST: dict[str, dict[str, tuple[str, Any]]] = {
    "contributions": {
        "person_id": ("key", None), "employer_id": ("opt_key", None), "period": ("regex", PERIOD),
        "insurance": ("choice", INSURANCES), "base": ("amount", None), "employee_amount": ("amount", None),
        "employer_amount": ("amount", None), "paid_date": ("opt_date", None),
    },
}


# The bulk path holds the file's columns in memory (about 450 bytes a row measured: a 50 MB file of
# 850,000 rows peaks near 0.6 GB). A larger file streams through the per-row path instead.
BULK_MAX_FILE_BYTES = 512 << 20


def eligible(spec: FileSpec, path) -> bool:
    return spec.name in FAST and path.suffix == ".csv" and path.stat().st_size <= BULK_MAX_FILE_BYTES


def _valid_dates(col: pa.Array) -> pa.Array:
    # strptime rolls 2019-02-30 over to 2019-03-01: the date must read back as written
    parsed = pc.strptime(col, format="%Y-%m-%d", unit="s", error_is_null=True)
    same = pc.equal(pc.strftime(parsed, format="%Y-%m-%d"), col)
    return pc.and_(pc.match_substring_regex(col, DATE), pc.fill_null(same, False))


def _column_ok(kind: str, arg: Any, col: pa.Array) -> pa.Array:
    if kind == "key":
        return pc.match_substring_regex(col, KEY)
    if kind == "opt_key":
        return pc.match_substring_regex(col, OPT_KEY)
    if kind == "regex":
        return pc.match_substring_regex(col, arg)
    if kind == "choice":
        return pc.is_in(col, value_set=pa.array(list(arg), pa.string()))
    if kind == "amount":
        return pc.match_substring_regex(col, AMOUNT)
    if kind == "opt_date":
        return pc.or_(pc.equal(col, ""), _valid_dates(col))
    if kind == "date":
        return _valid_dates(col)
    raise ValueError(kind)


def _normalised(kind: str, col: pa.Array) -> pa.Array:
    """A fast-path value as the row parser's record shows it (``str`` of the typed value)."""
    if kind == "amount":  # Decimal quantised to 0.01: '5000' → '5000.00', '5.5' → '5.50'
        no_point = pc.invert(pc.match_substring(col, "."))
        one_digit = pc.match_substring_regex(col, r"\.[0-9]$")
        col = pc.if_else(no_point, pc.binary_join_element_wise(col, ".00", ""), col)
        return pc.if_else(one_digit, pc.binary_join_element_wise(col, "0", ""), col)
    if kind == "opt_date":
        return pc.if_else(pc.equal(col, ""), pa.scalar(None, pa.string()), col)
    return col


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def read_clean(path: Path, header: list[str], on_read: Callable[[int], None]) -> tuple[dict, pa.Array] | None:
    """The file's columns read by Arrow's CSV reader, when its lines map one-to-one onto rows.

    That is when the whole file is UTF-8, has no quote character (so no field spans lines), no
    empty line, and every line has the header's number of fields. Otherwise None: the caller
    reads it with the row reader, which says what is wrong with which line.
    """
    import pyarrow.csv as pacsv

    data = path.read_bytes()
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    if b'"' in data or b"\n\n" in data or b"\n\r\n" in data or b"\r\r" in data:
        return None
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    names = [f"c{i}" for i in range(len(header))]
    try:
        table = pacsv.read_csv(
            pa.py_buffer(data),
            read_options=pacsv.ReadOptions(column_names=names, skip_rows=1, block_size=1 << 24),
            parse_options=pacsv.ParseOptions(quote_char=False, newlines_in_values=False),
            convert_options=pacsv.ConvertOptions(column_types={n: pa.string() for n in names},
                                                 strings_can_be_null=False, quoted_strings_can_be_null=False),
        )
    except (pa.ArrowInvalid, pa.ArrowException):
        return None
    expected = data.count(b"\n") - (1 if data.endswith(b"\n") else 0)
    if table.num_rows != expected:
        return None
    on_read(len(data))
    del data
    arrays = {h: table.column(n).combine_chunks() for h, n in zip(header, names, strict=True)}
    return arrays, pa.array(np.arange(2, table.num_rows + 2, dtype=np.int64))


def load_rows(session: Session, spec: FileSpec, path: Path, header: list[str], rows: Iterator[tuple[int, Any]],
              refs, max_field_bytes: int, reject: Callable[[int, str, str, str], None],
              on_read: Callable[[int], None] = lambda n: None) -> int:
    """Check and write one file's rows (already in the file's transaction); return rows loaded."""
    columns = FAST[spec.name]
    clock = time.perf_counter()
    last_timings.clear()
    clean = read_clean(path, header, on_read)
    if clean is not None:
        arrays, lines = clean
        # a line of blanks is skipped, as the row reader does
        blank = None
        for col in arrays.values():
            empty = pc.equal(pc.utf8_trim_whitespace(col), "")
            blank = empty if blank is None else pc.and_(blank, empty)
        if blank is not None and pc.any(blank).as_py():
            keep = pc.invert(blank)
            arrays = {h: pc.filter(c, keep) for h, c in arrays.items()}
            lines = pc.filter(lines, keep)
    else:
        values: list[list[str]] = []
        lines = []
        for line, row in rows:
            if isinstance(row, dict):  # BAD_FIELD: a line that could not be read
                field_name, reason = row[BAD_FIELD]
                reject(line, field_name, "", reason)
                continue
            values.append(row)
            lines.append(line)
        arrays = {name: pa.array(col, pa.string())
                  for name, col in zip(header, zip(*values, strict=True), strict=True)} if values else {}
        del values
        lines = pa.array(lines, pa.int64())
    if len(lines) == 0:
        return 0

    ok = None
    for col in arrays.values():  # NUL and size, on every column (unknown ones too)
        fine = pc.and_(pc.invert(pc.match_substring(col, "\x00")),
                       pc.less_equal(pc.binary_length(col), max_field_bytes))
        ok = fine if ok is None else pc.and_(ok, fine)
    for name, (kind, arg) in columns.items():
        ok = pc.and_(ok, _column_ok(kind, arg, arrays[name]))
    for name, target in spec.references.items():
        known = {"persons": refs.persons, "employers": refs.employers}[target]
        present = pc.is_in(arrays[name], value_set=pa.array(list(known), pa.string()))
        if name == "employer_id":
            present = pc.or_(present, pc.equal(arrays[name], ""))
        ok = pc.and_(ok, present)
    ok = pc.fill_null(ok, False)

    good = pa.table({name: _normalised(kind, pc.filter(arrays[name], ok)) for name, (kind, _) in columns.items()}
                    | {"__line__": pc.filter(lines, ok)})

    # Rows a check flagged: the row parser decides, with the per-row path's reasons.
    flagged = pc.indices_nonzero(pc.invert(ok)).to_pylist()
    if flagged:
        extra: dict[str, list] = {name: [] for name in [*columns, "__line__"]}
        cols = {name: arrays[name] for name in header}
        for i in flagged:
            row = {name: col[i].as_py() for name, col in cols.items()}
            try:
                record = check_row(spec, row, refs, max_field_bytes)
            except FieldError as exc:
                reject(lines[i].as_py(), exc.field, masked(exc.field, exc.value), exc.reason)
                continue
            for name in columns:
                extra[name].append(_text(record[name]))
            extra["__line__"].append(lines[i].as_py())
        if extra["__line__"]:
            good = pa.concat_tables([good, pa.table(extra, schema=good.schema)]).sort_by("__line__")

    last_timings["read_check"] = time.perf_counter() - clock
    good = _drop_repeated_keys(good, spec, reject, masked)
    if good.num_rows == 0:
        return 0
    last_timings["repeated_keys"] = time.perf_counter() - clock - last_timings["read_check"]
    del arrays, lines, ok
    table: Table = Base.metadata.tables[spec.table]
    names = [*columns, "row_hash"]
    clock = time.perf_counter()

    def chunks() -> Iterator[pa.Table]:  # chunk by chunk: the digests' memory stays bounded
        for start in range(0, good.num_rows, BULK_ROWS):
            chunk = good.select(list(columns)).slice(start, BULK_ROWS)
            yield chunk.append_column("row_hash", _row_hashes(chunk, list(columns)))

    bind = session.get_bind()
    # an in-memory SQLite database lives in one thread's connection: write from this thread there
    threaded = not (bind.dialect.name == "sqlite" and bind.url.database in (None, "", ":memory:"))
    _write_while_digesting(chunks(), lambda chunk: _bulk_write(session, table, spec, names, chunk), threaded)
    last_timings["digest_write"] = time.perf_counter() - clock
    clock = time.perf_counter()
    _bulk_merge(session, table, spec, names)
    last_timings["merge"] = time.perf_counter() - clock
    return good.num_rows


def _write_while_digesting(chunks: Iterator[pa.Table], write: Callable[[pa.Table], None],
                           threaded: bool = True) -> None:
    """Write each chunk on a second thread while this one digests the next.

    The database driver releases the GIL while the database works (SQLite's B-tree inserts, the
    wait for PostgreSQL), so the two overlap. The session's connection is used by the writer only
    until it is joined; the first error of either side is raised here.
    """
    import queue
    import threading

    if not threaded:
        for chunk in chunks:
            write(chunk)
        return
    pending: queue.Queue = queue.Queue(maxsize=2)
    failure: list[BaseException] = []
    done = object()

    def writer() -> None:
        while True:
            chunk = pending.get()
            if chunk is done:
                return
            if failure:
                continue  # drain after an error
            try:
                write(chunk)
            except BaseException as exc:  # noqa: BLE001 - handed to the loading thread
                failure.append(exc)

    thread = threading.Thread(target=writer, name="shebao-load-writer", daemon=True)
    thread.start()
    try:
        for chunk in chunks:
            if failure:
                break
            pending.put(chunk)
    finally:
        pending.put(done)
        thread.join()
    if failure:
        raise failure[0]


def _drop_repeated_keys(good: pa.Table, spec: FileSpec, reject, masked) -> pa.Table:
    """Reject a row whose natural key an earlier row of the file already has (as the row path does)."""
    keys = list(spec.natural_key)
    firsts = good.group_by(keys, use_threads=False).aggregate([("__line__", "min"), ("__line__", "count")])
    repeated = firsts.filter(pc.greater(firsts["__line___count"], 1))
    if repeated.num_rows == 0:
        return good
    joined = good.select([*keys, "__line__"]).join(repeated.select([*keys, "__line___min"]), keys=keys)
    later = joined.filter(pc.not_equal(joined["__line__"], joined["__line___min"])).sort_by("__line__")
    for row in later.to_pylist():
        reject(row["__line__"], ",".join(keys), masked(keys[0], row[keys[0]]), f"与第 {row['__line___min']} 行的主键重复")
    drop = pa.array(later["__line__"].to_pylist(), pa.int64())
    return good.filter(pc.invert(pc.is_in(good["__line__"], value_set=drop)))


def _row_hashes(good: pa.Table, record_keys: list[str]) -> pa.Array:
    """``loader.row_digest`` of each row, the text built by Arrow and the HMAC by OpenSSL."""
    parts = []
    for name in sorted(record_keys):
        parts.append(pc.binary_join_element_wise(pa.scalar(f"{name}="), pc.fill_null(good[name], ""), ""))
    text = pc.binary_join_element_wise(*parts, "\x1f") if len(parts) > 1 else parts[0]
    key = get_keyring().index_key
    digest = hmac.digest
    hashes = [digest(key, t, "sha256").hex() for t in text.cast(pa.binary()).to_pylist()]
    return pa.array(hashes, pa.string())


# --- writing ------------------------------------------------------------------------------------

def _stage_name(table: Table) -> str:
    return f"load_stage_{table.name}"


def _bulk_write(session: Session, table: Table, spec: FileSpec, names: list[str], chunk: pa.Table) -> None:
    """Write one chunk: COPY into the staging table (PostgreSQL), or upsert it (SQLite)."""
    dialect = session.get_bind().dialect
    raw = session.connection().connection.driver_connection
    if dialect.name == "postgresql":
        import pyarrow.csv as pacsv

        stage = _stage_name(table)
        with raw.cursor() as cur:
            cur.execute(f"CREATE TEMP TABLE IF NOT EXISTS {stage} ({', '.join(f'{n} text' for n in names)}) "
                        "ON COMMIT DROP")
            sink = pa.BufferOutputStream()
            pacsv.write_csv(chunk, sink, pacsv.WriteOptions(include_header=False, quoting_style="needed"))
            with cur.copy(f"COPY {stage} ({', '.join(names)}) FROM STDIN (FORMAT csv)") as copy:
                copy.write(sink.getvalue().to_pybytes())
        return
    now = _sqlite_now(table, dialect)
    sql = _upsert_sql(table, spec, names, f"VALUES ({', '.join('?' for _ in names)}, ?, ?)")
    cols = [chunk[n].to_pylist() for n in names]
    cur = raw.cursor()
    try:
        cur.executemany(sql, [(*r, now, now) for r in zip(*cols, strict=True)])
    finally:
        cur.close()


def _bulk_merge(session: Session, table: Table, spec: FileSpec, names: list[str]) -> None:
    """PostgreSQL: set-based upsert from the staging table (SQLite wrote as it went).

    An UPDATE of the rows whose key exists with another digest, then an INSERT of the keys the
    table lacks (an anti-join). Measured here, ``INSERT … ON CONFLICT`` costs 60% more than a
    plain insert for new rows, and for existing ones it locks (so writes) every row it looks at,
    even one it then leaves unchanged. A loader running at the same time on the same keys makes
    the insert fail on the unique key: the file is rolled back and named, and a re-run loads it.
    """
    dialect = session.get_bind().dialect
    if dialect.name != "postgresql":
        return
    stage = _stage_name(table)
    key = list(spec.db_key or spec.natural_key)
    typed = {}
    for n in names:
        sqltype = table.c[n].type.compile(dialect=dialect)
        typed[n] = f"s.{n}" if sqltype.startswith("VARCHAR") else f"CAST(s.{n} AS {sqltype})"
    same_key = " AND ".join(f"t.{k} = s.{k}" for k in key)
    changes = ", ".join(f"{n} = {typed[n]}" for n in names if n not in key)
    update = (f"UPDATE {table.name} t SET {changes}, updated_at = %(now)s FROM {stage} s "
              f"WHERE {same_key} AND t.row_hash <> s.row_hash")
    insert = (f"INSERT INTO {table.name} ({', '.join(names)}, created_at, updated_at) "
              f"SELECT {', '.join(typed[n] for n in names)}, %(now)s, %(now)s FROM {stage} s "
              f"WHERE NOT EXISTS (SELECT 1 FROM {table.name} t WHERE {same_key})")
    raw = session.connection().connection.driver_connection
    now = utcnow()
    with raw.cursor() as cur:
        cur.execute(update, {"now": now})
        cur.execute(insert, {"now": now})
        cur.execute(f"DROP TABLE {stage}")


def _upsert_sql(table: Table, spec: FileSpec, names: list[str], source: str) -> str:
    key = list(spec.db_key or spec.natural_key)
    updates = ", ".join(f"{n} = excluded.{n}" for n in [*names, "updated_at"] if n not in key)
    return (f"INSERT INTO {table.name} ({', '.join(names)}, created_at, updated_at) {source} "
            f"ON CONFLICT ({', '.join(key)}) DO UPDATE SET {updates} "
            f"WHERE {table.name}.row_hash <> excluded.row_hash")


def _sqlite_now(table: Table, dialect) -> Any:
    """Now, as SQLAlchemy stores a DateTime on SQLite (so that both paths store the same)."""
    processor = table.c.created_at.type.dialect_impl(dialect).bind_processor(dialect)
    now = utcnow()
    return processor(now) if processor else now
