"""Suggest a disability grade (伤残等级) from a medical conclusion, by the clauses of GB/T 16180-2014.

The clauses ship with the package (``data/GB-T-16180-2014.md``, with the caveat it carries: the text
is transcribed from a public digitised version, not the official one; an agency checks each clause
against the published standard before an appraisal). The conclusion is split into injuries (one per
sentence or ``；``); each injury is read by:

- readers for the measured findings, where the grade turns on a number: vision (矫正视力 of each eye),
  hearing (dB of each ear, the two ears weighted 4:1 towards the better ear), muscle strength of a
  paralysis (肌力), scar area (%), vertebral compression (ratio) and fixation levels, shortening (cm);
- readers for the anatomy of a loss: the level of an amputation (above/below elbow or knee, hand,
  foot), which fingers and toes and down to which joint, which joint lost its function and how much;
- and, for everything else (organ resections, diseases, named conditions), a match of the words with
  the clause texts, scored by the share of the clause's character pairs found in the injury
  (segmented with the same word list as the knowledge base's segmenter where a word is split).

Several injuries combine by the standard's 晋级原则: the heaviest grade counts; two or more injuries at
that same heaviest grade raise it by one grade, at most one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any

# the caveat as pages show it (the data file's own note also names the digitised source)
CAVEAT = ("条款文字转录自公开的数字化版本，定级原则据公开网页整理，均非官方文本；"
          "用于实际劳动能力鉴定前，须与正式出版的 GB/T 16180-2014 逐条核对。")
STANDARD = "GB/T 16180-2014《劳动能力鉴定 职工工伤与职业病致残等级》"
COMBINE_RULE = ("晋级原则：多处伤残的，先对单项伤残程度分别定级；几项等级不同的以重者定级；两项及以上等级相同的，"
                "最多晋升一级。")

CLAUSE_LINE = re.compile(r"^(5\.(\d+)\.2\((\d+)\))\s+(.+)$")
PRINCIPLE_HEAD = re.compile(r"^### 5\.(\d+)\.1 定级原则")


@dataclass(frozen=True)
class Clause:
    grade: int
    clause: str
    text: str


@dataclass
class Standard:
    clauses: dict[str, Clause]
    principles: dict[int, str]
    caveat: str


@lru_cache(maxsize=1)
def standard() -> Standard:
    """The shipped clauses of GB/T 16180-2014 chapter 5 (grades 1–10)."""
    raw = resources.files("shebao.injury").joinpath("data/GB-T-16180-2014.md").read_text(encoding="utf-8")
    clauses: dict[str, Clause] = {}
    principles: dict[int, str] = {}
    pending: int | None = None
    caveat = CAVEAT
    for line in raw.splitlines():
        line = line.strip()
        if line.startswith("说明："):
            caveat = line.removeprefix("说明：")
        m = CLAUSE_LINE.match(line)
        if m:
            clauses[m.group(1)] = Clause(int(m.group(2)), m.group(1), m.group(4))
            continue
        h = PRINCIPLE_HEAD.match(line)
        if h:
            pending = int(h.group(1))
            continue
        if pending is not None and line and not line.startswith("#"):
            principles[pending] = line
            pending = None
    return Standard(clauses, principles, caveat)


def clause(cid: str) -> Clause:
    return standard().clauses[cid]


@dataclass
class Finding:
    """One injury's clause, how it was found, and what would confirm it."""

    clause: str
    score: float
    words: str
    how: str
    missing: list[str] = field(default_factory=list)

    @property
    def grade(self) -> int:
        return clause(self.clause).grade


def _c(g: int, n: int) -> str:
    return f"5.{g}.2({n})"


# ---------------------------------------------------------------- numbers

def _num(s: str) -> float:
    cn = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10,
          "壹": 1, "贰": 2, "叁": 3, "Ⅰ": 1, "Ⅱ": 2, "Ⅲ": 3, "Ⅳ": 4, "I": 1, "II": 2, "III": 3, "IV": 4}
    if s in cn:
        return float(cn[s])
    if "/" in s:
        a, b = s.split("/", 1)
        return float(a) / float(b)
    return float(s)


NUM = r"(\d+(?:\.\d+)?)"


# ---------------------------------------------------------------- vision

NLP = r"(无光感|仅有光感|光感|眼球摘除|眼内容物剜出|眼球萎缩)"


def _eye_values(seg: str) -> dict[str, Any]:
    """Each eye's state: a number (corrected acuity), 'nlp' (无光感/光感) or 'enucleated'."""
    eyes: dict[str, Any] = {}
    both = re.search(r"双眼[^，。；]{0,8}?(矫正)?视力[^，。；\d]{0,4}" + NUM, seg)
    if both:
        v = float(both.group(2))
        return {"left": v, "right": v}
    if re.search(r"双眼[^，。；]{0,6}(无光感)", seg):
        return {"left": "nlp", "right": "nlp"}
    for side, key in (("左", "left"), ("右", "right")):
        m = re.search(side + r"眼([^，。；]{0,14})", seg)
        if not m:
            continue
        part = m.group(1)
        if re.search(r"(眼球摘除|球摘除|眼内容物剜出|内容物剜出)", part):
            eyes[key] = "enucleated"
        elif re.search(r"(无光感|光感)", part):
            eyes[key] = "nlp"
        else:
            n = re.search(r"视力[^，。；\d]{0,4}" + NUM, part)
            if n:
                eyes[key] = float(n.group(1))
            elif re.search(r"视力正常", part):
                eyes[key] = 1.0
    return eyes


def vision(seg: str) -> Finding | None:
    if not re.search(r"(视力|光感|眼球摘除|眼内容物)", seg):
        return None
    eyes = _eye_values(seg)
    words = re.search(r"[^；。]*(视力|光感|眼球)[^；。]*", seg).group(0)
    if len(eyes) < 2:
        if eyes and "enucleated" in eyes.values():
            return Finding(_c(6, 27), 0.8, words, "视力", ["另一眼矫正视力"])
        return Finding(_c(10, 16), 0.3, words, "视力", ["双眼各自的矫正视力（视力表检查）"]) if eyes else None
    a, b = eyes["left"], eyes["right"]
    order = {"enucleated": -2, "nlp": -1}
    worse, better = sorted((a, b), key=lambda v: order.get(v, v) if isinstance(v, str) else v)
    if isinstance(better, str):
        return Finding(_c(1, 9), 1.0, words, "视力")
    if isinstance(worse, str):
        if worse == "enucleated" and better < 0.1:
            return Finding(_c(3, 20), 1.0, words, "视力")
        for limit, cid in ((0.02, _c(2, 15)), (0.05, _c(3, 18)), (0.1999, _c(4, 16)), (0.3, _c(5, 24))):
            if better <= limit:
                return Finding(cid, 1.0, words, "视力")
        if worse == "enucleated":
            return Finding(_c(6, 27), 1.0, words, "视力")
        if better >= 0.8:
            return Finding(_c(7, 26), 1.0, words, "视力")
        return Finding(_c(6, 28), 1.0, words, "视力")
    w, b2 = worse, better
    # Clauses of the form "一眼≤a，另眼≥b" are bands: for the worse eye's tightest limit, the better the
    # other eye, the lighter the grade (≥0.2 → 六级, ≥0.4 → 七级 when the worse eye is ≤0.1). Clauses
    # that bound both eyes from above ("双眼≤x", "一眼<a，另眼≤b") take the heaviest that applies.
    bands = [(0.05, 0.3, _c(6, 29)), (0.05, 0.6, _c(7, 28)), (0.1, 0.2, _c(6, 30)), (0.1, 0.4, _c(7, 29)),
             (0.2, 0.5, _c(8, 27)), (0.3, 0.6001, _c(9, 27)), (0.5, 0.8, _c(10, 15))]
    band = None
    for limit in sorted({lim for lim, _, _ in bands}):
        if w <= limit:
            fits = [(low, cid) for lim, low, cid in bands if lim == limit and b2 >= low]
            if fits:
                band = max(fits)[1]
            break
    upper = [(b2 < 0.05, _c(3, 19)), (w < 0.05 and b2 <= 0.1, _c(4, 17)), (b2 < 0.1, _c(4, 18)),
             (w < 0.05 and b2 <= 0.2, _c(5, 25)), (w < 0.1 and b2 == 0.1, _c(5, 26)), (b2 <= 0.2, _c(6, 31)),
             (b2 <= 0.3, _c(7, 30)), (b2 <= 0.4, _c(8, 28)), (b2 <= 0.5, _c(9, 28)), (b2 <= 0.8, _c(10, 16))]
    bound = next((cid for ok, cid in upper if ok), None)
    picks = [c for c in (band, bound) if c]
    if not picks:
        return None
    return Finding(min(picks, key=lambda c: clause(c).grade), 1.0, words, "视力")


# ---------------------------------------------------------------- hearing

def hearing(seg: str) -> Finding | None:
    if not re.search(r"(听力|听阈|耳聋|dB|分贝)", seg, re.I):
        return None
    words = seg
    left = re.search(r"左耳[^，。；\d]{0,8}" + NUM, seg)
    right = re.search(r"右耳[^，。；\d]{0,8}" + NUM, seg)
    both = re.search(r"双耳[^，。；\d]{0,12}" + NUM + r"\s*(dB|db|DB|分贝)", seg)
    if left and right:
        lv, rv = float(left.group(1)), float(right.group(1))
        better, worse = min(lv, rv), max(lv, rv)
        binaural = (better * 4 + worse) / 5
    elif both:
        better = worse = binaural = float(both.group(1))
    elif left or right:
        one = float((left or right).group(1))
        better, worse, binaural = 0.0, one, None
    else:
        return Finding(_c(10, 27), 0.3, words, "听力", ["双耳纯音测听听阈（dB）"])
    candidates: list[str] = []
    if binaural is not None:
        for limit, cid in ((91, _c(4, 19)), (81, _c(5, 28)), (71, _c(6, 33)), (56, _c(7, 32)), (41, _c(8, 34)),
                           (31, _c(9, 30)), (26, _c(10, 27))):
            if binaural >= limit:
                candidates.append(cid)
                break
    for limit, cid in ((91, _c(8, 34)), (71, _c(9, 30)), (56, _c(10, 27))):
        if worse >= limit:
            candidates.append(cid)
            break
    if not candidates:
        return None
    best = min(candidates, key=lambda c: clause(c).grade)
    missing = [] if binaural is not None else ["另一耳的听阈（dB）"]
    return Finding(best, 1.0, words, "听力（双耳按较好耳×4+较差耳÷5）", missing)


# ---------------------------------------------------------------- paralysis

PARALYSIS = {
    "四肢瘫": [(3, _c(1, 2)), (4, _c(5, 1))],
    "三肢瘫": [(2, _c(1, 2)), (3, _c(2, 2)), (4, _c(6, 4))],
    "偏瘫": [(2, _c(2, 3)), (3, _c(3, 3)), (4, _c(7, 1))],
    "截瘫": [(2, _c(2, 4)), (3, _c(3, 4)), (4, _c(7, 2))],
    "单肢瘫": [(2, _c(4, 4)), (3, _c(5, 2)), (4, _c(8, 1))],
}


def paralysis(seg: str) -> Finding | None:
    m = re.search(r"(四肢瘫|三肢瘫|偏瘫|截瘫|单肢瘫|单肢体瘫)", seg)
    if not m:
        return None
    kind = "单肢瘫" if m.group(1) == "单肢体瘫" else m.group(1)
    s = re.search(r"肌力\s*(?:≤|<)?\s*([0-5]|[一二三四五]|Ⅰ|Ⅱ|Ⅲ|Ⅳ)\s*级", seg)
    if not s:
        return Finding(PARALYSIS[kind][-1][1], 0.4, m.group(0), "肢体瘫", ["肌力分级"])
    level = _num(s.group(1))
    for limit, cid in PARALYSIS[kind]:
        if level <= limit:
            return Finding(cid, 1.0, seg, "肢体瘫（按肌力）")
    return None


# ---------------------------------------------------------------- scars, spine, fractures

def scars(seg: str) -> Finding | None:
    if "瘢痕" not in seg and "植皮" not in seg:
        return None
    pct = re.search(r"(?:面积|占体表面积|体表面积)[^，。；\d]{0,4}" + NUM + r"\s*%", seg)
    face = "面部" in seg or "面颊" in seg
    if face and not pct:
        frac = re.search(r"(1/3|1/2|2/3|三分之一|二分之一|三分之二)", seg)
        if frac:
            f = {"三分之一": "1/3", "二分之一": "1/2", "三分之二": "2/3"}.get(frac.group(1), frac.group(1))
            cid = {"1/3": _c(6, 13), "1/2": _c(4, 9), "2/3": _c(3, 9)}[f]
            return Finding(cid, 0.9, seg, "面部瘢痕", ["毁容程度（面部毁容标准）"])
        area = re.search(NUM + r"\s*(cm²|cm2|平方厘米)", seg)
        if area:
            a = float(area.group(1))
            cid = _c(9, 10) if a >= 8 else _c(10, 2) if a > 2 else None
            return Finding(cid, 1.0, seg, "面部瘢痕") if cid else None
        return Finding(_c(10, 2), 0.3, seg, "面部瘢痕", ["瘢痕面积（cm²）或占面部的比例"])
    if pct:
        p = float(pct.group(1))
        joints_lost = re.search(r"(活动[^，。；]{0,4}(基本)?丧失|功能[^，。；]{0,2}丧失)", seg)
        limited = re.search(r"(受限|障碍)", seg)
        table = [(90, _c(1, 5), bool(joints_lost)), (80, _c(2, 7), bool(limited)), (70, _c(3, 8), bool(limited)),
                 (60, _c(4, 8), bool(limited)), (50, _c(5, 9), bool(limited)), (40, _c(6, 14), True),
                 (30, _c(7, 13), True), (20, _c(8, 11), True), (5, _c(9, 9), True), (1, _c(10, 3), True)]
        for limit, cid, cond in table:
            if p >= limit and cond:
                missing = [] if limit < 50 else ["四肢大关节活动功能（受限的关节数）"]
                return Finding(cid, 1.0, seg, "瘢痕面积", missing)
    return None


def spine(seg: str) -> Finding | None:
    if re.search(r"椎间盘[^，。；]{0,8}(髓核)?(摘除|切除)", seg):
        return Finding(_c(9, 13), 1.0, seg, "脊柱")
    if re.search(r"椎间盘[^，。；]{0,6}突出", seg) and re.search(r"(神经刺激|根性)", seg):
        return Finding(_c(10, 4), 1.0, seg, "脊柱")
    fix = re.search(r"(内固定|椎弓根钉)", seg)
    if fix and re.search(r"(椎|脊柱)", seg):
        n = re.search(r"(\d+|[一二两三四五六])\s*个?节段", seg)
        if n:
            levels = _num(n.group(1))
            return Finding(_c(8, 14) if levels >= 3 else _c(9, 14), 1.0, seg, "脊柱内固定节段")
        rng = re.search(r"([TLC])(\d+)\s*[-–~至到]\s*([TLC])?(\d+)", seg)
        if rng and (rng.group(3) in (None, rng.group(1))):
            levels = int(rng.group(4)) - int(rng.group(2)) + 1
            return Finding(_c(8, 14) if levels >= 3 else _c(9, 14), 0.9, seg, "脊柱内固定节段")
    if re.search(r"压缩(性)?骨折", seg):
        r = re.search(r"(压缩|减少|降低|丢失)[^，。；\d]{0,6}" + NUM + r"\s*%", seg)
        frac = re.search(r"(1/2以上|二分之一以上|超过1/2|1/2以下|小于1/2|不足1/2)", seg)
        if r:
            ratio = float(r.group(2)) / 100
        elif frac:
            ratio = 0.6 if "上" in frac.group(1) or "超过" in frac.group(1) else 0.3
        else:
            return Finding(_c(9, 12), 0.5, seg, "椎体压缩骨折", ["椎体前缘高度压缩比例"])
        return Finding(_c(8, 13) if ratio >= 0.5 else _c(9, 12), 1.0, seg, "椎体压缩骨折")
    if re.search(r"横突骨折", seg):
        return Finding(_c(9, 11), 0.7, seg, "脊柱", ["横突骨折的数目"])
    return None


LONG_BONES = r"(胫骨|股骨|肱骨|尺骨|桡骨|腓骨|胫腓骨|尺桡骨)"
FIX_BONES = r"(髌骨|跟骨|距骨|下颌骨|骨盆)"


def fracture(seg: str) -> Finding | None:
    if "骨折" not in seg and "骨髓炎" not in seg:
        return None
    if re.search(r"骨髓炎[^，。；]{0,6}反复", seg):
        return Finding(_c(8, 23), 1.0, seg, "骨折")
    short = re.search(r"短缩[^，。；\d]{0,4}" + NUM + r"\s*(cm|厘米)", seg)
    if short:
        cm = float(short.group(1))
        if cm >= 4 and re.search(r"成角", seg):
            return Finding(_c(6, 21), 1.0, seg, "下肢短缩")
        if cm > 2:
            return Finding(_c(7, 24), 1.0, seg, "下肢短缩")
    rib = re.search(r"肋骨[^；。]{0,30}胸廓畸形|胸廓畸形", seg)
    if rib and "双侧" in seg or rib and re.search(r"左侧[^；。]*右侧|右侧[^；。]*左侧", seg):
        return Finding(_c(8, 45), 0.9, seg, "肋骨骨折", ["骨折肋骨的根数（双侧≥3根）"])
    fixed = re.search(r"(内固定|外固定|钢板|髓内钉|螺钉)", seg)
    if fixed and re.search(LONG_BONES, seg):
        return Finding(_c(9, 23), 1.0, seg, "骨折内固定", ["关节活动度（如遗留功能障碍，等级可能更重）"])
    if fixed and re.search(FIX_BONES, seg):
        return Finding(_c(9, 24), 1.0, seg, "骨折内固定", ["关节活动度（如遗留功能障碍，等级可能更重）"])
    if re.search(r"(愈合|保守治疗|已愈)", seg):
        return Finding(_c(10, 12), 0.9, seg, "骨折愈合", ["功能障碍程度"] if "无功能障碍" not in seg else [])
    return None


# ---------------------------------------------------------------- limbs, hands, feet

SIDE_BOTH = r"(双|两|双侧|两侧)"
ABOVE_ELBOW = r"(上臂|肘上|肘关节以上|肘以上)"
FOREARM = r"(前臂|腕上|腕关节以上|肘下|肘关节以下)"
HAND = r"(腕部以远|腕以远|腕关节以远|手掌|全手|一手|左手|右手)"
ABOVE_KNEE = r"(大腿|膝上|膝关节以上|膝以上|股骨)"
BELOW_KNEE = r"(小腿|膝下|膝关节以下|膝以下)"
FOOT = r"(踝关节以下|踝以下|踝下|足部|全足)"
LOSS = r"(截肢|缺失|离断|断离|缺如)"


def limbs(seg: str) -> Finding | None:
    if not re.search(LOSS, seg):
        return None
    both = re.search(SIDE_BOTH, seg) is not None
    if re.search(r"同侧上[、]?下肢", seg) or re.search(r"(左|右)侧上下肢", seg):
        return Finding(_c(2, 13), 1.0, seg, "肢体缺失")
    if re.search(ABOVE_ELBOW, seg):
        return Finding(_c(1, 6) if both and re.search(r"(双上肢|双侧上|双肘|两上肢|双上臂)", seg) else _c(4, 12), 1.0, seg, "肢体缺失")
    if re.search(ABOVE_KNEE, seg) and not re.search(r"骨折", seg):
        return Finding(_c(2, 11) if both else _c(4, 14), 1.0, seg, "肢体缺失")
    if re.search(BELOW_KNEE, seg):
        return Finding(_c(3, 14) if both else _c(5, 21), 1.0, seg, "肢体缺失")
    if re.search(FOREARM, seg):
        return Finding(_c(2, 9) if both else _c(5, 12), 1.0, seg, "肢体缺失")
    if re.search(FOOT, seg) and not re.search(r"趾", seg):
        return Finding(_c(6, 20), 1.0, seg, "肢体缺失")
    if re.search(r"(手腕部以远|腕部以远|腕以远|全手|手掌)[^，。；]{0,4}" + LOSS, seg) or re.search(r"一手缺失", seg):
        if re.search(r"(另|右手|左手)[^，。；]{0,4}拇指[^，。；]{0,4}" + LOSS, seg.split("，", 1)[-1]):
            return Finding(_c(3, 10), 1.0, seg, "手缺失")
        return Finding(_c(5, 13), 0.8, seg, "手缺失")
    return None


FINGER = r"(拇指|食指|示指|中指|环指|无名指|小指)"


def fingers(seg: str) -> Finding | None:
    if not re.search(FINGER + "|指", seg) or not re.search(LOSS + r"|功能完全丧失|末节|远节|中节", seg):
        return None
    if "趾" in seg:
        return None
    both_hands = re.search(r"(双手|两手)", seg) is not None
    names = set(re.findall(FINGER, seg))
    names = {"食指" if n == "示指" else "环指" if n == "无名指" else n for n in names}
    thumb = "拇指" in names
    if re.search(r"除拇指外[^，。；]{0,4}(其余|其他)?四指", seg):
        return Finding(_c(6, 19), 1.0, seg, "手指缺失")
    if both_hands and thumb and "食指" in names:
        return Finding(_c(3, 11), 1.0, seg, "手指缺失")
    if both_hands and thumb:
        return Finding(_c(4, 10), 1.0, seg, "手指缺失")
    if thumb and re.search(r"指间关节[^，。；]{0,4}(离断|畸形)", seg):
        return Finding(_c(8, 17), 1.0, seg, "手指缺失")
    if thumb and len(names) >= 3:
        return Finding(_c(6, 18), 1.0, seg, "手指缺失")
    if thumb and re.search(r"末节[^，。；]{0,4}(1/2|部分)", seg):
        return Finding(_c(9, 15), 1.0, seg, "手指缺失")
    if "食指" in names and re.search(r"(中节|近节|2～3节|两节)", seg) and len(names) == 1:
        return Finding(_c(9, 16), 1.0, seg, "手指缺失")
    if re.search(r"近侧指间关节", seg) and len(names - {"拇指"}) >= 2:
        return Finding(_c(7, 16) if "食指" in names else _c(8, 15), 1.0, seg, "手指缺失")
    if re.search(r"(远侧指间关节|末节|远节)", seg) and not thumb:
        if len(names) >= 3:
            return Finding(_c(9, 18), 1.0, seg, "手指缺失")
        return Finding(_c(10, 5), 1.0, seg, "手指缺失")
    return None


def toes(seg: str) -> Finding | None:
    if "趾" not in seg or not re.search(LOSS, seg):
        return None
    if re.search(r"(五个|5个|1～5|1-5|全部)[^，。；]{0,4}(足)?趾", seg) or re.search(r"足趾全部", seg):
        return Finding(_c(7, 20), 1.0, seg, "足趾缺失")
    if re.search(r"拇趾[^，。；]{0,4}末节", seg):
        return Finding(_c(9, 19), 1.0, seg, "足趾缺失")
    if re.search(r"末节", seg):
        return Finding(_c(10, 9), 1.0, seg, "足趾缺失")
    return None


JOINTS = {"肩": "shoulder", "肘": "elbow", "腕": "wrist", "髋": "hip", "膝": "knee", "踝": "ankle"}


def joints(seg: str) -> Finding | None:
    m = re.search(r"(肩|肘|腕|髋|膝|踝)关节[^，。；]{0,10}?(功能完全丧失|重度功能障碍|功能重度障碍|中度功能障碍|轻度功能障碍|功能障碍|活动受限)", seg)
    hand = re.search(r"(一手|左手|右手|单手)功能完全丧失", seg)
    if hand:
        return Finding(_c(5, 13), 1.0, seg, "手功能")
    prosthesis = re.search(r"(人工关节|关节置换)", seg)
    if prosthesis:
        if re.search(r"重度功能障碍", seg):
            return Finding(_c(5, 20), 1.0, seg, "人工关节")
        return Finding(_c(7, 22), 1.0, seg, "人工关节", [] if "生活自理" in seg else ["术后关节功能"])
    if re.search(r"(半月板|交叉韧带|髌骨)[^，。；]{0,8}(切除|修补|重建)", seg):
        return Finding(_c(9, 22), 1.0, seg, "膝关节")
    if re.search(r"(半月板|交叉韧带)[^，。；]{0,6}损伤", seg) and re.search(r"(未[^，。；]{0,3}手术|保守)", seg):
        return Finding(_c(10, 11), 1.0, seg, "膝关节")
    if not m:
        return None
    j = JOINTS[m.group(1)]
    degree = m.group(2)
    if degree == "功能完全丧失":
        cid = {"shoulder": _c(5, 14), "elbow": _c(5, 14), "hip": _c(5, 19), "knee": _c(5, 19),
               "wrist": _c(7, 19), "ankle": _c(6, 20)}[j]
        return Finding(cid, 1.0, seg, "关节功能")
    if degree in ("重度功能障碍", "功能重度障碍"):
        cid = {"shoulder": _c(7, 18), "elbow": _c(7, 18), "hip": _c(6, 25), "knee": _c(6, 25)}.get(j)
        if cid:
            return Finding(cid, 1.0, seg, "关节功能")
    return Finding(_c(10, 13), 0.3, seg, "关节功能", ["关节活动度（量角器测得的主动、被动活动范围）", "功能障碍程度"])


# ---------------------------------------------------------------- named conditions

def conditions(seg: str) -> Finding | None:
    for pat, cid in ((r"极重度智能损伤", _c(1, 1)), (r"重度智能损伤", _c(2, 1)), (r"中度智能损伤", _c(4, 1)),
                     (r"轻度智能损伤", _c(6, 2)), (r"癫痫[^，。；]{0,4}重度|重度癫痫", _c(4, 2)),
                     (r"癫痫[^，。；]{0,4}中度|中度癫痫", _c(6, 1)), (r"癫痫[^，。；]{0,4}轻度|轻度癫痫", _c(9, 1))):
        if re.search(pat, seg):
            return Finding(cid, 1.0, seg, "神经精神")
    m = re.search(r"尘肺\s*(叁|三|3|Ⅲ|贰|二|2|Ⅱ|壹|一|1|Ⅰ)\s*期", seg)
    if m:
        stage = int(_num(m.group(1)))
        po2 = re.search(r"PO2\s*[:：]?\s*" + NUM + r"\s*mmHg", seg, re.I)
        severe = re.search(r"(肺功能重度|重度低氧)", seg) or po2 and float(po2.group(1)) < 40
        moderate = re.search(r"(肺功能中度|中度低氧)", seg)
        mild = re.search(r"(肺功能轻度|轻度低氧)", seg)
        normal = re.search(r"肺功能正常", seg)
        tb = re.search(r"活动性肺结核", seg)
        table = {3: [(severe, _c(1, 17)), (moderate or tb, _c(2, 29) if moderate else _c(2, 31)), (True, _c(3, 37))],
                 2: [(severe, _c(2, 30)), (moderate or tb, _c(3, 38) if moderate else _c(3, 39)), (True, _c(4, 50))],
                 1: [(moderate or tb, _c(4, 51) if moderate else _c(4, 52)), (mild, _c(6, 66)), (normal, _c(7, 54)),
                     (True, _c(7, 54))]}
        for ok, cid in table[stage]:
            if ok:
                missing = [] if (severe or moderate or mild or normal) else ["肺功能分级与血气分析（低氧血症）"]
                return Finding(cid, 1.0, seg, "尘肺", missing)
    return None


# ---------------------------------------------------------------- clause text match

_SKIP = re.compile(r"[\s，。；、：:,.;（）()\[\]〔〕“”\"'及或者的侧]|以上|以下|个|颗|根|处")


def _norm(text: str) -> str:
    # "双侧肾" and "双肾", "一侧" and "一", "1个以上" and "2颗" read alike: the side word and the counters go
    return _SKIP.sub("", text)


def _pairs(text: str) -> set[str]:
    t = _norm(text)
    return {t[i:i + 2] for i in range(len(t) - 1)}


def _alternatives(text: str) -> list[str]:
    """A clause and its alternatives ("A或B", "A；或B", "A，B" read as A, B and the whole)."""
    text = text.removesuffix("者")
    alts = [text]
    for part in re.split(r"或(?!者)|；", text):
        if part != text and len(_norm(part)) >= 4:
            alts.append(part)
    return alts


@lru_cache(maxsize=1)
def _clause_pairs() -> list[tuple[str, bool, list[tuple[set[str], set[str]]]]]:
    """Each clause: its id, whether it is about both sides (双…), and its alternatives' pairs and characters."""
    return [(cid, "双" in c.text, [(_pairs(a), set(_norm(a))) for a in _alternatives(c.text)])
            for cid, c in standard().clauses.items()]


BOTH_SIDES = re.compile(r"(双|两侧|两手|两足|两眼|两耳)")


@lru_cache(maxsize=1)
def _pair_index() -> dict[str, list[int]]:
    """Character pair → the clauses (by position in :func:`_clause_pairs`) whose text has it."""
    index: dict[str, list[int]] = {}
    for n, (_, _, alts) in enumerate(_clause_pairs()):
        for pair in set().union(*(pairs for pairs, _ in alts)):
            index.setdefault(pair, []).append(n)
    return index


def text_match(seg: str, limit: int = 5) -> list[Finding]:
    """Clauses ranked by how much of them the injury text contains: the share of the clause's character
    pairs (most weight), of its characters, and of the text that the clause explains. Only clauses
    sharing a pair with the text are scored (an inverted index of the pairs)."""
    seg_pairs = _pairs(seg)
    seg_chars = set(_norm(seg))
    if not seg_pairs:
        return []
    clauses = _clause_pairs()
    index = _pair_index()
    touched = {n for pair in seg_pairs for n in index.get(pair, ())}
    scored = []
    seg_both = BOTH_SIDES.search(seg) is not None
    for n in touched:
        cid, both, alts = clauses[n]
        best = 0.0
        best_hit = 0
        for pairs, chars in alts:
            if not pairs:
                continue
            hit = len(pairs & seg_pairs)
            if not hit:
                continue
            score = 0.6 * hit / len(pairs) + 0.2 * len(chars & seg_chars) / len(chars) + 0.2 * hit / len(seg_pairs)
            if score > best:
                best, best_hit = score, hit
        if best:
            if both != seg_both:
                best *= 0.7  # one side against both: a different injury whatever the words share
            scored.append((round(best, 3), best_hit, n, cid))
    scored.sort(key=lambda s: (-s[0], -s[1], s[2]))
    return [Finding(cid, score, seg, "条款文字") for score, _, _, cid in scored[:limit]]


READERS = (vision, hearing, paralysis, conditions, scars, spine, limbs, fingers, toes, joints, fracture)
MATCH = 0.75      # a clause text found this well in the injury counts as a match
CANDIDATE = 0.45  # below this a clause is not shown as a candidate


def read_injury(seg: str) -> tuple[Finding | None, list[Finding]]:
    """The best clause for one injury and the other candidates."""
    found = [f for f in (reader(seg) for reader in READERS) if f is not None]
    matched = text_match(seg)
    strong = [f for f in found if f.score >= 0.75]
    if strong:
        best = max(strong, key=lambda f: (f.score, -f.grade))
    elif matched and matched[0].score >= MATCH:
        best = matched[0]
    elif found:
        best = max(found, key=lambda f: f.score)
    elif matched and matched[0].score >= CANDIDATE:
        best = matched[0]
        best.missing = [*best.missing, "与条款的对应须核实（文字相近，未见测量结果）"]
    else:
        best = None
    others = [f for f in [*found, *matched] if f is not best and f.score >= CANDIDATE]
    return best, others


SPLIT = re.compile(r"[；;。\n]|(?<=\d)、")
NO_DISABILITY = re.compile(r"(未见残疾|无残疾|未达到伤残等级|不构成伤残|未见异常)")


def suggest_grade(text: Any) -> dict[str, Any]:
    """The suggested grade of a medical conclusion.

    Returns:
        ``grade`` (1–10, or ``None`` when no clause matches), ``clause``, ``clause_text``,
        ``candidates`` (``grade``, ``clause``, ``clause_text``, ``score``), ``injuries`` (each
        injury's clause and the words it was read from), ``missing`` (what would confirm it),
        ``explanation``, ``caveat``. Never raises on bad input.
    """
    text = text if isinstance(text, str) else ("" if text is None else str(text))
    std = standard()
    base = {"standard": STANDARD, "caveat": CAVEAT, "source_note": std.caveat}
    if not text.strip():
        return {**base, "grade": None, "clause": None, "clause_text": None, "candidates": [], "injuries": [],
                "missing": ["医疗诊断结论（伤情、手术、功能检查结果）"],
                "explanation": "文本为空：请提供医疗诊断结论（伤情、手术、功能检查结果）。"}
    if not re.search(r"[\u4e00-\u9fff]", text):
        return {**base, "grade": None, "clause": None, "clause_text": None, "candidates": [], "injuries": [],
                "missing": ["中文的医疗诊断结论"], "explanation": "文本不是中文，无法对照标准条款：请提供中文的医疗诊断结论。"}
    injuries: list[tuple[Finding, str]] = []
    candidates: list[Finding] = []
    for seg in (s.strip() for s in SPLIT.split(text)):
        if len(seg) < 2 or NO_DISABILITY.search(seg):
            continue
        best, others = read_injury(seg)
        if best is not None:
            injuries.append((best, seg))
        candidates.extend(others)
    if not injuries:
        return {**base, "grade": None, "clause": None, "clause_text": None,
                "candidates": [_cand(f) for f in _dedupe(candidates)[:5]], "injuries": [],
                "missing": ["与标准条款对应的伤情（部位、程度、功能检查结果）"],
                "explanation": "未找到与 GB/T 16180-2014 条款对应的伤情；如有残疾，请写明部位、程度和功能检查结果。"}
    heaviest = min(f.grade for f, _ in injuries)
    at_heaviest = [f for f, _ in injuries if f.grade == heaviest]
    grade = heaviest - 1 if len(at_heaviest) >= 2 and heaviest > 1 else heaviest
    main = max(at_heaviest, key=lambda f: f.score)
    missing: list[str] = []
    for f, _ in injuries:
        for m in f.missing:
            if m not in missing:
                missing.append(m)
    lines = [f"{i}. {seg} → {clause(f.clause).grade}级 {f.clause} {clause(f.clause).text}（{f.how}）"
             for i, (f, seg) in enumerate(injuries, 1)]
    explanation = "；".join(lines)
    if len(injuries) > 1:
        explanation += "。" + COMBINE_RULE + (f"有{len(at_heaviest)}项同为{heaviest}级，晋升一级为{grade}级。"
                                               if grade != heaviest else f"以最重的{heaviest}级定级。")
    explanation += "。以上为建议，由劳动能力鉴定委员会鉴定。" if not explanation.endswith("。") else "以上为建议，由劳动能力鉴定委员会鉴定。"
    cands = [main, *[f for f, _ in injuries if f is not main], *candidates]
    return {**base, "grade": grade, "clause": main.clause, "clause_text": clause(main.clause).text,
            "candidates": [_cand(f) for f in _dedupe(cands)[:6]],
            "injuries": [{"text": seg, "grade": f.grade, "clause": f.clause, "clause_text": clause(f.clause).text,
                          "how": f.how, "score": f.score} for f, seg in injuries],
            "missing": missing, "explanation": explanation}


def _dedupe(found: list[Finding]) -> list[Finding]:
    seen: set[str] = set()
    out = []
    for f in found:
        if f.clause not in seen:
            seen.add(f.clause)
            out.append(f)
    return out


def _cand(f: Finding) -> dict[str, Any]:
    c = clause(f.clause)
    return {"grade": c.grade, "clause": c.clause, "clause_text": c.text, "score": f.score}
