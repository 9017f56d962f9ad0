"""A labelled hard Chinese record-linkage set (issue 20's benchmark), apart from the main population
so that ``shebao synth``'s output stays as it is.

``generate_linkage_set(entities, seed, out)`` writes ``persons.csv`` and ``benefits.csv`` (bank
accounts) in the exchange format and ``labels.csv`` (``person_id,entity_id``). About a fifth of
the people are registered twice (some three times); each further record changes two or three
things, drawn from what happens in agencies:

- ``homophone``: a given-name character written as a homophone or near homophone (王丽 → 王俐);
- ``traditional``: the name in traditional characters (张伟 → 張偉);
- ``dots``: a minority name's middle dot typed otherwise (·, •, ・, a space, nothing);
- ``swapped``: surname and given name the other way round;
- ``old_id``: the 15-digit ID number of before 1999 (born before 2000 only);
- ``id_typo``: one or two digits of the ID number mistyped;
- ``second_id``: another valid ID number (一人多号), with the same birth date;
- ``moved``: registered in another county or city;
- ``new_phone``: another phone number, or none;
- ``birth_typo``: the birth date mistyped (day and month swapped, or one digit).

Hard negatives: one person in twenty gets a namesake, a different person with the same common
name, the same birth date and sex, mostly in the same city. The same ``(entities, seed)`` give the
same files.
"""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from shebao.core.validators import id_check_char

SURNAMES = ("王" * 9 + "张" * 8 + "李" * 8 + "刘" * 6 + "陈" * 3 + "杨" * 3 + "赵" * 2 + "孙" * 2 + "徐" * 2
            + "马高于田孔朱郭周吴宋韩杜许曹魏吕丁崔姜董梁邢曲薛袁程郑谢范孟贾侯秦尹常胡单邵牛房颜曾解查")
COMPOUND = ("欧阳", "司马", "诸葛", "上官", "东方")
GIVEN = "伟强军磊勇涛斌明刚建国华平志鹏飞杰亮超辉成峰海波东林晓文宇浩芳丽娜静敏燕艳玲红霞英梅莉婷颖雪洁琳娟慧倩秀凤兰萍晶丹振金山"
# homophones (same toneless reading) and near homophones (dialect mergers) of given-name characters
VARIANTS: dict[str, str] = {
    "伟": "玮炜威", "丽": "莉俐立", "明": "铭鸣", "华": "桦骅", "静": "婧靖", "军": "君钧", "芳": "方舫",
    "红": "虹宏鸿", "平": "萍苹", "杰": "洁捷", "涛": "韬滔", "敏": "民闵", "燕": "艳彦雁", "霞": "夏侠",
    "英": "瑛莹", "梅": "玫媚", "玲": "琳灵", "强": "蔷", "磊": "蕾", "勇": "永咏", "斌": "彬滨", "刚": "钢纲",
    "鹏": "朋", "飞": "菲妃", "亮": "靓", "超": "潮", "辉": "慧徽", "成": "程诚", "峰": "锋丰", "海": "亥",
    "波": "博", "东": "冬栋", "林": "琳霖", "晓": "小筱", "文": "雯", "宇": "雨羽", "浩": "昊皓", "娜": "纳",
    "敬": "静", "莉": "丽", "婷": "亭", "颖": "影", "雪": "学", "洁": "杰", "琳": "玲", "娟": "鹃", "慧": "惠",
    "倩": "茜", "秀": "绣", "凤": "峰", "兰": "蓝岚", "萍": "平", "晶": "京经", "丹": "单", "振": "正政",
    "金": "京锦", "山": "珊衫", "建": "剑健", "国": "帼", "志": "智", "艳": "燕",
}
MINORITY_FIRST = ("阿卜杜拉", "艾合买提", "买买提", "热依拉", "古丽", "迪丽热巴", "阿依古丽", "努尔", "吐尔逊", "帕提古丽",
                  "阿力木", "依明", "肉孜", "库尔班", "阿不都", "米娜瓦尔")
MINORITY_LAST = ("买买提", "阿不都", "吐尔逊", "艾力", "肉孜", "依明", "热合曼", "司马义", "卡德尔", "尼亚孜")
DOTS = ("·", "•", "・", " ", "")
COMMON_NAMES = ("王伟", "张伟", "王芳", "李伟", "王秀英", "李娜", "张敏", "李静", "王静", "刘伟", "张丽", "王磊", "李强")
# Shandong county-level codes (a sample across the 16 cities) and two outside the province
REGIONS = ("370102", "370112", "370202", "370211", "370303", "370402", "370502", "370602", "370702", "370811",
           "370902", "371002", "371102", "371302", "371402", "371502", "371602", "371702", "110105", "320102")
PERTURBATIONS = ("homophone", "traditional", "dots", "swapped", "old_id", "id_typo", "second_id", "moved",
                 "new_phone", "birth_typo")


@dataclass
class Record:
    person_id: str
    entity_id: str
    name: str
    id_number: str
    sex: str
    birth_date: date
    region_code: str
    phone: str
    account: str


def _id_number(rng: random.Random, region: str, born: date, sex: str) -> str:
    seq = rng.randrange(0, 100) * 10 + (rng.choice((1, 3, 5, 7, 9)) if sex == "M" else rng.choice((0, 2, 4, 6, 8)))
    body = f"{region}{born:%Y%m%d}{seq:03d}"
    return body + id_check_char(body)


def _phone(rng: random.Random) -> str:
    return rng.choice(("13", "15", "18", "17")) + f"{rng.randrange(10**9):09d}"


def _account(rng: random.Random) -> str:
    return "6222" + f"{rng.randrange(10**15):015d}"


def _name(rng: random.Random, sex: str) -> str:
    roll = rng.random()
    if roll < 0.04:
        return rng.choice(MINORITY_FIRST) + "·" + rng.choice(MINORITY_LAST)
    surname = rng.choice(COMPOUND) if roll < 0.06 else rng.choice(SURNAMES)
    n = 1 if rng.random() < 0.35 else 2
    return surname + "".join(rng.choice(GIVEN) for _ in range(n))


def _homophone(rng: random.Random, name: str) -> str:
    spots = [i for i, c in enumerate(name) if i > 0 and c in VARIANTS]
    if not spots:
        return name
    i = rng.choice(spots)
    return name[:i] + rng.choice(VARIANTS[name[i]]) + name[i + 1:]


def _typo_id(rng: random.Random, id18: str, digits: int) -> str:
    chars = list(id18)
    for pos in rng.sample(range(17), digits):
        chars[pos] = str((int(chars[pos]) + rng.randrange(1, 10)) % 10)
    return "".join(chars)


def _perturb(rng: random.Random, base: Record, pid: str, kinds: list[str], s2t) -> Record:
    r = Record(pid, base.entity_id, base.name, base.id_number, base.sex, base.birth_date, base.region_code,
               base.phone, base.account if rng.random() < 0.5 else "")
    for kind in kinds:
        if kind == "homophone":
            r.name = _homophone(rng, r.name)
        elif kind == "traditional":
            r.name = s2t(r.name)
        elif kind == "dots":
            r.name = r.name.replace("·", rng.choice(DOTS[1:])) if "·" in r.name else r.name[:1] + " " + r.name[1:]
        elif kind == "swapped":
            if "·" in r.name:
                a, b = r.name.split("·", 1)
                r.name = b + "·" + a
            else:
                r.name = r.name[1:] + r.name[:1]
        elif kind == "old_id" and r.birth_date.year < 2000 and len(r.id_number) == 18:
            r.id_number = r.id_number[:6] + r.id_number[8:17]
        elif kind == "id_typo" and len(r.id_number) == 18:
            r.id_number = _typo_id(rng, r.id_number, rng.choice((1, 1, 2)))
        elif kind == "second_id":
            r.id_number = _id_number(rng, rng.choice(REGIONS), r.birth_date, r.sex)
        elif kind == "moved":
            r.region_code = rng.choice([x for x in REGIONS if x != r.region_code])
        elif kind == "new_phone":
            r.phone = _phone(rng) if rng.random() < 0.7 else ""
        elif kind == "birth_typo":
            b = r.birth_date
            if b.day <= 12 and b.day != b.month:
                r.birth_date = date(b.year, b.day, b.month)
            else:
                r.birth_date = b + timedelta(days=rng.choice((-10, 10, -1, 1)))
    return r


def generate_linkage_set(entities: int, seed: int, out: str | Path, *, duplicate_rate: float = 0.2,
                         namesake_rate: float = 0.05) -> dict[str, int]:
    """Write the labelled set to ``out``; return counts (records, entities, duplicates, namesakes)."""
    import opencc

    s2t = opencc.OpenCC("s2t").convert
    rng = random.Random(seed)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    records: list[Record] = []
    n_dup = n_namesake = 0
    next_id = 0

    def new_pid() -> str:
        nonlocal next_id
        next_id += 1
        return f"L{next_id:08d}"

    for e in range(entities):
        sex = rng.choice("MF")
        born = date(1940, 1, 1) + timedelta(days=rng.randrange(0, 365 * 65))
        region = rng.choice(REGIONS)
        base = Record(new_pid(), f"E{e:08d}", _name(rng, sex), "", sex, born, region, _phone(rng),
                      _account(rng) if rng.random() < 0.6 else "")
        base.id_number = _id_number(rng, region, born, sex)
        records.append(base)
        namesake = rng.random() < namesake_rate
        if namesake:
            base.name = rng.choice(COMMON_NAMES)
        if rng.random() < duplicate_rate:
            for _ in range(1 if rng.random() < 0.85 else 2):
                kinds = rng.sample(PERTURBATIONS, rng.choice((2, 2, 3)))
                if "second_id" in kinds:
                    # 一人多号 is found through what else the person kept: the phone or the account
                    kinds = [k for k in kinds if k not in ("old_id", "id_typo", "new_phone")]
                records.append(_perturb(rng, base, new_pid(), kinds, s2t))
                n_dup += 1
        if namesake:
            # a different person: same common name, birth date and sex, usually the same city
            name = base.name
            region2 = region[:4] + rng.choice(("02", "03", "11", "12")) if rng.random() < 0.7 else rng.choice(REGIONS)
            other = Record(new_pid(), f"N{e:08d}", name, "", sex, born, region2, _phone(rng),
                           _account(rng) if rng.random() < 0.6 else "")
            other.id_number = _id_number(rng, region2, born, sex)
            records.append(other)
            n_namesake += 1
    rng.shuffle(records)
    with (out / "persons.csv").open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["person_id", "id_number", "name", "sex", "birth_date", "region_code", "phone",
                    "original_retirement_age", "deemed_months"])
        for r in records:
            w.writerow([r.person_id, r.id_number, r.name, r.sex, r.birth_date.isoformat(), r.region_code, r.phone,
                        60 if r.sex == "M" else 55, 0])
    with (out / "benefits.csv").open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["benefit_id", "person_id", "kind", "region_code", "start_date", "end_date", "monthly_amount",
                    "status", "bank_account"])
        for r in records:
            if r.account:
                w.writerow([f"B{r.person_id}", r.person_id, "pension", r.region_code, "2020-01-01", "", "3000.00",
                            "active", r.account])
    with (out / "labels.csv").open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["person_id", "entity_id"])
        for r in sorted(records, key=lambda x: x.person_id):
            w.writerow([r.person_id, r.entity_id])
    return {"records": len(records), "entities": entities + n_namesake, "duplicates": n_dup,
            "namesakes": n_namesake}
