"""From OCR lines to a typed document: classify by anchors, read each field by its spec.

Identifiers are never guessed: an ID number, a card number or a USCC whose check character does not
match what was read is reported unreadable (value ``None``), not corrected digit by digit: only letters
that OCR commonly reads for digits (O for 0, l for 1...) are mapped back, and the check must then pass.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta

from shebao.core.validators import InvalidValue, validate_bank_card, validate_id_number, validate_uscc
from shebao.intake.doctypes import DocType, FieldSpec, load_specs
from shebao.intake.ocr import Line

ETHNIC_GROUPS = frozenset(
    "汉 蒙古 回 藏 维吾尔 苗 彝 壮 布依 朝鲜 满 侗 瑶 白 土家 哈尼 哈萨克 傣 黎 傈僳 佤 畲 高山 拉祜 水 东乡 纳西 景颇 柯尔克孜 "
    "土 达斡尔 仫佬 羌 布朗 撒拉 毛南 仡佬 锡伯 阿昌 普米 塔吉克 怒 乌孜别克 俄罗斯 鄂温克 德昂 保安 裕固 京 塔塔尔 独龙 "
    "鄂伦春 赫哲 门巴 珞巴 基诺".split()
)
CJK = "\u4e00-\u9fff"
_DIGIT_LOOKALIKES = str.maketrans({"O": "0", "o": "0", "D": "0", "Q": "0", "I": "1", "l": "1", "|": "1", "i": "1",
                                   "L": "1", "Z": "2", "z": "2", "S": "5", "s": "5", "B": "8", "b": "6", "G": "6",
                                   "g": "9", "x": "X", "×": "X"})
_DATE = re.compile(r"(\d{4})\s*[年.\-/]\s*(\d{1,2})\s*[月.\-/]\s*(\d{1,2})")
_TIME = re.compile(r"(\d{1,2})\s*[时:：点]\s*(\d{1,2})")
_LABEL_COLON = re.compile(rf"[{CJK}（）()]{{2,12}}[：:]")
_STOP_WORDS = ("性别", "民族", "年龄", "出生日期", "出生", "住址", "职业", "科别", "床号", "门诊号", "住院号")


@dataclass
class Reading:
    """A document as read: its type, fields, per-field confidence and box, problems, raw text."""

    type: str
    fields: dict = field(default_factory=dict)
    confidence: dict = field(default_factory=dict)
    boxes: dict = field(default_factory=dict)
    problems: list = field(default_factory=list)
    raw_text: str = ""


def canon(text: str) -> str:
    """Spaces removed, ASCII brackets and colons made full-width (how anchors are compared)."""
    text = re.sub(r"\s+", "", text)
    return text.replace("(", "（").replace(")", "）").replace(":", "：")


def classify(lines: list[Line], specs: tuple[DocType, ...] | None = None) -> DocType | None:
    """The spec whose anchors score highest on the page, if over its ``min_score``; else ``None`` (other)."""
    text = canon("".join(line.text for line in lines))
    best, best_score = None, 0
    for spec in specs or load_specs():
        score = sum(weight for anchor, weight in spec.anchors.items() if canon(anchor) in text)
        if score >= spec.min_score and score > best_score:
            best, best_score = spec, score
    return best


def read_document(lines: list[Line], *, today: date | None = None,
                  specs: tuple[DocType, ...] | None = None) -> Reading:
    """Classify the page and read every field its spec declares."""
    today = today or date.today()
    raw = "\n".join(line.text for line in lines)
    spec = classify(lines, specs)
    if spec is None:
        return Reading(type="other", raw_text=raw)
    reading = Reading(type=spec.type, raw_text=raw)
    stops = tuple(canon(a) for f in spec.fields for a in f.anchors) + _STOP_WORDS
    titles = tuple(canon(a) for a, weight in spec.anchors.items() if weight >= 5)
    for fspec in spec.fields:
        value, score, box, problem = _read_field(fspec, lines, stops=stops, titles=titles, today=today)
        if problem:
            reading.problems.append({"field": fspec.key, "code": problem[0], "message": problem[1]})
        if value is None:
            if not problem and not fspec.optional:
                reading.problems.append({"field": fspec.key, "code": "missing",
                                         "message": f"未能识别“{fspec.label}”，请人工核对或补录"})
            continue
        reading.fields[fspec.key] = value
        reading.confidence[fspec.key] = round(float(score), 3)
        if box:
            reading.boxes[fspec.key] = list(box)
    return reading


# --- locating a field's text -------------------------------------------------------------------

def _after_anchor(fspec: FieldSpec, lines: list[Line], *, stops, titles):
    """(value text, line index) after the first anchor found; an anchor followed by a colon is preferred,
    then one without, on a line that is not a title."""
    canons = [canon(line.text) for line in lines]
    for need_colon in (True, False):
        for anchor in fspec.anchors:
            a = canon(anchor)
            for i, text in enumerate(canons):
                pos = text.find(a)
                while pos >= 0:
                    rest = text[pos + len(a):]
                    # an anchor inside a longer label (姓名 in 死者姓名) is that label's, unless it is ours
                    if not _inside_longer_label(text, pos, a, stops):
                        has_colon = rest.startswith("：")
                        if has_colon or (not need_colon and not any(t in text for t in titles)):
                            return _cut(rest.lstrip("：:"), stops), i
                    pos = text.find(a, pos + 1)
    return None, None


def _inside_longer_label(text: str, pos: int, anchor: str, stops) -> bool:
    for stop in stops:
        if len(stop) > len(anchor) and anchor in stop:
            offset = stop.find(anchor)
            start = pos - offset
            if start >= 0 and text[start:start + len(stop)] == stop:
                return True
    return False


def _cut(value: str, stops) -> str:
    """The value up to the next label on the same line (another field's anchor or any ``label：``)."""
    end = len(value)
    for stop in stops:
        pos = value.find(stop, 1)
        if 0 < pos < end:
            end = pos
    if end == len(value):
        # an unknown label further on (``职业：``): cut before its colon, assuming the shortest label
        colon = re.search("[：:]", value[1:])
        if colon:
            end = max(1, colon.start() + 1 - 2)
    return value[:end].strip("：:，,;；。 ")


def _continuation(lines: list[Line], index: int, *, stops) -> tuple[str, list[int]]:
    """Text of the lines that continue a value (no label on them, close below), at most three."""
    parts, used = [], []
    prev = lines[index]
    height = max(8, prev.box[3] - prev.box[1])
    for j in range(index + 1, min(index + 4, len(lines))):
        line = lines[j]
        text = canon(line.text)
        if line.box[1] - prev.box[3] > 1.2 * height or not text:
            break
        if any(s in text for s in stops) or _LABEL_COLON.search(text) or _DATE.search(text):
            break
        parts.append(text)
        used.append(j)
        prev = line
    return "".join(parts), used


def _union(lines: list[Line], indexes: list[int]) -> tuple[int, int, int, int]:
    boxes = [lines[i].box for i in indexes]
    return (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes))


def _read_field(fspec: FieldSpec, lines: list[Line], *, stops, titles, today: date):
    """(value, confidence, box, problem) of one field; problem is (code, Chinese message) or None."""
    text, index = (None, None)
    if fspec.anchors:
        text, index = _after_anchor(fspec, lines, stops=stops, titles=titles)
    if text is None and fspec.line_pattern:
        for i, line in enumerate(lines):
            if re.fullmatch(fspec.line_pattern, canon(line.text)):
                text, index = canon(line.text), i
                break
    used = [index] if index is not None else []
    if text is not None and fspec.continued:
        more, extra = _continuation(lines, index, stops=stops)
        text += more
        used += extra
    if fspec.kind in ("id_number", "card_number", "uscc", "choice") and (fspec.search or text is not None):
        return _read_identifier(fspec, lines, text, index)
    if text is None or not text:
        return None, 0.0, None, None
    score = min(lines[i].score for i in used)
    box = _union(lines, used)
    value, problem = _normalise(fspec, text, today=today)
    return value, (score if value is not None else 0.0), box, problem


def _normalise(fspec: FieldSpec, text: str, *, today: date):
    kind = fspec.kind
    if kind == "name":
        m = re.match(rf"[{CJK}·•]{{2,8}}", text)
        return (m.group(0).replace("•", "·"), None) if m else (None, ("unreadable", f"“{fspec.label}”无法识别"))
    if kind == "sex":
        m = re.search("[男女]", text)
        return (m.group(0), None) if m else (None, ("unreadable", "性别无法识别"))
    if kind == "ethnicity":
        m = re.match(rf"[{CJK}]{{1,5}}", text)
        value = m.group(0).removesuffix("族") if m else None
        if value not in ETHNIC_GROUPS:
            return None, ("invalid", f"民族“{value or text}”不是 56 个民族之一，请人工核对")
        return value, None
    if kind == "date":
        found = _parse_date(text)
        if found is None:
            return None, ("unreadable", f"“{fspec.label}”不是可识别的日期")
        problem = _out_of_range(fspec, found, today)
        return found.isoformat(), problem
    if kind == "datetime":
        found = _parse_date(text)
        rest = text[_DATE.search(text).end():] if found else ""
        m = _TIME.search(rest.replace("日", "", 1))
        if found is None or m is None or int(m.group(1)) > 23 or int(m.group(2)) > 59:
            return None, ("unreadable", f"“{fspec.label}”不是可识别的日期时间")
        return f"{found.isoformat()} {int(m.group(1)):02d}:{int(m.group(2)):02d}", _out_of_range(fspec, found, today)
    if kind == "validity":
        dates = list(_DATE.finditer(text))
        start = _parse_date(text)
        if start is None:
            return None, ("unreadable", "有效期限无法识别")
        end: str | None
        if "长期" in text:
            end = "长期"
        else:
            second = _parse_date(text[dates[0].end():]) if dates else None
            end = second.isoformat() if second else None
        if end is None:
            return None, ("unreadable", "有效期限的截止日期无法识别")
        return {"from": start.isoformat(), "to": end}, None
    if kind == "icd10":
        m = re.search(r"([A-Z])\s*(\d{2})(?:\s*\.\s*(\d{1,4}))?", text.upper().replace("O", "0"))
        if not m:
            return None, ("unreadable", "ICD-10 编码无法识别")
        return m.group(1) + m.group(2) + (f".{m.group(3)}" if m.group(3) else ""), None
    # text
    value = text
    if fspec.pattern:
        m = re.match(fspec.pattern, value)
        if not m:
            return None, ("unreadable", f"“{fspec.label}”无法识别")
        value = m.group(0)
    return value, None


def _parse_date(text: str) -> date | None:
    m = _DATE.search(text)
    if not m:
        return None
    try:
        return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return None


def _bound(text: str, today: date) -> date:
    if text.startswith("today"):
        days = int(text[5:] or 0)
        return today + timedelta(days=days)
    return date.fromisoformat(text)


def _out_of_range(fspec: FieldSpec, value: date, today: date):
    low = _bound(fspec.range["min"], today) if "min" in fspec.range else None
    high = _bound(fspec.range["max"], today) if "max" in fspec.range else None
    if (low and value < low) or (high and value > high):
        return ("out_of_range", f"“{fspec.label}” {value.isoformat()} 超出合理范围"
                + (f"（{low.isoformat()} 至 {high.isoformat()}）" if low and high else ""))
    return None


# --- identifiers: read, check, never guess ------------------------------------------------------

_ID_RUN = re.compile(r"[0-9OoDQIl|iLZzSsBbGgxX×]{15,20}")
_CARD_RUN = re.compile(r"(?:[0-9OoDIlZSB]\s*){16,19}")
_USCC_RUN = re.compile(r"[0-9A-Za-z]{18}")


def _read_identifier(fspec: FieldSpec, lines: list[Line], text: str | None, index: int | None):
    """An identifier from its labelled line, else (``search``) from anywhere on the page."""
    candidates: list[tuple[str, int]] = []
    if text is not None and index is not None:
        candidates.append((text, index))
    if fspec.search or not candidates:
        candidates += [(line.text, i) for i, line in enumerate(lines) if i != index]
    if fspec.kind == "choice":
        return _read_choice(fspec, lines, candidates)
    seen_invalid = None
    for chunk, i in candidates:
        for value in _identifier_candidates(fspec.kind, chunk):
            try:
                if fspec.kind == "id_number":
                    checked = validate_id_number(value)
                elif fspec.kind == "card_number":
                    checked = validate_bank_card(value)
                else:
                    checked = validate_uscc(value)
            except InvalidValue as exc:
                if seen_invalid is None and (i == index or fspec.kind != "uscc"):
                    seen_invalid = exc.reason
                continue
            return checked, lines[i].score, lines[i].box, None
    if seen_invalid is not None:
        return None, 0.0, None, ("unreadable", f"“{fspec.label}”识别结果未通过校验（{seen_invalid}），"
                                                "不予采用，请人工核对原件")
    if text and re.search(r"[0-9A-Za-z]{6}", text):   # the label was read, the value is short or garbled
        return None, 0.0, None, ("unreadable", f"“{fspec.label}”识别不完整或格式不符，不予采用，请对照原件补录")
    return None, 0.0, None, None


def _identifier_candidates(kind: str, chunk: str) -> list[str]:
    if kind == "id_number":
        runs = _ID_RUN.findall(re.sub(r"\s", "", chunk))
        out = []
        for run in runs:
            mapped = run.translate(_DIGIT_LOOKALIKES)
            if len(mapped) == 18:
                out.append(mapped)
            elif len(mapped) > 18:  # a stray mark glued on either side
                out += [mapped[k:k + 18] for k in range(len(mapped) - 17)]
        return out
    if kind == "card_number":
        runs = _CARD_RUN.findall(chunk)
        out = []
        for run in runs:
            digits = re.sub(r"\s", "", run).translate(_DIGIT_LOOKALIKES)
            if digits.isdigit() and 16 <= len(digits) <= 19:
                out.append(digits)
        return out
    return [run.upper().replace("O", "0").replace("I", "1") for run in _USCC_RUN.findall(canon(chunk))]


def _read_choice(fspec: FieldSpec, lines: list[Line], candidates):
    best = None
    for chunk, i in candidates:
        text = canon(chunk)
        for choice in fspec.choices:
            if choice in text:
                if best is None or len(choice) > len(best[0]):
                    best = (choice, i, lines[i].score)
    if best is None:  # one character misread: the closest choice with at most one difference
        for chunk, i in candidates:
            text = canon(chunk)
            for choice in fspec.choices:
                if len(choice) >= 4 and _one_off_in(choice, text):
                    best = (choice, i, lines[i].score * 0.8)
                    break
            if best:
                break
    if best is None:
        return None, 0.0, None, None
    return best[0], best[2], lines[best[1]].box, None


def _one_off_in(word: str, text: str) -> bool:
    n = len(word)
    for k in range(len(text) - n + 1):
        if sum(a != b for a, b in zip(word, text[k:k + n], strict=True)) <= 1:
            return True
    return False
