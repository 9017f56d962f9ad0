"""Pydantic inputs and outputs of the linkage API."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

FieldName = Literal["name", "id_number", "sex", "birth_date", "region_code", "phone"]
PersonId = Field(min_length=1, max_length=32, pattern=r"^[0-9A-Za-z_\-]+$")


class LevelRead(BaseModel):
    title: str
    level: str


class PairRead(BaseModel):
    id: int
    person_id_l: str
    person_id_r: str
    match_probability: float
    match_weight: float
    status: str
    merge_id: str | None = None
    note: str | None = None
    levels: dict[str, LevelRead]


class PairPage(BaseModel):
    total: int
    items: list[PairRead]


class MaskedPerson(BaseModel):
    person_id: str
    name: str
    id_number: str
    sex: str
    birth_date: str
    region_code: str
    phone: str


class PairCompare(PairRead):
    left: MaskedPerson
    right: MaskedPerson
    survivor_by_rule: str
    fields_by_rule: dict[str, str]
    field_titles: dict[str, str]
    fields: list[str]


class DecideBody(BaseModel):
    """Accept (merge now) or reject a review pair."""

    model_config = ConfigDict(extra="forbid")
    decision: Literal["accept", "reject"]
    note: str | None = Field(None, max_length=2000)
    survivor_id: str | None = Field(None, min_length=1, max_length=32)
    overrides: dict[FieldName, str] = Field(default_factory=dict, description="字段 → 取值的 person_id")


class MergeBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    person_ids: list[str] = Field(min_length=2, max_length=20)
    survivor_id: str | None = Field(None, min_length=1, max_length=32)
    overrides: dict[FieldName, str] = Field(default_factory=dict)


class UnmergeBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str | None = Field(None, max_length=2000)


class MergeRead(BaseModel):
    merge_id: str
    survivor_id: str
    merged_ids: list[str]
    status: str
    choices: dict[str, str]
    summary: dict
    created_by: str
    created_at: str | None = None
    undone_at: str | None = None


class DecisionRead(BaseModel):
    pair: PairRead
    merge: MergeRead | None = None
    screening: dict | None = None


class MergeResult(BaseModel):
    merge: MergeRead
    screening: dict | None = None
