"""POST /api/v1/intake — document intake (材料预审): upload photos and PDFs, get what was read,
what does not match and what is missing.

Multipart: ``files`` (one or more; PNG, JPEG, TIFF, PDF by their bytes, not their names), ``kind``
(pension | unemployment | survivor | injury), optional ``person_id``. Limits: the whole request
``SHEBAO_INTAKE_MAX_REQUEST_BYTES`` (413 beyond), each file ``SHEBAO_INTAKE_MAX_FILE_BYTES`` (a larger
file is that file's problem, not read past the limit; the others are still read), at most
:data:`MAX_FILES` files. Files are stored encrypted with the documents read (``batch_id``).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, HTTPException, UploadFile

from shebao.core.roles import Role
from shebao.core.settings import get_settings
from shebao.http.deps import CurrentUser, SessionDep, check_roles
from shebao.http.uploads import read_uploads
from shebao.intake.schemas import IntakeRead

router = APIRouter(tags=["intake"])

MAX_FILES = 20


@router.post("/api/v1/intake", response_model=IntakeRead, summary="材料预审：上传材料照片或 PDF，识别、核对并列出缺少的材料",
             description="角色：clerk（窗口；网厅与代办通过服务令牌）、reviewer。multipart：files（可多个）、kind、person_id（可选）。"
                         "单个文件过大、损坏、类型不符或空白，只在该文件的 problems 中说明，其余文件照常识别。",
             max_body_size=get_settings().intake_max_request_bytes)
def upload(
    session: SessionDep,
    user: CurrentUser,
    files: Annotated[list[UploadFile], File(description="材料文件（PNG、JPEG、TIFF、PDF）")],
    kind: Annotated[str, Form(description="pension | unemployment | survivor | injury")],
    person_id: Annotated[str | None, Form(max_length=32)] = None,
) -> dict:
    from shebao.intake.service import IntakeError, run_intake, store_intake

    check_roles(user, (Role.CLERK, Role.REVIEWER))
    if len(files) > MAX_FILES:
        raise HTTPException(422, f"一次最多上传 {MAX_FILES} 个文件，本次 {len(files)} 个")
    settings = get_settings()
    items, refused = read_uploads(files, settings.intake_max_file_bytes)
    try:
        outcome = run_intake(session, files=items, kind=kind, person_id=person_id or None,
                             max_bytes=settings.intake_max_file_bytes)
    except IntakeError as exc:
        raise HTTPException(404 if "不存在" in str(exc) else 422, str(exc)) from None
    channel = "clerk" if user.role in (Role.CLERK, Role.REVIEWER, Role.ADMIN) else "portal"
    batch_id = store_intake(session, files=items, outcome=outcome, kind=kind, person_id=person_id or None,
                            actor=user.username, channel=channel)
    result = outcome.result
    result["documents"] += refused
    result["batch_id"] = batch_id
    return result
