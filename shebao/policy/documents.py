"""Which documents a claim needs (申领材料清单): dated parameters ``intake.required.<kind>.<doc_type>``.

Pure: the caller hands in the parameter set, the claim's date and what shared data already proves.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from shebao.policy.tree import format_reference

CLAIM_KINDS = ("pension", "unemployment", "survivor", "injury")
PREFIX = "intake.required."


def required_documents(params: Any, kind: str, on: dt.date, *, region: str | None = None,
                       proven: dict[str, str] | None = None) -> list[dict]:
    """The documents ``kind`` requires on ``on``: ``[{doc_type, required, reference, proven_by}]``.

    ``proven`` maps a document type to what already proves it (a shared registry); such a document is
    listed with ``required`` False and its ``proven_by``, so that the person is not asked for it.
    """
    if kind not in CLAIM_KINDS:
        raise ValueError(f"未知的申领类型：{kind}（可选：{'、'.join(CLAIM_KINDS)}）")
    proven = proven or {}
    out = []
    prefix = f"{PREFIX}{kind}."
    for name in params.names():
        if not name.startswith(prefix):
            continue
        value = params.get_or_none(name, on, region)
        if value is None or value.value is not True:
            continue
        doc_type = name[len(prefix):]
        out.append({"doc_type": doc_type, "required": doc_type not in proven, "proven_by": proven.get(doc_type),
                    "reference": "；".join(format_reference(r) for r in value.reference),
                    "confirmed": value.confirmed})
    return out
