"""One row of an exchange file: its checks, its typed record, and its masked value for a reject.

Shared by the row-by-row loader (:mod:`shebao.registry.loader`) and the columnar fast path
(:mod:`shebao.registry.bulk`), which hands the rows a check flags back to :func:`check_row`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from shebao.core.crypto import mask_bank_account, mask_id_number, mask_name, mask_phone
from shebao.registry.exchange import PERSONAL_FIELDS, FieldError, FileSpec
from shebao.registry.models import Benefit, Employer, Person

BAD_FIELD = "__bad__"   # a row that cannot be parsed: {"__bad__": (field, reason)}
_MASKERS: dict[str, Callable[[str], str]] = {
    "id_number": mask_id_number, "name": mask_name, "phone": mask_phone, "bank_account": mask_bank_account,
}


def field_problem(row: dict, max_field_bytes: int) -> tuple[str, str] | None:
    """(field, reason) when a value cannot be stored as it is: a NUL character, or too long."""
    for name, value in row.items():
        if "\x00" in value:
            return name, "含有空字符（NUL，\\x00），整行未导入"
        if len(value) * 4 > max_field_bytes and len(value.encode("utf-8", "surrogatepass")) > max_field_bytes:
            return name, (f"字段长度 {len(value.encode('utf-8', 'surrogatepass'))} 字节，超过上限 "
                          f"{max_field_bytes} 字节（SHEBAO_LOAD_MAX_FIELD_BYTES），整行未导入")
    return None


def masked(field_name: str, value: Any) -> str:
    text = ("" if value is None else str(value))[:100].replace("\x00", "\\x00")
    if field_name in PERSONAL_FIELDS and text:
        text = _MASKERS[field_name](text)
    return text.encode("utf-8", "replace").decode("utf-8")


class References:
    """Keys that rows of later files may refer to, read from the database as files commit."""

    def __init__(self) -> None:
        self.persons: set[str] | None = None
        self.employers: set[str] | None = None
        self.benefit_person: dict[str, str] | None = None

    def refresh(self, session: Session) -> None:
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


def check_row(spec: FileSpec, row: dict, refs: References, max_field_bytes: int) -> dict:
    """The typed record of one row; :class:`FieldError` names the field and the reason."""
    problem = field_problem(row, max_field_bytes)
    if problem is not None:
        raise FieldError(problem[0], row[problem[0]], problem[1])
    record = spec.parse(row)
    refs.check(spec, record)
    return record
