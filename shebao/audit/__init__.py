"""The tamper-evident audit log: any domain appends to it within its own transaction.

    from shebao.audit import append
    append(session, action="registry.load", entity="persons", detail={"loaded": 10})
"""

from shebao.audit.log import VerifyResult, append, checkpoint_now, flush_pending, log_full_access, verify

__all__ = ["append", "log_full_access", "flush_pending", "checkpoint_now", "verify", "VerifyResult"]
