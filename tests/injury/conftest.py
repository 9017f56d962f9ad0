"""Fixtures of the injury tests: one insured person (the admin `session` is the suite's, in tests/conftest.py)."""

from __future__ import annotations

from datetime import date

import pytest


@pytest.fixture
def person(session):
    from shebao.core.crypto import blind_index
    from shebao.core.validators import id_check_char
    from shebao.registry.loader import row_digest
    from shebao.registry.models import Person

    body = "370502198001010011"[:17]
    idn = body + id_check_char(body)
    p = Person(person_id="P000000501", id_number=idn, id_number_bidx=blind_index(idn), name="李建国", sex="M",
               birth_date=date(1980, 1, 1), region_code="370502", phone=None, original_retirement_age=60,
               deemed_months=0, row_hash=row_digest({"person_id": "P000000501"}))
    session.add(p)
    session.commit()
    return p
