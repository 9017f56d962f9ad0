"""The one table of labels covers what the domains emit: audit actions, reason codes, parameters, units."""

from __future__ import annotations

import re
from pathlib import Path

from shebao.policy.paramset import default_parameters
from shebao.web import labels
from shebao.web.labels import LABELS

PACKAGE = Path(labels.__file__).resolve().parents[1]
CJK = re.compile(r"[\u4e00-\u9fff]")


def _source() -> str:
    return "\n".join(p.read_text(encoding="utf-8") for p in PACKAGE.rglob("*.py"))


def test_every_audited_action_has_a_label() -> None:
    text = _source()
    actions = set(re.findall(r"append\(\s*session,\s*action=\"([a-z_.]+)\"", text))
    actions |= set(re.findall(r"action=\"([a-z_]+\.[a-z_.]+)\"", text))
    actions |= {f"payment.{kind}" for kind in LABELS["payment_kind"]}
    assert len(actions) > 30
    missing = sorted(a for a in actions if a not in LABELS["audit_action"])
    assert not missing, missing


def test_every_reason_code_has_a_label() -> None:
    text = _source()
    codes = set(re.findall(r"\"code\": \"([a-z_]+)\"", text)) | set(re.findall(r"\breason\(\s*\"([a-z_]+)\"", text))
    assert {"applicant_in_custody", "voluntary_leave", "parameter_missing"} <= codes
    missing = sorted(c for c in codes if c not in LABELS["reason"])
    assert not missing, missing


def test_every_parameter_unit_and_group_reads_in_chinese() -> None:
    ps = default_parameters()
    for name in ps.names():
        d = ps.describe(name)
        title = labels.param_title(name, d.get("description"))
        assert CJK.search(title), (name, title)
        assert labels.param_label(name) == title
        assert d.get("unit") is None or d["unit"] in LABELS["unit"], (name, d["unit"])
        assert name.split(".")[0] in LABELS["param_group"], name


def test_values_counts_and_free_text() -> None:
    assert labels.value_text("0.6", "rate") == "60%"
    assert labels.value_text("0.2", "rate") == "20%"
    assert labels.value_text(True, "bool") == "是" and labels.value_text(None, "yuan") == "缺失"
    assert labels.value_text({"60": 139}, "months") == "（表格）"
    assert labels.count(0.0) == "0" and labels.num(3.0) == "3" and labels.num(1.0948) == "1.0948"
    assert labels.zh("applicant_in_custody", "reason") == "申请人在服刑名单中"
    assert labels.zh("something_new", "reason") == "something_new"  # unknown: visible, so the walk finds it
    text = labels.plain_text("参数缺失：pension.account.interest_rate；请填写 avg_contribution_index")
    assert "pension.account" not in text and "avg_contribution_index" not in text and "平均缴费指数" in text
    marked = str(labels.plain("用 shebao benefits overpayment 登记 <b>"))
    assert '<code class="ident">shebao benefits overpayment</code>' in marked and "&lt;b&gt;" in marked
    items = dict(labels.detail_items({"kind": "suspension", "reason_code": "alert", "unknown_key": 1, "ok": True}))
    assert items == {"类别": "暂停发放", "原因": "稽核疑点", "结果": "是"}
