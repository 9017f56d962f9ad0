"""Each campaign selects exactly the people on the right side of its boundaries, on both engines and
from the database (SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest

from shebao.outreach.selection import select_folder
from tests.outreach.outreach_builders import AS_OF, build


def pairs(selection) -> set[tuple[str, str]]:
    return {(t.campaign_id, t.person_id) for t in selection.targets}


def test_each_campaign_selects_exactly_on_its_boundaries(batch_engine, tmp_path):
    registry = build()
    selection = select_folder(registry.write(tmp_path / "reg"), as_of=AS_OF, engine=batch_engine)
    assert pairs(selection) == registry.expected
    o05 = {t.person_id: t.fields for t in selection.targets if t.campaign_id == "O05"}
    assert str(o05["P05FIRST"]["due_date"]) == "2026-08-31" and str(o05["P05LAST"]["due_date"]) == "2026-09-30"
    assert str(o05["P05NEVER"]["cycle_start"]) == "2025-09-15"
    o01 = next(t for t in selection.targets if t.person_id == "P01IN")
    assert str(o01.fields["statutory_date"]) == "2027-02-28" and o01.fields["months"] == 200


def test_nobody_dead_and_no_claim_already_held(tmp_path):
    selection = select_folder(build().write(tmp_path / "reg"), as_of=AS_OF)
    people = {t.person_id for t in selection.targets}
    assert not {"P04DEAD", "P05DEAD"} & people
    assert ("O04", "P04PENSIONER") not in pairs(selection) and ("O04", "P04APPLIED") not in pairs(selection)


def test_the_database_path_selects_the_same(db, tmp_path):
    """Loaded into the registry (SQLite, PostgreSQL) and exported for the engine as screening does;
    there the applications come from the cases domain's table (empty here), so the applicant is in."""
    from shebao.core.db import session_scope
    from shebao.outreach.selection import select_database
    from shebao.registry.loader import load_folder

    registry = build()
    summary = load_folder(registry.write(tmp_path / "reg", with_applications=False), progress=False)
    assert not any(summary.rejected.values()), summary.errors
    with session_scope() as session:
        selection = select_database(session, as_of=AS_OF)
    assert pairs(selection) == registry.expected | {("O04", "P04APPLIED")}


@pytest.mark.parametrize("bad", ["birth_date", "original_retirement_age"])
def test_persons_the_policy_cannot_place_are_counted_not_selected(tmp_path, bad):
    registry = build()
    registry.b.rows["persons"][0][bad] = ""
    selection = select_folder(registry.write(tmp_path / "reg"), as_of=AS_OF)
    assert selection.skipped["retirement_age_unknown"] == 1
    assert ("O01", "P01IN") not in pairs(selection)
