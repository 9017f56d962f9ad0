"""POST /api/v1/ask — the policy assistant, open to everyone (no login: citizens ask here)."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException
from fastapi.concurrency import run_in_threadpool

from shebao.assistant.schemas import AskRequest, AskResponse

router = APIRouter(prefix="/api/v1", tags=["assistant"])


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
