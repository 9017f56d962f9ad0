"""Validators against the standards' own examples and by property tests."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shebao.core.validators import (
    InvalidValue,
    id_check_char,
    luhn_check_digit,
    uscc_check_char,
    validate_bank_card,
    validate_id_number,
    validate_phone,
    validate_uscc,
)

# --- ID numbers (GB 11643-1999) ---------------------------------------------------------------


def test_standard_example_is_valid() -> None:
    assert validate_id_number("11010519491231002X") == "11010519491231002X"
    assert validate_id_number("11010519491231002x") == "11010519491231002X"


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("110105194912310021", "校验码"),
        ("11010519491231002", "18 位"),
        ("A1010519491231002X", "前 17 位"),
        ("00010519491231002X", "省级行政区划代码"),
        ("110105194902300028", "有效日期"),
        ("", "为空"),
    ],
)
def test_invalid_ids_say_why(value: str, reason: str) -> None:
    with pytest.raises(InvalidValue) as exc:
        validate_id_number(value)
    assert reason in exc.value.reason


def test_future_birth_date_is_refused() -> None:
    body = "110105" + "20991231" + "002"
    with pytest.raises(InvalidValue, match="晚于今天"):
        validate_id_number(body + id_check_char(body), today=date(2026, 1, 1))


def test_fifteen_digit_number_is_upgraded() -> None:
    # 15-digit form of the standard's example: 110105 491231 002
    assert validate_id_number("110105491231002") == "11010519491231002X"


@pytest.mark.parametrize("prefix", ["810000", "820000", "830000", "910000"])
def test_residence_permits_and_foreigners_prefixes(prefix: str) -> None:
    body = prefix + "19900101" + "123"
    assert validate_id_number(body + id_check_char(body)) == body + id_check_char(body)


def _id_numbers():
    provinces = st.sampled_from(["11", "37", "44", "65", "81", "83"])
    born = st.dates(min_value=date(1900, 1, 1), max_value=date(2020, 12, 31))
    return st.builds(
        lambda p, rest, d, seq: (lambda body: body + id_check_char(body))(p + rest + d.strftime("%Y%m%d") + seq),
        provinces, st.text("0123456789", min_size=4, max_size=4), born, st.text("0123456789", min_size=3, max_size=3),
    )


@settings(max_examples=300, deadline=None)
@given(_id_numbers())
def test_every_generated_id_passes(number: str) -> None:
    assert validate_id_number(number) == number


@settings(max_examples=200, deadline=None)
@given(_id_numbers(), st.integers(min_value=0, max_value=17), st.sampled_from("0123456789X"))
def test_every_single_character_change_is_caught(number: str, position: int, replacement: str) -> None:
    if number[position] == replacement or (replacement == "X" and position != 17):
        return
    changed = number[:position] + replacement + number[position + 1:]
    with pytest.raises(InvalidValue):
        validate_id_number(changed)


# --- USCC (GB 32100-2015) ---------------------------------------------------------------------


def test_uscc_examples() -> None:
    # Published codes of well-known organisations.
    assert validate_uscc("91110000802100433B") == "91110000802100433B"  # 中国石油化工股份有限公司
    assert validate_uscc("914403001922038216") == "914403001922038216"  # 华为技术有限公司
    assert validate_uscc("91350100M000100Y43") == "91350100M000100Y43"  # the code often cited from GB 32100


@pytest.mark.parametrize(
    ("value", "reason"),
    [("91110000802100433C", "校验码"), ("9111000080210043", "18 位"), ("91110000802100433I", "不允许的字符")],
)
def test_invalid_uscc(value: str, reason: str) -> None:
    with pytest.raises(InvalidValue) as exc:
        validate_uscc(value)
    assert reason in exc.value.reason


_USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"


@settings(max_examples=200, deadline=None)
@given(st.text(_USCC_CHARS, min_size=2, max_size=2), st.text("0123456789", min_size=6, max_size=6),
       st.text(_USCC_CHARS, min_size=9, max_size=9), st.integers(0, 17), st.sampled_from(_USCC_CHARS))
def test_uscc_property(head: str, region: str, org: str, position: int, replacement: str) -> None:
    body = head + region + org
    code = body + uscc_check_char(body)
    assert validate_uscc(code) == code
    if code[position] != replacement:
        with pytest.raises(InvalidValue):
            validate_uscc(code[:position] + replacement + code[position + 1:])


# --- bank cards and phones --------------------------------------------------------------------


def test_bank_card_luhn() -> None:
    assert validate_bank_card("6222 0212 3456 7890 128") == "6222021234567890128"
    with pytest.raises(InvalidValue, match="Luhn"):
        validate_bank_card("6222021234567890121")
    with pytest.raises(InvalidValue, match="12–19"):
        validate_bank_card("4242")


@settings(max_examples=200, deadline=None)
@given(st.text("0123456789", min_size=15, max_size=18), st.data())
def test_luhn_property(body: str, data) -> None:
    card = body + luhn_check_digit(body)
    assert validate_bank_card(card) == card
    position = data.draw(st.integers(0, len(card) - 1))
    digit = data.draw(st.sampled_from([d for d in "0123456789" if d != card[position]]))
    with pytest.raises(InvalidValue):
        validate_bank_card(card[:position] + digit + card[position + 1:])


@pytest.mark.parametrize("value", ["13812345678", "+86 138 1234 5678", "19912345678"])
def test_valid_phones(value: str) -> None:
    assert validate_phone(value) in ("13812345678", "19912345678")


@pytest.mark.parametrize(("value", "reason"), [("12812345678", "13–19"), ("1381234567", "11 位"), ("0531-8888888", "13–19"), ("138abc45678", "数字")])
def test_invalid_phones(value: str, reason: str) -> None:
    with pytest.raises(InvalidValue, match=reason):
        validate_phone(value)
