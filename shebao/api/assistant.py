"""POST /api/v1/ask — the policy assistant, open to everyone (no login: citizens ask here)."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field

router = APIRouter(prefix="/api/v1", tags=["assistant"])


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


@router.post("/ask", response_model=AskResponse, summary="向智导提问（依据条文作答并注明出处）")
async def ask(body: AskRequest) -> dict:
    from shebao.assistant.kb import KnowledgeBaseNotBuilt
    from shebao.assistant.service import NOT_BUILT_MESSAGE, ask_in_conversation, shared_assistant

    question = body.question.strip()
    if not question:
        raise HTTPException(status_code=422, detail="问题不能为空")
    try:
        assistant = await run_in_threadpool(shared_assistant)
    except KnowledgeBaseNotBuilt:
        raise HTTPException(status_code=503, detail=NOT_BUILT_MESSAGE) from None
    return await run_in_threadpool(ask_in_conversation, assistant, question, body.conversation_id)
