"""Document intake pages: the portal's upload page (/documents) and the clerk's workbench
(/staff/documents): each field read next to its crop of the image, editable, every correction audited.

Identifiers (ID and card numbers) are masked on the pages; the crops show the paper itself, so opening
a batch is recorded in the audit log as a full view of personal data.
"""

from __future__ import annotations

import base64
from datetime import date
from typing import Any

from fastapi import APIRouter, Form, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse

from shebao.core.settings import get_settings
from shebao.http.deps import SessionDep
from shebao.web import auth
from shebao.web.common import render

router = APIRouter(include_in_schema=False)

KIND_CHOICES = (("pension", "基本养老金"), ("unemployment", "失业保险金"), ("survivor", "丧葬补助金和抚恤金（遗属）"),
                ("injury", "工伤认定"))
FIELD_LABELS = {
    "name": "姓名", "sex": "性别", "ethnicity": "民族", "birth_date": "出生日期", "address": "住址",
    "id_number": "公民身份号码", "issuing_authority": "签发机关", "validity": "有效期限", "card_number": "银行卡号",
    "bank": "开户银行", "death_date": "死亡日期", "cause": "死亡原因", "employer": "用人单位", "uscc": "统一社会信用代码",
    "separation_date": "解除（终止）日期", "reason": "解除（终止）原因", "hospital": "医疗机构", "date": "日期",
    "diagnosis": "诊断", "icd10": "ICD-10 编码", "time": "事故时间", "place": "事故地点", "description": "事故经过",
}
MASK_KINDS = {"id_number": "id", "card_number": "card", "name": "name", "address": "address"}
MAX_UPLOAD_FILES = 10


def shown(key: str, value: Any) -> str:
    """A field as a page shows it: identifiers, names and addresses masked; validity as text."""
    from shebao.core.crypto import mask

    if value is None:
        return ""
    if isinstance(value, dict):
        return f"{value.get('from', '')} 至 {value.get('to', '')}"
    kind = MASK_KINDS.get(key)
    return mask(str(value), kind) if kind else str(value)


def editable(key: str, value: Any) -> str:
    """The value put in the clerk's input: identifiers left empty (typed from the paper), validity as text."""
    if value is None or key in ("id_number", "card_number"):
        return ""
    if isinstance(value, dict):
        return f"{value.get('from', '').replace('-', '.')}-{str(value.get('to', '')).replace('-', '.')}"
    return str(value)


async def _uploads(request: Request) -> tuple[dict[str, str], list[tuple[str, bytes]], list[dict]]:
    """The form's fields and files (each read up to the per-file limit; a larger one is its own problem)."""
    from shebao.http.uploads import read_uploads

    form = await request.form(max_files=MAX_UPLOAD_FILES, max_fields=20)
    fields = {k: str(v).strip() for k, v in form.items() if isinstance(v, str)}
    uploads = [v for k, v in form.multi_items() if k == "files" and not isinstance(v, str) and (v.filename or v.size)]
    items, refused = await run_in_threadpool(read_uploads, uploads, get_settings().intake_max_file_bytes)
    return fields, items, refused


def _kind(value: str | None) -> str | None:
    return value if value in dict(KIND_CHOICES) else None


def _result_rows(result: dict) -> list[dict]:
    from shebao.intake.doctypes import type_label

    rows = []
    for doc in result["documents"]:
        rows.append({"file": doc["file"], "type": doc["type"], "type_label": type_label(doc["type"]),
                     "fields": [{"key": k, "label": FIELD_LABELS.get(k, k), "value": shown(k, v),
                                 "confidence": doc["confidence"].get(k)} for k, v in doc["fields"].items()],
                     "problems": doc["problems"]})
    return rows


# --- the portal ---------------------------------------------------------------------------------

@router.get("/documents")
def portal_form(request: Request):
    return render(request, "portal/documents.html", {"title": "上传申领材料", "kinds": KIND_CHOICES, "kind": "pension"})


@router.post("/documents", max_body_size=get_settings().intake_max_request_bytes)
async def portal_upload(request: Request, session: SessionDep):
    from shebao.intake.reader import read_files
    from shebao.intake.service import assemble, store_intake

    fields, items, refused = await _uploads(request)
    auth.check_csrf(request, fields.get("csrf_token"))
    kind = _kind(fields.get("kind"))
    errors = []
    if kind is None:
        errors.append("请选择申领事项")
    if not items and not refused:
        errors.append("请选择要上传的照片或 PDF 文件")
    if errors:
        return render(request, "portal/documents.html", {"title": "上传申领材料", "kinds": KIND_CHOICES, "kind": kind,
                                                          "errors": errors}, status_code=422)
    entries = await run_in_threadpool(read_files, items, max_bytes=get_settings().intake_max_file_bytes)
    outcome_result = assemble(session, entries, kind=kind, person_id=None, params=None, today=date.today())
    from shebao.intake.service import IntakeResult

    outcome = IntakeResult(result=outcome_result, entries=entries)
    batch_id = store_intake(session, files=items, outcome=outcome, kind=kind, person_id=None, actor="portal",
                            channel="portal")
    session.commit()
    result = outcome.result
    result["documents"] += refused
    return render(request, "portal/documents.html", {
        "title": "上传申领材料", "kinds": KIND_CHOICES, "kind": kind, "rows": _result_rows(result),
        "missing": result["missing"], "mismatches": result["mismatches"], "batch_id": batch_id,
    })


# --- the workbench ------------------------------------------------------------------------------

@router.get("/staff/documents")
def staff_list(request: Request, session: SessionDep):
    from shebao.intake.service import list_batches

    user = auth.require(request, session, "documents")
    batches = list_batches(session)
    return render(request, "staff/documents/list.html", {"title": "材料预审", "batches": batches,
                                                          "kinds": KIND_CHOICES}, user=user)


@router.post("/staff/documents", max_body_size=get_settings().intake_max_request_bytes)
async def staff_upload(request: Request, session: SessionDep):
    from shebao.intake.reader import read_files
    from shebao.intake.service import IntakeError, IntakeResult, assemble, list_batches, store_intake

    user = auth.require(request, session, "documents")   # before reading a byte of the files
    fields, items, refused = await _uploads(request)
    auth.check_csrf(request, fields.get("csrf_token"))
    kind = _kind(fields.get("kind"))
    person_id = fields.get("person_id") or None
    errors = []
    if kind is None:
        errors.append("请选择申领事项")
    if not items:
        errors.append("请选择要上传的照片或 PDF 文件" if not refused else refused[0]["problems"][0]["message"])
    result = None
    if not errors:
        entries = await run_in_threadpool(read_files, items, max_bytes=get_settings().intake_max_file_bytes)
        try:
            result = assemble(session, entries, kind=kind, person_id=person_id, params=None, today=date.today())
            if person_id:
                from shebao.registry.service import get_person

                if get_person(session, person_id) is None:
                    raise IntakeError(f"人员不存在：{person_id}")
        except IntakeError as exc:
            errors.append(str(exc))
    if errors:
        return render(request, "staff/documents/list.html", {"title": "材料预审", "batches": list_batches(session),
                                                              "kinds": KIND_CHOICES, "errors": errors}, user=user,
                      status_code=422)
    batch_id = store_intake(session, files=items, outcome=IntakeResult(result=result, entries=entries), kind=kind,
                            person_id=person_id, actor=user.username, channel="clerk")
    session.commit()
    return RedirectResponse(f"/staff/documents/{batch_id}", status_code=303)


@router.get("/staff/documents/{batch_id}")
def staff_batch(batch_id: str, request: Request, session: SessionDep):
    from shebao.audit.log import log_full_access
    from shebao.intake.doctypes import spec_of, type_label
    from shebao.intake.service import IntakeError, batch_view, corrections_of, crop_png

    user = auth.require(request, session, "documents")
    try:
        view = batch_view(session, batch_id=batch_id)
    except IntakeError as exc:
        return render(request, "error.html", {"title": "材料不存在", "message": str(exc)}, status_code=404, user=user)
    documents = []
    for doc in view["documents"]:
        spec = spec_of(doc["type"])
        problems_by_field: dict[str, list[str]] = {}
        for p in doc["problems"]:
            problems_by_field.setdefault(p.get("field") or "", []).append(p["message"])
        rows = []
        for fspec in (spec.fields if spec else ()):
            value = doc["fields"].get(fspec.key)
            png = crop_png(session, document_id=doc["id"], field=fspec.key)
            rows.append({"key": fspec.key, "label": FIELD_LABELS.get(fspec.key, fspec.label),
                         "value": shown(fspec.key, value), "edit": editable(fspec.key, value),
                         "confidence": doc["confidence"].get(fspec.key),
                         "crop": base64.b64encode(png).decode() if png else None,
                         "problems": problems_by_field.get(fspec.key, [])})
        documents.append({"id": doc["id"], "file": doc["file"], "type_label": type_label(doc["type"]),
                          "type": doc["type"], "rows": rows, "status": doc["status"],
                          "file_problems": problems_by_field.get("", []),
                          "raw_text": doc.get("raw_text") if doc["type"] == "other" else None,
                          "corrections": [{"field": FIELD_LABELS.get(c.field, c.field), "actor": c.actor,
                                           "at": c.created_at} for c in corrections_of(session, document_id=doc["id"])]})
    log_full_access(session, entity="intake_batch", entity_id=batch_id, fields=["document_images"],
                    purpose="材料预审：核对识别结果与原件")
    session.commit()
    return render(request, "staff/documents/batch.html", {
        "title": "材料预审", "batch_id": batch_id, "documents": documents, "missing": view["missing"],
        "mismatches": [dict(m, value=shown(m["field"], m["value"]), expected=shown(m["field"], m["expected"]))
                       for m in view["mismatches"]],
        "kind_label": dict(KIND_CHOICES).get(view["kind"], view["kind"]), "person_id": view["person_id"],
        "saved": FIELD_LABELS.get(request.query_params.get("saved") or "", request.query_params.get("saved")), "error": request.query_params.get("error"),
    }, user=user)


@router.post("/staff/documents/{batch_id}/correct")
def staff_correct(batch_id: str, request: Request, session: SessionDep, csrf_token: str = Form(""),
                  document_id: int = Form(...), field: str = Form(...), value: str = Form("")):
    from urllib.parse import quote

    from shebao.intake.models import IntakeDocument
    from shebao.intake.service import IntakeError, correct_field

    auth.check_csrf(request, csrf_token)
    user = auth.require(request, session, "documents")
    doc = session.get(IntakeDocument, document_id)
    if doc is None or doc.batch_id != batch_id:
        return render(request, "error.html", {"title": "材料不存在", "message": f"材料 {document_id} 不在批次 {batch_id} 中"},
                      status_code=404, user=user)
    try:
        correct_field(session, document_id=document_id, field=field, value=value, actor=user.username)
    except IntakeError as exc:
        session.rollback()
        return RedirectResponse(f"/staff/documents/{batch_id}?error={quote(str(exc))}#doc-{document_id}",
                                status_code=303)
    session.commit()
    return RedirectResponse(f"/staff/documents/{batch_id}?saved={quote(field)}#doc-{document_id}", status_code=303)
