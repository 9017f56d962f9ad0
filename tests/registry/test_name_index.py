"""persons.name_bidx (migration w4_registry_0004): existing rows are indexed when the column arrives,
new rows by the loader and the ORM, and a full name finds the person without decrypting the table."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select, text


def test_migration_indexes_existing_names(empty_db):
    from shebao.core.crypto import blind_index, encrypt
    from shebao.core.db import dispose_engines, get_engine
    from shebao.migrations import upgrade

    url = empty_db
    upgrade(url, "h7_registry_0003")  # the schema before the name index
    now = dt.datetime(2026, 1, 1)
    with get_engine(url).begin() as conn:
        conn.execute(text(
            "INSERT INTO persons (person_id, id_number, id_number_bidx, name, sex, birth_date, region_code, phone, "
            "original_retirement_age, deemed_months, row_hash, created_at, updated_at) VALUES "
            "(:p, :i, :ib, :n, 'F', '1970-01-01', '370502', NULL, 50, 0, 'x', :t, :t)"),
            {"p": "P1", "i": encrypt("370502197001011234"), "ib": blind_index("370502197001011234"),
             "n": encrypt("王 小红"), "t": now})
    upgrade(url)
    with get_engine(url).connect() as conn:
        stored = conn.execute(text("SELECT name_bidx FROM persons WHERE person_id = 'P1'")).scalar_one()
    assert stored == blind_index("王小红")  # spaces do not matter
    dispose_engines()


def test_orm_keeps_the_name_index(db):
    from shebao.core.crypto import blind_index
    from shebao.core.db import session_scope
    from shebao.registry.models import Person

    with session_scope() as session:
        session.add(Person(person_id="P9", id_number="370502197001011234", id_number_bidx="x", name="李四",
                           sex="M", birth_date=dt.date(1970, 1, 1), region_code="370502",
                           original_retirement_age=60, row_hash="x"))
    with session_scope() as session:
        assert session.scalars(select(Person.person_id).where(Person.name_bidx == blind_index("李四"))).all() == ["P9"]
        session.get(Person, "P9").name = "李四明"
    with session_scope() as session:
        assert session.scalars(select(Person.person_id).where(Person.name_bidx == blind_index("李四明"))).all() == ["P9"]


def test_settings_time_zone():
    import pytest

    from shebao.core.settings import ConfigurationError, Settings

    assert Settings().timezone == "Asia/Shanghai"
    with pytest.raises(ConfigurationError, match="SHEBAO_TIMEZONE"):
        Settings(timezone="Mars/Olympus")
