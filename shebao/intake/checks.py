"""Checks on what was read: each document on its own, against each other, against the registry, and
against the list of documents the claim needs (``policy.documents``), minus what shared data proves.

Who is who: for pension, unemployment and injury the ``person`` is the applicant (the insured); for a
survivor claim the ``person`` is the deceased insured, and the identity card is the survivor's.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from shebao.core.validators import InvalidValue, id_birth_date, id_sex, validate_id_number
from shebao.intake.doctypes import spec_of, type_label
from shebao.policy.documents import required_documents
from shebao.registry import service as registry

# printed reasons of separation → the codes of /api/v1/applications (first match wins)
SEPARATION_REASON_CODES = (
    ("期满", "contract_expired"), ("协商一致", "mutual"), ("本人提出", "resigned"), ("辞职", "resigned"),
    ("裁员", "dismissed"), ("破产", "dismissed"), ("用人单位依法解除", "dismissed"), ("辞退", "dismissed"),
    ("开除", "dismissed"), ("用人单位提出", "dismissed"),
)
PERSON_DOC_TYPES = ("id_card", "separation_certificate", "diagnosis", "accident_report")


def document_problems(doc: dict, *, today: date) -> list[dict]:
    """Consistency of one document's own fields (birth date and sex against the ID number, validity)."""
    f = doc["fields"]
    out: list[dict] = []
    number = f.get("id_number")
    if number:
        if f.get("birth_date") and f["birth_date"] != id_birth_date(number).isoformat():
            out.append(_problem("birth_date", "inconsistent", "出生日期与身份证号码中的出生日期不一致"))
        if f.get("sex") and {"M": "男", "F": "女"}[id_sex(number)] != f["sex"]:
            out.append(_problem("sex", "inconsistent", "性别与身份证号码（第 17 位）不一致"))
        if f.get("death_date") and f["death_date"] < id_birth_date(number).isoformat():
            out.append(_problem("death_date", "inconsistent", "死亡日期早于身份证号码中的出生日期"))
    validity = f.get("validity")
    if isinstance(validity, dict):
        if validity["to"] != "长期":
            if validity["to"] <= validity["from"]:
                out.append(_problem("validity", "inconsistent", "有效期限的截止日期不晚于起始日期"))
            elif validity["to"] < today.isoformat():
                out.append(_problem("validity", "expired", f"身份证已于 {validity['to']} 过期，请提供有效证件"))
        if validity["from"] > today.isoformat():
            out.append(_problem("validity", "out_of_range", "有效期限的起始日期晚于今天"))
    return out


def _problem(field: str | None, code: str, message: str) -> dict:
    return {"field": field, "code": code, "message": message}


def _mismatch(field: str, file: str, value: Any, expected: Any, source: str, message: str) -> dict:
    return {"field": field, "file": file, "value": value, "expected": expected, "source": source, "message": message}


def compare(session: Session | None, docs: list[dict], *, kind: str, person_id: str | None,
            today: date) -> tuple[list[dict], dict[str, str], Any]:
    """(mismatches, what shared data proves {doc_type: by what}, the registry person or None)."""
    mismatches: list[dict] = []
    proven: dict[str, str] = {}
    person = registry.get_person(session, person_id) if session is not None and person_id else None
    by_type: dict[str, list[dict]] = {}
    for doc in docs:
        by_type.setdefault(doc["type"], []).append(doc)
    ids = by_type.get("id_card", [])
    if session is not None and person is None and kind != "survivor" and ids and ids[0]["fields"].get("id_number"):
        found = registry.find_persons_by_id_number(session, ids[0]["fields"]["id_number"])
        person = found[0] if found else None
    # the subject: the applicant, or the deceased in a survivor claim
    subject_docs = [d for t in PERSON_DOC_TYPES for d in by_type.get(t, []) if not (kind == "survivor" and t == "id_card")]
    subject_docs += by_type.get("death_certificate", []) if kind == "survivor" else []
    if person is not None:
        expected = {"name": person.name, "id_number": person.id_number}
        source = "registry"
    else:  # no registry record: the documents must agree with the first that carries the value
        expected = {}
        source = "document"
    for doc in subject_docs:
        for key in ("name", "id_number"):
            value = doc["fields"].get(key)
            if value is None:
                continue
            if key not in expected:
                expected[key] = value
                continue
            if value != expected[key]:
                who = "死者" if kind == "survivor" else "申请人"
                where = "登记信息" if source == "registry" else "其他材料"
                mismatches.append(_mismatch(key, doc["file"], value, expected[key], source,
                                            f"{type_label(doc['type'])}上的{_label(key)}与{who}{where}不一致"))
    if session is None:
        return mismatches, proven, person
    # the deceased: the shared death registry
    deceased_id = person.id_number if (kind == "survivor" and person is not None) else None
    for doc in by_type.get("death_certificate", []):
        deceased_id = deceased_id or doc["fields"].get("id_number")
    if kind == "survivor" and deceased_id:
        deaths = registry.deaths_of(session, deceased_id)
        if deaths:
            proven["death_certificate"] = f"共享死亡登记（{deaths[0].source}）"
            for doc in by_type.get("death_certificate", []):
                read = doc["fields"].get("death_date")
                if read and read != deaths[0].death_date.isoformat():
                    mismatches.append(_mismatch("death_date", doc["file"], read, deaths[0].death_date.isoformat(),
                                                "registry", "死亡证明上的死亡日期与共享死亡登记不一致"))
        else:
            for doc in by_type.get("death_certificate", []):
                mismatches.append(_mismatch("death_date", doc["file"], doc["fields"].get("death_date"), None,
                                            "registry", "共享死亡登记中没有此人的死亡记录：请核实死亡证明"))
    # the employer: its USCC in the registry, and the name printed beside it
    for doc in by_type.get("separation_certificate", []):
        uscc = doc["fields"].get("uscc")
        if not uscc:
            continue
        employers = registry.find_employers_by_uscc(session, uscc)
        if not employers:
            mismatches.append(_mismatch("uscc", doc["file"], uscc, None, "registry",
                                        "统一社会信用代码在参保单位登记中不存在"))
        elif doc["fields"].get("employer") and doc["fields"]["employer"] not in {e.name for e in employers}:
            mismatches.append(_mismatch("employer", doc["file"], doc["fields"]["employer"], employers[0].name,
                                        "registry", "用人单位名称与统一社会信用代码登记的单位名称不一致"))
    # the bank card: an account already paying another person's benefit
    owner = person.person_id if person is not None and kind != "survivor" else None
    for doc in by_type.get("bank_card", []):
        number = doc["fields"].get("card_number")
        if not number:
            continue
        others = {b.person_id for b in registry.find_benefits_by_bank_account(session, number)} - {owner}
        if others and kind != "survivor":
            mismatches.append(_mismatch("card_number", doc["file"], number, None, "registry",
                                        f"该银行卡已登记为其他 {len(others)} 人的待遇发放账户"))
    if person is not None and kind != "survivor" and registry.benefit_accounts_of(session, person.person_id):
        proven["bank_card"] = "已登记的待遇发放账户"
    return mismatches, proven, person


def _label(key: str) -> str:
    return {"name": "姓名", "id_number": "身份证号码"}.get(key, key)


def missing_documents(params: Any, docs: list[dict], *, kind: str, today: date, proven: dict[str, str],
                      region: str | None = None) -> list[dict]:
    """Documents the claim requires that were not given (and that shared data does not prove)."""
    present = {d["type"] for d in docs if d["type"] != "other" and _usable(d)}
    out = []
    for item in required_documents(params, kind, today, region=region, proven=proven):
        if item["required"] and item["doc_type"] not in present:
            out.append({"type": item["doc_type"], "label": type_label(item["doc_type"]),
                        "reference": item["reference"]})
    return out


def _usable(doc: dict) -> bool:
    """A document counts as given when its key identifier was read (or it has none)."""
    spec = spec_of(doc["type"])
    if spec is None:
        return False
    for key in ("id_number", "card_number"):
        if spec.field(key) is not None and not doc["fields"].get(key) and doc["type"] in ("id_card", "bank_card"):
            return False
    return True


def application_fields(docs: list[dict], *, kind: str, person: Any) -> dict:
    """The fields ready for ``/api/v1/applications`` (the clerk completes the idempotency key)."""
    by_type = {d["type"]: d["fields"] for d in reversed(docs)}
    app: dict[str, Any] = {"kind": kind}
    if person is not None:
        app["person_id"] = person.person_id
    id_card = by_type.get("id_card", {})
    if kind == "survivor":
        deceased = by_type.get("death_certificate", {})
        if deceased.get("id_number"):
            app["deceased_id_number"] = deceased["id_number"]
        if id_card.get("id_number"):
            app["applicant_id_number"] = id_card["id_number"]
            app["applicant_name"] = id_card.get("name")
    elif id_card.get("id_number"):
        app["id_number"] = id_card["id_number"]
    elif person is not None:
        app["id_number"] = person.id_number
    if by_type.get("bank_card", {}).get("card_number"):
        app["bank_account"] = by_type["bank_card"]["card_number"]
    facts: dict[str, Any] = {}
    if kind == "unemployment" and "separation_certificate" in by_type:
        sep = by_type["separation_certificate"]
        if sep.get("separation_date"):
            facts["separation_date"] = sep["separation_date"]
        if sep.get("reason"):
            facts["separation_reason"] = reason_code(sep["reason"])
    if kind == "survivor" and by_type.get("death_certificate", {}).get("death_date"):
        facts["death_date"] = by_type["death_certificate"]["death_date"]
    if kind == "injury":
        report = by_type.get("accident_report", {})
        for key in ("time", "place", "description", "employer"):
            if report.get(key):
                facts[f"accident_{key}"] = report[key]
        diagnosis = by_type.get("diagnosis", {})
        for key in ("diagnosis", "icd10", "hospital", "date"):
            if diagnosis.get(key):
                facts[f"diagnosis_{key}" if key != "diagnosis" else "diagnosis"] = diagnosis[key]
    app["facts"] = facts
    return app


def reason_code(printed: str) -> str:
    for word, code in SEPARATION_REASON_CODES:
        if word in printed:
            return code
    return "other"


def valid_id(value: str | None) -> bool:
    try:
        validate_id_number(value or "")
    except InvalidValue:
        return False
    return True
