"""Document intake services (keyword-only; the caller owns the transaction).

:func:`run_intake` reads files, checks them and returns the issue's result shape::

    {"documents": [{"file", "type", "fields", "confidence", "problems"}...], "missing": [...],
     "mismatches": [...], "application": {...}}

:func:`store_intake` keeps the files (encrypted) and the documents read, for the clerk's workbench;
:func:`correct_field` records a clerk's correction (audited); :func:`purge_expired` deletes what is past
its retention.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from shebao.audit import log as audit
from shebao.core.crypto import get_keyring
from shebao.intake import checks
from shebao.intake.doctypes import FIELD_KEYS, spec_of
from shebao.intake.extract import Reading, _normalise, _read_identifier
from shebao.intake.files import FileProblem, pages_of, sniff
from shebao.intake.models import CLAIM_KINDS, IntakeCorrection, IntakeDocument, IntakeFile
from shebao.intake.ocr import Line
from shebao.intake.reader import Entry, read_files

# files not (yet) linked to an application are kept this long, then purged
UNLINKED_RETENTION_DAYS = 30


class IntakeError(ValueError):
    """A request the service refuses (a Chinese message naming what is wrong)."""


@dataclass
class IntakeResult:
    result: dict
    entries: list[Entry]
    batch_id: str | None = None


def run_intake(session: Session | None, *, files: list[tuple[str, bytes]], kind: str, person_id: str | None = None,
               params: Any = None, today: date | None = None, max_bytes: int | None = None,
               progress=None) -> IntakeResult:
    """Read and check ``files`` for a claim of ``kind``; with no session, the registry checks are skipped."""
    if kind not in CLAIM_KINDS:
        raise IntakeError(f"未知的申领类型：{kind}（可选：{'、'.join(CLAIM_KINDS)}）")
    today = today or date.today()
    if session is not None and person_id:
        from shebao.registry.service import get_person

        if get_person(session, person_id) is None:
            raise IntakeError(f"人员不存在：{person_id}")
    kwargs = {"max_bytes": max_bytes} if max_bytes else {}
    entries = read_files(files, today=today, progress=progress, **kwargs)
    return IntakeResult(result=assemble(session, entries, kind=kind, person_id=person_id, params=params, today=today),
                        entries=entries)


def assemble(session: Session | None, entries: list[Entry], *, kind: str, person_id: str | None, params: Any,
             today: date) -> dict:
    """The result shape from documents read (also after a clerk's corrections)."""
    docs = []
    for entry in entries:
        doc = entry.as_json()
        doc["problems"] += checks.document_problems(doc, today=today)
        docs.append(doc)
    mismatches, proven, person = checks.compare(session, docs, kind=kind, person_id=person_id, today=today)
    if params is None:
        from shebao.policy.paramset import load_parameters

        params = load_parameters()
    region = getattr(person, "region_code", None)
    missing = checks.missing_documents(params, docs, kind=kind, today=today, proven=proven, region=region)
    return {"documents": docs, "missing": missing, "mismatches": mismatches,
            "application": checks.application_fields(docs, kind=kind, person=person)}


# --- storage ----------------------------------------------------------------------------------

def encrypt_bytes(data: bytes) -> bytes:
    import os

    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    ring = get_keyring()
    nonce = os.urandom(12)
    return b"\x01" + nonce + AESGCM(ring.encryption_key).encrypt(nonce, data, b"intake-file")


def decrypt_bytes(blob: bytes) -> bytes:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    ring = get_keyring()
    return AESGCM(ring.encryption_key).decrypt(blob[1:13], blob[13:], b"intake-file")


def store_intake(session: Session, *, files: list[tuple[str, bytes]], outcome: IntakeResult, kind: str,
                 person_id: str | None, actor: str, channel: str, today: date | None = None) -> str:
    """Keep the files (encrypted) and the documents read; return the batch id."""
    today = today or date.today()
    batch_id = secrets.token_hex(8)
    rows: list[IntakeFile] = []
    for name, data in files:
        kind_of = sniff(data) or "unknown"
        keep = data if kind_of != "unknown" and len(data) <= 20 * 1024 * 1024 else None
        row = IntakeFile(batch_id=batch_id, name=name, content_type=kind_of, size=len(data),
                         content=encrypt_bytes(keep) if keep is not None else None, person_id=person_id,
                         claim_kind=kind, channel=channel, uploaded_by=actor,
                         retain_until=today + timedelta(days=UNLINKED_RETENTION_DAYS))
        session.add(row)
        rows.append(row)
    session.flush()
    for entry, doc in zip(outcome.entries, outcome.result["documents"], strict=False):
        session.add(IntakeDocument(
            batch_id=batch_id, file_id=rows[entry.source].id, page=entry.page,
            label=entry.file, doc_type=doc["type"], fields=json.dumps(doc["fields"], ensure_ascii=False),
            raw_text=doc.get("raw_text"), confidence=json.dumps(doc["confidence"]),
            boxes=json.dumps(entry.reading.boxes), problems=json.dumps(doc["problems"], ensure_ascii=False),
        ))
    session.flush()
    audit.append(session, action="intake.upload", entity="intake_batch", entity_id=batch_id,
                 detail={"files": len(files), "documents": len(outcome.entries), "kind": kind,
                         "person_id": person_id or "", "channel": channel}, actor=actor)
    outcome.batch_id = batch_id
    return batch_id


def list_batches(session: Session, *, limit: int = 50) -> list[dict]:
    """The latest batches: id, kind, person, when, how many documents and problems."""
    rows = session.execute(select(IntakeFile).order_by(IntakeFile.id.desc()).limit(limit * 5)).scalars()
    batches: dict[str, dict] = {}
    for f in rows:
        b = batches.setdefault(f.batch_id, {"batch_id": f.batch_id, "kind": f.claim_kind, "person_id": f.person_id,
                                            "created_at": f.created_at, "files": 0, "channel": f.channel})
        b["files"] += 1
    return list(batches.values())[:limit]


def batch_documents(session: Session, *, batch_id: str) -> list[IntakeDocument]:
    return list(session.execute(select(IntakeDocument).where(IntakeDocument.batch_id == batch_id)
                                .order_by(IntakeDocument.id)).scalars())


def batch_view(session: Session, *, batch_id: str, params: Any = None, today: date | None = None) -> dict:
    """A stored batch in the result shape, re-checked with the corrected fields; plus ids and boxes."""
    docs = batch_documents(session, batch_id=batch_id)
    if not docs:
        raise IntakeError(f"材料批次不存在：{batch_id}")
    file_row = session.get(IntakeFile, docs[0].file_id)
    entries = []
    for d in docs:
        problems = [p for p in json.loads(d.problems) if p.get("code") not in _RECHECKED]
        reading = Reading(type=d.doc_type, fields=json.loads(d.fields), confidence=json.loads(d.confidence),
                          boxes=json.loads(d.boxes), problems=problems, raw_text=d.raw_text or "")
        entries.append(Entry(file=d.label, reading=reading))
    view = assemble(session, entries, kind=file_row.claim_kind, person_id=file_row.person_id, params=params,
                    today=today or date.today())
    for d, doc in zip(docs, view["documents"], strict=True):
        doc["id"] = d.id
        doc["status"] = d.status
        doc["boxes"] = json.loads(d.boxes)
    view.update(batch_id=batch_id, kind=file_row.claim_kind, person_id=file_row.person_id)
    return view


# problems that assemble() finds again from the fields (not kept twice)
_RECHECKED = frozenset({"inconsistent", "expired"})


def correct_field(session: Session, *, document_id: int, field: str, value: str, actor: str,
                  today: date | None = None) -> dict:
    """A clerk's correction of one field: validated like a read value, the old value kept, audited."""
    doc = session.get(IntakeDocument, document_id)
    if doc is None:
        raise IntakeError(f"材料不存在：{document_id}")
    spec = spec_of(doc.doc_type)
    fspec = spec.field(field) if spec else None
    if fspec is None or field not in FIELD_KEYS:
        raise IntakeError(f"{doc.doc_type} 没有字段 {field}")
    text = (value or "").strip()
    fields = json.loads(doc.fields)
    old = fields.get(field)
    if text == "":
        new = None
    elif fspec.kind in ("id_number", "card_number", "uscc"):
        new, _score, _box, problem = _read_identifier(fspec, [Line(text, 1.0, (0, 0, 0, 0))], text, 0)
        if new is None:
            raise IntakeError(f"{fspec.label}：{problem[1] if problem else '格式不正确'}")
    elif fspec.kind == "validity":
        new, problem = _normalise(fspec, text, today=today or date.today())
        if new is None:
            raise IntakeError(f"{fspec.label}：请按“2020.01.01-2040.01.01”或“2020.01.01-长期”填写")
    else:
        new, problem = _normalise(fspec, text, today=today or date.today())
        if new is None:
            raise IntakeError(f"{fspec.label}：{problem[1] if problem else '无法识别'}")
    if new == old:
        return fields
    if new is None:
        fields.pop(field, None)
    else:
        fields[field] = new
    doc.fields = json.dumps(fields, ensure_ascii=False)
    confidence = json.loads(doc.confidence)
    confidence[field] = 1.0
    doc.confidence = json.dumps(confidence)
    doc.problems = json.dumps([p for p in json.loads(doc.problems) if p.get("field") != field], ensure_ascii=False)
    doc.status = "checked"
    session.add(IntakeCorrection(document_id=doc.id, field=field,
                                 old_value=None if old is None else json.dumps(old, ensure_ascii=False),
                                 new_value=None if new is None else json.dumps(new, ensure_ascii=False), actor=actor))
    # the audit entry says which field changed, never its value
    audit.append(session, action="intake.correct", entity="intake_document", entity_id=str(doc.id),
                 detail={"field": field, "batch_id": doc.batch_id, "had_value": old is not None}, actor=actor)
    return fields


def corrections_of(session: Session, *, document_id: int) -> list[IntakeCorrection]:
    return list(session.execute(select(IntakeCorrection).where(IntakeCorrection.document_id == document_id)
                                .order_by(IntakeCorrection.id)).scalars())


def crop_png(session: Session, *, document_id: int, field: str, max_width: int = 560) -> bytes | None:
    """The part of the page where ``field`` was read, as PNG (decrypted in memory only)."""
    import io

    from PIL import Image

    doc = session.get(IntakeDocument, document_id)
    if doc is None:
        return None
    box = json.loads(doc.boxes).get(field)
    file_row = session.get(IntakeFile, doc.file_id)
    if not box or file_row is None or file_row.content is None or not any(box):
        return None
    try:
        pages = pages_of("f", decrypt_bytes(file_row.content))
    except FileProblem:
        return None
    page = pages[min(doc.page, len(pages)) - 1]
    if page.image is None:
        return None
    x0, y0, x1, y1 = box
    pad = 8
    h, w = page.image.shape[:2]
    crop = Image.fromarray(page.image[max(0, y0 - pad):min(h, y1 + pad), max(0, x0 - pad):min(w, x1 + pad)])
    if crop.width > max_width:
        crop = crop.resize((max_width, max(1, int(crop.height * max_width / crop.width))))
    out = io.BytesIO()
    crop.save(out, format="PNG", optimize=True)
    return out.getvalue()


def link_application(session: Session, *, batch_id: str, application_no: str, retain_until: date) -> int:
    """Tie a batch to its application: its files are then kept as long as the application's record."""
    rows = list(session.execute(select(IntakeFile).where(IntakeFile.batch_id == batch_id)).scalars())
    for row in rows:
        row.application_no = application_no
        row.retain_until = retain_until
    return len(rows)


def purge_expired(session: Session, *, today: date | None = None) -> int:
    """Delete the files (and their documents and corrections) past their retention; return how many."""
    today = today or date.today()
    ids = list(session.execute(select(IntakeFile.id).where(IntakeFile.retain_until < today)).scalars())
    if not ids:
        return 0
    doc_ids = select(IntakeDocument.id).where(IntakeDocument.file_id.in_(ids))
    session.execute(delete(IntakeCorrection).where(IntakeCorrection.document_id.in_(doc_ids)))
    session.execute(delete(IntakeDocument).where(IntakeDocument.file_id.in_(ids)))
    session.execute(delete(IntakeFile).where(IntakeFile.id.in_(ids)))
    audit.append(session, action="intake.purge", entity="intake_files", detail={"files": len(ids)})
    return len(ids)
