"""The commands as a person runs them (a subprocess): --batch gives one JSON line per input and nothing
else on stdout; eval --json prints JSON only; mistakes are one Chinese line, no traceback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def _run(args: list[str], stdin: str = "", home: Path | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(REPO), "SHEBAO_ENV": "development"}
    if home is not None:
        env["SHEBAO_HOME"] = str(home)
    return subprocess.run([sys.executable, "-c", "from shebao.cli import main; main()", *args], input=stdin,
                          capture_output=True, text=True, env=env, cwd=REPO, timeout=300)


def test_batch_gives_one_line_per_input_in_order(tmp_path):
    lines = [json.dumps({"text": "下班骑车回家被车撞了，交警认定对方全责。"}, ensure_ascii=False), "不是 JSON", "",
             json.dumps({"text": "他在车间上班时喝醉了，从梯子上摔下来。"}, ensure_ascii=False), "[1, 2]",
             json.dumps({"text": "上班路上被车撞了", "facts": {"traffic_responsibility": "none"}}, ensure_ascii=False)]
    path = tmp_path / "in.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    r = _run(["injury", "determine", "--batch", str(path)], home=tmp_path)
    assert r.returncode == 0, r.stderr
    out = [json.loads(line) for line in r.stdout.splitlines()]
    assert len(out) == len(lines)
    assert (out[0]["determination"], out[0]["item"]) == ("injury", 6)
    assert "error" in out[1] and "error" in out[2] and "error" in out[4]
    assert out[3]["determination"] == "excluded" and out[5]["determination"] == "injury"


def test_grade_batch_from_stdin_and_single(tmp_path):
    r = _run(["injury", "grade", "--batch", "-"], stdin='{"text": "脾切除术后"}\n{"text": ""}\n', home=tmp_path)
    out = [json.loads(line) for line in r.stdout.splitlines()]
    assert [o["grade"] for o in out] == [7, None]
    r = _run(["injury", "grade", "-"], stdin='{"text": "右手拇指指间关节离断"}', home=tmp_path)
    assert json.loads(r.stdout)["grade"] == 8


def test_eval_json_is_json_only(tmp_path):
    r = _run(["injury", "eval", "--json"], home=tmp_path)
    assert r.returncode == 0, r.stderr
    result = json.loads(r.stdout)
    assert result["determination"]["accuracy"] >= 0.95 and result["grade"]["within_one_rate"] == 1.0
    assert "by_item" in result["determination"] and "neighbour_confusion" in result["grade"]


def test_mistakes_are_one_line_without_traceback(tmp_path):
    r = _run(["injury", "determine", "-"], stdin="{not json", home=tmp_path)
    assert r.returncode == 1 and "Traceback" not in r.stderr and "JSON" in r.stderr
    r = _run(["injury", "determine", "x.json", "--batch", "y.jsonl"], home=tmp_path)
    assert r.returncode == 2 and "Traceback" not in r.stderr
    r = _run(["injury", "grade", "--batch", str(tmp_path / "missing.jsonl")], home=tmp_path)
    assert r.returncode == 1 and "无法读取" in r.stderr and r.stdout == ""
    r = _run(["injury", "eval", "--set", str(tmp_path)], home=tmp_path)
    assert r.returncode == 1 and "找不到评测集" in r.stderr


def test_calc_injury_lists_each_benefit_with_its_article(tmp_path):
    stdin = json.dumps({"region": "370502", "injury_date": "2024-05-01", "avg_monthly_wage": "6000", "grade": 10,
                        "regional_avg_monthly_wage": "7000", "years_to_retirement": "3.5"})
    r = _run(["calc", "injury", "-", "--shipped"], stdin=stdin, home=tmp_path)
    assert r.returncode == 0, r.stderr
    items = {i["item"]: i for i in json.loads(r.stdout)["items"]}
    assert items["disability_grant"]["amount"] == "42000.00"          # 7 × 6000 (第三十七条第（一）项)
    assert items["medical_subsidy"]["amount"] == "28000.00"           # Shandong grade 10: 4 × 7000
    assert items["employment_subsidy"]["amount"] == "33600.00"        # 8 × 7000; 3.5 years to go: 60% (band 3–<4)
    assert items["employment_subsidy"]["payer"] == "employer"
    assert all(i["reference"].startswith("工伤保险条例 第三十七条") for i in items.values())
