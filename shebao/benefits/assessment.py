"""The benefit kinds' labels and the assessment kept with a granted benefit (its decision and history).

Their own home, below ``service`` and ``notices``: both read them, and ``service`` issues notices.
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from shebao.benefits.models import BenefitAssessment

KIND_LABELS = {
    "pension": "基本养老金",
    "unemployment": "失业保险金",
    "injury_allowance": "伤残津贴",
    "injury_survivor_pension": "供养亲属抚恤金",
    "funeral_grant": "丧葬补助金",
    "survivor_grant": "一次性抚恤金",
    "death_grant": "一次性工亡补助金",
    "disability_grant": "一次性伤残补助金",
    "account_inheritance": "个人账户余额继承",
}


def get_assessment(session: Session, benefit_id: str) -> BenefitAssessment | None:
    return session.get(BenefitAssessment, benefit_id)


def assessment_data(a: BenefitAssessment | None) -> dict[str, Any]:
    return json.loads(a.assessment) if a is not None and a.assessment else {}


def add_history(a: BenefitAssessment, entry: dict[str, Any]) -> None:
    history = json.loads(a.history or "[]")
    history.append({k: (str(v) if isinstance(v, Decimal | date) else v) for k, v in entry.items()})
    a.history = json.dumps(history, ensure_ascii=False)
