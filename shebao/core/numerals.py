"""Chinese numerals as laws write article numbers (第一百零二条 → 102): shared by whoever reads citations."""

from __future__ import annotations

_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CN_UNITS = {"十": 10, "百": 100, "千": 1000}


def cn_to_int(numeral: str) -> int:
    """Convert a Chinese (or Arabic) numeral to an integer.

    Examples:
        >>> cn_to_int("一百零二")
        102
        >>> cn_to_int("十四")
        14
        >>> cn_to_int("二十")
        20
    """
    numeral = numeral.strip().translate(str.maketrans("０１２３４５６７８９", "0123456789"))
    if not numeral:
        raise ValueError("empty numeral")
    if numeral.isdigit():
        return int(numeral)
    total, current = 0, 0
    for char in numeral:
        if char in _CN_DIGITS:
            current = _CN_DIGITS[char]
        elif char in _CN_UNITS:
            total += (current or 1) * _CN_UNITS[char]
            current = 0
        else:
            raise ValueError(f"not a Chinese numeral: {numeral!r}")
    return total + current
