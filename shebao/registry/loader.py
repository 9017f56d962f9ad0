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
import io
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Table, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from shebao.audit import append
from shebao.core.crypto import get_keyring, mask_bank_account, mask_id_number, mask_name, mask_phone
from shebao.core.db import Base, session_scope, utcnow
from shebao.registry import models as _models  # noqa: F401 - registers the tables on Base.metadata
from shebao.registry.exchange import PERSONAL_FIELDS, SPECS, FieldError, FileSpec

BATCH_ROWS = 2000
_MASKERS: dict[str, Callable[[str], str]] = {
    "id_number": mask_id_number, "name": mask_name, "phone": mask_phone, "bank_account": mask_bank_account,
}


class EncodingError(ValueError):
    """The file is neither UTF-8 nor GBK/GB18030."""


@dataclass
class Reject:
    file: str
    line: int
    field: str
    value: str
    reason: str


@dataclass
class LoadSummary:
    loaded: dict[str, int] = field(default_factory=dict)
    rejected: dict[str, int] = field(default_factory=dict)
    rejects_file: str | None = None
    encodings: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {"loaded": self.loaded, "rejected": self.rejected, "rejects_file": self.rejects_file,
                "encodings": self.encodings, "warnings": self.warnings}


# --- reading ---------------------------------------------------------------------------------

def detect_encoding(path: Path, sample_bytes: int = 1 << 20) -> str:
    """'utf-8-sig' or 'gb18030' (a superset of GBK), from the first megabyte of the file."""
    with open(path, "rb") as fh:
        sample = fh.read(sample_bytes)
    for encoding in ("utf-8-sig", "gb18030"):
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            decoder.decode(sample, final=len(sample) < sample_bytes)
            return encoding
        except UnicodeDecodeError:
            continue
    raise EncodingError("无法识别文件编码：应为 UTF-8 或 GBK（GB18030）")


class _CountingReader(io.RawIOBase):
    """Wraps a binary file and counts the bytes read, for the progress bar."""

    def __init__(self, raw, on_read: Callable[[int], None]):
        self._raw, self._on_read = raw, on_read

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        n = self._raw.readinto(buffer)
        if n:
            self._on_read(n)
        return n


def _iter_csv(path: Path, encoding: str, on_read: Callable[[int], None]) -> tuple[list[str], Iterator[tuple[int, dict]]]:
    raw = open(path, "rb")  # noqa: SIM115 - closed by the generator
    text = io.TextIOWrapper(io.BufferedReader(_CountingReader(raw, on_read)), encoding=encoding,
                            errors="surrogateescape", newline="")
    reader = csv.reader(text)
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        raw.close()
        return [], iter(())

    def rows() -> Iterator[tuple[int, dict]]:
        try:
            for values in reader:
                line = reader.line_num
                if not values or all(not v.strip() for v in values):
                    continue
                if len(values) != len(header):
                    yield line, {"__error__": f"列数为 {len(values)}，表头为 {len(header)} 列"}
                    continue
                yield line, dict(zip(header, values, strict=True))
        finally:
            raw.close()

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
    if spec.name in ("benefits", "payments"):
        account = record.get("bank_account")
        row["bank_account_bidx"] = ring.blind_index(account) if account else None
    return row


def _masked(field_name: str, value: Any) -> str:
    text = "" if value is None else str(value)
    if field_name in PERSONAL_FIELDS and text:
        return _MASKERS[field_name](text)
    return text.encode("utf-8", "replace").decode("utf-8")[:100]


class _References:
    """Keys that rows of later files may refer to, read from the database as files commit."""

    def __init__(self) -> None:
        self.persons: set[str] | None = None
        self.employers: set[str] | None = None
        self.benefit_person: dict[str, str] | None = None

    def refresh(self, session: Session) -> None:
        from shebao.registry.models import Benefit, Employer, Person

        self.persons = set(session.execute(select(Person.person_id)).scalars())
        self.employers = set(session.execute(select(Employer.employer_id)).scalars())
        self.benefit_person = {b: p for b, p in session.execute(select(Benefit.benefit_id, Benefit.person_id))}

    def check(self, spec: FileSpec, record: dict) -> None:
        if "person_id" in spec.references and record["person_id"] not in self.persons:
            raise FieldError("person_id", record["person_id"], "参保人编号不存在（persons 中没有此人）")
        if "employer_id" in spec.references and record["employer_id"] and record["employer_id"] not in self.employers:
            raise FieldError("employer_id", record["employer_id"], "单位编号不存在（employers 中没有此单位）")
        if "benefit_id" in spec.references:
            owner = self.benefit_person.get(record["benefit_id"])
            if owner is None:
                raise FieldError("benefit_id", record["benefit_id"], "待遇编号不存在（benefits 中没有此待遇）")
            if owner != record["person_id"]:
                raise FieldError("person_id", record["person_id"], "与该待遇所属的参保人不一致")


def load_file(engine: Engine, spec: FileSpec, path: Path, refs: _References, rejects: list[Reject],
              summary: LoadSummary, *, actor: str, source: str,
              on_read: Callable[[int], None] = lambda n: None) -> None:
    """Load one file in one transaction."""
    fname = path.name
    loaded = rejected = 0
    try:
        encoding = detect_encoding(path) if path.suffix == ".csv" else "parquet"
    except EncodingError as exc:
        rejects.append(Reject(fname, 0, "", "", str(exc)))
        summary.rejected[spec.name] = summary.rejected.get(spec.name, 0) + 1
        return
    summary.encodings[spec.name] = encoding
    if encoding == "gb18030":
        summary.warnings.append(f"{fname}：检测到 GBK/GB18030 编码，已按此编码读取")
    if path.stat().st_size == 0:
        rejects.append(Reject(fname, 0, "", "", "文件为空（没有表头）"))
        summary.rejected[spec.name] = summary.rejected.get(spec.name, 0)
        summary.loaded.setdefault(spec.name, 0)
        return
    header, rows = _iter_csv(path, encoding, on_read) if encoding != "parquet" else _iter_parquet(path, on_read)
    if not header:
        rejects.append(Reject(fname, 0, "", "", "文件为空（没有表头）"))
        summary.loaded.setdefault(spec.name, 0)
        return
    missing = [c for c in spec.columns if c not in header]
    if missing:
        count = sum(1 for _ in rows)
        rejects.append(Reject(fname, 1, ",".join(missing), "", f"缺少必需的列：{'、'.join(missing)}（整个文件未导入）"))
        summary.rejected[spec.name] = summary.rejected.get(spec.name, 0) + count
        summary.loaded.setdefault(spec.name, 0)
        return
    extra = [c for c in header if c not in spec.all_columns]
    if extra:
        summary.warnings.append(f"{fname}：未知列已忽略：{'、'.join(extra)}")
    if len(set(header)) != len(header):
        dupes = sorted({c for c in header if header.count(c) > 1})
        rejects.append(Reject(fname, 1, ",".join(dupes), "", "表头中有重复的列（整个文件未导入）"))
        summary.rejected[spec.name] = summary.rejected.get(spec.name, 0) + sum(1 for _ in rows)
        return

    table: Table = Base.metadata.tables[spec.table]
    db_key = spec.db_key or spec.natural_key
    seen: dict[tuple, int] = {}
    seen_unique: dict[tuple, int] = {}
    with session_scope(engine) as session:
        taken: dict[tuple, str] = {}
        if spec.unique:
            key_col = table.c[spec.natural_key[0]]
            taken = {tuple(r[1:]): r[0] for r in
                     session.execute(select(key_col, *[table.c[c] for c in spec.unique]))}
        session.info.update(actor=actor, source=source)
        batch: list[dict] = []
        for line, row in rows:
            if "__error__" in row:
                rejects.append(Reject(fname, line, "", "", row["__error__"]))
                rejected += 1
                continue
            bad_chars = [k for k, v in row.items() if any("\udc80" <= ch <= "\udcff" for ch in v)]
            if bad_chars:
                rejects.append(Reject(fname, line, bad_chars[0], "", "含有无法按文件编码解码的字节"))
                rejected += 1
                continue
            try:
                record = spec.parse(row)
                refs.check(spec, record)
            except FieldError as exc:
                rejects.append(Reject(fname, line, exc.field, _masked(exc.field, exc.value), exc.reason))
                rejected += 1
                continue
            key = tuple(record[k] for k in spec.natural_key)
            if key in seen:
                rejects.append(Reject(fname, line, ",".join(spec.natural_key), _masked(spec.natural_key[0], key[0]),
                                      f"与第 {seen[key]} 行的主键重复"))
                rejected += 1
                continue
            if spec.unique:
                other = tuple(record[k] for k in spec.unique)
                if other in seen_unique:
                    rejects.append(Reject(fname, line, ",".join(spec.unique), "/".join(map(str, other)),
                                          f"与第 {seen_unique[other]} 行重复（同一{'、'.join(spec.unique)}只能有一条）"))
                    rejected += 1
                    continue
                holder = taken.get(other)
                if holder is not None and holder != key[0]:
                    rejects.append(Reject(fname, line, ",".join(spec.unique), "/".join(map(str, other)),
                                          f"数据库中已有 {holder} 占用同一{'、'.join(spec.unique)}"))
                    rejected += 1
                    continue
                seen_unique[other] = line
            seen[key] = line
            batch.append(_to_db_row(spec, record))
            loaded += 1
            if len(batch) >= BATCH_ROWS:
                _upsert(session, table, batch, db_key)
                batch.clear()
        if batch:
            _upsert(session, table, batch, db_key)
        append(session, action="registry.load", entity=spec.table, entity_id=fname,
               detail={"file": fname, "loaded": loaded, "rejected": rejected, "encoding": encoding})
    summary.loaded[spec.name] = summary.loaded.get(spec.name, 0) + loaded
    summary.rejected[spec.name] = summary.rejected.get(spec.name, 0) + rejected


def write_rejects(rejects: list[Reject], folder: Path) -> Path:
    """Write the rejects report (owner-readable only) and return its path."""
    folder.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    path = folder / f"rejects-{stamp}.csv"
    from shebao.core.safefiles import safe_writer

    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
        writer = safe_writer(fh, mask=True)  # no formulas; no ID, card or phone number in any column
        writer.writerow(["file", "line", "field", "value", "reason"])
        for r in rejects:
            writer.writerow([r.file, r.line, r.field, r.value, r.reason])
    return path


def load_folder(folder: Path, *, engine: Engine | None = None, actor: str = "system", source: str = "cli",
                reports_dir: Path | None = None, progress: bool = False) -> LoadSummary:
    """Load every exchange file found in ``folder``; return the counts and the rejects report."""
    from shebao.core.db import get_engine
    from shebao.core.settings import get_settings

    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"目录不存在：{folder}")
    engine = engine or get_engine()
    summary = LoadSummary()
    rejects: list[Reject] = []
    refs = _References()
    files = [(spec, find_file(folder, spec.name)) for spec in SPECS]
    files = [(spec, path) for spec, path in files if path is not None]
    if not files:
        raise FileNotFoundError(f"目录中没有交换格式文件（persons.csv 等）：{folder}")

    def run(on_read_for: Callable[[FileSpec, Path], Callable[[int], None]]) -> None:
        for spec, path in files:
            with session_scope(engine) as session:
                refs.refresh(session)
            load_file(engine, spec, path, refs, rejects, summary, actor=actor, source=source,
                      on_read=on_read_for(spec, path))

    if progress:
        from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn

        with Progress(TextColumn("{task.description}"), BarColumn(), DownloadColumn(), TimeRemainingColumn()) as bar:
            def on_read_for(spec: FileSpec, path: Path) -> Callable[[int], None]:
                task = bar.add_task(f"导入 {path.name}", total=path.stat().st_size)
                return lambda n: bar.advance(task, n)

            run(on_read_for)
    else:
        run(lambda spec, path: (lambda n: None))

    if rejects:
        target = reports_dir or (get_settings().home / "reports")
        summary.rejects_file = str(write_rejects(rejects, target))
    return summary
