"""``shebao injury determine|grade|eval|cases|report|accept|decide|appraise|grant|show``: work-injury cases."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from shebao.cli import app
from shebao.cli.common import AS_OPTION, console, fail, print_json, read_json_input, reserve_stdout_for_json
from shebao.core.roles import Role, has_role

injury_app = typer.Typer(help="工伤一件事：工伤认定建议、伤残等级建议、评测，以及从申请到待遇的案件。", no_args_is_help=True)
app.add_typer(injury_app, name="injury")


def _one_or_batch(file: str | None, batch: str | None, run, key_help: str) -> None:
    """One JSON object in (``-`` for stdin) and one out; or ``--batch FILE``: JSON Lines in, exactly one
    JSON line per input out, in order, nothing else on stdout."""
    from shebao.injury.evaluation import batch as run_batch

    if batch and file:
        fail("--batch 与输入文件只能二选一（批量时不写 -）", code=2)
    if batch:
        reserve_stdout_for_json()
        try:
            handle = sys.stdin if batch == "-" else open(batch, encoding="utf-8")  # noqa: SIM115
        except OSError as exc:
            fail(f"无法读取 {batch}：{exc.strerror or exc}")
        with handle:
            for result in run_batch(handle, run):
                print_json(result)
        return
    if not file:
        fail(f"需要输入（- 为标准输入，内容为 {key_help}），或 --batch FILE.jsonl", code=2)
    obj = read_json_input(file)
    if not isinstance(obj, dict):
        fail(f"输入应为 JSON 对象：{key_help}")
    print_json(run(obj))


def _determine(obj: dict) -> dict:
    from shebao.injury.determination import suggest
    from shebao.injury.llm import configured_reader

    # facts that are not an object are reported by suggest ("facts 应为对象，未使用"), not used
    return suggest(obj.get("text"), obj.get("facts"), llm=configured_reader())


def _grade(obj: dict) -> dict:
    from shebao.injury.grading import suggest_grade

    return suggest_grade(obj.get("text"))


@injury_app.command("determine")
def determine(
    file: str = typer.Argument(None, help="输入 JSON 文件，- 为标准输入"),
    batch: str = typer.Option(None, "--batch", help="批量：JSON Lines 文件（每行一个对象），每行输出一行 JSON"),
) -> None:
    """工伤认定建议：从受伤经过读出事实，对照工伤保险条例第十四、十五、十六条，给出条、项和引用。

    输入 {"text": "...", "facts": {...}}（facts 可选：during_work_hours、commuting、traffic_responsibility、
    drunk、self_inflicted、crime、sudden_death_hours 等）。

    示例：echo '{"text":"下班骑电动车回家，在路口被闯红灯的小轿车撞了，交警认定对方全责。"}' | shebao injury determine -

    批量：shebao injury determine --batch incidents.jsonl > suggestions.jsonl
    """
    _one_or_batch(file, batch, _determine, '{"text": "受伤经过", "facts": {...}}')


@injury_app.command("grade")
def grade(
    file: str = typer.Argument(None, help="输入 JSON 文件，- 为标准输入"),
    batch: str = typer.Option(None, "--batch", help="批量：JSON Lines 文件（每行一个对象），每行输出一行 JSON"),
) -> None:
    """伤残等级建议：对照 GB/T 16180-2014 的条款（多处伤残按晋级原则），给出等级、条款和待补充的检查结果。

    示例：echo '{"text":"右小腿截肢术后，残端在膝下10cm。"}' | shebao injury grade -

    批量：shebao injury grade --batch conclusions.jsonl > grades.jsonl
    """
    _one_or_batch(file, batch, _grade, '{"text": "医疗诊断结论"}')


@injury_app.command("eval")
def evaluate_cmd(
    folder: Path = typer.Option(None, "--set", help="评测集目录（默认 tests/injury/data）"),
    json_out: bool = typer.Option(False, "--json", help="输出 JSON"),
) -> None:
    """在标注集上评测两项建议：认定按条、项的准确率，等级的准确率、相差一级以内的比例和相邻等级的混淆。

    示例：shebao injury eval --json
    """
    from shebao.injury.evaluation import evaluate

    if json_out:
        reserve_stdout_for_json()
    try:
        result = evaluate(folder, progress=lambda name: console.print(f"评测 {name} …"))
    except (FileNotFoundError, ValueError) as exc:
        fail(str(exc))
    if json_out:
        print_json(result)
        return
    for key, part in result.items():
        if not isinstance(part, dict):
            continue
        line = f"{key}：{part['exact']}/{part['n']} 准确 {part['accuracy']:.1%}"
        if "within_one_rate" in part:
            line += f"，相差一级以内 {part['within_one_rate']:.1%}"
        if "excluded_stated_but_injury" in part:
            line += f"，写明第十六条情形却建议工伤 {part['excluded_stated_but_injury']} 件"
        typer.echo(line + f"，每条 {part['ms_per_text']} ms")


# --- cases ---------------------------------------------------------------------------------------------

def _require(role: str | None, needed: Role, what: str) -> None:
    if not has_role(role, needed):
        fail(f"权限不足：{what}需要{needed.value}角色，当前为 {role}")


def _view(session, case) -> dict:
    from shebao.injury.service import case_view

    return case_view(session, case)


def _case_action(as_user: str | None, needed: Role, what: str, action) -> None:
    from shebao.cli.common import unit_of_work
    from shebao.injury.service import InjuryError

    try:
        with unit_of_work(as_user) as session:
            _require(session.info.get("actor_role"), needed, what)
            case = action(session, session.info["actor"])
            view = _view(session, case)
    except InjuryError as exc:
        fail(str(exc))
    except ValueError as exc:  # a pydantic validation error of the input
        fail(f"输入有误：{_first_error(exc)}")
    print_json(view)


def _first_error(exc: ValueError) -> str:
    errors = getattr(exc, "errors", None)
    if callable(errors):
        first = errors()[0]
        loc = ".".join(str(p) for p in first.get("loc", ()))
        return f"{loc}：{first.get('msg')}"
    return str(exc)


@injury_app.command("report")
def report(
    file: str = typer.Argument(..., help="案件 JSON（- 为标准输入）"),
    as_user: str | None = AS_OPTION,
) -> None:
    """登记工伤认定申请（用人单位申报或职工申请），附认定建议和等级建议。

    示例：echo '{"person_id":"P000000001","applicant":"employer","incident_date":"2026-11-20","incident_text":"上午在车间操作冲床时左手被压伤","documents":{"application_form":true,"labour_relation":true,"medical_certificate":true}}' | shebao injury report -
    """
    from shebao.injury.service import report_case

    obj = read_json_input(file)
    if not isinstance(obj, dict):
        fail("输入应为 JSON 对象")
    _case_action(as_user, Role.CLERK, "登记工伤认定申请", lambda s, actor: report_case(s, data=obj, actor=actor))


@injury_app.command("accept")
def accept(
    case_no: str = typer.Argument(..., help="案件编号，如 GS2026000001"),
    accepted_on: str = typer.Option(None, "--on", help="受理之日 YYYY-MM-DD（默认今天）"),
    clear: bool = typer.Option(False, "--clear", help="事实清楚、权利义务明确（15日内决定）"),
    as_user: str | None = AS_OPTION,
) -> None:
    """受理申请：决定时限为60日，事实清楚的15日（第二十条）。

    示例：shebao injury accept GS2026000001 --clear
    """
    from shebao.injury.schemas import CaseAccept
    from shebao.injury.service import accept_case

    data = CaseAccept.model_validate({"accepted_on": accepted_on, "clear_case": clear})
    _case_action(as_user, Role.CLERK, "受理",
                 lambda s, actor: accept_case(s, case_no=case_no, data=data, actor=actor))


@injury_app.command("decide")
def decide(
    case_no: str = typer.Argument(..., help="案件编号"),
    determination: str = typer.Option(..., "--determination", help="injury | deemed | excluded | not_injury"),
    article: int = typer.Option(None, "--article", help="条（14、15、16）"),
    item: int = typer.Option(None, "--item", help="项"),
    reason: str = typer.Option("", "--reason", help="理由（与建议不一致时必填）"),
    as_user: str | None = AS_OPTION,
) -> None:
    """作出工伤认定（审核员）：同意建议，或写明理由改为其他结论。

    示例：shebao injury decide GS2026000001 --determination injury --article 14 --item 1
    """
    from shebao.injury.service import decide_case

    data = {"determination": determination, "article": article, "item": item, "reason": reason}
    _case_action(as_user, Role.REVIEWER, "作出工伤认定",
                 lambda s, actor: decide_case(s, case_no=case_no, data=data, actor=actor))


@injury_app.command("regrade")
def regrade_cmd(
    case_no: str = typer.Argument(..., help="案件编号"),
    file: str = typer.Argument(..., help='{"text": "医疗诊断结论"}（- 为标准输入）'),
    as_user: str | None = AS_OPTION,
) -> None:
    """记录伤情相对稳定后的诊断结论，重新给出伤残等级建议。

    示例：echo '{"text":"右足五个足趾全部缺失"}' | shebao injury regrade GS2026000001 -
    """
    from shebao.injury.service import regrade

    obj = read_json_input(file)
    if not isinstance(obj, dict) or not isinstance(obj.get("text"), str):
        fail('输入应为 {"text": "医疗诊断结论"}')
    _case_action(as_user, Role.CLERK, "记录诊断结论",
                 lambda s, actor: regrade(s, case_no=case_no, text=obj["text"], actor=actor))


@injury_app.command("appraise")
def appraise(
    case_no: str = typer.Argument(..., help="案件编号"),
    grade_: int = typer.Option(None, "--grade", help="伤残等级 1–10（不写为未达等级）"),
    clause: str = typer.Option(None, "--clause", help="GB/T 16180-2014 条款，如 5.7.2(20)"),
    reason: str = typer.Option("", "--reason", help="理由（与建议不一致时必填）"),
    as_user: str | None = AS_OPTION,
) -> None:
    """记录劳动能力鉴定结论（审核员）。

    示例：shebao injury appraise GS2026000001 --grade 7 --clause "5.7.2(20)"
    """
    from shebao.injury.service import appraise_case

    data = {"grade": grade_, "clause": clause, "reason": reason}
    _case_action(as_user, Role.REVIEWER, "记录鉴定结论",
                 lambda s, actor: appraise_case(s, case_no=case_no, data=data, actor=actor))


@injury_app.command("grant")
def grant(
    case_no: str = typer.Argument(..., help="案件编号"),
    wage: str = typer.Option(..., "--wage", help="受伤前12个月平均月缴费工资（元）"),
    regional_wage: str = typer.Option(None, "--regional-wage", help="统筹地区上年度职工月平均工资（默认取参数）"),
    as_user: str | None = AS_OPTION,
) -> None:
    """核定工伤保险待遇并发放基金支付的部分（一次性伤残补助金；一至四级伤残津贴）。

    示例：shebao injury grant GS2026000001 --wage 6000
    """
    from shebao.injury.service import grant_case_benefits

    data = {"avg_monthly_wage": wage, "regional_avg_monthly_wage": regional_wage}
    _case_action(as_user, Role.REVIEWER, "核定待遇",
                 lambda s, actor: grant_case_benefits(s, case_no=case_no, data=data, actor=actor))


@injury_app.command("show")
def show(case_no: str = typer.Argument(..., help="案件编号"), as_user: str | None = AS_OPTION) -> None:
    """显示一个案件（JSON）。

    示例：shebao injury show GS2026000001
    """
    from shebao.injury.service import get_case

    _case_action(as_user, Role.CLERK, "查看案件", lambda s, actor: get_case(s, case_no=case_no))


@injury_app.command("cases")
def cases(
    status: str = typer.Option("open", "--status", help="open（未办结）或 reported/accepted/decided/appraised/granted/closed"),
    json_out: bool = typer.Option(False, "--json", help="输出 JSON"),
    as_user: str | None = AS_OPTION,
) -> None:
    """工伤案件队列（按认定期限排序）。

    示例：shebao injury cases --status open --json
    """
    from shebao.cli.common import unit_of_work
    from shebao.injury.service import InjuryError, case_view, list_cases

    if json_out:
        reserve_stdout_for_json()
    try:
        with unit_of_work(as_user) as session:
            _require(session.info.get("actor_role"), Role.CLERK, "查看案件队列")
            rows = [case_view(session, c, full=False) for c in list_cases(session, status=status)]
    except InjuryError as exc:
        fail(str(exc))
    if json_out:
        print_json(rows)
        return
    if not rows:
        typer.echo("没有案件")
    for r in rows:
        typer.echo(f"{r['case_no']}  {r['name']}  {r['status_label']}  建议：{r['suggested_label']}  "
                   f"认定期限：{r['decision_deadline'] or '未受理'}")
