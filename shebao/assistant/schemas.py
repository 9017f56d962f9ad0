"""The assistant's inputs and outputs as the API and other callers see them (Pydantic)."""

from __future__ import annotations

from pydantic import BaseModel, Field


class AskRequest(BaseModel):
    question: str = Field(..., min_length=1, max_length=500, description="问题，例如：失业金能领几个月")
    conversation_id: str | None = Field(
        None, max_length=64, description="上一轮回答给出的会话号：沿用上一轮已知的信息（缴费年限、出生年月等）")


class Citation(BaseModel):
    law: str
    article: int
    text: str
    chapter: str | None = None
    date: str | None = None
    score: float | None = None


class AskResponse(BaseModel):
    question: str
    answer: str
    found: bool
    route: str
    citations: list[Citation]
    policy_references: list[dict]
    generated: bool = False
    calculator: str | None = None
    inputs: dict | None = None
    result: dict | None = None
    latency_ms: float | None = None
    conversation_id: str
    missing: list[str] | None = None
    context: dict | None = None
