"""Command shapes shared by the CLI modules: act on a record and report it, list a page of records,
name the rules of a run, show a batch's progress.

Many commands do the same few things: run one service call as the acting user (a refused request
is one line in red), then print the result as JSON (``--json``) or as one line or a table for
people. They are written once here, so that every command says it the same way.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from shebao.cli.common import console, fail, print_json, unit_of_work


def emit(data: Any, json_out: bool, text: str) -> None:
    """``data`` as JSON on stdout with ``--json``, else ``text`` for people (on stderr)."""
    if json_out:
        print_json(data)
    else:
        console.print(text)


@contextmanager
def acting(as_user: str | None, errors: type[BaseException] | tuple[type[BaseException], ...], *,
           code: int = 1) -> Iterator[Any]:
    """A unit of work as the acting user (:func:`~shebao.cli.common.unit_of_work`) in which a
    service's refusal (one of ``errors``) rolls everything back and ends the command with its
    message (exit ``code``)."""
    try:
        with unit_of_work(as_user) as session:
            yield session
    except errors as exc:
        fail(str(exc), code=code)


def print_page(json_out: bool, total: int, items: list[dict[str, Any]], *, title: str, columns: tuple[str, ...],
               cells: Callable[[dict[str, Any]], list[str]]) -> None:
    """One page of records: ``{"total": n, "items": [...]}`` with ``--json``, else a table titled
    ``title`` with ``columns``, one row of ``cells(item)`` per item."""
    if json_out:
        print_json({"total": total, "items": items})
        return
    from rich.table import Table

    table = Table(title=title)
    for col in columns:
        table.add_column(col, overflow="fold")
    for item in items:
        table.add_row(*cells(item))
    console.print(table)


def split_ids(text: str | None) -> list[str] | None:
    """The ids of a comma-separated option (``--rules M01,M03``); None when it is not given.

    Examples:
        >>> split_ids(" R01, ,R02"), split_ids(None)
        (['R01', 'R02'], None)
    """
    return [r.strip() for r in text.split(",") if r.strip()] if text else None


def batch_progress(json_out: bool):
    """A progress bar on stderr for a batch of steps (hidden with ``--json``, gone when it ends)."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    return Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
                    TimeElapsedColumn(), console=console, disable=json_out, transient=True)
