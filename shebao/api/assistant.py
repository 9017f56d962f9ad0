"""POST /api/v1/ask — the policy assistant, open to everyone (no login: citizens ask here)."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field

router = APIRouter(prefix="/api/v1", tags=["assistant"])


class AskRequest(BaseModel):
    question: str = Field(..., min_length=1, max_length=500, description="问题，例如：失业金能领几个月")


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


@router.post("/ask", response_model=AskResponse, summary="向智导提问（依据条文作答并注明出处）")
async def ask(body: AskRequest) -> dict:
    from shebao.assistant.kb import KnowledgeBaseNotBuilt
    from shebao.assistant.service import NOT_BUILT_MESSAGE, shared_assistant

    question = body.question.strip()
    if not question:
        raise HTTPException(status_code=422, detail="问题不能为空")
    try:
        assistant = await run_in_threadpool(shared_assistant)
    except KnowledgeBaseNotBuilt:
        raise HTTPException(status_code=503, detail=NOT_BUILT_MESSAGE) from None
    return await run_in_threadpool(assistant.ask, question)
