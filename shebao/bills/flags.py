"""A flag: one rule (or the anomaly model) on one line of a bill, with the amount it disallows."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


def fen(value: Any) -> Decimal:
    """An amount rounded half-up to the fen.

    Examples:
        >>> fen("0.165")
        Decimal('0.17')
    """
    return Decimal(str(value)).quantize(CENT, ROUND_HALF_UP)


@dataclass(frozen=True)
class Flag:
    """One rule broken by one line (``line_no`` None: the whole bill)."""

    bill_id: str
    line_no: int | None
    rule_id: str
    level: str
    amount_disallowed: Decimal
    reason: str
    line_amount: Decimal = ZERO
    score: float | None = None

    def row(self) -> dict[str, str]:
        return {"bill_id": self.bill_id, "line_no": "" if self.line_no is None else str(self.line_no),
                "rule_id": self.rule_id, "amount_disallowed": f"{self.amount_disallowed:.2f}", "reason": self.reason}
