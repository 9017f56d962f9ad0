"""Database engine, sessions and the declarative base (SQLAlchemy 2).

The same schema runs on SQLite (the embedded default) and PostgreSQL. Engines are built lazily
from the settings, never at import time. Whoever starts a unit of work owns its transaction:
:func:`session_scope` commits on success and rolls back on any error; services only flush.
"""

from __future__ import annotations

import select
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache

from sqlalchemy import (
    DateTime,
    Engine,
    Insert,
    Integer,
    MetaData,
    bindparam,
    create_engine,
    event,
    insert,
    inspect,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError, DisconnectionError
from sqlalchemy.orm import DeclarativeBase, Session, make_transient_to_detached, sessionmaker

from shebao.core.settings import get_settings

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base of every table; constraint names are stable across both databases."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: DateTime(timezone=True)}


def utcnow() -> datetime:
    return datetime.now(UTC)


def _sqlite_pragmas(dbapi_conn, _record) -> None:  # pragma: no cover - exercised by every SQLite test
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()


def make_engine(url: str) -> Engine:
    """Build an engine for ``url`` with the settings both databases need."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30}, future=True)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    engine = create_engine(url, pool_size=10, max_overflow=20, future=True)
    event.listen(engine, "checkout", _ping_if_disturbed)
    return engine


def _ping_if_disturbed(dbapi_conn, _record, _proxy) -> None:
    """Before a pooled PostgreSQL connection is handed out: ping the server when the connection's
    socket has anything to read or an error (the server closed it, or sent a message, say a restart's or
    an idle timeout's FATAL, while the connection sat in the pool), else hand it out as it is.

    The pool's own ``pool_pre_ping`` sends a round trip at every checkout, one per transaction: the
    share of a short transaction's client CPU that a whole statement costs. A connection that a
    server closed or terminated has its end of file or the server's message waiting on its socket, so
    a zero-timeout ``poll`` finds it; a failed ping raises ``DisconnectionError``, upon which the pool
    drops the connection and checks out another (as with ``pool_pre_ping``).
    """
    try:
        if not dbapi_conn.closed:
            poller = select.poll()
            poller.register(dbapi_conn.fileno(), select.POLLIN | select.POLLPRI)
            if not poller.poll(0):
                return  # nothing arrived: the connection is as it was checked in
    except Exception:  # noqa: BLE001 - whatever went wrong, the ping below decides
        pass
    try:
        before = dbapi_conn.autocommit
        dbapi_conn.autocommit = True  # the ping opens no transaction
        try:
            cursor = dbapi_conn.cursor()
            try:
                cursor.execute("SELECT 1")
            finally:
                cursor.close()
        finally:
            dbapi_conn.autocommit = before
    except Exception as exc:
        raise DisconnectionError(f"connection lost while in the pool: {exc}") from exc


_ENGINES: dict[str, Engine] = {}


# --- the schema on first use ---------------------------------------------------------------------
#
# A command line user should not need to know about migrations: the first command that touches the
# settings' database brings an embedded SQLite file to the newest schema by itself (and says so on
# stderr). A PostgreSQL database is shared and usually owned by someone else: there the command
# stops and tells the user to run ``shebao db upgrade``. Off by default (library use, tests, the API
# workers); the CLI switches it on in ``shebao.cli.main``; ``shebao db upgrade`` switches it off.
# The check itself (``shebao.migrations.ensure_schema``) is handed in: ``core`` sits below every
# package whose tables the migrations create, so it does not import them.

class SchemaNotReady(RuntimeError):
    """The database lacks migrations this version of shebao needs (message in Chinese)."""


_SCHEMA_CHECK: dict[str, Callable[[Engine], None] | None] = {"check": None}
_SCHEMA_CHECKED: set[str] = set()


def enable_schema_check(check: Callable[[Engine], None] | None) -> None:
    """Run ``check`` (``shebao.migrations.ensure_schema``) when the settings' engine is first used;
    ``None`` switches it off."""
    _SCHEMA_CHECK["check"] = check


@contextmanager
def migration_lock(engine: Engine) -> Iterator[None]:
    """An exclusive lock on a file beside the SQLite database for the time of its migration."""
    database = engine.url.database
    if not database or database == ":memory:":
        yield
        return
    import fcntl

    with open(f"{database}.migrate-lock", "a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def get_engine(url: str | None = None) -> Engine:
    """The process-wide engine for ``url`` (default: the settings' database).

    With the schema check on (the CLI), the first use of the settings' database applies pending
    migrations to SQLite, or raises :class:`SchemaNotReady` on PostgreSQL.
    """
    settings = get_settings()
    check = False
    if url is None:
        url = str(settings.database_url)
        if settings.is_sqlite:
            settings.ensure_home()
        check = _SCHEMA_CHECK["check"] is not None and url not in _SCHEMA_CHECKED
    engine = _ENGINES.get(url)
    if engine is None:
        engine = _ENGINES[url] = make_engine(url)
    if check:
        _SCHEMA_CHECKED.add(url)  # before the upgrade, which asks for this engine again
        try:
            _SCHEMA_CHECK["check"](engine)
        except BaseException:
            _SCHEMA_CHECKED.discard(url)
            raise
    return engine


def get_sessionmaker(engine: Engine | None = None) -> sessionmaker[Session]:
    """The sessionmaker of ``engine`` (default: the settings' database), one per engine.

    Built once: each ``sessionmaker`` makes its own ``Session`` subclass, whose event dispatch
    SQLAlchemy then sets up again on first use (a measurable share of a short transaction).
    """
    return _sessionmaker_for(engine or get_engine())


@lru_cache(maxsize=64)
def _sessionmaker_for(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False, future=True)


@contextmanager
def session_scope(engine: Engine | None = None) -> Iterator[Session]:
    """One unit of work: commit when the block succeeds, roll back when it raises."""
    session = get_sessionmaker(engine)()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def dispose_engines() -> None:
    """Close and forget every engine (tests and forked workers call this)."""
    for engine in _ENGINES.values():
        engine.dispose()
    _ENGINES.clear()
    _SCHEMA_CHECKED.clear()
    _sessionmaker_for.cache_clear()


# --- inserting without the unit of work ------------------------------------------------------------
#
# SQLAlchemy's unit of work costs a few hundred microseconds per flush whatever it writes; on the
# hot paths (an application writes half a dozen rows within a second) that bookkeeping costs more
# than the statements. These two helpers do what a flush would do for new objects (Python-side
# defaults, the generated primary key read back with RETURNING) in one Core statement per table,
# then attach the objects as persistent, so that later changes to them are tracked as usual.
# SQLAlchemy has no public call for "insert now and attach"; this is the small part written here.

_FILL = 0  # the object's own value, or the column's Python-side default, or None (see _insert_plan)
_DEFAULT = 1
_NONE = 2


@lru_cache(maxsize=256)
def _insert_plan(mapper) -> tuple[tuple[str, str, int, object], ...]:
    """What an INSERT takes from each column attribute, worked out once per mapped class:
    ``(attribute, column, how, default)``; primary keys without a value and columns with a server
    default are left out unless the object has a value for them."""
    plan = []
    for prop in mapper.column_attrs:
        column = prop.columns[0]
        if column.default is not None and not column.primary_key:
            plan.append((prop.key, column.key, _DEFAULT, column.default))
        elif not column.primary_key and column.server_default is None:
            plan.append((prop.key, column.key, _NONE, None))
        else:
            plan.append((prop.key, column.key, _FILL, None))
    return tuple(plan)


def _row_values(obj: object, mapper) -> dict:
    # The values missing from a transient object are written into its ``__dict__`` directly: it is
    # attached afterwards with make_transient_to_detached, which resets the attribute history anyway.
    values = {}
    state = obj.__dict__
    for key, column_key, how, default in _insert_plan(mapper):
        if key in state:
            values[column_key] = state[key]
        elif how == _DEFAULT:
            value = state[key] = default.arg(None) if default.is_callable else default.arg
            values[column_key] = value
        elif how == _NONE:
            values[column_key] = state[key] = None
    return values


def transaction_connection(session: Session):
    """``session.connection()``, remembered for the session's current transaction.

    Asking the session costs tens of microseconds each time (its transaction's state machine); a
    submitted application asks a dozen times. The connection of a transaction does not change, so
    it is kept in ``session.info`` beside the transaction it belongs to.
    """
    cached = session.info.get("_tx_connection")
    if cached is not None and cached[0] is session.get_transaction():
        return cached[1]
    conn = session.connection()
    session.info["_tx_connection"] = (session.get_transaction(), conn)
    return conn


# --- the hot statements, straight to the driver -------------------------------------------------------
#
# A Core ``Connection.execute`` costs 60–100 µs of Python before and after the driver's own work
# (execution context, parameter processing, a result object), more than the driver's call itself;
# a submitted application runs about a dozen such writes. :func:`execute_fast` compiles a statement
# once per dialect and set of parameter names, applies the column types' own bind processors (the
# encryption of personal data included) and runs it on the DBAPI cursor of the same connection, in
# the same transaction. Errors come back wrapped as SQLAlchemy's (``IntegrityError`` and the rest), as
# from ``execute``. Statements it cannot take as they are (escaped names, parameters it does not
# know) go through ``execute``.

@dataclass(frozen=True, slots=True)
class _Prepared:
    sql: str
    positions: tuple[str, ...] | None  # parameter names in order (positional paramstyles), else None
    constants: tuple[tuple[str, object], ...]  # values written into the statement (``id == 1``)
    processors: tuple[tuple[str, Callable], ...]


@lru_cache(maxsize=512)
def _prepared(dialect, stmt, keys: tuple[str, ...]) -> _Prepared | None:
    compiled = stmt.compile(dialect=dialect, column_keys=list(keys))
    if compiled.escaped_bind_names or getattr(compiled, "literal_execute_params", None) \
            or getattr(compiled, "post_compile_params", None):
        return None  # rendered at execution time (an expanding IN, say): ``execute`` knows how
    constants = []
    for bind, name in compiled.bind_names.items():
        if name in keys:
            continue
        if bind.required or bind.callable is not None:
            return None  # a value this call does not give (a column default, say): ``execute`` knows
        constants.append((name, bind.effective_value))
    positions = tuple(compiled.positiontup) if compiled.positional else None
    rendered = set(compiled.bind_names.values())
    processors = tuple((name, fn) for name, fn in compiled._bind_processors.items() if name in rendered)
    return _Prepared(compiled.string, positions, tuple(constants), processors)


@lru_cache(maxsize=512)
def _multi_row_insert(dialect, stmt, keys: tuple[str, ...], count: int) -> _Prepared | None:
    """A plain INSERT of ``count`` rows as one statement with as many VALUES tuples (parameters
    ``<key>__<row>``): one round trip and one parameter set, cheaper than the driver's executemany
    for a few rows. None for statements with more than the table and its values (RETURNING, ON CONFLICT)."""
    if not isinstance(stmt, Insert) or stmt._returning or stmt._post_values_clause is not None \
            or stmt._values or stmt._multi_values:
        return None
    table = stmt.table
    if any(key not in table.c for key in keys):
        return None
    rows = [{key: bindparam(f"{key}__{i}", type_=table.c[key].type) for key in keys} for i in range(count)]
    return _prepared(dialect, insert(table).values(rows), tuple(f"{key}__{i}" for i in range(count) for key in keys))


# psycopg keeps a statement's parsed form (and prepares it on the server after a few runs) only when it
# has at most this many parameters (``psycopg._queries.MAX_CACHED_STATEMENT_PARAMS``); a longer one is
# parsed again in Python on every run, which costs more than a second round trip.
MAX_CACHED_PARAMS = 50


def _multi_row_statements(dialect, stmt, keys: tuple[str, ...], rows: list[dict]) -> list[tuple[_Prepared, list]] | None:
    """``rows`` as multi-row INSERTs of at most ``MAX_CACHED_PARAMS`` parameters each (the audit's 5
    entries of 11 columns: 4 rows, then 1), or None when ``stmt`` is not a plain INSERT."""
    per = max(1, MAX_CACHED_PARAMS // max(1, len(keys)))
    out = []
    for start in range(0, len(rows), per):
        chunk = rows[start:start + per]
        multi = _multi_row_insert(dialect, stmt, keys, len(chunk))
        if multi is None:
            return None
        out.append((multi, chunk))
    return out


def _driver_cursor(conn):
    """A DBAPI cursor on ``conn``'s driver connection, kept with that connection for the next call.

    Making a psycopg cursor costs about as much as sending a short statement; the hot paths run a dozen
    statements per transaction on the same connection. The cursor lives in the pool entry's ``info``,
    which SQLAlchemy empties when the driver connection is replaced, and is checked to belong to the
    driver connection in use. Each call fetches what it needs before the next one runs."""
    entry = conn.connection
    dbapi = entry.dbapi_connection
    cursor = entry.info.get("_fast_cursor")
    if cursor is None or getattr(cursor, "connection", None) is not dbapi or getattr(cursor, "closed", False):
        cursor = dbapi.cursor()
        entry.info["_fast_cursor"] = cursor
    return cursor


def execute_fast(conn, stmt, params: dict | list[dict] | None = None, *, returning: bool = False) -> list[tuple]:
    """Run a write of the hot paths on ``conn``'s driver connection; return the RETURNING rows (if asked).

    Args:
        conn: a SQLAlchemy ``Connection`` inside a transaction (``session.connection()``).
        stmt: a Core INSERT/UPDATE built once (a module constant), its values given as parameters.
        params: one row of parameters, or several (an executemany; not with ``returning``).
        returning: the statement has a RETURNING clause whose rows are wanted.
    """
    many = isinstance(params, list)
    if many and not params:
        return []
    first = (params[0] if many else params) or {}
    prepared = _prepared(conn.dialect, stmt, tuple(first))
    if prepared is None or (many and returning):
        result = conn.execute(stmt, params) if params is not None else conn.execute(stmt)
        return [tuple(r) for r in result.all()] if returning else []
    processors, positions, constants = prepared.processors, prepared.positions, prepared.constants

    def bound(row: dict):
        if processors or constants:
            row = dict(row)
            row.update(constants)
            for name, fn in processors:
                row[name] = fn(row[name])
        return row if positions is None else [row[name] for name in positions]

    sql, statements = prepared.sql, None
    if many:
        keys = tuple(first)
        same = len(params) <= 64 and all(tuple(row) == keys for row in params)
        if same:  # a handful of rows (an application's steps, a commit's audit entries)
            statements = _multi_row_statements(conn.dialect, stmt, keys, params)
    cursor = _driver_cursor(conn)
    try:
        if statements is not None:
            for multi, rows in statements:
                sql, processors, positions, constants = multi.sql, multi.processors, multi.positions, multi.constants
                cursor.execute(sql, bound({f"{key}__{i}": value for i, row in enumerate(rows)
                                           for key, value in row.items()}))
            return []
        if many:
            cursor.executemany(sql, [bound(row) for row in params])
            return []
        cursor.execute(sql, bound(first))
        return [tuple(r) for r in cursor.fetchall()] if returning else []
    except conn.dialect.loaded_dbapi.Error as exc:
        raise DBAPIError.instance(sql, params, exc, conn.dialect.loaded_dbapi.Error,
                                  dialect=conn.dialect) from exc


@lru_cache(maxsize=256)
def _result_processors(dialect, stmt, type_codes: tuple) -> tuple[Callable | None, ...]:
    """The column types' result processors of a SELECT (decryption, a driver's dates or decimals given as
    text), for the driver's type codes of its columns, as ``execute`` would apply them."""
    columns = stmt.compile(dialect=dialect)._result_columns
    return tuple(entry.type._cached_result_processor(dialect, code)
                 for entry, code in zip(columns, type_codes, strict=True))


def _type_codes(cursor) -> tuple:
    """The result columns' type codes (``description``'s second item) of the last statement.

    psycopg builds a ``Column`` object per column for each ``description``; its type code is the
    result's field type, read here straight off the result.
    """
    result = getattr(cursor, "pgresult", None)
    if result is not None:
        return tuple(result.ftype(i) for i in range(result.nfields))
    return tuple(d[1] for d in cursor.description)


def query_fast(conn, stmt, params: dict) -> list[tuple]:
    """Run a read of the hot paths on ``conn``'s driver connection; return its rows as tuples.

    The reading counterpart of :func:`execute_fast` (``Connection.execute`` builds a result object
    and its metadata for each call): the statement is compiled once, and the rows get the same
    result processing as through ``execute`` (encrypted columns decrypted, say). Statements it
    cannot take as they are go through ``execute``.
    """
    prepared = _prepared(conn.dialect, stmt, tuple(params))
    if prepared is None:
        return [tuple(r) for r in conn.execute(stmt, params)]
    row = dict(params)
    row.update(prepared.constants)
    for name, fn in prepared.processors:
        row[name] = fn(row[name])
    values = row if prepared.positions is None else [row[name] for name in prepared.positions]
    cursor = _driver_cursor(conn)
    try:
        cursor.execute(prepared.sql, values)
        rows = cursor.fetchall()
        processors = _result_processors(conn.dialect, stmt, _type_codes(cursor))
    except conn.dialect.loaded_dbapi.Error as exc:
        raise DBAPIError.instance(prepared.sql, params, exc, conn.dialect.loaded_dbapi.Error,
                                  dialect=conn.dialect) from exc
    if not any(processors):
        return [tuple(r) for r in rows]
    return [tuple(value if fn is None else fn(value) for fn, value in zip(processors, r, strict=True)) for r in rows]


def insert_ignoring_conflicts(session: Session, table):
    """``INSERT ... ON CONFLICT DO NOTHING`` on this session's database (PostgreSQL or SQLite)."""
    return _insert_statement(session.get_bind().dialect.name, table, (), ignore_conflicts=True)


@lru_cache(maxsize=256)
def _insert_statement(dialect: str, table, returning: tuple, *, ignore_conflicts: bool = False):
    """The INSERT statements of the hot paths, built once (building one costs more than running it)."""
    if not ignore_conflicts:
        stmt = insert(table)
    else:
        stmt = (postgresql if dialect == "postgresql" else sqlite).insert(table).on_conflict_do_nothing()
    if returning:
        stmt = stmt.returning(*returning, sort_by_parameter_order=not ignore_conflicts)
    return stmt


def _insert_few_returning(conn, batch: _Batch) -> list[tuple] | None:
    """A few rows whose one generated key is an integer counter, as one multi-row INSERT ... RETURNING;
    the keys come back in the rows' order. None when that does not apply (then one statement per row).

    The counter (a sequence, SQLite's rowid) gives each row its value as the rows are inserted, in the
    order of the VALUES list, so the returned keys sorted ascending are the rows' keys in order: the
    order of the RETURNING rows themselves is not relied on (SQLAlchemy's insertmanyvalues sorts the same way).
    """
    rows, generated = batch.rows, batch.generated
    if len(rows) < 2 or len(generated) != 1 or not isinstance(generated[0].type, Integer) \
            or generated[0].autoincrement not in (True, "auto"):
        return None
    keys = batch.keys
    if not batch.uniform() or len(keys) * len(rows) > MAX_CACHED_PARAMS:
        return None
    stmt = _few_returning_statement(batch.mapper.local_table, generated[0], keys, len(rows))
    values = {f"{key}__{i}": value for i, row in enumerate(rows) for key, value in row.items()}
    return sorted(execute_fast(conn, stmt, values, returning=True))


@lru_cache(maxsize=64)
def _few_returning_statement(table, key_column, keys: tuple[str, ...], count: int):
    """``INSERT INTO table VALUES (<key>__0, ...), ... RETURNING key_column`` for ``count`` rows, built once."""
    rows = [{key: bindparam(f"{key}__{i}", type_=table.c[key].type) for key in keys} for i in range(count)]
    return insert(table).values(rows).returning(key_column)


@dataclass(frozen=True, slots=True)
class _Batch:
    """New objects of one mapped class as their INSERT writes them: the rows' values and the
    primary-key columns the database generates (left out of the rows, read back with RETURNING)."""

    objects: list
    mapper: object
    rows: list[dict]
    generated: list

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(self.rows[0])

    def uniform(self) -> bool:
        """Every row gives the same columns (one multi-row VALUES list can hold them)."""
        keys = self.keys
        return all(tuple(row) == keys for row in self.rows)


def _batch(objects: list) -> _Batch:
    mapper = inspect(type(objects[0]))
    rows = [_row_values(obj, mapper) for obj in objects]
    generated = [c for c in mapper.local_table.primary_key.columns if c.key not in rows[0]]
    return _Batch(objects, mapper, rows, generated)


def _set_generated(batch: _Batch, written: list[tuple]) -> None:
    """Give each object its generated key(s): ``written`` holds one tuple per object, in order."""
    if len(written) != len(batch.objects):  # a plain INSERT writes every row: never assign keys by guess
        raise RuntimeError(f"INSERT INTO {batch.mapper.local_table.name}: "
                           f"{len(written)} keys returned for {len(batch.objects)} rows")
    attrs = [batch.mapper.get_property_by_column(column).key for column in batch.generated]
    for obj, row in zip(batch.objects, written, strict=True):
        for attr, value in zip(attrs, row, strict=True):
            obj.__dict__[attr] = value


def insert_persistent(session: Session, objects: list, *, attach: bool = True,
                      ignore_conflicts: bool = False) -> list:
    """INSERT new mapped objects of one class in one statement and attach them as persistent.

    Args:
        objects: transient instances of one mapped class (not yet added to a session).
        attach: False leaves them transient (plain objects whose changes nobody tracks): for a
            caller that writes its own final UPDATE and then calls :func:`attach_saved`.
        ignore_conflicts: one object whose row may collide with a unique key: on a collision
            nothing is written and nothing fails (the transaction stays usable) and ``[]`` is returned.

    Returns:
        The objects written, their generated primary keys set.
    """
    if not objects:
        return objects
    if ignore_conflicts and len(objects) != 1:
        raise ValueError("ignore_conflicts takes one object at a time")
    if session.new:  # rows this one may refer to go first, as a flush would order them
        session.flush()
    batch = _batch(objects)
    table, rows, generated = batch.mapper.local_table, batch.rows, batch.generated
    conn = transaction_connection(session)
    dialect = conn.dialect.name
    if ignore_conflicts:
        stmt = _insert_statement(dialect, table, tuple(generated or table.primary_key.columns), ignore_conflicts=True)
        written = execute_fast(conn, stmt, rows[0], returning=True)
        if not written:
            return []
        if generated:
            _set_generated(batch, written)
    elif generated:
        stmt = _insert_statement(dialect, table, tuple(generated))
        if len(rows) > 8:  # the keys in the rows' order, in batches: the insertmanyvalues of ``execute``
            written = [tuple(r) for r in conn.execute(stmt, rows).all()]
        else:  # a few rows (an application's notices): one multi-row statement, or one statement each
            written = _insert_few_returning(conn, batch) \
                or [key for row in rows for key in execute_fast(conn, stmt, row, returning=True)]
        _set_generated(batch, written)
    else:
        execute_fast(conn, _insert_statement(dialect, table, ()), rows if len(rows) > 1 else rows[0])
    if attach:
        attach_saved(session, objects)
    return objects


def new_row(cls, **values):
    """A new (transient) instance of the mapped class ``cls`` holding ``values``, for
    :func:`insert_persistent` and :func:`insert_persistent_together` to write.

    The mapped constructor sets each value through the attribute's instrumentation (history,
    events), a few microseconds per attribute; those objects are attached, if at all, with their
    history reset, so the values go straight into the instance's ``__dict__``, as when SQLAlchemy
    loads a row. Unknown names raise ``TypeError`` as the constructor would.
    """
    unknown = values.keys() - _attribute_names(cls)
    if unknown:
        raise TypeError(f"{cls.__name__} has no attribute {sorted(unknown)[0]!r}")
    obj = cls._sa_class_manager.new_instance()
    obj.__dict__.update(values)
    return obj


@lru_cache(maxsize=128)
def _attribute_names(cls) -> frozenset[str]:
    return frozenset(inspect(cls).attrs.keys())


def insert_persistent_together(session: Session, batches: list[tuple[list, bool]]) -> None:
    """Several :func:`insert_persistent` calls in one round trip where the database allows it.

    Args:
        batches: ``(objects of one mapped class, attach)`` in the order a flush would write them
            (rows referred to first). Only the last batch may have generated primary keys.

    On PostgreSQL the batches are one statement: the earlier ones as data-modifying CTEs of the
    last one's INSERT (foreign keys are checked at the end of the statement, so a row may refer to
    a row of an earlier batch). Elsewhere, or past ``MAX_CACHED_PARAMS`` parameters, one
    :func:`insert_persistent` per batch, in order.
    """
    batches = [(objects, attach) for objects, attach in batches if objects]
    conn = transaction_connection(session)
    plans = _together_plans([objects for objects, _attach in batches]) \
        if len(batches) > 1 and conn.dialect.name == "postgresql" else None
    if plans is None:
        for objects, attach in batches:
            insert_persistent(session, objects, attach=attach)
        return
    if session.new:  # rows these may refer to go first, as a flush would order them
        session.flush()
    shape = tuple((plan.mapper.local_table, plan.keys, len(plan.rows)) for plan in plans)
    last = plans[-1]
    stmt = _together_statement(shape, last.generated[0] if last.generated else None)
    values = {f"{key}__{n}_{i}": value for n, plan in enumerate(plans)
              for i, row in enumerate(plan.rows) for key, value in row.items()}
    written = execute_fast(conn, stmt, values, returning=bool(last.generated))
    if last.generated:
        _set_generated(last, sorted(written))  # a counter: ascending in row order
    for objects, attach in batches:
        if attach:
            attach_saved(session, objects)


def _together_plans(batches: list[list]) -> list[_Batch] | None:
    """The batches as one statement can write them, or None when it cannot: rows of one batch
    giving different columns, a generated key before the last batch or of two columns, or more
    parameters than psycopg keeps parsed."""
    plans = [_batch(objects) for objects in batches]
    if any(not plan.uniform() for plan in plans) or any(plan.generated for plan in plans[:-1]) \
            or len(plans[-1].generated) > 1 \
            or sum(len(plan.rows) * len(plan.keys) for plan in plans) > MAX_CACHED_PARAMS:
        return None
    return plans


@lru_cache(maxsize=64)
def _together_statement(shape: tuple, key_column):
    """The INSERTs of ``shape`` ((table, keys, row count) each) as one PostgreSQL statement, built once:
    all but the last as data-modifying CTEs (parameters ``<key>__<batch>_<row>``)."""
    stmts = [insert(table).values([{key: bindparam(f"{key}__{n}_{i}", type_=table.c[key].type) for key in keys}
                                   for i in range(count)])
             for n, (table, keys, count) in enumerate(shape)]
    last = stmts[-1].returning(key_column) if key_column is not None else stmts[-1]
    return last.add_cte(*(stmt.cte(f"written_{n}") for n, stmt in enumerate(stmts[:-1])))


def attach_saved(session: Session, objects: list) -> None:
    """Attach objects whose rows are written as they stand as persistent, unchanged, in ``session``."""
    for obj in objects:
        make_transient_to_detached(obj)
        session.add(obj)
