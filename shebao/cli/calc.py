"""``shebao calc pension|retirement|plan|backpay|unemployment|injury|survivor``: the citizens' calculators (智导)."""

from __future__ import annotations

import typer

from shebao.cli import app
from shebao.cli.common import console, fail, print_json, read_json_input
from shebao.core.settings import local_today

calc_app = typer.Typer(
    help="智导计算器：养老金、退休时间、灵活就业参保套餐、补缴收益、失业保险金、工伤保险待遇、丧葬补助金和抚恤金。输入一个 JSON 对象，输出 JSON。",
    no_args_is_help=True,
)
app.add_typer(calc_app, name="calc")

SHIPPED_OPTION = typer.Option(False, "--shipped", help="只用随附的参数树，不读数据库中的参数修改")


def _run(kind: str, path: str, shipped: bool) -> None:
    """Run a calculator through the policy service: a refused input is one Chinese line, exit 1."""
    from shebao.cli.policy import _parameters
    from shebao.policy import InputError, ParameterError
    from shebao.policy.service import calculate  # heavy imports inside commands (fast --help)

    inputs = read_json_input(path)
    try:
        result = calculate(kind, inputs, _parameters(shipped))
    except (InputError, ParameterError) as exc:
        fail(str(exc))
    print_json(result)


@calc_app.command("pension")
def pension(
    file: str = typer.Argument(None, help="输入 JSON 文件，- 为标准输入"),
    batch: str = typer.Option(None, "--batch", help="批量：输入 Parquet 文件（列为单个计算的输入字段）"),
    out: str = typer.Option(None, "--out", help="批量：输出 Parquet 文件（加上输出字段）"),
    assessed_on: str = typer.Option("", "--assessed-on", help="批量：核定日期 YYYY-MM-DD（无 assessed_on 列时；默认今天）"),
    threads: int = typer.Option(2, "--threads", help="批量：线程数"),
    exchange: str = typer.Option(None, "--exchange", help="批量：交换格式目录（测算其中每项养老金待遇，输入由批处理引擎从登记数据导出）"),
    engine: str = typer.Option("duckdb", "--engine", help="批量（--exchange）：批处理引擎 duckdb|spark"),
    shipped: bool = SHIPPED_OPTION,
) -> None:
    """企业职工基本养老金测算（基础养老金 + 个人账户养老金 + 过渡性养老金），带计算过程与法规出处。

    示例：echo '{"retirement_date":"2025-02","birth_date":"1965-01","original_retirement_age":60,"avg_contribution_index":"1.2","contribution_months":420,"pre_account_months":100,"account_balance":"100000"}' | shebao calc pension -

    批量：shebao calc pension --batch persons.parquet --out pensions.parquet

    按登记数据批量测算：shebao calc pension --exchange exchange/ --out pensions.parquet --engine duckdb
    """
    if exchange:
        if batch:
            fail("--batch 与 --exchange 只能选一个")
        if not out:
            fail("批量计算需要 --out OUT.parquet")
        _exchange(exchange, out, assessed_on, engine, threads, shipped)
        return
    if batch:
        if not out:
            fail("批量计算需要 --out OUT.parquet")
        _batch(batch, out, assessed_on, threads, shipped)
        return
    if not file:
        fail("需要输入文件（- 为标准输入），或 --batch IN.parquet --out OUT.parquet")
    _run("pension", file, shipped)


def _batch(path: str, out: str, assessed_on: str, threads: int, shipped: bool) -> None:
    import datetime as dt
    import time

    import pyarrow.parquet as pq

    from shebao.cli.policy import _parameters
    from shebao.policy import InputError, ParameterError
    from shebao.policy.columns import pension_table

    try:
        table = pq.read_table(path)
    except (FileNotFoundError, OSError) as exc:
        fail(f"无法读取 {path}：{exc}")
    day = dt.date.fromisoformat(assessed_on) if assessed_on else local_today()
    started = time.perf_counter()
    try:
        result = pension_table(table, params=_parameters(shipped), assessed_on=day, threads=threads)
    except (InputError, ParameterError) as exc:
        fail(str(exc))
    elapsed = time.perf_counter() - started
    pq.write_table(result, out)
    eligible = int(result["eligible"].to_numpy(zero_copy_only=False).sum())
    console.print(
        f"[green]已计算[/green] {result.num_rows} 行（符合条件 {eligible} 行），用时 {elapsed:.2f} 秒 → {out}"
    )


def _exchange(folder: str, out: str, assessed_on: str, engine: str, threads: int, shipped: bool) -> None:
    """Every pension of an exchange folder: the engine derives the inputs, policy computes."""
    import datetime as dt
    import time

    import pyarrow.parquet as pq

    from shebao.benefits.batch_pensions import assess_folder
    from shebao.cli.policy import _parameters
    from shebao.engines.base import EngineError
    from shebao.policy import InputError, ParameterError

    try:
        day = dt.date.fromisoformat(assessed_on) if assessed_on else dt.date.today()
    except ValueError:
        fail(f"--assessed-on 应为 YYYY-MM-DD：{assessed_on}")
    started = time.perf_counter()
    try:
        result = assess_folder(folder, params=_parameters(shipped), assessed_on=day, engine=engine, threads=threads)
    except (EngineError, InputError, ParameterError) as exc:
        fail(str(exc))
    elapsed = time.perf_counter() - started
    pq.write_table(result, out)
    eligible = int(result["eligible"].to_numpy(zero_copy_only=False).sum())
    console.print(f"[green]已测算[/green] {result.num_rows} 项养老金（符合条件 {eligible} 项，引擎 {engine}），"
                  f"用时 {elapsed:.2f} 秒 → {out}")


# The calculators that read one JSON object and print the result as JSON: the command's name is the
# calculator's kind; its help (the first line, then the example) is the text here.
CALCULATORS = {
    "retirement": """法定退休时间（渐进式延迟退休）、弹性退休的最早和最晚时间、最低缴费年限。

示例：echo '{"birth_date":"1970-05","original_retirement_age":60}' | shebao calc retirement -
""",
    "plan": """灵活就业人员参保套餐：各缴费档次的月缴费、累计缴费、预计养老金、回本月数和内部收益率。

示例：echo '{"birth_date":"1980-03","sex":"female","original_retirement_age":55,"contribution_months":60,"avg_contribution_index":"0.6","account_balance":"12000"}' | shebao calc plan -
""",
    "backpay": """补缴收益测算：补缴费用、每月增加的养老金、回本月数、内部收益率和法定条件。

示例：echo '{"birth_date":"1966-03","sex":"female","original_retirement_age":55,"contribution_months":150,"avg_contribution_index":"0.7","account_balance":"20000","backpay_months":36,"backpay_base":"5000"}' | shebao calc backpay -
""",
    "unemployment": """失业保险金测算：月标准（当地月最低工资标准 × 比例）、领取期限、截止日期，带计算过程与法规出处。

示例：echo '{"region":"370502","date":"2024-03-01","contribution_months":84,"previous_unclaimed_months":0,"birth_date":"1970-05-01","sex":"M"}' | shebao calc unemployment -
""",
    "injury": """工伤保险待遇测算：本人工资、伤残补助金和津贴，或因工死亡的丧葬补助金、供养亲属抚恤金和一次性工亡补助金。

五至十级另测一次性工伤医疗补助金和伤残就业补助金（有出处的地区；可给 occupational_disease、
years_to_retirement）；items 列出每项待遇、支付方和条款（第三十五至三十七条）。

示例：echo '{"region":"370000","injury_date":"2024-05-01","avg_monthly_wage":"6000","grade":7}' | shebao calc injury -
""",
    "survivor": """参保人员因病或非因工死亡的丧葬补助金和抚恤金（人社部发〔2021〕18号）。

示例：echo '{"region":"370000","death_date":"2024-05-01","contribution_months":180}' | shebao calc survivor -
""",
}


def _calculator(kind: str, help_text: str) -> None:
    def command(
        file: str = typer.Argument(..., help="输入 JSON 文件，- 为标准输入"),
        shipped: bool = SHIPPED_OPTION,
    ) -> None:
        _run(kind, file, shipped)

    command.__name__ = command.__qualname__ = kind
    command.__doc__ = help_text
    calc_app.command(kind)(command)


for _kind, _help in CALCULATORS.items():
    _calculator(_kind, _help)
