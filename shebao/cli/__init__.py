"""The ``shebao`` command line: thin Typer commands over the domain services.

One module per domain registers its commands here, so that domains can grow their commands
without touching each other's files. Heavy imports happen inside the commands, so that
``shebao --help`` and the calculators start fast.
"""

from __future__ import annotations

import typer

app = typer.Typer(
    name="shebao",
    help="shebao 社保智能经办平台：智导 · 智办 · 智审 · 智控。",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,
)




def _checkpoint_audit() -> None:
    import sys

    audit_log = sys.modules.get("shebao.audit.log")  # not imported: nothing was written
    if audit_log is not None:
        audit_log.checkpoint_pending()


COMMAND_MODULES = (
    "db", "registry", "audit", "users", "serve", "demo",
    "synth", "policy", "calc", "assistant", "risk", "cases", "benefits",
    # the second wave: each registers when its module exists
    "linkage", "transfers", "injury", "bills", "intake", "fund", "outreach",
)


def _register() -> None:
    # Each module adds its commands or sub-apps to `app` when imported. A domain whose module is
    # not there yet is skipped; an error inside an existing module is raised.
    import importlib
    import importlib.util

    for name in COMMAND_MODULES:
        module = f"shebao.cli.{name}"
        if importlib.util.find_spec(module) is not None:
            importlib.import_module(module)


@app.callback()
def _root(
    ctx: typer.Context,
    debug: bool = typer.Option(False, "--debug", help="出错时显示 Python 调用栈（也可设 SHEBAO_DEBUG=1）；可放在任何位置"),
) -> None:
    # `main` takes --debug out of the arguments wherever it stands; this option only documents it
    # (and accepts it when shebao runs inside Python without `main`, as the tests' CliRunner does).
    del debug
    # every command that wrote audit entries ends with a signed, witnessed checkpoint at the head
    ctx.call_on_close(_checkpoint_audit)


def main() -> None:
    """Console-script entry point: a user's mistake is one line on stderr, never a traceback.

    Exit codes: 0 success, 1 an error (what is wrong and what to do, in one line), 2 a usage error,
    130 interrupted. ``--debug`` anywhere on the command line, or ``SHEBAO_DEBUG=1``, also prints
    the traceback. The settings' database gets its schema on first use (:func:`enable_schema_check`).
    """
    import logging
    import sys

    from shebao.cli import common

    debug, sys.argv[1:] = common.debug_requested(sys.argv[1:])
    common.DEBUG["on"] = debug
    args = sys.argv[1:sys.argv.index("--")] if "--" in sys.argv else sys.argv[1:]
    if "--json" in args and "--help" not in args:
        common.reserve_stdout_for_json()  # stdout: the JSON and nothing else
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        from shebao.core.crypto import install_log_masking
        from shebao.core.db import enable_schema_check
        from shebao.migrations import ensure_schema

        install_log_masking()  # no log line ever holds a full ID number or card number
        enable_schema_check(ensure_schema)
        _register()
        app()
    except SystemExit:
        raise
    except BaseException as exc:  # noqa: BLE001 - the one place every escaped error is turned into a line
        _report(exc, debug)


def _report(exc: BaseException, debug: bool) -> None:
    import sys
    import traceback

    from shebao.cli.common import describe_error, mask_keeping_codes

    if debug:
        traceback.print_exception(exc, file=sys.stderr)
    try:
        message, code = describe_error(exc)
    except Exception:  # noqa: BLE001 - describing must not become a second traceback
        message, code = f"内部错误 {type(exc).__name__}（加 --debug 查看详细信息）", 1
    try:
        sys.stdout.flush()
    except Exception:  # noqa: BLE001 - stdout may be a closed pipe; the message goes to stderr anyway
        pass
    sys.stderr.write(f"错误：{mask_keeping_codes(message)}\n")
    sys.stderr.flush()
    raise SystemExit(code)

