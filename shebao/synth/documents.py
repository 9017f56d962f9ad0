"""Synthetic paper documents for the intake's tests and evaluation (电子材料预审的测试材料).

Each document is drawn with PIL and a CJK font from a synthetic person, then degraded like a phone
photo (rotation up to 15°, perspective, blur, noise, uneven light, JPEG quality 40). The truth of
every field is returned with the image, in the intake's field keys, so that
``shebao intake eval DIR`` can score the reader.

Nothing here is imported by a domain: it is test material (the ``no-synth`` contract).
"""

from __future__ import annotations

import io
import json
import math
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from shebao.core.validators import PROVINCE_CODES, id_check_char, luhn_check_digit, uscc_check_char

FONT_PATHS = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
)

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "建国华明丽军伟芳敏静秀英娟强磊洋艳勇涛杰娜超平刚桂兰霞辉鹏玉萍红云飞文志明海燕春梅德胜长青永红晓东立新宏亮淑珍凤兰雪梅国庆建华秋菊宝山家豪子涵欣怡浩然思远嘉怡"
ETHNICITIES = ("汉",) * 12 + ("回", "满", "蒙古", "壮", "朝鲜", "土家", "苗", "维吾尔")
CITIES = (
    ("370102", "山东省", "济南市", "历下区"), ("370202", "山东省", "青岛市", "市南区"),
    ("370613", "山东省", "烟台市", "莱山区"), ("370702", "山东省", "潍坊市", "潍城区"),
    ("370303", "山东省", "淄博市", "张店区"), ("110105", "北京市", "北京市", "朝阳区"),
    ("320106", "江苏省", "南京市", "鼓楼区"), ("410105", "河南省", "郑州市", "金水区"),
)
STREETS = ("泉城路", "经十路", "香港中路", "解放路", "人民大街", "建设路", "和平路", "文化东路", "胜利街", "幸福路")
BANKS = (("中国工商银行", "622202"), ("中国建设银行", "621700"), ("中国农业银行", "622848"),
         ("中国银行", "621661"), ("交通银行", "622262"), ("招商银行", "621483"), ("中国邮政储蓄银行", "621799"))
COMPANIES = ("华信科技有限公司", "鲁丰机械制造有限公司", "泰和物流有限公司", "海天食品有限公司", "金石建筑工程有限公司",
             "东岳化工股份有限公司", "齐鲁纺织有限公司", "明远商贸有限公司")
CAUSES = ("急性心肌梗死", "脑出血", "肺部感染", "慢性阻塞性肺疾病", "肝癌", "呼吸衰竭", "脑梗死", "交通事故致颅脑损伤")
REASONS = ("劳动合同期满终止", "经协商一致解除劳动合同", "用人单位经济性裁员", "用人单位依法解除劳动合同",
           "劳动者本人提出解除劳动合同", "用人单位被依法宣告破产")
DIAGNOSES = (("右侧桡骨远端骨折", "S52.5"), ("左手食指末节离断伤", "S68.1"), ("腰椎压缩性骨折", "S32.0"),
             ("右足跟骨骨折", "S92.0"), ("头皮裂伤", "S01.0"), ("左侧锁骨骨折", "S42.0"), ("右膝关节半月板损伤", "S83.2"))
HOSPITALS = ("济南市第一人民医院", "青岛市市立医院", "烟台毓璜顶医院", "潍坊市人民医院", "山东大学齐鲁医院", "淄博市中心医院")
PLACES = ("车间二号生产线", "仓库装卸区", "建筑工地三号楼", "厂区东门道路", "机修车间", "物流中心分拣区")
ACCIDENTS = ("操作冲床时右手被压伤", "搬运货物时从高处跌落", "脚手架上作业时不慎坠落", "下班途中发生交通事故，本人非主要责任",
             "检修设备时被飞溅物击伤", "叉车倒车时撞伤左腿")


def find_font() -> str:
    """The path of an installed CJK font: ``SHEBAO_CJK_FONT``, else a system one (``make fonts``)."""
    import os

    env = os.environ.get("SHEBAO_CJK_FONT")
    if env:
        if not Path(env).is_file():
            raise RuntimeError(f"SHEBAO_CJK_FONT 指向的字体文件不存在：{env}")
        return env
    for path in FONT_PATHS:
        if Path(path).exists():
            return path
    raise RuntimeError("未找到中文字体：请安装 fonts-wqy-microhei（make fonts）后再生成测试材料")


@dataclass
class Person:
    name: str
    sex: str
    ethnicity: str
    birth: date
    address: str
    id_number: str
    city: tuple[str, str, str, str]
    extra: dict = field(default_factory=dict)


def make_id_number(rng: random.Random, region: str, birth: date, sex: str) -> str:
    seq = rng.randint(0, 99)
    sex_digit = rng.choice("13579" if sex == "男" else "02468")
    body = f"{region}{birth:%Y%m%d}{seq:02d}{sex_digit}"
    return body + id_check_char(body)


def make_card_number(rng: random.Random, bin6: str, length: int = 19) -> str:
    body = bin6 + "".join(rng.choice("0123456789") for _ in range(length - 7))
    return body + luhn_check_digit(body)


def make_uscc(rng: random.Random, region: str) -> str:
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    body = "91" + region + "".join(rng.choice(alphabet) for _ in range(9))
    return body + uscc_check_char(body)


def make_person(rng: random.Random) -> Person:
    city = rng.choice(CITIES)
    assert city[0][:2] in PROVINCE_CODES
    sex = rng.choice("男女")
    birth = date(1950, 1, 1) + timedelta(days=rng.randint(0, 365 * 50))
    name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))
    address = (f"{city[1]}{city[2]}{city[3]}{rng.choice(STREETS)}{rng.randint(1, 300)}号"
               f"{rng.randint(1, 9)}单元{rng.randint(1, 28)}0{rng.randint(1, 4)}室")
    if city[1] == city[2]:
        address = address[len(city[1]):]
    return Person(name, sex, rng.choice(ETHNICITIES), birth, address, make_id_number(rng, city[0], birth, sex), city)


def _cn(d: date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


# --- drawing ---------------------------------------------------------------------------------

class Page:
    """A white page and a cursor: lines of text with a label, drawn in a CJK font."""

    def __init__(self, width: int, height: int, font: str, size: int = 34):
        from PIL import Image, ImageDraw, ImageFont

        self.image = Image.new("RGB", (width, height), (250, 250, 247))
        self.draw = ImageDraw.Draw(self.image)
        self.font_path = font
        self.fonts: dict[int, object] = {}
        self.size = size
        self._font = ImageFont.truetype
        self.y = 40

    def font(self, size: int | None = None):
        size = size or self.size
        if size not in self.fonts:
            self.fonts[size] = self._font(self.font_path, size)
        return self.fonts[size]

    def text(self, x: int, y: int, text: str, size: int | None = None, fill=(25, 25, 30)) -> None:
        self.draw.text((x, y), text, font=self.font(size), fill=fill)

    def line(self, text: str, *, x: int = 60, size: int | None = None, gap: int = 22, center: bool = False) -> None:
        font = self.font(size)
        if center:
            width = self.draw.textlength(text, font=font)
            x = int((self.image.width - width) / 2)
        self.draw.text((x, self.y), text, font=font, fill=(25, 25, 30))
        self.y += (size or self.size) + gap

    def wrap(self, label: str, text: str, *, per_line: int, x: int = 60) -> None:
        first = True
        while text:
            chunk, text = text[:per_line], text[per_line:]
            self.line((label if first else "") + chunk, x=x if first else x + int(self.draw.textlength(label, font=self.font())))
            first = False


def render_id_card(rng: random.Random, p: Person, font: str):
    """居民身份证 front and back, photocopied on one page (身份证正反面复印件)."""
    page = Page(1100, 1400, font, size=34)
    from PIL import ImageDraw

    d: ImageDraw.ImageDraw = page.draw
    d.rounded_rectangle((60, 60, 1040, 660), radius=30, outline=(120, 120, 120), width=3)
    d.rounded_rectangle((60, 740, 1040, 1340), radius=30, outline=(120, 120, 120), width=3)
    page.text(110, 110, "姓名")
    page.text(220, 110, p.name, size=38)
    page.text(110, 185, "性别")
    page.text(220, 185, p.sex)
    page.text(360, 185, "民族")
    page.text(470, 185, p.ethnicity)
    page.text(110, 260, "出生")
    page.text(220, 260, f"{p.birth.year}年{p.birth.month}月{p.birth.day}日")
    page.text(110, 335, "住址")
    addr = p.address
    page.text(220, 335, addr[:14])
    if addr[14:]:
        page.text(220, 390, addr[14:])
    d.rectangle((780, 120, 990, 380), outline=(160, 160, 160), width=2)
    page.text(110, 560, "公民身份号码")
    page.text(360, 556, p.id_number, size=40)
    page.text(330, 800, "中华人民共和国", size=44)
    page.text(370, 880, "居民身份证", size=52)
    start = date(2010, 1, 1) + timedelta(days=rng.randint(0, 365 * 14))
    age = (start - p.birth).days // 365
    years = 10 if age < 26 else 20 if age < 46 else None
    end = "长期" if years is None else f"{start.year + years}.{start.month:02d}.{start.day:02d}"
    authority = f"{p.city[2]}公安局{p.city[3]}分局"
    page.text(130, 1120, "签发机关")
    page.text(300, 1120, authority)
    page.text(130, 1200, "有效期限")
    page.text(300, 1200, f"{start.year}.{start.month:02d}.{start.day:02d}-{end}")
    truth = {"name": p.name, "sex": p.sex, "ethnicity": p.ethnicity, "birth_date": p.birth.isoformat(),
             "address": p.address, "id_number": p.id_number, "issuing_authority": authority,
             "validity": {"from": start.isoformat(),
                          "to": "长期" if years is None else date(start.year + years, start.month, start.day).isoformat()}}
    return page.image, truth


def render_bank_card(rng: random.Random, p: Person, font: str):
    bank, bin6 = rng.choice(BANKS)
    number = make_card_number(rng, bin6, rng.choice((16, 19)))
    page = Page(1000, 630, font, size=40)
    page.draw.rounded_rectangle((10, 10, 990, 620), radius=36, outline=(90, 90, 140), width=4)
    page.text(70, 70, bank, size=50)
    page.text(70, 140, "借记卡 DEBIT CARD", size=30)
    groups = " ".join(number[i:i + 4] for i in range(0, len(number), 4))
    page.text(70, 330, groups, size=54)
    page.text(70, 440, "VALID THRU 08/32", size=28)
    page.text(760, 520, "银联", size=44)
    return page.image, {"card_number": number, "bank": bank}


def render_death_certificate(rng: random.Random, p: Person, font: str):
    page = Page(1240, 1100, font, size=34)
    page.y = 60
    page.line("居民死亡医学证明（推断）书", size=46, center=True, gap=40)
    page.line(f"编号：{rng.randint(10**9, 10**10 - 1)}", size=28)
    page.line(f"死者姓名：{p.name}    性别：{p.sex}    民族：{p.ethnicity}")
    page.line(f"身份证件号码：{p.id_number}")
    died = date(2026, 1, 1) + timedelta(days=rng.randint(0, 300))
    page.line(f"出生日期：{_cn(p.birth)}")
    page.line(f"死亡日期：{_cn(died)}")
    page.line(f"死亡地点：{rng.choice(HOSPITALS)}")
    cause = rng.choice(CAUSES)
    page.line(f"死亡原因：{cause}")
    page.line(f"医师签名：{rng.choice(SURNAMES)}医生    填报日期：{_cn(died + timedelta(days=1))}", size=30)
    return page.image, {"name": p.name, "id_number": p.id_number, "death_date": died.isoformat(), "cause": cause}


def render_separation(rng: random.Random, p: Person, font: str):
    page = Page(1240, 1100, font, size=34)
    page.y = 60
    page.line("解除（终止）劳动合同证明书", size=46, center=True, gap=40)
    employer = p.city[2].removesuffix("市") + rng.choice(COMPANIES)
    uscc = make_uscc(rng, p.city[0])
    left = date(2026, 1, 1) + timedelta(days=rng.randint(0, 300))
    reason = rng.choice(REASONS)
    page.line(f"职工姓名：{p.name}")
    page.line(f"身份证号码：{p.id_number}")
    page.line(f"用人单位：{employer}")
    page.line(f"统一社会信用代码：{uscc}")
    page.line(f"解除（终止）日期：{_cn(left)}")
    page.line(f"解除（终止）原因：{reason}")
    page.y += 40
    page.line(f"用人单位（盖章）            {_cn(left + timedelta(days=2))}", size=30)
    return page.image, {"name": p.name, "id_number": p.id_number, "employer": employer, "uscc": uscc,
                        "separation_date": left.isoformat(), "reason": reason}


def render_diagnosis(rng: random.Random, p: Person, font: str):
    page = Page(1240, 1000, font, size=34)
    page.y = 60
    hospital = rng.choice(HOSPITALS)
    page.line(hospital, size=44, center=True, gap=16)
    page.line("诊断证明书", size=46, center=True, gap=40)
    age = 2026 - p.birth.year
    page.line(f"姓名：{p.name}    性别：{p.sex}    年龄：{age}岁")
    seen = date(2026, 1, 1) + timedelta(days=rng.randint(0, 300))
    diagnosis, icd = rng.choice(DIAGNOSES)
    page.line(f"就诊日期：{_cn(seen)}")
    page.line(f"诊断：{diagnosis}")
    page.line(f"ICD-10：{icd}")
    page.line("处理意见：建议休息治疗，定期复查。")
    page.line(f"医师签名：{rng.choice(SURNAMES)}医生", size=30)
    return page.image, {"name": p.name, "hospital": hospital, "date": seen.isoformat(), "diagnosis": diagnosis,
                        "icd10": icd}


def render_accident(rng: random.Random, p: Person, font: str):
    page = Page(1240, 1100, font, size=34)
    page.y = 60
    page.line("工伤认定申请表", size=46, center=True, gap=40)
    employer = p.city[2].removesuffix("市") + rng.choice(COMPANIES)
    when = date(2026, 1, 1) + timedelta(days=rng.randint(0, 300))
    hour, minute = rng.randint(7, 20), rng.choice((0, 10, 15, 20, 30, 40, 45, 50))
    place = rng.choice(PLACES)
    story = rng.choice(ACCIDENTS)
    page.line(f"受伤害职工姓名：{p.name}    性别：{p.sex}")
    page.line(f"用人单位：{employer}")
    page.line(f"事故时间：{_cn(when)}{hour}时{minute:02d}分")
    page.line(f"事故地点：{place}")
    page.line(f"事故经过：{story}")
    page.line("申请人（签字）：", size=30)
    return page.image, {"name": p.name, "employer": employer,
                        "time": f"{when.isoformat()} {hour:02d}:{minute:02d}", "place": place, "description": story}


RENDERERS: dict[str, Callable] = {
    "id_card": render_id_card, "bank_card": render_bank_card, "death_certificate": render_death_certificate,
    "separation_certificate": render_separation, "diagnosis": render_diagnosis, "accident_report": render_accident,
}


# --- degradation -----------------------------------------------------------------------------

def degrade(image, rng: random.Random, *, strength: float = 1.0):
    """A phone photo of the page: on a desk, rotated (≤15°), in perspective, unevenly lit, blurred,
    noisy; returned as an RGB image (save it as JPEG quality 40)."""
    import numpy as np
    from PIL import Image, ImageFilter

    w, h = image.size
    margin = int(0.08 * max(w, h))
    desk = Image.new("RGB", (w + 2 * margin, h + 2 * margin), tuple(rng.randint(90, 160) for _ in range(3)))
    desk.paste(image, (margin, margin))
    angle = rng.uniform(-15, 15) * strength
    desk = desk.rotate(angle, resample=Image.BICUBIC, expand=True, fillcolor=desk.getpixel((2, 2)))
    W, H = desk.size
    j = 0.04 * strength
    src = [(rng.uniform(0, j) * W, rng.uniform(0, j) * H), (W - rng.uniform(0, j) * W, rng.uniform(0, j) * H),
           (W - rng.uniform(0, j) * W, H - rng.uniform(0, j) * H), (rng.uniform(0, j) * W, H - rng.uniform(0, j) * H)]
    dst = [(0, 0), (W, 0), (W, H), (0, H)]
    desk = desk.transform((W, H), Image.PERSPECTIVE, _perspective_coeffs(dst, src), resample=Image.BICUBIC)
    desk = desk.filter(ImageFilter.GaussianBlur(rng.uniform(0.4, 1.1) * strength))
    arr = np.asarray(desk).astype(np.float32)
    yy, xx = np.mgrid[0:H, 0:W]
    cx, cy = rng.uniform(0, W), rng.uniform(0, H)
    dist = np.sqrt((xx - cx) ** 2 + (yy - cy) ** 2) / math.hypot(W, H)
    light = 1.0 - 0.45 * strength * dist          # a lamp on one side, a shadow on the other
    arr = arr * light[..., None]
    arr += np.random.default_rng(rng.randint(0, 2**31)).normal(0, 7 * strength, arr.shape)
    out = Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8))
    scale = 1400 / max(out.size)
    if scale < 1:
        out = out.resize((int(out.width * scale), int(out.height * scale)), Image.LANCZOS)
    return out


def _perspective_coeffs(dst, src):
    import numpy as np

    rows = []
    for (x, y), (u, v) in zip(dst, src, strict=True):
        rows.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
        rows.append([0, 0, 0, x, y, 1, -v * x, -v * y])
    a = np.array(rows, dtype=float)
    b = np.array([c for pt in src for c in pt], dtype=float)
    return np.linalg.solve(a, b).tolist()


def jpeg_bytes(image, quality: int = 40) -> bytes:
    buffer = io.BytesIO()
    image.convert("L").save(buffer, format="JPEG", quality=quality, optimize=True)
    return buffer.getvalue()


def generate(directory: Path, *, per_type: int = 5, seed: int = 24, strength: float = 1.0) -> dict:
    """Write ``per_type`` degraded documents of every type and ``truth.json`` into ``directory``."""
    rng = random.Random(seed)
    font = find_font()
    directory.mkdir(parents=True, exist_ok=True)
    truth: dict[str, dict] = {}
    for kind, render in RENDERERS.items():
        for i in range(per_type):
            person = make_person(rng)
            image, fields = render(rng, person, font)
            name = f"{kind}_{i + 1:02d}.jpg"
            (directory / name).write_bytes(jpeg_bytes(degrade(image, rng, strength=strength)))
            truth[name] = {"type": kind, "fields": fields}
    (directory / "truth.json").write_text(json.dumps(truth, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return truth
