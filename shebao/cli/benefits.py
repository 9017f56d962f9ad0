"""``shebao payroll …`` and ``shebao benefits …``: the monthly payroll and every event after the grant."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import typer

from shebao.cli import app
from shebao.cli.common import AS_OPTION, console, fail, print_json, read_json_input, unit_of_work
from shebao.cli.shared import acting, emit
from shebao.core.roles import has_role, role_of
from shebao.core.settings import local_today

payroll_app = typer.Typer(help="待遇发放（月度发放、银行回盘、失败重发）。", no_args_is_help=True)
benefits_app = typer.Typer(help="待遇后续管理：暂停/恢复、死亡、认证、重算、调待、追回、通知书。", no_args_is_help=True)
app.add_typer(payroll_app, name="payroll")
app.add_typer(benefits_app, name="benefits")

RETURNS_HELP = """应用银行回盘文件，把支付指令标记为已支付或失败。

回盘文件为 CSV（UTF-8 或 GBK，首行为列名）：payment_id,result,paid_date,amount,reason

result 为 paid 或 failed；paid 必须有 paid_date（YYYY-MM-DD）；amount 必须等于指令金额（不符的行报错、不应用）；reason 为银行退回原因（失败时填写）。

失败的指令在下次发放时按待遇当前银行账户重发；累计失败达到 --max-attempts 次后转人工处理（shebao payroll failures --escalated）。

示例：shebao payroll returns bank/return-2026-11.csv --json
"""


def _require(session, *roles: str) -> None:
    role = role_of(session)
    if not has_role(role, *roles):
        fail(f"权限不足：需要角色 {'、'.join(roles)}（或 admin），当前为 {role}")


def _period(value: str) -> str:
    from shebao.benefits.periods import PeriodError, check_period

    try:
        return check_period(value)
    except PeriodError as exc:
        fail(str(exc))


def _date(value: str | None, name: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        fail(f"{name} 应为 YYYY-MM-DD：{value!r}")


def _service_errors():
    from shebao.benefits.recovery import RecoveryError
    from shebao.benefits.service import BenefitError

    return (BenefitError, RecoveryError)


# --- payroll ------------------------------------------------------------------------------------------

@payroll_app.command("run")
def payroll_run(
    period: str = typer.Option(..., "--period", help="发放期间 YYYY-MM"),
    json_out: bool = typer.Option(False, "--json", help='输出 JSON：{"created": n, "existing": m, "total": "..."}'),
    batch_size: int = typer.Option(500, "--batch-size", min=1, help="每批提交的待遇数"),
    max_attempts: int = typer.Option(3, "--max-attempts", min=1, help="失败几次后转人工处理"),
    max_rate: str | None = typer.Option(None, "--max-deduction-rate",
                                        help="每月扣回多发待遇不超过当月待遇的比例（默认按政策参数 recovery.max_deduction_rate）"),
    sync: bool = typer.Option(True, "--sync/--no-sync", help="发放前先处理登记库中的死亡、服刑、资格认证和计发基数公布"),
    as_of: str | None = typer.Option(None, "--as-of", help="处理登记库事件的截止日（默认该期间最后一天）"),
    as_user: str | None = AS_OPTION,
) -> None:
    """生成一个期间的支付指令：每项待遇每期每类只生成一次，重复运行不会重复生成。

    分批提交：进程在任何时刻被终止后重新运行，只补齐缺少的指令，不会重复。
    total 为该期间全部支付指令合计（重复运行结果相同），created_total 为本次新增合计。

    示例：shebao payroll run --period 2026-11 --json
    """
    from shebao.benefits.payroll import run_payroll

    period = _period(period)
    with unit_of_work(as_user) as session:
        _require(session, "clerk")
        actor, role = session.info["actor"], session.info["actor_role"]
    rate = None
    if max_rate is not None:
        try:
            rate = Decimal(max_rate)
        except Exception:
            fail(f"--max-deduction-rate 应为 0 到 1 之间的小数：{max_rate!r}")
        if not Decimal("0") <= rate <= Decimal("1"):
            fail("--max-deduction-rate 应在 0 到 1 之间")
    from shebao.benefits.payroll import PayrollError

    try:
        if json_out:
            summary = run_payroll(period, actor=actor, actor_role=role, batch_size=batch_size,
                                  max_attempts=max_attempts, max_deduction_rate=rate, sync=sync,
                                  as_of=_date(as_of, "--as-of"))
            out = summary.as_json()
            print_json({"created": out.pop("created"), "existing": out.pop("existing"), "total": out.pop("total"),
                        **out})
            return
        with console.status(f"{period} 发放中…") as status:
            summary = run_payroll(period, actor=actor, actor_role=role, batch_size=batch_size,
                                  max_attempts=max_attempts, max_deduction_rate=rate, sync=sync,
                                  as_of=_date(as_of, "--as-of"),
                                  on_batch=lambda n, c: status.update(f"{period} 发放中：第 {n} 批，已新增 {c} 笔"))
    except PayrollError as exc:
        fail(str(exc))
    s = summary.as_json()
    console.print(f"{period}：新增 {s['created']} 笔，已有 {s['existing']} 笔，期间合计 {s['total']} 元"
                  f"（本次新增 {s['created_total']} 元）；暂停跳过 {s['skipped_suspended']}，失败重发 {s['retried']}，"
                  f"转人工 {s['escalated']}，扣回 {s['deductions']} 笔")
    if s.get("sync"):
        console.print(f"登记库事件：{s['sync']}")


@payroll_app.command("open")
def payroll_open(
    period: str = typer.Option(..., "--period", help="开放的发放期间 YYYY-MM"),
    reason: str = typer.Option(..., "--reason", help="开放理由（记入审计日志）"),
    as_user: str | None = AS_OPTION,
) -> None:
    """开放当期、上期以外的发放期间（仅管理员，须说明理由，记入审计日志）。

    未开放时，shebao payroll run 只能发放当期和上期。

    示例：shebao payroll open --period 2027-01 --reason "春节前提前发放，经局务会研究同意"
    """
    from shebao.benefits.payroll import PayrollError, open_period

    period = _period(period)
    try:
        with unit_of_work(as_user) as session:
            open_period(session, period=period, reason=reason)
    except PayrollError as exc:
        fail(str(exc))
    console.print(f"已开放发放期间 {period}：{reason}")


@payroll_app.command("returns", help=RETURNS_HELP)
def payroll_returns(
    file: Path = typer.Argument(..., help="银行回盘 CSV 文件"),
    max_attempts: int = typer.Option(3, "--max-attempts", min=1, help="失败几次后转人工处理"),
    json_out: bool = typer.Option(False, "--json", help="输出 JSON 摘要"),
    as_user: str | None = AS_OPTION,
) -> None:
    from shebao.benefits.payroll import apply_returns

    if not file.is_file():
        fail(f"文件不存在：{file}")
    with unit_of_work(as_user) as session:
        _require(session, "clerk")
        try:
            summary = apply_returns(session, file, max_attempts=max_attempts)
        except ValueError as exc:
            fail(str(exc))
    out = summary.as_json()
    if json_out:
        print_json(out)
        return
    console.print(f"已支付 {out['paid']} 笔，失败 {out['failed']} 笔，未变 {out['unchanged']} 笔，错误 {out['errors']} 行")
    for e in out["error_lines"]:
        console.print(f"  第 {e['line']} 行 {e['field']}={e['value']!r}：{e['reason']}")


@payroll_app.command("failures")
def payroll_failures(
    escalated: bool = typer.Option(False, "--escalated", help="只列出已转人工处理的"),
    json_out: bool = typer.Option(False, "--json"),
    as_user: str | None = AS_OPTION,
) -> None:
    """列出发放失败的支付指令（及失败次数、银行退回原因）。

    示例：shebao payroll failures --escalated --json
    """
    from shebao.benefits.payroll import list_failures

    with unit_of_work(as_user) as session:
        _require(session, "clerk", "auditor")
        rows = list_failures(session, escalated_only=escalated)
    if json_out:
        print_json(rows)
        return
    for r in rows:
        console.print(f"{r['payment_id']} {r['period']} {r['amount']} 元 失败 {r['failures']} 次"
                      f"{'（已转人工）' if r['escalated'] else ''} {r['reason'] or ''}")
    console.print(f"共 {len(rows)} 笔")


@payroll_app.command("totals")
def payroll_totals(
    period: str = typer.Option(..., "--period", help="期间 YYYY-MM"),
    json_out: bool = typer.Option(False, "--json"),
    as_user: str | None = AS_OPTION,
) -> None:
    """一个期间的支付指令按种类和状态汇总。

    示例：shebao payroll totals --period 2026-11
    """
    from shebao.benefits.payroll import period_totals

    with unit_of_work(as_user) as session:
        _require(session, "clerk", "reviewer", "auditor", "analyst")
        out = period_totals(session, _period(period))
    if json_out:
        print_json(out)
        return
    for line in out["lines"]:
        console.print(f"{line['kind']:<10} {line['status']:<8} {line['count']:>8} 笔 {line['amount']:>16} 元")
    console.print(f"合计 {out['total']} 元")


# --- events -------------------------------------------------------------------------------------------

@benefits_app.command("show")
def show(benefit_id: str, json_out: bool = typer.Option(False, "--json"), as_user: str | None = AS_OPTION) -> None:
    """查看一项待遇：标准、状态、暂停、欠款、最近的支付。

    示例：shebao benefits show B000000001 --json
    """
    from shebao.benefits.queries import benefit_json

    with acting(as_user, _service_errors()) as session:
        _require(session, "clerk", "reviewer", "auditor")
        out = benefit_json(session, benefit_id)
    emit(out, json_out, "\n".join(f"{k}: {v}" for k, v in out.items()))


@benefits_app.command("suspend")
def suspend(
    benefit_id: str = typer.Argument(..., help="待遇编号"),
    from_period: str = typer.Option(..., "--from", help="自哪个月起暂停 YYYY-MM"),
    reason: str = typer.Option(..., "--reason", help="暂停理由（必填，写入审计日志和通知书）"),
    backpay: bool = typer.Option(False, "--backpay-on-resume", help="恢复时补发暂停期间的待遇"),
    json_out: bool = typer.Option(False, "--json"),
    as_user: str | None = AS_OPTION,
) -> None:
    """暂停发放一项待遇（人工暂停；服刑、认证逾期由 shebao benefits sync 自动处理）。

    示例：shebao benefits suspend B000000001 --from 2026-12 --reason "待核实居住状况"
    """
    from shebao.benefits.service import suspend_benefit

    with acting(as_user, _service_errors()) as session:
        _require(session, "clerk", "auditor")
        s = suspend_benefit(session, benefit_id=benefit_id, reason=reason, from_period=_period(from_period),
                            reason_code="manual", source_ref=f"manual:{_period(from_period)}",
                            backpay_on_resume=backpay)
        out = {"suspension_id": s.id, "benefit_id": benefit_id, "from_period": s.from_period, "status": s.status}
    emit(out, json_out, f"已暂停：{benefit_id} 自 {out['from_period']} 起（暂停记录 {out['suspension_id']}）")


@benefits_app.command("resume")
def resume(
    benefit_id: str = typer.Argument(..., help="待遇编号"),
    from_period: str = typer.Option(..., "--from", help="自哪个月起恢复 YYYY-MM"),
    reason: str = typer.Option(..., "--reason", help="恢复理由"),
    json_out: bool = typer.Option(False, "--json"),
    as_user: str | None = AS_OPTION,
) -> None:
    """恢复发放一项暂停的待遇（暂停时约定补发的，暂停期间的待遇一次补发）。

    示例：shebao benefits resume B000000001 --from 2027-02 --reason "核实无误"
    """
    from shebao.benefits.service import resume_benefit

    with acting(as_user, _service_errors()) as session:
        _require(session, "clerk", "auditor")
        out = resume_benefit(session, benefit_id=benefit_id, resume_period=_period(from_period), reason=reason)
    emit(out, json_out, f"已恢复：{benefit_id} 自 {out['resume_period']} 起，补发 {out['backpay']} 元")


@benefits_app.command("death")
def death(
    person_id: str = typer.Argument(..., help="参保人编号"),
    death_date: str = typer.Option(..., "--date", help="死亡日期 YYYY-MM-DD"),
    source: str = typer.Option("counter", "--source", help="来源：counter（窗口报告）或登记库来源"),
    work_injury: str | None = typer.Option(None, "--work-injury", help="因工死亡：calc_injury 输入的 JSON 文件（- 为标准输入）"),
    json_out: bool = typer.Option(False, "--json"),
    as_user: str | None = AS_OPTION,
) -> None:
    """登记死亡：死亡当月以后的待遇全部停发，已发的转为多发追回，并建立遗属待遇案件。

    因工死亡时 --work-injury 给出 {"injury_date", "avg_monthly_wage", "dependants": [{"relation": "spouse"}]}。

    示例：shebao benefits death P000000001 --date 2026-10-03 --json
    """
    from shebao.benefits.death import process_death

    wi = read_json_input(work_injury) if work_injury else None
    with unit_of_work(as_user) as session:
        _require(session, "clerk")
        try:
            out = process_death(session, person_id=person_id, death_date=_date(death_date, "--date"), source=source,
                                work_injury=wi, as_of=local_today())
        except _service_errors() as exc:
            fail(str(exc))
        except Exception as exc:  # the policy engine's InputError on bad work-injury inputs
            from shebao.policy import InputError

            if isinstance(exc, InputError):
                fail(str(exc))
            raise
    emit(out, json_out, f"已停发 {len(out['stopped'])} 项待遇，多发 {out['overpayment']} 元；遗属待遇案件 "
                        f"{out['survivor_case']['id']}：{out['survivor_case']['items']}")


@benefits_app.command("survivor-grant")
def survivor_grant(
    case_id: int = typer.Argument(..., help="遗属待遇案件编号"),
    bank_account: str = typer.Option(..., "--bank-account", help="领取人银行卡号"),
    json_out: bool = typer.Option(False, "--json"),
    as_user: str | None = AS_OPTION,
) -> None:
    """把遗属待遇案件中金额已确定的项目核定为待遇（由月度发放支付）。

    示例：shebao benefits survivor-grant 1 --bank-account 6217000000000000017
    """
    from shebao.benefits.death import grant_survivor_items

    with acting(as_user, _service_errors()) as session:
        _require(session, "reviewer")
        granted = grant_survivor_items(session, case_id=case_id, bank_account=bank_account)
        out = [{"benefit_id": b.benefit_id, "kind": b.kind, "amount": f"{b.monthly_amount:.2f}"} for b in granted]
    emit(out, json_out, f"已核定 {len(out)} 项：{out}")


@benefits_app.command("certify")
def certify(
    person_id: str = typer.Argument(..., help="参保人编号"),
    certified_date: str = typer.Option(..., "--date", help="认证日期 YYYY-MM-DD"),
    method: str = typer.Option("face", "--method", help="face|bank|hospital|community|silent"),
    json_out: bool = typer.Option(False, "--json"),
    as_user: str | None = AS_OPTION,
) -> None:
    """登记一次待遇资格认证；因认证逾期暂停的养老金自认证当月恢复，暂停期间待遇一次补发。

    示例：shebao benefits certify P000000001 --date 2026-11-20 --method face
    """
    from shebao.benefits.suspension import record_certification

    with unit_of_work(as_user) as session:
        _require(session, "clerk")
        try:
            out = record_certification(session, person_id=person_id, certified_date=_date(certified_date, "--date"),
                                       method=method)
        except _service_errors() as exc:
            fail(str(exc))
        except ValueError as exc:
            fail(str(exc))
    emit(out, json_out, f"已登记认证；恢复 {out['certification_resumed']} 项")


@benefits_app.command("sync")
def sync(
    as_of: str | None = typer.Option(None, "--as-of", help="截止日 YYYY-MM-DD（默认今天）"),
    json_out: bool = typer.Option(False, "--json"),
    as_user: str | None = AS_OPTION,
) -> None:
    """处理登记库中的死亡、服刑、资格认证记录，并重算计发基数已公布的暂核养老金。

    示例：shebao benefits sync --as-of 2026-11-30 --json
    """
    from shebao.benefits.events import sync_registry

    with unit_of_work(as_user) as session:
        _require(session, "clerk")
        out = sync_registry(session, as_of=_date(as_of, "--as-of") or local_today())
    emit(out, json_out, str(out))


@benefits_app.command("recalc")
def recalc(
    year: int | None = typer.Option(None, "--year", help="只重算该年度（默认所有年度）"),
    on: str | None = typer.Option(None, "--on", help="重算日期 YYYY-MM-DD（默认今天；补发记入当月）"),
    json_out: bool = typer.Option(False, "--json"),
    as_user: str | None = AS_OPTION,
) -> None:
    """计发基数公布后重算暂核养老金：按正式基数核定，暂核期间差额作为一笔补发（backpay）发放，并出具通知书。

    先公布基数：shebao params set pension.base 7990 --region 370000 --from 2026-01-01 ...
    示例：shebao benefits recalc --year 2026 --json
    """
    from shebao.benefits.recalc import recalculate_provisional

    with unit_of_work(as_user) as session:
        _require(session, "reviewer")
        out = recalculate_provisional(session, on=_date(on, "--on") or local_today(), year=year)
    emit(out, json_out, f"重算 {out['recalculated']} 项，补发合计 {out['backpay_total']} 元；"
                        f"基数未公布 {out['still_provisional']} 项；跳过 {len(out['skipped'])} 项")


@benefits_app.command("adjust")
def adjust(
    year: int = typer.Option(..., "--year", help="调待年度"),
    on: str | None = typer.Option(None, "--on", help="执行日期 YYYY-MM-DD（默认今天；补发记入当月）"),
    json_out: bool = typer.Option(False, "--json"),
    as_user: str | None = AS_OPTION,
) -> None:
    """年度调整基本养老金（调待）：定额 + 按本人养老金比例 + 按缴费年限，自生效月起执行，晚执行的月份补发（adjustment）。

    调整参数先用 shebao params set pension.adjustment.fixed_amount / .rate / .per_year_amount 设定。
    示例：shebao benefits adjust --year 2026 --on 2026-07-15 --json
    """
    from shebao.benefits.adjustment import apply_adjustment

    with unit_of_work(as_user) as session:
        _require(session, "reviewer")
        out = apply_adjustment(session, year=year, on=_date(on, "--on") or local_today())
    if out["missing"] and not out["adjusted"] and not json_out:
        fail("参数缺失，未调整：" + "；".join(out["missing"]))
    emit(out, json_out, f"{year} 年调待：调整 {out['adjusted']} 项，补发合计 {out['arrears_total']} 元；"
                        f"已调整过 {out['already']} 项")


@benefits_app.command("overpayment")
def overpayment(
    benefit_id: str = typer.Argument(..., help="待遇编号"),
    periods: str = typer.Option(..., "--periods", help="多发的期间，逗号分隔或区间：2026-03,2026-04 或 2026-03..2026-06"),
    reason: str = typer.Option(..., "--reason", help="多发原因"),
    json_out: bool = typer.Option(False, "--json"),
    as_user: str | None = AS_OPTION,
) -> None:
    """登记错发造成的多发待遇，形成追回债务（从以后的待遇中扣回或责令退还）。

    示例：shebao benefits overpayment B000000001 --periods 2026-03..2026-05 --reason "重复核定"
    """
    from shebao.benefits.periods import months_between
    from shebao.benefits.service import compute_overpayment

    if ".." in periods:
        a, b = periods.split("..", 1)
        plist = list(months_between(_period(a), _period(b)))
    else:
        plist = [_period(p) for p in periods.split(",") if p.strip()]
    with acting(as_user, _service_errors()) as session:
        _require(session, "clerk", "auditor")
        amount = compute_overpayment(session, benefit_id=benefit_id, periods=plist, reason=reason,
                                     reason_code="error", source_ref="error:" + ",".join(plist)[:58])
    emit({"benefit_id": benefit_id, "overpayment": f"{amount:.2f}", "periods": plist}, json_out,
         f"多发 {amount:.2f} 元")


@benefits_app.command("debts")
def debts(
    person_id: str | None = typer.Option(None, "--person"),
    benefit_id: str | None = typer.Option(None, "--benefit"),
    status: str | None = typer.Option(None, "--status", help="open|deducting|demanded|recovered|written_off"),
    json_out: bool = typer.Option(False, "--json"),
    as_user: str | None = AS_OPTION,
) -> None:
    """列出多发待遇追回情况（本金、已追回、未追回、方式、状态）。

    示例：shebao benefits debts --status demanded --json
    """
    from shebao.benefits.recovery import debt_json, list_debts

    with unit_of_work(as_user) as session:
        _require(session, "clerk", "reviewer", "auditor")
        rows = [debt_json(session, d) for d in list_debts(session, person_id=person_id, benefit_id=benefit_id,
                                                           status=status)]
    if json_out:
        print_json(rows)
        return
    for d in rows:
        console.print(f"#{d['id']} {d['benefit_id']} {d['reason']}：本金 {d['principal']}，已追回 {d['recovered']}，"
                      f"未追回 {d['outstanding']}（{d['method']}，{d['status']}）")
    console.print(f"共 {len(rows)} 笔")


@benefits_app.command("recover")
def recover(
    debt_id: int = typer.Argument(..., help="债务编号（shebao benefits debts 查看）"),
    repaid: str | None = typer.Option(None, "--repaid", help="登记退还金额（元）"),
    receipt: str | None = typer.Option(None, "--receipt", help="退还收据号（与 --repaid 同用）"),
    demand: bool = typer.Option(False, "--demand", help="改为责令退还（出具退还通知书）"),
    write_off: str | None = typer.Option(None, "--write-off", help="核销，并说明理由"),
    json_out: bool = typer.Option(False, "--json"),
    as_user: str | None = AS_OPTION,
) -> None:
    """追回多发待遇：登记退还、改为责令退还或核销（按月扣回由 shebao payroll run 自动进行）。

    示例：shebao benefits recover 3 --repaid 1200.00 --receipt SJ2026110001
    """
    from shebao.benefits import recovery

    if sum(x is not None and x is not False for x in (repaid, demand or None, write_off)) != 1:
        fail("请给出 --repaid、--demand、--write-off 之一")
    with unit_of_work(as_user) as session:
        try:
            if repaid is not None:
                _require(session, "clerk")
                if not receipt:
                    fail("--repaid 需要 --receipt")
                try:
                    amount = Decimal(repaid).quantize(Decimal("0.01"))
                except Exception:
                    fail(f"金额格式错误：{repaid!r}")
                debt = recovery.repay(session, debt_id=debt_id, amount=amount, receipt=receipt)
            elif demand:
                _require(session, "reviewer")
                debt = recovery.demand(session, debt_id=debt_id)
            else:
                _require(session, "reviewer")
                debt = recovery.write_off(session, debt_id=debt_id, reason=write_off or "")
        except _service_errors() as exc:
            fail(str(exc))
        out = recovery.debt_json(session, debt)
    emit(out, json_out, f"债务 #{out['id']}：未追回 {out['outstanding']} 元，状态 {out['status']}")


@benefits_app.command("notices")
def notices(
    person_id: str | None = typer.Option(None, "--person"),
    benefit_id: str | None = typer.Option(None, "--benefit"),
    kind: str | None = typer.Option(None, "--kind"),
    json_out: bool = typer.Option(False, "--json"),
    as_user: str | None = AS_OPTION,
) -> None:
    """列出已出具的通知书。

    示例：shebao benefits notices --benefit B000000001
    """
    from shebao.benefits.notices import list_notices

    with unit_of_work(as_user) as session:
        _require(session, "clerk", "reviewer", "auditor")
        rows = [{"id": n.id, "kind": n.kind, "title": n.title, "person_id": n.person_id, "benefit_id": n.benefit_id,
                 "issued_on": n.issued_on.isoformat()} for n in list_notices(session, person_id=person_id,
                                                                               benefit_id=benefit_id, kind=kind)]
    if json_out:
        print_json(rows)
        return
    for r in rows:
        console.print(f"{r['id']:>6} {r['issued_on']} {r['title']} {r['benefit_id'] or r['person_id']}")


@benefits_app.command("notice")
def notice(
    notice_id: int = typer.Argument(..., help="通知书编号"),
    fmt: str = typer.Option("html", "--format", help="html 或 pdf"),
    out: Path = typer.Option(..., "--out", help="输出文件"),
    as_user: str | None = AS_OPTION,
) -> None:
    """打印一份通知书（HTML 或 PDF；PDF 需要中文字体 fonts-wqy-microhei 或 SHEBAO_CJK_FONT）。

    示例：shebao benefits notice 12 --format pdf --out 通知书.pdf
    """
    from shebao.benefits.models import Notice
    from shebao.benefits.render import FontMissing, render_html, render_pdf
    from shebao.registry.models import Person

    if fmt not in ("html", "pdf"):
        fail("--format 应为 html 或 pdf")
    with unit_of_work(as_user) as session:
        _require(session, "clerk", "reviewer", "auditor")
        n = session.get(Notice, notice_id)
        if n is None:
            fail(f"通知书不存在：{notice_id}")
        person = session.get(Person, n.person_id)
        try:
            content = render_pdf(n, person=person) if fmt == "pdf" else render_html(n, person=person).encode()
        except FontMissing as exc:
            fail(str(exc))
    out.write_bytes(content)
    console.print(f"已写出：{out}")


# --- demo -----------------------------------------------------------------------------------------------

def demo_step(*, as_of: date, folder: Path, quiet: bool) -> dict:
    """``shebao demo``: the payroll of the last full month before ``as_of``, and its totals."""
    from shebao.benefits.payroll import run_payroll
    from shebao.benefits.periods import add_months, period_of

    period = add_months(period_of(as_of), -1)
    summary = run_payroll(period, actor="admin", actor_role="admin", source="cli:demo", as_of=as_of,
                          today=as_of)  # the demo's data is as of that day: its month is the current one
    s = summary.as_json()
    if not quiet:
        console.print(f"{period} 待遇发放：新增 {s['created']} 笔，合计 {s['total']} 元")
    return {"payroll_period": period, "payroll_created": s["created"], "payroll_existing": s["existing"],
            "payroll_total": s["total"], "payroll_skipped_suspended": s["skipped_suspended"],
            "payroll_sync": s.get("sync", {})}


def _register_demo() -> None:
    from shebao.cli.demo import DEMO_STEPS

    if demo_step not in DEMO_STEPS:
        DEMO_STEPS.append(demo_step)


_register_demo()
