"""Vectorised builders for identifiers: ID numbers, USCCs, bank cards, phones, record keys.

Each builder works on whole NumPy columns and returns Arrow string arrays. The check characters
use the same weights as :mod:`shebao.core.validators` (tests cross-check every value with the
scalar validators).
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from shebao.core.validators import USCC_CHARSET

_ID_WEIGHTS = np.array((7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2), dtype=np.int64)
_ID_CHECK = np.frombuffer(b"10X98765432", dtype=np.uint8)
_USCC_WEIGHTS = np.array((1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28), dtype=np.int64)
_USCC_BYTES = np.frombuffer(USCC_CHARSET.encode(), dtype=np.uint8)
_ORG_WEIGHTS = np.array((3, 7, 9, 10, 5, 8, 4, 2), dtype=np.int64)


def digits(values: np.ndarray, width: int) -> np.ndarray:
    """(n, width) matrix of the decimal digits of non-negative integers, most significant first."""
    values = np.asarray(values, dtype=np.int64)
    powers = 10 ** np.arange(width - 1, -1, -1, dtype=np.int64)
    return (values[:, None] // powers[None, :]) % 10


def bytes_to_arrow(mat: np.ndarray) -> pa.Array:
    """(n, w) uint8 matrix of ASCII bytes → Arrow string array of n values."""
    mat = np.ascontiguousarray(mat, dtype=np.uint8)
    n, w = mat.shape
    offsets = np.arange(0, (n + 1) * w, w, dtype=np.int32)
    return pa.Array.from_buffers(pa.string(), n, [None, pa.py_buffer(offsets), pa.py_buffer(mat.tobytes())])


def keys(prefix: str, numbers: np.ndarray, width: int) -> pa.Array:
    """Record keys such as ``P000000123``: a prefix and a zero-padded number."""
    pre = np.frombuffer(prefix.encode(), dtype=np.uint8)
    mat = np.empty((len(numbers), len(pre) + width), dtype=np.uint8)
    mat[:, : len(pre)] = pre
    mat[:, len(pre):] = digits(numbers, width) + 48
    return bytes_to_arrow(mat)


def id_body(county: np.ndarray, birth_ymd: np.ndarray, seq: np.ndarray) -> np.ndarray:
    """The first 17 digits of ID numbers as int64: county (6) + birth date (8) + sequence (3)."""
    return (county.astype(np.int64) * 10**11 + birth_ymd.astype(np.int64) * 1000 + seq.astype(np.int64))


def id_numbers(body: np.ndarray) -> pa.Array:
    """18-character ID numbers (GB 11643-1999) from their 17-digit bodies."""
    d = digits(body, 17)
    check = _ID_CHECK[(d * _ID_WEIGHTS).sum(axis=1) % 11]
    mat = np.empty((len(body), 18), dtype=np.uint8)
    mat[:, :17] = d + 48
    mat[:, 17] = check
    return bytes_to_arrow(mat)


def uscc(county: np.ndarray, org_serial: np.ndarray) -> pa.Array:
    """USCCs of enterprises (登记管理部门 9 = 市场监管, 类别 1 = 企业), GB 32100-2015: ``91`` +
    county + an organisation code (8 digits and its GB 11714 check character) + check character."""
    n = len(county)
    org = digits(org_serial, 8)
    c9 = 11 - (org * _ORG_WEIGHTS).sum(axis=1) % 11
    # GB 11714: 10 → X, 11 → 0; X is in the USCC character set (value 30).
    org_check = np.where(c9 == 11, 0, np.where(c9 == 10, 30, c9))
    vals = np.empty((n, 17), dtype=np.int64)
    vals[:, 0] = 9
    vals[:, 1] = 1
    vals[:, 2:8] = digits(county, 6)
    vals[:, 8:16] = org
    vals[:, 16] = org_check
    check = (31 - (vals * _USCC_WEIGHTS).sum(axis=1) % 31) % 31
    mat = np.empty((n, 18), dtype=np.uint8)
    mat[:, :17] = _USCC_BYTES[vals]
    mat[:, 17] = _USCC_BYTES[check]
    return bytes_to_arrow(mat)


def luhn_digits(body: np.ndarray) -> np.ndarray:
    """Luhn check digit for each row of a (n, w) digit matrix."""
    rev = body[:, ::-1].copy()
    dbl = rev[:, 0::2] * 2
    rev[:, 0::2] = np.where(dbl > 9, dbl - 9, dbl)
    return (10 - rev.sum(axis=1) % 10) % 10


def bank_cards(bins: np.ndarray, serial12: np.ndarray) -> pa.Array:
    """19-digit card numbers: a 6-digit BIN, 12 digits, the Luhn digit."""
    body = np.concatenate([digits(bins, 6), digits(serial12, 12)], axis=1)
    check = luhn_digits(body)
    return bytes_to_arrow(np.concatenate([body, check[:, None]], axis=1) + 48)


def phones(prefix3: np.ndarray, serial8: np.ndarray) -> pa.Array:
    """Mainland mobile numbers: a 3-digit 号段 prefix and 8 digits."""
    return bytes_to_arrow(np.concatenate([digits(prefix3, 3), digits(serial8, 8)], axis=1) + 48)


def scramble(serial: np.ndarray, modulus: int, salt: int) -> np.ndarray:
    """A bijection of 0..modulus-1 (an affine map with a multiplier coprime to 10), so that
    distinct serials give distinct, random-looking account and phone numbers."""
    mult = 7_368_787 if modulus > 10**7 else 7_919
    return (serial.astype(np.int64) * mult + salt) % modulus
