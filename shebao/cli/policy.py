"""``shebao params list|show|history|set|adopt``: the policy parameters and changes made without code."""

from __future__ import annotations

import datetime as dt

import typer

from shebao.cli import app
from shebao.cli.common import AS_OPTION, console, fail, print_json
from shebao.core.roles import Role, has_role, role_of

params_app = typer.Typer(
    help="政策参数：按日期、地区生效，带法规出处；无需改代码即可调整（存为数据库中的覆盖值）。",
    no_args_is_help=True,
)
app.add_typer(params_app, name="params")


def _parameters(shipped: bool = False):
    """The parameter set in force (shipped tree + database overlay), or the shipped tree alone."""
    from shebao.policy import load_parameters

    if shipped:
        return load_parameters()
    from shebao.policy.store import overlay_available, parameters_for

    session_cm = overlay_available()
    if session_cm is None:
        return load_parameters()
    with session_cm as session:
        return parameters_for(session)


@params_app.command("list")
def list_params(
    prefix: str = typer.Argument("", help="只列出以此开头的参数，如 pension"),
    json_out: bool = typer.Option(False, "--json", help="输出 JSON"),
) -> None:
    """列出参数树中的所有参数（名称、单位、说明、地区）。

    示例：shebao params list pension
    """
    ps = _parameters()
    rows = [ps.describe(n) for n in ps.names() if n.startswith(prefix)]
    if json_out:
        print_json(rows)
        return
    from rich.table import Table

    table = Table(title="政策参数")
    for col in ("名称", "单位", "地区", "说明"):
        table.add_column(col)
    for r in rows:
        table.add_row(r["name"], r["unit"], ",".join(r["regions"]), r["description"][:60])
    console.print(table)


@params_app.command("show")
def show(
    name: str = typer.Argument(..., help="参数名（点分路径），如 pension.base"),
    region: str = typer.Option("", "--region", help="行政区划代码（默认 SHEBAO_REGION，本机构所在地区）"),
    on: str = typer.Option("", "--on", help="日期 YYYY-MM-DD（默认今天）"),
) -> None:
    """显示某地区某日生效的参数值及其出处、来源级别（采用的注明谁、何时）、生效日期。

    示例：shebao params show pension.base --region 370000 --on 2025-12-31
    """
    from shebao.core.settings import get_settings
    from shebao.policy import ParameterError, ParameterMissing

    ps = _parameters()
    region = region or get_settings().region
    day = dt.date.fromisoformat(on) if on else dt.date.today()
    try:
        pv = ps.get(name, day, region)
    except ParameterMissing as exc:
        print_json({"name": name, "region": region, "on": day.isoformat(), "value": None, "missing": str(exc)})
        raise typer.Exit(1) from None
    except ParameterError as exc:
        fail(str(exc))
    print_json({**ps.describe(name), "on": day.isoformat(), **pv.to_trace()})


@params_app.command("history")
def history(name: str = typer.Argument(..., help="参数名，如 pension.base")) -> None:
    """参数的全部历史值（各地区、各生效日期、出处），以及数据库中的修改记录。

    示例：shebao params history pension.base
    """
    from shebao.policy import ParameterError

    ps = _parameters()
    try:
        values = ps.history(name)
    except ParameterError as exc:
        fail(str(exc))
    changes = []
    from shebao.policy.store import overlay_available, overlay_log

    session_cm = overlay_available()
    if session_cm is not None:
        with session_cm as session:
            changes = overlay_log(session, name)
    print_json({**ps.describe(name), "values": values, "changes": changes})


@params_app.command("set")
def set_param(
    name: str = typer.Argument(..., help="参数名，如 pension.base"),
    region: str = typer.Option("000000", "--region", help="行政区划代码（000000 为全国）"),
    from_: str = typer.Option(..., "--from", help="生效日期 YYYY-MM-DD"),
    value: str = typer.Option(..., "--value", help="值（表格参数用 JSON；未知写 null）"),
    reference: str = typer.Option(..., "--reference", help="出处：文件名称和文号或条款"),
    by: str = typer.Option(None, "--by", help="决定人（默认当前用户）"),
    published: str = typer.Option("", "--published", help="公布日期 YYYY-MM-DD（默认同生效日期）"),
    unconfirmed: bool = typer.Option(False, "--unconfirmed", help="出处未能核实"),
    as_user: str | None = AS_OPTION,
) -> None:
    """新增一个按日期生效的参数值（管理员）：校验单位、类型、日期和出处，写入覆盖表并记审计日志；旧案件仍按其日期的规则。

    示例：shebao params set pension.base --region 370000 --from 2026-01-01 --value 7990 --reference "鲁人社字〔2026〕1号"
    """
    from shebao.cli.common import unit_of_work
    from shebao.policy import ParameterError
    from shebao.policy.store import set_parameter

    try:
        day = dt.date.fromisoformat(from_)
        pub = dt.date.fromisoformat(published) if published else None
    except ValueError:
        fail("日期应为 YYYY-MM-DD")
    try:
        with unit_of_work(as_user) as session:
            if not has_role(role_of(session), Role.ADMIN):
                fail("只有系统管理员（admin）可以修改政策参数")
            result = set_parameter(
                session,
                name=name,
                region=region,
                effective_from=day,
                value=value,
                reference=reference,
                by=by,
                published=pub,
                confirmed=not unconfirmed,
            )
    except ParameterError as exc:
        fail(str(exc))
    print_json(result)


@params_app.command("adopt")
def adopt(
    name: str = typer.Argument(..., help="参数名，如 wages.minimum_monthly"),
    from_: str = typer.Option(..., "--from", help="所采用的随附值的生效日期 YYYY-MM-DD"),
    region: str = typer.Option("000000", "--region", help="行政区划代码（000000 为全国）"),
    note: str = typer.Option(..., "--note", help="说明：依据什么、由谁决定采用"),
    by: str = typer.Option(None, "--by", help="决定人（默认当前用户）"),
    as_user: str | None = AS_OPTION,
) -> None:
    """本机构采用一个随附值（管理员）：该值（某地区、某生效日期）此后按 agency 级别参与自动决定；记审计日志。

    随附值的出处和来源级别（official / secondary / derived）保留并显示。采用按值和日期：采用今年的值不等于采用明年的值。

    示例：shebao params adopt wages.minimum_monthly --region 370500 --from 2025-10-01 --note "经东营市人社局核对鲁政字〔2025〕140号"
    """
    from shebao.cli.common import unit_of_work
    from shebao.policy import ParameterError
    from shebao.policy.store import adopt_parameter

    try:
        day = dt.date.fromisoformat(from_)
    except ValueError:
        fail("日期应为 YYYY-MM-DD")
    try:
        with unit_of_work(as_user) as session:
            if not has_role(role_of(session), Role.ADMIN):
                fail("只有系统管理员（admin）可以采用政策参数")
            result = adopt_parameter(session, name=name, effective_from=day, region=region, note=note, by=by)
    except ParameterError as exc:
        fail(str(exc))
    print_json(result)
