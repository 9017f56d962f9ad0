"""The registry's inputs and outputs as callers see them (Pydantic): a load's summary and its
rejected rows, and a person's identity for a page."""

from __future__ import annotations

from pydantic import BaseModel, Field


class RejectedRow(BaseModel):
    """One row of an exchange file that was not loaded, with the field and the reason."""

    file: str
    line: int
    field: str
    value: str
    reason: str


class LoadSummaryOut(BaseModel):
    """What ``shebao load --json`` prints: rows loaded and rejected per file, and where the reports are."""

    loaded: dict[str, int] = Field(default_factory=dict, description="每个文件载入的行数")
    rejected: dict[str, int] = Field(default_factory=dict, description="每个文件拒收的行数")
    duplicates: dict[str, int] = Field(default_factory=dict, description="按重复发放载入的历史支付")
    rejects_file: str | None = None
    summary_file: str | None = None
    encodings: dict[str, str] = Field(default_factory=dict)
    warnings: list[str] = Field(default_factory=list)
    errors: list[dict[str, str]] = Field(default_factory=list)


class PersonIdentity(BaseModel):
    """A person's identity in full (decrypted): pages mask every field unless a reveal is audited."""

    person_id: str
    name: str
    id_number: str
    phone: str = ""
    sex: str = Field(description="M 或 F")
    birth_month: str = Field(description="YYYY-MM")
    region_code: str
