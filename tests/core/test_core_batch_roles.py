"""The shared batch-and-replay helper and the one role check (shebao.core)."""

from __future__ import annotations

import pytest
from sqlalchemy import Integer, String, create_engine, select
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, sessionmaker

from shebao.core.batch import batch_and_replay
from shebao.core.roles import Role, has_role


class _Base(DeclarativeBase):
    pass


class _Row(_Base):
    __tablename__ = "batch_rows"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(8), unique=True)


@pytest.fixture()
def opener(db):
    """Sessions on a table of its own, on each backend (PostgreSQL aborts a transaction at its first error:
    the replay must not depend on SQLite's leniency)."""
    engine = create_engine(db)
    _Base.metadata.create_all(engine)
    yield sessionmaker(bind=engine)
    engine.dispose()


def _names(opener) -> list[str]:
    with opener() as s:
        return sorted(s.scalars(select(_Row.name)))


def _insert(s, name: str) -> str:
    if name == "bad":
        raise ValueError("坏的一项")
    s.add(_Row(name=name))
    s.flush()
    return name


def test_a_good_batch_is_one_transaction(opener) -> None:
    outcomes, replayed = batch_and_replay(["a", "b", "c"], _insert, open_session=opener)
    assert outcomes == [(True, "a"), (True, "b"), (True, "c")] and not replayed
    assert _names(opener) == ["a", "b", "c"]


def test_one_bad_item_replays_the_rest_alone(opener) -> None:
    outcomes, replayed = batch_and_replay(["a", "bad", "c"], _insert, open_session=opener)
    assert replayed
    assert [ok for ok, _ in outcomes] == [True, False, True]
    assert isinstance(outcomes[1][1], ValueError)
    assert _names(opener) == ["a", "c"]  # the rolled-back batch left nothing twice


def test_accept_refusal_replays_and_unexpected_errors_raise(opener) -> None:
    outcomes, replayed = batch_and_replay(["a", "b"], _insert, open_session=opener, accept=lambda r: r != "b")
    assert replayed and outcomes == [(True, "a"), (True, "b")]
    with pytest.raises(ValueError):
        batch_and_replay(["bad"], _insert, open_session=opener, expected=(KeyError,))


def test_answered_errors_do_not_disturb_the_batch(opener) -> None:
    class Refused(Exception):
        pass

    def work(s, name):
        if name == "x":
            raise Refused(name)
        return _insert(s, name)

    outcomes, replayed = batch_and_replay(["d", "x", "e"], work, open_session=opener, answered=(Refused,))
    assert not replayed and outcomes[0] == (True, "d") and isinstance(outcomes[1][1], Refused)
    assert _names(opener) == ["d", "e"]


@pytest.mark.parametrize(("role", "allowed", "admin_passes", "expected"), [
    ("clerk", (Role.CLERK,), True, True),
    ("auditor", (Role.CLERK, Role.REVIEWER), True, False),
    ("admin", (Role.CLERK,), True, True),
    ("admin", (Role.REVIEWER,), False, False),
    ("reviewer", ("reviewer",), False, True),
    (None, (Role.CLERK,), True, False),
    ("", (Role.CLERK,), True, False),
    ("root", (Role.CLERK,), True, False),
])
def test_has_role(role, allowed, admin_passes, expected) -> None:
    assert has_role(role, *allowed, admin_passes=admin_passes) is expected
