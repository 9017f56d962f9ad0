"""Validators for the identifiers the registry holds, each failure with a clear reason.

- 公民身份号码 (GB 11643-1999): 18 characters, known province code, real birth date, MOD 11-2
  check character; 15-digit legacy numbers are upgraded to 18.
- 统一社会信用代码 (GB 32100-2015): 18 characters from its 31-character set, MOD 31 check.
- Bank card numbers: the Luhn check (ISO/IEC 7812).
- Mainland mobile phone numbers.

Every ``validate_*`` returns the normalised value or raises :class:`InvalidValue` whose
``reason`` is Chinese text meant for the person who typed the value (it never repeats the full
value, so that it may be logged).
"""

from __future__ import annotations

import re
from datetime import date

__all__ = [
    "InvalidValue",
    "PROVINCE_CODES",
    "id_check_char",
    "uscc_check_char",
    "luhn_check_digit",
    "validate_id_number",
    "validate_uscc",
    "validate_bank_card",
    "validate_phone",
    "id_birth_date",
    "id_sex",
    "VALIDATORS",
]


class InvalidValue(ValueError):
    """A value failed validation; ``reason`` says why, in Chinese."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


# GB/T 2260 province-level codes, plus 71 (Taiwan), 81/82 (HK/Macao) and 83 (the residence
# permits of Taiwan residents: 830000). Foreigners' permanent-residence IDs (2023) start with 9.
PROVINCE_CODES: frozenset[str] = frozenset(
    "11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 50 51 52 53 54 "
    "61 62 63 64 65 71 81 82 83 91 92 93 94 95 96 97 98 99".split()
)

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def id_check_char(body17: str) -> str:
    """The MOD 11-2 check character of the first 17 digits (GB 11643-1999 §6)."""
    total = sum(int(c) * w for c, w in zip(body17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11]


def _parse_birth(text: str) -> date | None:
    try:
        return date(int(text[0:4]), int(text[4:6]), int(text[6:8]))
    except ValueError:
        return None


def validate_id_number(value: str, *, today: date | None = None) -> str:
    """Validate a citizen ID number; return it normalised (18 characters, upper-case X)."""
    if value is None:
        raise InvalidValue("身份证号码为空")
    text = str(value).strip().upper()
    if not text:
        raise InvalidValue("身份证号码为空")
    if len(text) == 15:
        if not text.isdigit():
            raise InvalidValue("15 位身份证号码只能由数字组成")
        body = text[:6] + "19" + text[6:]
        text = body + id_check_char(body)
        upgraded = True
    else:
        upgraded = False
    if len(text) != 18:
        raise InvalidValue(f"身份证号码应为 18 位，实际 {len(text)} 位")
    if not text[:17].isdigit() or not (text[17].isdigit() or text[17] == "X"):
        raise InvalidValue("身份证号码前 17 位须为数字，最后一位为数字或 X")
    if text[:2] not in PROVINCE_CODES:
        raise InvalidValue(f"身份证号码的省级行政区划代码 {text[:2]} 不存在")
    born = _parse_birth(text[6:14])
    if born is None:
        raise InvalidValue("身份证号码中的出生日期不是有效日期")
    if born.year < 1880:
        raise InvalidValue("身份证号码中的出生年份早于 1880 年")
    if born > (today or date.today()):
        raise InvalidValue("身份证号码中的出生日期晚于今天")
    if not upgraded and id_check_char(text[:17]) != text[17]:
        raise InvalidValue("身份证号码最后一位（校验码）与前 17 位不符，请逐位核对是否输错")
    return text


def id_birth_date(id_number: str) -> date:
    """Birth date encoded in a valid 18-character ID number."""
    born = _parse_birth(id_number[6:14])
    if born is None:
        raise InvalidValue("身份证号码中的出生日期不是有效日期")
    return born


def id_sex(id_number: str) -> str:
    """'M' or 'F' from the 17th digit (odd for men)."""
    return "M" if int(id_number[16]) % 2 == 1 else "F"


USCC_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_VALUE = {c: i for i, c in enumerate(USCC_CHARSET)}
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def uscc_check_char(body17: str) -> str:
    """The check character of a USCC's first 17 characters (GB 32100-2015 §5)."""
    total = sum(_USCC_VALUE[c] * w for c, w in zip(body17, _USCC_WEIGHTS, strict=True))
    return USCC_CHARSET[(31 - total % 31) % 31]


def validate_uscc(value: str) -> str:
    """Validate a unified social credit code; return it upper-cased."""
    text = str(value or "").strip().upper()
    if not text:
        raise InvalidValue("统一社会信用代码为空")
    if len(text) != 18:
        raise InvalidValue(f"统一社会信用代码应为 18 位，实际 {len(text)} 位")
    bad = sorted({c for c in text if c not in _USCC_VALUE})
    if bad:
        raise InvalidValue(f"统一社会信用代码含有不允许的字符：{''.join(bad)}（不使用 I、O、Z、S、V）")
    if not text[2:8].isdigit():
        raise InvalidValue("统一社会信用代码第 3–8 位应为登记管理机关行政区划码（数字）")
    if uscc_check_char(text[:17]) != text[17]:
        raise InvalidValue("统一社会信用代码校验码错误（GB 32100-2015）")
    return text


def luhn_check_digit(body: str) -> str:
    """The Luhn check digit to append to ``body``."""
    total = 0
    for i, c in enumerate(reversed(body)):
        d = int(c)
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return str((10 - total % 10) % 10)


def validate_bank_card(value: str) -> str:
    """Validate a bank card number (12–19 digits, Luhn); spaces and hyphens are ignored."""
    text = re.sub(r"[\s-]", "", str(value or ""))
    if not text:
        raise InvalidValue("银行卡号为空")
    if not text.isdigit():
        raise InvalidValue("银行卡号只能由数字组成")
    if not 12 <= len(text) <= 19:
        raise InvalidValue(f"银行卡号应为 12–19 位，实际 {len(text)} 位")
    if luhn_check_digit(text[:-1]) != text[-1]:
        raise InvalidValue("银行卡号校验位错误（Luhn）")
    return text


_PHONE = re.compile(r"1[3-9]\d{9}")


def validate_phone(value: str) -> str:
    """Validate a mainland mobile number (11 digits, 13x–19x); ``+86`` is accepted and removed."""
    text = re.sub(r"[\s-]", "", str(value or ""))
    if text.startswith("+86"):
        text = text[3:]
    elif text.startswith("0086"):
        text = text[4:]
    if not text:
        raise InvalidValue("手机号码为空")
    if not text.isdigit():
        raise InvalidValue("手机号码只能由数字组成")
    if len(text) != 11:
        raise InvalidValue(f"手机号码应为 11 位，实际 {len(text)} 位")
    if not _PHONE.fullmatch(text):
        raise InvalidValue("不是中国大陆手机号码（应以 13–19 开头）")
    return text


VALIDATORS = {
    "id": validate_id_number,
    "uscc": validate_uscc,
    "bank-card": validate_bank_card,
    "phone": validate_phone,
}
