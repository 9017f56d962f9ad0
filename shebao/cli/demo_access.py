"""What ``shebao demo`` adds so that a newcomer can use the demo: the policy knowledge base (from
the shipped law texts) and one staff account per role (passwords printed once, kept in a 0600 file)."""

from __future__ import annotations

from shebao.cli.common import console, out


def prepare_demo_access(*, quiet: bool = False) -> dict:
    """Create the demo staff accounts and build the knowledge base if missing; summary keys."""
    from shebao.assistant.kb import ensure_knowledge_base, load
    from shebao.core.db import session_scope
    from shebao.core.settings import get_settings
    from shebao.users.demo_staff import accounts_text, create_demo_staff, staff_file

    settings = get_settings()
    summary: dict = {}
    if settings.env == "development":
        with session_scope() as session:
            session.info["actor"] = "admin"
            created = create_demo_staff(session, settings.home)
        path = staff_file(settings.home)
        if created:  # passwords shown once: stdout for a person, stderr when stdout carries JSON
            (console if quiet else out).print(accounts_text(created, path), markup=False, highlight=False,
                                              soft_wrap=True)
        summary["staff_accounts_file"] = str(path)
    index_dir, report = ensure_knowledge_base(progress=None if quiet else (lambda msg: console.print(msg)))
    kb = load(index_dir)
    summary["knowledge_base"] = {"articles": len(kb.articles), "laws": len(kb.laws()),
                                 "built_seconds": round(report.seconds, 1) if report else None}
    return summary
