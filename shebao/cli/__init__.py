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


@app.callback()
def _root(ctx: typer.Context) -> None:
    # every command that wrote audit entries ends with a signed, witnessed checkpoint at the head
    ctx.call_on_close(_checkpoint_audit)


def _checkpoint_audit() -> None:
    import sys

    audit_log = sys.modules.get("shebao.audit.log")  # not imported: nothing was written
    if audit_log is not None:
        audit_log.checkpoint_pending()


COMMAND_MODULES = (
    "db", "registry", "audit", "users", "serve", "demo",
    "synth", "policy", "calc", "assistant", "risk", "cases", "benefits",
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


def main() -> None:
    """Console-script entry point."""
    import logging

    from shebao.core.crypto import install_log_masking

    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    install_log_masking()  # no log line ever holds a full ID number or card number
    _register()
    app()
