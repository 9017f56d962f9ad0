"""Reading fields from OCR lines: anchors, patterns, and identifiers that are never guessed."""

from __future__ import annotations

from datetime import date

import pytest

from shebao.intake.extract import classify, read_document
from shebao.intake.ocr import Line


def lines(*texts: str) -> list[Line]:
    return [Line(text=t, score=0.99, box=(10, 40 * i, 600, 40 * i + 30)) for i, t in enumerate(texts)]


ID_OK = "370102198003151234"   # check character computed below


def _id(body17: str) -> str:
    from shebao.core.validators import id_check_char

    return body17 + id_check_char(body17)


def test_an_id_card_photocopy_is_read_field_by_field():
    number = _id("37010219800315123")
    r = read_document(lines("姓名 王建国", "性别 男 民族 汉", "出生 1980年3月15日", "住址 山东省济南市历下区泉城路",
                            "12号3单元402室", f"公民身份号码 {number}", "中华人民共和国", "居民身份证",
                            "签发机关 济南市公安局历下分局", "有效期限 2015.03.01-长期"), today=date(2026, 12, 7))
    assert r.type == "id_card"
    assert r.fields == {"name": "王建国", "sex": "男", "ethnicity": "汉", "birth_date": "1980-03-15",
                        "address": "山东省济南市历下区泉城路12号3单元402室", "id_number": number,
                        "issuing_authority": "济南市公安局历下分局", "validity": {"from": "2015-03-01", "to": "长期"}}
    assert r.problems == []


def test_an_id_number_failing_its_check_character_is_refused_not_corrected():
    number = _id("37010219800315123")
    wrong = number[:10] + str((int(number[10]) + 1) % 10) + number[11:]   # one digit misread
    r = read_document(lines("居民死亡医学证明（推断）书", "死者姓名：李秀英 性别：女", f"身份证件号码：{wrong}",
                            "死亡日期：2026年3月1日", "死亡原因：脑出血"), today=date(2026, 12, 7))
    assert r.type == "death_certificate"
    assert "id_number" not in r.fields
    assert [p["code"] for p in r.problems if p["field"] == "id_number"] == ["unreadable"]
    assert "校验" in next(p["message"] for p in r.problems if p["field"] == "id_number")
    assert r.fields["name"] == "李秀英" and r.fields["death_date"] == "2026-03-01" and r.fields["cause"] == "脑出血"


def test_letters_read_for_digits_are_mapped_back_only_when_the_check_then_passes():
    number = _id("37010219800315123")
    looks = number.replace("0", "O", 1).replace("1", "l", 1)
    r = read_document(lines("居民死亡医学证明（推断）书", "死者姓名：李秀英", f"身份证件号码：{looks}",
                            "死亡日期：2026年3月1日", "死亡原因：脑出血"), today=date(2026, 12, 7))
    assert r.fields["id_number"] == number


@pytest.mark.parametrize("digits, expected", [("6222 0212 3456 7890 128", "6222021234567890128"),
                                              ("6222 0212 3456 7890 129", None)])
def test_a_card_number_must_pass_luhn(digits, expected):
    r = read_document(lines("中国工商银行", "借记卡 DEBIT CARD", digits, "银联"))
    assert r.type == "bank_card"
    assert r.fields.get("card_number") == expected
    assert r.fields["bank"] == "中国工商银行"
    if expected is None:
        assert any(p["field"] == "card_number" and p["code"] == "unreadable" for p in r.problems)


def test_separation_accident_and_diagnosis():
    from shebao.core.validators import uscc_check_char

    uscc = "91370100MA3C12345" + uscc_check_char("91370100MA3C12345")
    sep = read_document(lines("解除（终止）劳动合同证明书", "职工姓名：张三", f"身份证号码：{_id('37010219800315123')}",
                              "用人单位：济南华信科技有限公司", f"统一社会信用代码：{uscc}", "解除(终止)日期：2026年8月31日",
                              "解除（终止）原因：劳动合同期满终止", "用人单位（盖章） 2026年9月2日"), today=date(2026, 12, 7))
    assert sep.type == "separation_certificate"
    assert sep.fields["employer"] == "济南华信科技有限公司" and sep.fields["uscc"] == uscc
    assert sep.fields["separation_date"] == "2026-08-31" and sep.fields["reason"] == "劳动合同期满终止"
    acc = read_document(lines("工伤认定申请表", "受伤害职工姓名：赵六 性别：男", "用人单位：淄博东岳化工股份有限公司",
                              "事故时间：2026年7月9日10时30分", "事故地点：仓库装卸区", "事故经过：搬运货物时从高处",
                              "跌落", "申请人（签字）："), today=date(2026, 12, 7))
    assert acc.fields == {"name": "赵六", "employer": "淄博东岳化工股份有限公司", "time": "2026-07-09 10:30",
                          "place": "仓库装卸区", "description": "搬运货物时从高处跌落"}
    dia = read_document(lines("青岛市市立医院", "诊断证明书", "姓名：钱七 性别：女 年龄：45岁", "就诊日期：2026年9月2日",
                              "诊断：右侧桡骨远端骨折", "ICD-10：S52.5", "医师签名：王医生"), today=date(2026, 12, 7))
    assert dia.fields == {"name": "钱七", "hospital": "青岛市市立医院", "date": "2026-09-02",
                          "diagnosis": "右侧桡骨远端骨折", "icd10": "S52.5"}


def test_a_date_out_of_range_is_a_problem():
    r = read_document(lines("居民死亡医学证明（推断）书", "死者姓名：李秀英", "死亡日期：2031年3月1日", "死亡原因：脑出血"),
                      today=date(2026, 12, 7))
    assert r.fields["death_date"] == "2031-03-01"
    assert any(p["field"] == "death_date" and p["code"] == "out_of_range" for p in r.problems)


def test_an_unknown_layout_is_other_with_its_text():
    r = read_document(lines("购物小票", "苹果 3.50"))
    assert r.type == "other" and r.fields == {} and r.raw_text == "购物小票\n苹果 3.50"
    assert classify(lines("购物小票")) is None


def test_a_spec_is_data_and_a_bad_one_is_refused(tmp_path):
    from shebao.intake.doctypes import SpecError, load_specs, parse_spec

    good = {"type": "household", "label": "户口簿", "classify": {"anchors": {"常住人口登记卡": 5}, "min_score": 5},
            "fields": [{"key": "name", "label": "姓名", "anchors": ["姓名"], "kind": "name"}]}
    spec = parse_spec(good, source="household.yaml")
    r = read_document(lines("常住人口登记卡", "姓名：周八"), specs=(spec,))
    assert r.type == "household" and r.fields == {"name": "周八"}
    with pytest.raises(SpecError, match="字段名"):
        parse_spec({**good, "fields": [{"key": "nickname", "kind": "name"}]}, source="x.yaml")
    with pytest.raises(SpecError, match="类型"):
        parse_spec({**good, "fields": [{"key": "name", "kind": "emoji"}]}, source="x.yaml")
    assert {s.type for s in load_specs()} == {"id_card", "bank_card", "death_certificate", "separation_certificate",
                                              "diagnosis", "accident_report"}


def test_a_truncated_identifier_is_refused_with_a_reason():
    r = read_document(lines("解除（终止）劳动合同证明书", "职工姓名：朱永", "统一社会信用代码：91110105J7J3KM9X8"))
    assert "uscc" not in r.fields
    assert [p["code"] for p in r.problems if p["field"] == "uscc"] == ["unreadable"]
