"""The bills exchange files: their columns, the checks of each row, and a clean copy for the engine.

``hospitals.csv``, ``bills.csv``, ``bill_items.csv`` and ``catalogue.csv`` (UTF-8 CSV with a header,
like the registry's), plus ``persons.csv`` for the sex and birth date of the insured (else the
registry). Every row is checked; a bad row goes to the rejects report with its file, line, field,
value and reason, and the good rows are kept. A line whose bill was rejected is rejected too (it
names the bill), so that nothing is audited or paid without its header.

The checked rows are written as a clean folder (CSV, values normalised: booleans ``true``/``false``,
diagnosis codes upper case without dots, the catalogue's ICD prefixes and bundled items one per row)
which the batch engine loads with :data:`BILL_TABLES`.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from shebao.core.safefiles import open_private, safe_writer
from shebao.engines.base import DATE, INT, MONEY, STRING, TableSet
from shebao.registry.exchange import Reject

CATEGORIES = ("drug", "exam", "treatment", "material", "bed", "other")
CATEGORY_LABELS = {"drug": "药品", "exam": "检查", "treatment": "治疗", "material": "材料", "bed": "床位",
                   "other": "其他"}
CENT = Decimal("0.01")

# The columns each exchange file must have, in the order.
COLUMNS: dict[str, tuple[str, ...]] = {
    "hospitals": ("hospital_id", "name", "region_code", "agreement"),
    "bills": ("bill_id", "person_id", "hospital_id", "admit_date", "discharge_date", "injury_date",
              "diagnosis_code", "treatment_end_date", "emergency"),
    "bill_items": ("bill_id", "line_no", "service_date", "item_code", "item_name", "category", "quantity",
                   "unit_price", "amount"),
    "catalogue": ("item_code", "item_name", "category", "price_cap", "max_daily_quantity", "sex", "min_age",
                  "max_age", "icd_prefixes", "includes"),
}
FILE_ORDER = ("hospitals", "catalogue", "bills", "bill_items")

# The tables the rules see (the clean folder). Quantities are decimals with at most two places:
# they travel as the engine's DECIMAL(18, 2) ("money" kind), never as floats.
BILL_TABLES = TableSet(
    tables={
        "hospitals": {"hospital_id": STRING, "name": STRING, "region_code": STRING, "agreement": STRING},
        "bills": {"bill_id": STRING, "person_id": STRING, "hospital_id": STRING, "admit_date": DATE,
                  "discharge_date": DATE, "injury_date": DATE, "diagnosis_code": STRING, "diagnosis_norm": STRING,
                  "treatment_end_date": DATE, "emergency": STRING},
        "bill_items": {"bill_id": STRING, "line_no": INT, "service_date": DATE, "item_code": STRING,
                       "item_name": STRING, "category": STRING, "quantity": MONEY, "unit_price": MONEY,
                       "amount": MONEY},
        "catalogue": {"item_code": STRING, "item_name": STRING, "category": STRING, "price_cap": MONEY,
                      "max_daily_quantity": MONEY, "sex": STRING, "min_age": INT, "max_age": INT},
        "catalogue_icd": {"item_code": STRING, "prefix": STRING},
        "catalogue_includes": {"item_code": STRING, "included_code": STRING},
        "persons": {"person_id": STRING, "sex": STRING, "birth_date": DATE},
    },
    required=("hospitals", "bills", "bill_items", "catalogue"),
)

_ID = re.compile(r"^[A-Za-z0-9_\-]{1,32}$")
_ICD = re.compile(r"^[A-Za-z][0-9]{2}(\.?[0-9A-Za-z]{1,4})?$")
_PREFIX = re.compile(r"^[A-Za-z][0-9A-Za-z.]{0,7}$")
_REGION = re.compile(r"^\d{6}$")
TRUE, FALSE = {"true", "1", "是", "t", "yes"}, {"false", "0", "否", "f", "no"}


class RowError(ValueError):
    """One bad field of one row."""

    def __init__(self, field_name: str, value: str, reason: str):
        super().__init__(reason)
        self.field, self.value, self.reason = field_name, value, reason


@dataclass
class CheckResult:
    """What checking an exchange folder kept and rejected."""

    counts: dict[str, int] = field(default_factory=dict)
    rejected: dict[str, int] = field(default_factory=dict)
    rejects: list[Reject] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def norm_icd(code: str) -> str:
    """An ICD-10 code or prefix as the rules compare it: upper case, without dots.

    Examples:
        >>> norm_icd("s82.1")
        'S821'
    """
    return code.replace(".", "").strip().upper()


def _money(value: str, name: str, *, places: int = 2, positive: bool = False) -> Decimal:
    try:
        number = Decimal(value.strip())
    except InvalidOperation:
        raise RowError(name, value, f"{name} 不是数字") from None
    if not number.is_finite():
        raise RowError(name, value, f"{name} 不是数字")
    if number < 0 or (positive and number == 0):
        raise RowError(name, value, f"{name} 应{'大于' if positive else '不小于'} 0")
    if number.as_tuple().exponent < -places:
        raise RowError(name, value, f"{name} 最多 {places} 位小数")
    if number >= Decimal("1e15"):
        raise RowError(name, value, f"{name} 超出范围")
    return number


def _date(value: str, name: str) -> date:
    try:
        if len(value) != 10:
            raise ValueError
        return date.fromisoformat(value)
    except ValueError:
        raise RowError(name, value, f"{name} 不是有效日期（YYYY-MM-DD）") from None


def _bool(value: str, name: str) -> bool:
    text = value.strip().lower()
    if text in TRUE:
        return True
    if text in FALSE:
        return False
    raise RowError(name, value, f"{name} 应为 true 或 false")


def _id(value: str, name: str) -> str:
    if not _ID.match(value):
        raise RowError(name, value, f"{name} 为空或格式无效（字母、数字、-、_，最长 32 位）")
    return value


def _text(value: str, name: str, limit: int = 200) -> str:
    if not value.strip():
        raise RowError(name, value, f"{name} 不能为空")
    if len(value) > limit:
        raise RowError(name, value[:50], f"{name} 超过 {limit} 个字符")
    return value.strip()


def _int(value: str, name: str, low: int, high: int) -> int:
    try:
        number = int(value)
    except ValueError:
        raise RowError(name, value, f"{name} 应为整数") from None
    if not low <= number <= high:
        raise RowError(name, value, f"{name} 应在 {low}–{high} 之间")
    return number


def _codes(value: str, name: str, pattern: re.Pattern[str]) -> list[str]:
    items = [v.strip() for v in value.split(";") if v.strip()]
    for item in items:
        if not pattern.match(item):
            raise RowError(name, item, f"{name} 中的 {item} 格式无效（以 ; 分隔）")
    return items


def _bool_text(flag: bool) -> str:
    return "true" if flag else "false"


def check_hospital(row: dict[str, str]) -> list[str]:
    hospital_id = _id(row["hospital_id"], "hospital_id")
    name = _text(row["name"], "name")
    region = row["region_code"].strip()
    if not _REGION.match(region):
        raise RowError("region_code", region, "region_code 应为 6 位行政区划代码")
    return [hospital_id, name, region, _bool_text(_bool(row["agreement"], "agreement"))]


def check_catalogue(row: dict[str, str]) -> tuple[list[str], list[str], list[str]]:
    """(the catalogue row, its ICD prefixes normalised, the item codes it includes)."""
    code = _id(row["item_code"], "item_code")
    name = _text(row["item_name"], "item_name")
    category = row["category"].strip()
    if category not in CATEGORIES:
        raise RowError("category", category, f"category 应为 {'、'.join(CATEGORIES)} 之一")
    cap = row["price_cap"].strip()
    cap_text = f"{_money(cap, 'price_cap')}" if cap else ""
    daily = row["max_daily_quantity"].strip()
    daily_text = f"{_money(daily, 'max_daily_quantity', positive=True)}" if daily else ""
    sex = row["sex"].strip().upper()
    if sex not in ("", "M", "F"):
        raise RowError("sex", sex, "sex 应为 M、F 或留空")
    low = row["min_age"].strip()
    high = row["max_age"].strip()
    low_n = _int(low, "min_age", 0, 150) if low else None
    high_n = _int(high, "max_age", 0, 150) if high else None
    if low_n is not None and high_n is not None and low_n > high_n:
        raise RowError("max_age", high, "max_age 小于 min_age")
    prefixes = sorted({norm_icd(p) for p in _codes(row["icd_prefixes"], "icd_prefixes", _PREFIX)})
    includes = sorted(set(_codes(row["includes"], "includes", _ID)) - {code})
    return ([code, name, category, cap_text, daily_text, sex, low, high], prefixes, includes)


def check_bill(row: dict[str, str], hospitals: set[str], persons: Callable[[str], bool]) -> list[str]:
    bill_id = _id(row["bill_id"], "bill_id")
    person_id = _id(row["person_id"], "person_id")
    hospital_id = row["hospital_id"].strip()
    if hospital_id not in hospitals:
        raise RowError("hospital_id", hospital_id, "医疗机构不存在（hospitals.csv 中没有，或该行被拒收）")
    admit = _date(row["admit_date"], "admit_date")
    discharge = _date(row["discharge_date"], "discharge_date")
    if discharge < admit:
        raise RowError("discharge_date", row["discharge_date"], "出院日期早于入院日期")
    injury = _date(row["injury_date"], "injury_date")
    code = row["diagnosis_code"].strip()
    if not _ICD.match(code):
        raise RowError("diagnosis_code", code, "diagnosis_code 不是有效的 ICD-10 编码（如 S82.1）")
    end = row["treatment_end_date"].strip()
    end_text = _date(end, "treatment_end_date").isoformat() if end else ""
    emergency = _bool(row["emergency"], "emergency")
    if not persons(person_id):
        raise RowError("person_id", person_id, "参保人不存在（persons.csv 和登记库中都没有此人，无法核对性别和年龄）")
    return [bill_id, person_id, hospital_id, admit.isoformat(), discharge.isoformat(), injury.isoformat(), code,
            norm_icd(code), end_text, _bool_text(emergency)]


def check_item(row: dict[str, str], bills: set[str]) -> list[str]:
    bill_id = row["bill_id"].strip()
    if bill_id not in bills:
        raise RowError("bill_id", bill_id, "所属费用单不存在（bills.csv 中没有，或该单被拒收）")
    line_no = _int(row["line_no"].strip(), "line_no", 1, 10**9)
    service = _date(row["service_date"], "service_date")
    code = _id(row["item_code"].strip(), "item_code")
    name = _text(row["item_name"], "item_name")
    category = row["category"].strip()
    if category not in CATEGORIES:
        raise RowError("category", category, f"category 应为 {'、'.join(CATEGORIES)} 之一")
    quantity = _money(row["quantity"], "quantity", positive=True)
    price = _money(row["unit_price"], "unit_price")
    amount = _money(row["amount"], "amount")
    expected = (quantity * price).quantize(CENT, ROUND_HALF_UP)
    if amount != expected:
        raise RowError("amount", row["amount"], f"金额 {amount} 不等于 数量 × 单价 = {expected}（四舍五入到分）")
    return [bill_id, str(line_no), service.isoformat(), code, name, category, str(quantity), str(price), str(amount)]


_PLAIN_MONEY = re.compile(r"\d{1,13}(?:\.\d{1,2})?")
_PLAIN_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_PLAIN_LINE = re.compile(r"[1-9]\d{0,8}")
_CATEGORY_SET = frozenset(CATEGORIES)


def fast_item(v: list[str], bills: set) -> list[str] | None:
    """The checked line when every field is already in its plain form (the common case, a few times
    faster than :func:`check_item`); None sends the row to :func:`check_item` for its exact error."""
    bill_id, line_no, service, code, name, category, quantity, price, amount = v
    if not (bill_id in bills and _PLAIN_LINE.fullmatch(line_no) and _PLAIN_DATE.fullmatch(service)
            and _ID.match(code) and category in _CATEGORY_SET and _PLAIN_MONEY.fullmatch(quantity)
            and _PLAIN_MONEY.fullmatch(price) and _PLAIN_MONEY.fullmatch(amount)):
        return None
    stripped = name.strip()
    if not stripped or len(name) > 200:
        return None
    try:
        date.fromisoformat(service)
    except ValueError:
        return None
    q = Decimal(quantity)
    if not q or (q * Decimal(price)).quantize(CENT, ROUND_HALF_UP) != Decimal(amount):
        return None
    return [bill_id, line_no, service, code, stripped, category, quantity, price, amount]


def _rows(path: Path, name: str, result: CheckResult) -> Iterator[tuple[int, list[str]]]:
    """The rows of one file as lists in :data:`COLUMNS` order, with their line numbers; unreadable rows
    go to the rejects.

    The encoding is decided for the whole file (UTF-8, else GBK/GB18030) as the registry's loader
    does, and a line in another encoding is rejected with its number, never read garbled.
    """
    from shebao.registry.loader import GB, BadRecord, _decoded_lines, csv_records, detect_encoding, is_utf8

    fname = path.name

    def reject(line: int, reason: str) -> None:
        result.rejects.append(Reject(fname, line, "", "", reason))
        result.rejected[name] = result.rejected.get(name, 0) + 1

    bad: dict[int, str] = {}
    lines: Any
    if is_utf8(path):  # the usual case: decoded by the file object, no line can be bad
        lines = path.open(encoding="utf-8-sig", newline="")
    else:
        encoding = detect_encoding(path)
        if encoding == GB:
            result.warnings.append(f"{fname}：检测到 GBK/GB18030 编码，已按此编码读取")
        lines = _decoded_lines(path, encoding, bad, lambda _n: None)
    reader = csv.reader(lines)
    try:
        try:
            header = [h.strip() for h in next(reader)]
        except StopIteration:
            result.rejects.append(Reject(fname, 0, "", "", "文件为空（没有表头）"))
            return
        except csv.Error as exc:
            result.rejects.append(Reject(fname, 1, "", "", f"表头无法读取：{exc}"))
            return
        if 1 in bad:
            result.rejects.append(Reject(fname, 1, "", "", f"表头：{bad[1]}（整个文件未导入）"))
            return
        missing = [c for c in COLUMNS[name] if c not in header]
        if missing:
            result.rejects.append(Reject(fname, 1, ",".join(missing), "", f"缺少必需的列：{'、'.join(missing)}（整个文件未导入）"))
            return
        index = [header.index(c) for c in COLUMNS[name]]
        in_order = index == list(range(len(index)))
        width = len(header)

        def on_bad(line: int, record: BadRecord) -> None:
            reject(line, f"CSV 格式错误：{record.reason}" if record.kind == "csv" else record.reason)

        yield from csv_records(reader, width, bad, on_bad=on_bad,
                               shape=None if in_order and width == len(index) else (lambda v: [v[i] for i in index]))
    finally:
        lines.close()


def _writer(folder: Path, table: str):
    fh = open_private(folder / f"{table}.csv", replace=True)
    writer = safe_writer(fh)
    writer.writerow(list(BILL_TABLES.tables[table]))
    return fh, writer


def check_folder(
    folder: Path, clean: Path, *, persons: dict[str, tuple[str, str]] | None = None,
    use_persons_file: bool = True, on_file: Callable[[str], None] | None = None,
) -> CheckResult:
    """Check the exchange files of ``folder`` and write the good rows to ``clean`` (owner-only files).

    Args:
        folder: the exchange folder (hospitals, bills, bill_items, catalogue; persons optional).
        clean: an existing private folder for the checked tables.
        persons: person_id → (sex, birth date) from the registry, used when ``persons.csv`` is absent
            (or always, when ``use_persons_file`` is False); ``persons.parquet`` is read too.
        on_file: called with each file's name as it starts.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"目录不存在：{folder}")
    result = CheckResult()
    for name in COLUMNS:
        if not (folder / f"{name}.csv").exists():
            raise FileNotFoundError(f"{folder} 中缺少 {name}.csv")
    known_persons = _persons(folder, clean, persons, result, use_persons_file)

    def reject(name: str, line: int, exc: RowError) -> None:
        result.rejects.append(Reject(f"{name}.csv", line, exc.field, exc.value[:100], exc.reason))
        result.rejected[name] = result.rejected.get(name, 0) + 1

    keys: dict[str, set] = {}
    for name in FILE_ORDER:
        if on_file:
            on_file(name)
        path = folder / f"{name}.csv"
        result.rejected.setdefault(name, 0)
        seen: dict[object, int] = {}
        fh, writer = _writer(clean, name)
        extra = []
        if name == "catalogue":
            extra = [_writer(clean, "catalogue_icd"), _writer(clean, "catalogue_includes")]
        n = 0
        try:
            columns = COLUMNS[name]
            for line, values in _rows(path, name, result):
                if name == "bill_items":
                    fast = fast_item(values, keys["bills"])
                    if fast is not None:
                        key = (fast[0], int(fast[1]))
                        if key not in seen:
                            seen[key] = line
                            writer.writerow(fast)
                            n += 1
                            continue
                row = dict(zip(columns, values, strict=True))
                try:
                    if name == "hospitals":
                        out = check_hospital(row)
                        key: object = out[0]
                    elif name == "catalogue":
                        out, prefixes, includes = check_catalogue(row)
                        key = out[0]
                    elif name == "bills":
                        out = check_bill(row, keys["hospitals"], lambda p: p in known_persons)
                        key = out[0]
                    else:
                        out = check_item(row, keys["bills"])
                        key = (out[0], int(out[1]))
                    if key in seen:
                        field_name = "bill_id,line_no" if name == "bill_items" else COLUMNS[name][0]
                        raise RowError(field_name, str(key), f"与第 {seen[key]} 行重复")
                except RowError as exc:
                    reject(name, line, exc)
                    continue
                seen[key] = line
                writer.writerow(out)
                if name == "catalogue":
                    for prefix in prefixes:
                        extra[0][1].writerow([out[0], prefix])
                    for code in includes:
                        extra[1][1].writerow([out[0], code])
                n += 1
        finally:
            fh.close()
            for efh, _ in extra:
                efh.close()
        keys[name] = set(seen)
        result.counts[name] = n
    return result


def _persons(folder: Path, clean: Path, registry: dict[str, tuple[str, str]] | None,
             result: CheckResult, use_file: bool = True) -> set[str]:
    """Write the clean persons table (from persons.csv, else the registry); return the known ids."""
    known: set[str] = set()
    fh, writer = _writer(clean, "persons")
    try:
        path = folder / "persons.csv"
        if use_file and path.exists():
            with path.open(encoding="utf-8-sig", newline="") as src:
                reader = csv.DictReader(src)
                missing = [c for c in ("person_id", "sex", "birth_date") if c not in (reader.fieldnames or [])]
                if missing:
                    result.rejects.append(Reject("persons.csv", 1, ",".join(missing), "",
                                                 f"缺少必需的列：{'、'.join(missing)}（整个文件未导入）"))
                    return known
                for row in reader:
                    line = reader.line_num
                    person_id, sex = (row["person_id"] or "").strip(), (row["sex"] or "").strip().upper()
                    try:
                        _id(person_id, "person_id")
                        if sex not in ("M", "F"):
                            raise RowError("sex", sex, "sex 应为 M 或 F")
                        birth = _date((row["birth_date"] or "").strip(), "birth_date")
                    except RowError as exc:
                        result.rejects.append(Reject("persons.csv", line, exc.field, exc.value, exc.reason))
                        result.rejected["persons"] = result.rejected.get("persons", 0) + 1
                        continue
                    if person_id in known:
                        continue
                    known.add(person_id)
                    writer.writerow([person_id, sex, birth.isoformat()])
        elif use_file and (folder / "persons.parquet").exists():  # a synthetic population written as Parquet
            import pyarrow.parquet as pq

            table = pq.read_table(folder / "persons.parquet", columns=["person_id", "sex", "birth_date"]).to_pydict()
            for person_id, sex, birth in zip(table["person_id"], table["sex"], table["birth_date"], strict=True):
                if person_id and sex in ("M", "F") and birth and str(person_id) not in known:
                    known.add(str(person_id))
                    writer.writerow([person_id, sex, str(birth)[:10]])
        elif registry is not None:
            for person_id, (sex, birth) in registry.items():
                known.add(person_id)
                writer.writerow([person_id, sex, birth])
    finally:
        fh.close()
    result.counts["persons"] = len(known)
    return known
