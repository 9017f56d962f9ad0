"""The audit log that proves its own completeness (keyed chain, signed checkpoints, witnesses): any domain appends to it within its own transaction.

    from shebao.audit import append
    append(session, action="registry.load", entity="persons", detail={"loaded": 10})
"""

from shebao.audit.log import (
    VerifyResult,
    append,
    checkpoint_now,
    checkpoint_pending,
    flush_pending,
    log_full_access,
    start_checkpoint_timer,
    verify,
)

__all__ = ["append", "log_full_access", "flush_pending", "checkpoint_now", "checkpoint_pending",
           "start_checkpoint_timer", "verify", "VerifyResult"]
