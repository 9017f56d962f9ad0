"""``shebao load DIR``: import a folder in the exchange format.

Every row is validated; good rows are upserted by their natural key (a row whose content is
unchanged is not written again, so re-running a load changes nothing); bad rows go to a rejects
report (file, line, field, value, reason) with personal data masked.

Crash safety: **one transaction per file**. A file is either loaded whole (its good rows) or not
at all; a crash mid-file leaves the database as it was before that file, and re-running the
load is safe because upserts are idempotent. Files load in dependency order (persons and
employers first).
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import hmac
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Table, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from shebao.audit import append
from shebao.core.crypto import get_keyring
from shebao.core.db import Base, get_engine, session_scope, utcnow
from shebao.core.safefiles import open_private, safe_writer
from shebao.core.settings import get_settings
from shebao.registry import models as _models  # noqa: F401 - registers the tables on Base.metadata
from shebao.registry.exchange import DUPLICATE, SPECS, FieldError, FileSpec, Reject
from shebao.registry.rows import BAD_FIELD, References, check_row, masked
from shebao.registry.schemas import LoadSummaryOut

BATCH_ROWS = 2000


@dataclass
class LoadSummary:
    loaded: dict[str, int] = field(default_factory=dict)
    rejected: dict[str, int] = field(default_factory=dict)
    rejects_file: str | None = None
    encodings: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    # Legacy second payments for the same benefit, period and kind, loaded as status=duplicate.
    duplicates: dict[str, int] = field(default_factory=dict)
    errors: list[dict[str, str]] = field(default_factory=list)
    summary_file: str | None = None

    def as_json(self) -> dict[str, Any]:
        return LoadSummaryOut(loaded=self.loaded, rejected=self.rejected, duplicates=self.duplicates,
                              rejects_file=self.rejects_file, summary_file=self.summary_file,
                              encodings=self.encodings, warnings=self.warnings, errors=self.errors).model_dump()


# --- reading ---------------------------------------------------------------------------------
#
# The encoding is decided once per file; a line that does not decode in it (a GBK line in a UTF-8
# file, a UTF-8 line in a GBK file, bytes that are neither) is rejected with its line number, never
# stored garbled. Every row is then checked for what a database cannot hold or should not be given
# (NUL characters, fields over SHEBAO_LOAD_MAX_FIELD_BYTES) before its fields are parsed.

UTF8, GB = "utf-8-sig", "gb18030"


def _looks_utf8(raw: bytes) -> bool:
    """Valid UTF-8 whose non-ASCII characters are all CJK-range (U+0800 and up).

    A GBK line is almost never valid UTF-8 of that shape (its two-byte characters can only form
    two-byte UTF-8 sequences, i.e. Latin/Greek/Cyrillic), so this tells a UTF-8 line in a GBK file
    from a GBK line that happens to be valid UTF-8.
    """
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return all(ord(ch) >= 0x800 for ch in text if ord(ch) >= 0x80)


def is_utf8(path: Path) -> bool:
    """Whether the whole file decodes as UTF-8 (read in chunks, never whole into memory)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    with open(path, "rb") as fh:
        try:
            while chunk := fh.read(1 << 22):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return False
    return True


def detect_encoding(path: Path) -> str:
    """'utf-8-sig' or 'gb18030' (a superset of GBK), decided for the whole file.

    UTF-8 when the whole file decodes as UTF-8; otherwise whichever of the two more of the file's
    non-ASCII lines are written in (UTF-8 on a tie). Lines in the other encoding are rejected.
    """
    if is_utf8(path):
        return UTF8
    utf8 = gbk = 0
    with open(path, "rb") as fh:
        for raw in fh:
            if raw.isascii():
                continue
            if _looks_utf8(raw):
                utf8 += 1
                continue
            try:
                raw.decode("gb18030")
                gbk += 1
            except UnicodeDecodeError:
                pass
    return GB if gbk > utf8 else UTF8


def _decoded_lines(path: Path, encoding: str, bad: dict[int, str],
                   on_read: Callable[[int], None]) -> Iterator[str]:
    """The file's physical lines as text; a line that is not in ``encoding`` goes into ``bad``."""
    pending = 0
    with open(path, "rb") as fh:
        for n, raw in enumerate(fh, start=1):
            pending += len(raw)
            if pending >= 1 << 20:
                on_read(pending)
                pending = 0
            if n == 1 and raw.startswith(codecs.BOM_UTF8):
                raw = raw[3:]
            if raw.isascii():
                yield raw.decode("ascii")
                continue
            if encoding == GB:
                if _looks_utf8(raw):
                    bad[n] = "该行是 UTF-8 编码，而文件按 GBK（GB18030）读取（编码混用），未导入"
                    yield raw.decode("utf-8")
                    continue
                try:
                    yield raw.decode("gb18030")
                except UnicodeDecodeError:
                    bad[n] = "该行无法按 UTF-8 或 GBK（GB18030）解码，未导入"
                    yield raw.decode("gb18030", "replace")
                continue
            try:
                yield raw.decode("utf-8")
            except UnicodeDecodeError:
                try:
                    raw.decode("gb18030")
                    bad[n] = "该行是 GBK 编码，而文件按 UTF-8 读取（编码混用），未导入"
                except UnicodeDecodeError:
                    bad[n] = "该行无法按 UTF-8 或 GBK（GB18030）解码，未导入"
                yield raw.decode("utf-8", "replace")
    if pending:
        on_read(pending)


@dataclass(frozen=True)
class BadRecord:
    """A record of a CSV file that cannot be taken, and why.

    ``kind`` is ``csv`` (the csv module could not parse it: ``reason`` is its message), ``encoding``
    (one of its lines is not in the file's encoding: ``reason`` says so) or ``width`` (it has not as
    many fields as the header). ``start`` and ``end`` are its first and last physical lines.
    """

    kind: str
    start: int
    end: int
    reason: str
    values: list[str] = field(default_factory=list)


def csv_records(
    reader: Any, width: int, bad: dict[int, str], *, on_bad: Callable[[int, BadRecord], Any],
    shape: Callable[[list[str]], Any] | None = None,
) -> Iterator[tuple[int, Any]]:
    """The records after the header of a ``csv.reader`` over :func:`_decoded_lines`, with their line.

    Blank records are skipped. A good record is (its last line, its values, or ``shape(values)``).
    One that cannot be taken goes to ``on_bad`` with its line (the first for a parse error, else the
    last) and a :class:`BadRecord`; what ``on_bad`` returns, unless None, is yielded in its place.
    The reading goes on with the next record. ``bad`` holds the lines not in the file's encoding.
    """
    end = reader.line_num
    while True:
        try:
            values = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            start, end = end + 1, reader.line_num
            instead = on_bad(start, BadRecord("csv", start, end, str(exc)))
            if instead is not None:
                yield start, instead
            continue
        start, end = end + 1, reader.line_num
        if not values or not "".join(values).strip():
            continue
        problem = None
        if bad:
            reasons = [bad[n] for n in range(start, end + 1) if n in bad]
            if reasons:
                problem = BadRecord("encoding", start, end, reasons[0], values)
        if problem is None and len(values) != width:
            problem = BadRecord("width", start, end, f"列数为 {len(values)}，表头为 {width} 列", values)
        if problem is not None:
            instead = on_bad(end, problem)
            if instead is not None:
                yield end, instead
            continue
        yield end, (values if shape is None else shape(values))


def _first_non_ascii(header: list[str], values: list[str]) -> str:
    for name, value in zip(header, values, strict=False):
        if not value.isascii():
            return name
    return ""


def _iter_csv(path: Path, encoding: str, on_read: Callable[[int], None],
              max_field_bytes: int, *, as_dict: bool = True) -> tuple[list[str], Iterator[tuple[int, Any]]]:
    """(header, rows): each row (line, {column: value}), or (line, [values]) when not ``as_dict``;
    a row that cannot be read is (line, {BAD_FIELD: (field, reason)})."""
    bad: dict[int, str] = {}
    lines = _decoded_lines(path, encoding, bad, on_read)
    # Fields up to a generous cap are parsed, so that an over-long one can be named; beyond the cap
    # (an unclosed quote swallowing the file) the csv module stops the record and resumes after it.
    cap = max(4 * max_field_bytes, 1 << 20)
    previous_limit = csv.field_size_limit(cap)
    reader = csv.reader(lines)
    try:
        first = next(reader, None)
    except csv.Error:
        first = None
    finally:
        csv.field_size_limit(previous_limit)
    if first is None:
        lines.close()
        return [], iter(())
    header = [h.strip() for h in first]

    def bad_field(_line: int, record: BadRecord) -> dict[str, tuple[str, str]]:
        if record.kind == "encoding":
            return {BAD_FIELD: (_first_non_ascii(header, record.values), record.reason)}
        if record.kind == "width":
            return {BAD_FIELD: ("", record.reason)}
        span = f"（第 {record.start}–{record.end} 行）" if record.end > record.start else ""
        if "field larger" in record.reason:
            return {BAD_FIELD: ("", f"某个字段超过 {max_field_bytes} 字节上限（SHEBAO_LOAD_MAX_FIELD_BYTES），整行未导入{span}")}
        return {BAD_FIELD: ("", f"CSV 格式错误：{record.reason}{span}")}

    def rows() -> Iterator[tuple[int, dict]]:
        previous = csv.field_size_limit(cap)
        try:
            yield from csv_records(reader, len(header), bad, on_bad=bad_field,
                                   shape=(lambda values: dict(zip(header, values, strict=True))) if as_dict else None)
        finally:
            csv.field_size_limit(previous)
            lines.close()

    return header, rows()


def _iter_parquet(path: Path, on_read: Callable[[int], None]) -> tuple[list[str], Iterator[tuple[int, dict]]]:
    import pyarrow.parquet as pq

    pf = pq.ParquetFile(path)
    header = list(pf.schema_arrow.names)

    def as_text(value: Any) -> str:
        if value is None:
            return ""
        if hasattr(value, "isoformat"):
            return value.isoformat()[:10]
        return str(value)

    def rows() -> Iterator[tuple[int, dict]]:
        line = 1
        for batch in pf.iter_batches(batch_size=20000):
            for record in batch.to_pylist():
                line += 1
                yield line, {k: as_text(v) for k, v in record.items()}
            on_read(batch.nbytes)

    return header, rows()


def find_file(folder: Path, stem: str) -> Path | None:
    for suffix in (".csv", ".parquet"):
        candidate = folder / f"{stem}{suffix}"
        if candidate.exists():
            return candidate
    return None


# --- writing ---------------------------------------------------------------------------------

def _upsert(session: Session, table: Table, rows: list[dict], key: tuple[str, ...]) -> None:
    if session.bind.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as dialect_insert
    else:
        from sqlalchemy.dialects.sqlite import insert as dialect_insert
    stmt = dialect_insert(table)
    skip = set(key) | {"id", "created_at"}
    changes = {c.name: stmt.excluded[c.name] for c in table.columns if c.name not in skip}
    changes["updated_at"] = utcnow()
    stmt = stmt.on_conflict_do_update(index_elements=list(key), set_=changes,
                                      where=table.c.row_hash != stmt.excluded.row_hash)
    session.execute(stmt, rows)


def row_digest(record: dict) -> str:
    """Keyed digest of a parsed row (keyed, so that it reveals nothing about personal data)."""
    text = "\x1f".join(f"{k}={'' if v is None else v}" for k, v in sorted(record.items()))
    return hmac.new(get_keyring().index_key, text.encode("utf-8"), hashlib.sha256).hexdigest()


def _to_db_row(spec: FileSpec, record: dict) -> dict:
    ring = get_keyring()
    row = dict(record, row_hash=row_digest(record), created_at=utcnow(), updated_at=utcnow())
    if "id_number" in record:
        row["id_number_bidx"] = ring.blind_index(record["id_number"])
    if spec.name == "persons" and record.get("name"):
        row["name_bidx"] = ring.blind_index(record["name"])
    if spec.name in ("benefits", "payments"):
        account = record.get("bank_account")
        row["bank_account_bidx"] = ring.blind_index(account) if account else None
    return row


def _file_header(spec: FileSpec, path: Path, rejects: list[Reject], summary: LoadSummary,
                 on_read: Callable[[int], None], max_field_bytes: int, *, as_dict: bool = True):
    """Open one file: (encoding, header, rows), or None when the file as a whole cannot load."""
    fname = path.name
    summary.loaded.setdefault(spec.name, 0)
    summary.rejected.setdefault(spec.name, 0)
    if path.stat().st_size == 0:
        rejects.append(Reject(fname, 0, "", "", "文件为空（没有表头）"))
        return None
    encoding = detect_encoding(path) if path.suffix == ".csv" else "parquet"
    summary.encodings[spec.name] = encoding
    if encoding == GB:
        summary.warnings.append(f"{fname}：检测到 GBK/GB18030 编码，已按此编码读取")
    if encoding == "parquet":
        header, rows = _iter_parquet(path, on_read)
    else:
        header, rows = _iter_csv(path, encoding, on_read, max_field_bytes, as_dict=as_dict)
    if not header:
        rejects.append(Reject(fname, 0, "", "", "文件为空（没有表头）"))
        return None
    missing = [c for c in spec.columns if c not in header]
    if missing:
        count = sum(1 for _ in rows)
        rejects.append(Reject(fname, 1, ",".join(missing), "", f"缺少必需的列：{'、'.join(missing)}（整个文件未导入）"))
        summary.rejected[spec.name] += count
        return None
    extra = [c for c in header if c not in spec.all_columns]
    if extra:
        summary.warnings.append(f"{fname}：未知列已忽略：{'、'.join(extra)}")
    if len(set(header)) != len(header):
        dupes = sorted({c for c in header if header.count(c) > 1})
        rejects.append(Reject(fname, 1, ",".join(dupes), "", "表头中有重复的列（整个文件未导入）"))
        summary.rejected[spec.name] += sum(1 for _ in rows)
        return None
    return encoding, header, rows


def load_file(engine: Engine, spec: FileSpec, path: Path, refs: References, rejects: list[Reject],
              summary: LoadSummary, *, actor: str, source: str,
              on_read: Callable[[int], None] = lambda n: None, max_field_bytes: int | None = None) -> None:
    """Load one file in one transaction."""
    if max_field_bytes is None:
        max_field_bytes = get_settings().load_max_field_bytes
    from shebao.registry import bulk

    fast = bulk.eligible(spec, path)
    opened = _file_header(spec, path, rejects, summary, on_read, max_field_bytes, as_dict=not fast)
    if opened is None:
        return
    encoding, header, rows = opened
    fname = path.name
    loaded = rejected = duplicates = 0
    file_rejects: list[Reject] = []

    def reject(line: int, field_name: str, value: str, reason: str) -> None:
        nonlocal rejected
        file_rejects.append(Reject(fname, line, field_name, value, reason))
        rejected += 1

    table: Table = Base.metadata.tables[spec.table]
    db_key = spec.db_key or spec.natural_key
    seen: dict[tuple, int] = {}
    seen_unique: dict[tuple, int] = {}
    with session_scope(engine) as session:
        taken: dict[tuple, str] = {}
        if spec.unique:
            key_col = table.c[spec.natural_key[0]]
            stmt = select(key_col, *[table.c[c] for c in spec.unique])
            if "status" in table.c:  # a legacy duplicate payment holds no (benefit, period, kind)
                stmt = stmt.where(table.c.status != DUPLICATE)
            taken = {tuple(r[1:]): r[0] for r in session.execute(stmt)}
        session.info.update(actor=actor, source=source)
        batch: list[dict] = []
        if fast:
            loaded = bulk.load_rows(session, spec, path, header, rows, refs, max_field_bytes, reject, on_read)
            rows = iter(())
        for line, row in rows:
            if BAD_FIELD in row:
                field_name, reason = row[BAD_FIELD]
                reject(line, field_name, "", reason)
                continue
            try:
                record = check_row(spec, row, refs, max_field_bytes)
            except FieldError as exc:
                reject(line, exc.field, masked(exc.field, exc.value), exc.reason)
                continue
            key = tuple(record[k] for k in spec.natural_key)
            if key in seen:
                reject(line, ",".join(spec.natural_key), masked(spec.natural_key[0], key[0]),
                       f"与第 {seen[key]} 行的主键重复")
                continue
            seen[key] = line
            if spec.unique and record.get("status") != DUPLICATE:
                other = tuple(record[k] for k in spec.unique)
                holder = taken.get(other)
                if other in seen_unique or (holder is not None and holder != key[0]):
                    # Legacy data: the same benefit, period and kind paid twice. That is money paid
                    # twice, evidence for screening and recovery: kept, marked, counted.
                    record["status"] = DUPLICATE
                    duplicates += 1
                else:
                    seen_unique[other] = line
            batch.append(_to_db_row(spec, record))
            loaded += 1
            if len(batch) >= BATCH_ROWS:
                _upsert(session, table, batch, db_key)
                batch.clear()
        if batch:
            _upsert(session, table, batch, db_key)
        detail = {"file": fname, "loaded": loaded, "rejected": rejected, "encoding": encoding}
        if duplicates:
            detail["duplicates"] = duplicates
        append(session, action="registry.load", entity=spec.table, entity_id=fname, detail=detail)
    file_rejects.sort(key=lambda r: r.line)
    rejects.extend(file_rejects)
    summary.loaded[spec.name] += loaded
    summary.rejected[spec.name] += rejected
    if duplicates:
        summary.duplicates[spec.name] = summary.duplicates.get(spec.name, 0) + duplicates


def write_rejects(rejects: list[Reject], folder: Path, stamp: str | None = None) -> Path:
    """Write the rejects report (owner-readable only) and return its path."""
    folder.mkdir(parents=True, exist_ok=True)
    stamp = stamp or datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    path = folder / f"rejects-{stamp}.csv"
    with open_private(path) as fh:
        writer = safe_writer(fh, mask=True)  # no formulas; no ID, card or phone number in any column
        writer.writerow(["file", "line", "field", "value", "reason"])
        for r in rejects:
            writer.writerow([r.file, r.line, r.field, r.value, r.reason])
    return path


def write_summary(summary: LoadSummary, folder: Path, stamp: str) -> Path:
    """Write the load summary as JSON next to the rejects report (owner-readable only)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"load-{stamp}.json"
    with open_private(path) as fh:
        json.dump(summary.as_json(), fh, ensure_ascii=False, indent=1)
    return path


class LoadError(RuntimeError):
    """A file could not be loaded (rolled back); the others were, and the reports were written."""

    def __init__(self, message: str, summary: LoadSummary):
        super().__init__(message)
        self.summary = summary


def load_folder(folder: Path, *, engine: Engine | None = None, actor: str = "system", source: str = "cli",
                reports_dir: Path | None = None, progress: bool = False) -> LoadSummary:
    """Load every exchange file found in ``folder``; return the counts and the rejects report.

    A file that fails as a whole (a database error) is rolled back and named in the summary's
    ``errors``; the later files still load. The summary (``load-*.json``) and the rejects report
    are written whatever happens; then :class:`LoadError` is raised if any file failed.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"目录不存在：{folder}")
    engine = engine or get_engine()
    settings = get_settings()
    summary = LoadSummary()
    rejects: list[Reject] = []
    refs = References()
    files = [(spec, find_file(folder, spec.name)) for spec in SPECS]
    files = [(spec, path) for spec, path in files if path is not None]
    if not files:
        raise FileNotFoundError(f"目录中没有交换格式文件（persons.csv 等）：{folder}")
    first_error: BaseException | None = None

    def run(on_read_for: Callable[[FileSpec, Path], Callable[[int], None]]) -> None:
        nonlocal first_error
        for spec, path in files:
            try:
                with session_scope(engine) as session:
                    refs.refresh(session)
                load_file(engine, spec, path, refs, rejects, summary, actor=actor, source=source,
                          on_read=on_read_for(spec, path), max_field_bytes=settings.load_max_field_bytes)
            except Exception as exc:  # noqa: BLE001 - one file's failure must not lose the others
                first_error = first_error or exc
                reason = f"整个文件未导入（已回滚）：{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
                rejects.append(Reject(path.name, 0, "", "", reason[:300]))
                summary.errors.append({"file": path.name, "error": reason[:300]})

    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    target = reports_dir or (settings.home / "reports")
    try:
        if progress:
            from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn

            with Progress(TextColumn("{task.description}"), BarColumn(), DownloadColumn(), TimeRemainingColumn(),
                          console=_stderr_console()) as bar:
                def on_read_for(spec: FileSpec, path: Path) -> Callable[[int], None]:
                    task = bar.add_task(f"导入 {path.name}", total=path.stat().st_size)
                    return lambda n: bar.advance(task, n)

                run(on_read_for)
        else:
            run(lambda spec, path: (lambda n: None))
    finally:
        if rejects:
            summary.rejects_file = str(write_rejects(rejects, target, stamp))
        summary.summary_file = str(target / f"load-{stamp}.json")
        write_summary(summary, target, stamp)
    if first_error is not None:
        raise LoadError(f"有 {len(summary.errors)} 个文件导入失败（已回滚），其余文件已导入；"
                        f"见 {summary.summary_file}", summary) from first_error
    return summary


def _stderr_console():
    from rich.console import Console

    return Console(stderr=True)
