"""Chinese-aware normalisation of the fields linkage compares (pure functions, no storage).

Splink's own name comparisons measure edit distance between Latin letters; for Chinese names the
differences that matter are of another kind: a traditional character for a simplified one (張/张),
a homophone written with another character (王丽/王俐), a polyphonic character read two ways
(单 dan/shan, 曾 zeng/ceng), the middle dot of minority names typed as ·, •, ・, a space or nothing
(阿卜杜拉·买买提), surname and given name entered the other way round, and dialect mergers
(zh/z, n/l, -ng/-n). Each helper here turns one of these into something equality can test.

ID numbers: a 15-digit number is upgraded to 18 digits (``19`` inserted, check digit computed)
before anything is compared; the birth date and sex it encodes come out as fields of their own.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from functools import lru_cache
from itertools import product

from shebao.core.validators import PROVINCE_CODES, id_check_char

# Every separator seen in minority names: the interpunct, bullets, katakana middle dot, full stops
# used as dots, hyphens and all whitespace.
_SEPARATORS = re.compile(r"[\s·•・‧∙⋅●.．\-－_]+")
COMPOUND_SURNAMES = frozenset(
    "欧阳 司马 上官 诸葛 东方 皇甫 尉迟 公孙 慕容 长孙 宇文 司徒 夏侯 轩辕 令狐 端木 独孤 南宫 西门 "
    "万俟 闻人 澹台 公冶 申屠 太叔 呼延 赫连 钟离 宗政 濮阳 单于 第五 百里 东郭 左丘 谷梁 拓跋".split()
)
# Dialect and typing mergers of initials and finals (near homophones), applied syllable by syllable.
_FUZZY_INITIALS = (("zh", "z"), ("ch", "c"), ("sh", "s"), ("n", "l"), ("r", "l"), ("f", "h"))
_FUZZY_FINALS = (("ang", "an"), ("eng", "en"), ("ing", "in"), ("ong", "on"))
MAX_READINGS = 16  # polyphonic names: the cap on the combinations of readings kept per name


@lru_cache(maxsize=1)
def _converter():
    import opencc

    return opencc.OpenCC("t2s")


@lru_cache(maxsize=65536)
def to_simplified(text: str) -> str:
    """Fold traditional characters to simplified (OpenCC t2s); full-width letters to half-width."""
    return _converter().convert(unicodedata.normalize("NFKC", text))


def name_parts(name: str | None) -> tuple[str, ...]:
    """The name split at its separators, folded to simplified: ``阿卜杜拉•買買提`` → (阿卜杜拉, 买买提)."""
    if not name:
        return ()
    folded = to_simplified(str(name).strip())
    return tuple(p for p in _SEPARATORS.split(folded) if p)


def fold_name(name: str | None) -> str:
    """The comparable form of a name: simplified, without dots or spaces (``张 伟`` → ``张伟``)."""
    return "".join(name_parts(name))


def split_surname(name: str | None) -> tuple[str, str]:
    """(surname, given name) of a folded name. A dotted minority name splits at its first dot; a Han
    name takes a compound surname (欧阳) when it starts with one, else its first character."""
    parts = name_parts(name)
    if not parts:
        return "", ""
    if len(parts) > 1:
        return parts[0], "".join(parts[1:])
    folded = parts[0]
    if len(folded) >= 3 and folded[:2] in COMPOUND_SURNAMES:
        return folded[:2], folded[2:]
    return folded[:1], folded[1:]


def swapped_name(name: str | None) -> str:
    """The name with its parts the other way round: 买买提·阿卜杜拉 for 阿卜杜拉·买买提, 伟王 for 王伟."""
    parts = name_parts(name)
    if len(parts) > 1:
        return "".join(reversed(parts))
    surname, given = split_surname(name)
    return given + surname


@lru_cache(maxsize=65536)
def char_readings(char: str) -> tuple[str, ...]:
    """Every toneless pinyin reading of one character (a non-Han character reads as itself)."""
    import pypinyin

    readings = pypinyin.pinyin(char, style=pypinyin.Style.NORMAL, heteronym=True, errors="default")
    out = tuple(dict.fromkeys(r.lower() for r in (readings[0] if readings else [char]) if r))
    return out or (char,)


def fuzzy_syllable(syllable: str) -> str:
    """A syllable with dialect mergers applied (``zhang`` → ``zan``, ``ning`` → ``lin``)."""
    for full, short in _FUZZY_INITIALS:
        if syllable.startswith(full):
            syllable = short + syllable[len(full):]
            break
    for full, short in _FUZZY_FINALS:
        if syllable.endswith(full):
            syllable = syllable[: -len(full)] + short
            break
    return syllable


def pinyin_readings(folded: str) -> list[str]:
    """Every reading of a folded name (all readings of polyphonic characters), up to
    :data:`MAX_READINGS`, the most usual first: 单丽 → ``danli``, ``shanli``, ``chanli``."""
    if not folded:
        return []
    per_char = [char_readings(c) for c in folded]
    out: list[str] = []
    for combo in product(*per_char):
        out.append("".join(combo))
        if len(out) >= MAX_READINGS:
            break
    return out


def fuzzy_readings(folded: str) -> list[str]:
    """The readings of :func:`pinyin_readings` with dialect mergers applied (near homophones)."""
    if not folded:
        return []
    per_char = [tuple(dict.fromkeys(fuzzy_syllable(r) for r in char_readings(c))) for c in folded]
    out: list[str] = []
    for combo in product(*per_char):
        out.append("".join(combo))
        if len(out) >= MAX_READINGS:
            break
    return out


# --- ID numbers ----------------------------------------------------------------------------

def upgrade_id(value: str | None) -> str | None:
    """An ID number in 18-digit form: trimmed, upper-case X, a 15-digit one upgraded (GB 11643-1999
    replaces the 1989 15-digit number: ``19`` before the year, check digit computed). Anything not
    15 or 18 characters of the ID alphabet gives None (the other fields still link the record)."""
    if value is None:
        return None
    text = re.sub(r"\s", "", str(value)).upper()
    if len(text) == 15 and text.isdigit():
        body = text[:6] + "19" + text[6:]
        return body + id_check_char(body)
    if len(text) == 18 and text[:17].isdigit() and (text[17].isdigit() or text[17] == "X"):
        return text
    return None


def id_is_valid(id18: str | None) -> bool:
    """Whether an 18-digit ID has a known province, a real birth date and the right check digit."""
    if not id18:
        return False
    return (id18[:2] in PROVINCE_CODES and id_birth(id18) is not None
            and id_check_char(id18[:17]) == id18[17])


def id_birth(id18: str | None) -> date | None:
    """The birth date an 18-digit ID number encodes (None when it is not a date)."""
    if not id18:
        return None
    try:
        return date(int(id18[6:10]), int(id18[10:12]), int(id18[12:14]))
    except ValueError:
        return None


def id_sex(id18: str | None) -> str | None:
    """``M`` or ``F`` from the 17th digit."""
    if not id18 or not id18[16].isdigit():
        return None
    return "M" if int(id18[16]) % 2 else "F"


def digits_only(value: str | None) -> str:
    """A phone or account number without spaces, dashes or a +86 prefix."""
    if not value:
        return ""
    text = re.sub(r"\D", "", str(value))
    if len(text) == 13 and text.startswith("86"):
        text = text[2:]
    return text
