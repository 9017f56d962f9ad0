"""Batch and replay: many units of work in one transaction, and each alone when the batch fails.

Both the API's group commit (:mod:`shebao.api.group_commit`) and the pipeline's
:func:`shebao.cases.pipeline.submit_batch` share a transaction among many items, so that the
per-transaction costs (a connection, BEGIN/COMMIT, the audit chain's lock) are paid once. The rule
is the same for both, and lives here:

- every item is processed exactly as it would be alone, by ``work(session, item)``, in one shared
  session; nothing is committed until all of them are done;
- if any item raises (or ``accept`` refuses its result, e.g. "this key was seen before: count it
  alone"), or the commit fails, the whole transaction is rolled back and every item is run again in
  a transaction of its own, so one bad item never takes its neighbours down and each gets exactly
  the outcome it would have got alone;
- an exception of an ``answered`` type is the item's answer without disturbing the batch (it must
  be raised before the item wrote anything, e.g. a refused token).

The caller owns nothing of the transaction here: the helper opens, commits and closes it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from sqlalchemy.orm import Session

T = TypeVar("T")
Outcome = tuple[bool, Any]  # (True, result) or (False, the exception)


def run_alone(open_session: Callable[[], Session], work: Callable[[Session, T], Any], item: T, *,
              expected: tuple[type[BaseException], ...] = (Exception,)) -> Outcome:
    """One item in its own transaction. An ``expected`` exception is its outcome (rolled back);
    any other is rolled back and raised."""
    session = open_session()
    try:
        result = work(session, item)
        session.commit()
        return True, result
    except expected as exc:
        session.rollback()
        return False, exc
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def batch_and_replay(
    items: Sequence[T],
    work: Callable[[Session, T], Any],
    *,
    open_session: Callable[[], Session],
    accept: Callable[[Any], bool] | None = None,
    answered: tuple[type[BaseException], ...] = (),
    expected: tuple[type[BaseException], ...] = (Exception,),
) -> tuple[list[Outcome], bool]:
    """Run ``work`` over ``items`` in one transaction; replay them one by one if the batch fails.

    Args:
        items: what to process (one item is run alone at once).
        work: what one item does inside the shared session; it must not commit.
        open_session: a new session (a sessionmaker).
        accept: in a batch, whether a result may stand; a refused one replays the batch.
        answered: exception types that answer an item without disturbing the batch.
        expected: exception types that, run alone, are the item's outcome; others are raised.

    Returns:
        The outcome of each item, in order, and whether the batch was replayed.
    """
    if len(items) > 1:
        outcomes = _together(items, work, open_session, accept, answered)
        if outcomes is not None:
            return outcomes, False
    outcomes = [run_alone(open_session, work, item, expected=expected) for item in items]
    return outcomes, len(items) > 1


def _together(items, work, open_session, accept, answered) -> list[Outcome] | None:
    session = open_session()
    outcomes: list[Outcome] = []
    try:
        for item in items:
            try:
                result = work(session, item)
            except answered as exc:
                outcomes.append((False, exc))
                continue
            if accept is not None and not accept(result):
                session.rollback()
                return None
            outcomes.append((True, result))
        session.commit()
        return outcomes
    except Exception:  # noqa: BLE001 - any failure: each item again, alone
        session.rollback()
        return None
    finally:
        session.close()
