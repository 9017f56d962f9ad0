"""Money: ``Decimal`` yuan end to end, rounded half-up to 0.01 where the forms do."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

CENT = Decimal("0.01")


class MoneyError(ValueError):
    """A value that is not an amount of money."""


def to_decimal(value: object) -> Decimal:
    """Parse a number or numeric string exactly (floats go through their shortest repr)."""
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise MoneyError(f"不是金额：{value!r}")
        return value
    if isinstance(value, bool):
        raise MoneyError(f"不是金额：{value!r}")
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        result = Decimal(repr(value))
        if not result.is_finite():
            raise MoneyError(f"不是金额：{value!r}")
        return result
    if isinstance(value, str):
        text = value.strip().replace(",", "")
        try:
            result = Decimal(text)
        except InvalidOperation as exc:
            raise MoneyError(f"不是金额：{value!r}") from exc
        if not result.is_finite():
            raise MoneyError(f"不是金额：{value!r}")
        return result
    raise MoneyError(f"不是金额：{value!r}")


def round_yuan(value: Decimal | int | str) -> Decimal:
    """Round half-up to 0.01 yuan (四舍五入到分)."""
    return to_decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def to_fen(value: Decimal | int | str) -> int:
    """Yuan → integer fen, rounding half-up."""
    return int(round_yuan(value) * 100)


def from_fen(fen: int) -> Decimal:
    """Integer fen → yuan with two decimals."""
    return (Decimal(int(fen)) / 100).quantize(CENT)


def format_yuan(value: Decimal | int | str) -> str:
    """Two-decimal string, as amounts come out of the API and CLI."""
    return f"{round_yuan(value):.2f}"


MAX_AMOUNT = Decimal("999999999999.99")  # what Numeric(14, 2) holds


def parse_finite_amount(value: object) -> Decimal:
    """An amount typed by a person or a client: a finite decimal (NaN and Infinity refused), rounded
    half-up to 0.01 yuan and within what the database column holds.

    Raises:
        MoneyError: not a number, not finite, or too large (message in Chinese).
    """
    amount = to_decimal(value)
    if not amount.is_finite():
        raise MoneyError(f"不是有限的金额：{value!r}")
    if abs(amount) > MAX_AMOUNT:
        raise MoneyError(f"金额超出范围（最大 {MAX_AMOUNT}）：{value!r}")
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def finite_amount_or_none(value: object) -> Decimal | None:
    """Pydantic ``BeforeValidator``-style helper: None and "" stay None, otherwise :func:`parse_finite_amount`."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return parse_finite_amount(value)
