"""Pydantic schemas of the intake's results (the API's response model; the CLI prints the same shape)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field


class Problem(BaseModel):
    field: str | None = Field(None, description="字段名；整个文件的问题为 null")
    code: str = Field(description="missing / unreadable / invalid / out_of_range / inconsistent / expired / "
                                  "corrupt / too_large / unsupported_type / too_many_pages / too_many_pixels / "
                                  "blank / empty / ocr_failed")
    message: str


class DocumentRead(BaseModel):
    file: str = Field(description="文件名；多页 PDF 为 NAME.pdf#N")
    type: str = Field(description="id_card / bank_card / death_certificate / separation_certificate / diagnosis / "
                                  "accident_report / other")
    fields: dict[str, Any]
    confidence: dict[str, float]
    problems: list[Problem]
    raw_text: str | None = Field(None, description="type 为 other 时的全文")


class MissingDocument(BaseModel):
    type: str
    label: str
    reference: str


class Mismatch(BaseModel):
    field: str
    file: str
    value: Any
    expected: Any
    source: Literal["registry", "document"]
    message: str


class IntakeRead(BaseModel):
    documents: list[DocumentRead]
    missing: list[MissingDocument]
    mismatches: list[Mismatch]
    application: dict[str, Any]
    batch_id: str | None = Field(None, description="保存的材料批次（经办人工作台 /staff/documents/{batch_id}）")
