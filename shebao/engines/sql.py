"""SQL templates written once for every engine: Jinja with the dialect's macros and safe literals.

A rule (screening, bill audit, campaign selection, ...) is an SQL template. ``{{ name }}`` inserts a
parameter, ``{{ values | sql_list }}`` a list as ``('a', 'b')``, ``{{ name | sql_literal }}`` one quoted
value, and ``{{ month_of("x") }}``, ``{{ days_between("a", "b") }}``, ``{{ list_agg("x") }}`` the few
expressions that differ between DuckDB and Spark (:class:`~shebao.engines.base.Dialect`).
"""

from __future__ import annotations

from typing import Any

from shebao.engines.base import Dialect, EngineError


class TemplateError(EngineError):
    """A rule's SQL template is wrong (an unknown name, a syntax error): the message says which."""


def sql_literal(value: Any) -> str:
    """``value`` as an SQL literal (strings quoted, quotes doubled; booleans and numbers as they are)."""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | float):
        return str(value)
    return "'" + str(value).replace("'", "''") + "'"


def sql_list(values: Any) -> str:
    """A value or a list of values as an SQL list ``(v1, v2)``."""
    if isinstance(values, str | int | float):
        values = [values]
    return "(" + ", ".join(sql_literal(v) for v in values) + ")"


def render_sql(template: str, dialect: Dialect, params: dict[str, Any]) -> str:
    """Render one SQL template for ``dialect`` with ``params`` (strict: an unknown name fails)."""
    import jinja2

    env = jinja2.Environment(undefined=jinja2.StrictUndefined, autoescape=False, keep_trailing_newline=True)
    env.filters["sql_list"] = sql_list
    env.filters["sql_literal"] = sql_literal
    env.globals.update(month_of=dialect.month_of, days_between=dialect.days_between, list_agg=dialect.list_agg)
    try:
        return env.from_string(template).render(**params)
    except jinja2.TemplateError as exc:
        raise TemplateError(f"规则模板错误：{exc}") from exc
