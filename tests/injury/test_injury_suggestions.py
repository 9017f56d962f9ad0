"""The two suggestions on the labelled sets (the issue's goals) and on the law's edge cases; bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data"


def test_determination_goals_on_the_labelled_set():
    from shebao.injury.evaluation import evaluate_determination, load_rows

    rows = load_rows(DATA / "determination_eval.jsonl")
    assert len(rows) >= 80
    # every item of articles 14–16 is in the set
    items = {(r["expect"]["article"], r["expect"]["item"]) for r in rows}
    assert {(14, i) for i in range(1, 8)} | {(15, i) for i in range(1, 4)} | {(16, i) for i in range(1, 4)} <= items
    result = evaluate_determination(rows)
    assert result["accuracy"] >= 0.95, result["errors"]
    assert result["excluded_stated_but_injury"] == 0
    assert result["ms_per_text"] <= 50


def test_grade_goals_on_the_labelled_set():
    from shebao.injury.evaluation import evaluate_grade, load_rows

    rows = load_rows(DATA / "grade_eval.jsonl")
    assert len(rows) >= 80
    assert {r["expect"]["grade"] for r in rows} >= set(range(1, 11))
    result = evaluate_grade(rows)
    assert result["accuracy"] >= 0.90, result["errors"]
    graded = [r for r in rows if r["expect"]["grade"] is not None]
    assert result["within_one"] >= len(rows) - (len(rows) - len(graded)) and result["within_one_rate"] == 1.0
    assert result["ms_per_text"] <= 50


@pytest.mark.parametrize(("text", "expected"), [
    # the worker's share of responsibility matters for road accidents only
    ("下班坐地铁回家，地铁追尾，我被撞伤了，我自己也有责任。", ("injury", 14, 6)),
    ("下班坐火车回父母家，火车脱轨受伤。", ("injury", 14, 6)),
    ("下班骑车回家被车撞了，交警认定我负同等责任。", ("injury", 14, 6)),
    ("下班骑车回家被车撞了，交警认定我负主要责任。", ("not_injury", None, None)),
    # the worker's own negligence never excludes
    ("上班时我没按规定操作，不小心被冲床压断了手指。", ("injury", 14, 1)),
    # 旧伤复发 under 第十五条（三） is for a disabled ex-serviceman with his certificate only
    ("旧伤复发住院，以前是在厂里受的工伤。", ("not_injury", None, None)),
    ("退伍军人，持革命伤残军人证，到公司后旧伤复发。", ("deemed", 15, 3)),
    # 饮酒 is not 醉酒
    ("中午喝了一杯啤酒，没有喝醉，下午在车间搬货时砸伤了脚。", ("injury", 14, 1)),
])
def test_the_law_as_written(text, expected):
    from shebao.injury.determination import suggest

    got = suggest(text)
    assert (got["determination"], got["article"], got["item"]) == expected, got["explanation"]


def test_heroic_act_is_flagged_as_local_practice():
    from shebao.injury.determination import suggest

    got = suggest("周末在街上见义勇为，制止抢劫被刺伤。")
    assert (got["determination"], got["article"], got["item"]) == ("deemed", 15, 2)
    assert got["local_practice"] is True and "各地的做法" in got["explanation"]


def test_unclear_names_the_fact_the_item_needs_and_cites_the_article():
    from shebao.injury.determination import suggest

    got = suggest("下班路上骑电动车被车撞了，腿骨折。")
    assert (got["determination"], got["article"], got["item"]) == ("unclear", 14, 6)
    assert got["missing"] == ["traffic_responsibility"]
    refs = [c["ref"] for c in got["citations"]]
    assert "工伤保险条例 第十四条第（六）项" in refs
    # each fact comes with the words it was read from
    assert got["facts"]["commuting"]["words"] and got["facts"]["commuting"]["value"] is True


def test_an_exclusion_is_never_injury_even_with_facts_saying_otherwise():
    from shebao.injury.determination import suggest

    got = suggest("上班时在车间被机器压伤，当时他喝醉了。", {"drunk": False})
    assert got["determination"] != "injury"
    assert got["contradictions"] and got["contradictions"][0]["fact"] == "drunk"
    assert "drunk" in got["missing"]


@pytest.mark.parametrize("text", ["", "   ", "I hurt my hand at work.", "今天天气不错，去哪儿吃饭？", None, 123])
def test_bad_input_is_unclear_with_a_reason(text):
    from shebao.injury.determination import suggest

    got = suggest(text)
    assert got["determination"] == "unclear" and got["article"] is None and got["explanation"]


def test_bad_facts_are_reported_not_used():
    from shebao.injury.determination import suggest

    got = suggest("下班路上被车撞了。", {"traffic_responsibility": "不知道", "nonsense": 1, "drunk": "yes"})
    assert got["determination"] == "unclear"
    assert len(got["notes"]) == 3


@pytest.mark.parametrize("text", ["", "Fracture of the left tibia", "一切正常，未见残疾。", None])
def test_grade_bad_input_is_null_with_a_reason(text):
    from shebao.injury.grading import suggest_grade

    got = suggest_grade(text)
    assert got["grade"] is None and got["explanation"] and got["missing"]


def test_grade_combines_by_the_standard_rule_and_names_what_is_missing():
    from shebao.injury.grading import suggest_grade

    two_nines = suggest_grade("右胫骨骨折内固定术后；左肱骨骨折钢板内固定术后。")
    assert two_nines["grade"] == 8 and "晋升一级" in two_nines["explanation"]
    mixed = suggest_grade("右小腿截肢术后；左耳听力损失95dB，右耳正常。")
    assert mixed["grade"] == 5 and mixed["clause"] == "5.5.2(21)"
    joint = suggest_grade("左肘关节外伤后功能障碍。")
    assert joint["grade"] is not None and any("活动度" in m for m in joint["missing"])
    assert {"grade", "clause", "clause_text", "score"} <= set(joint["candidates"][0])


def test_grade_output_carries_the_standard_caveat():
    from shebao.injury.grading import standard, suggest_grade

    assert len(standard().clauses) == 530
    assert "非官方文本" in suggest_grade("脾切除术后")["caveat"]


def test_evaluation_rejects_a_broken_set(tmp_path):
    from shebao.injury.evaluation import load_rows

    (tmp_path / "x.jsonl").write_text('{"text": "a", "expect": {}}\nnot json\n', encoding="utf-8")
    with pytest.raises(ValueError, match="第2行"):
        load_rows(tmp_path / "x.jsonl")


def test_sets_are_valid_json_lines():
    for path in DATA.glob("*.jsonl"):
        for line in path.read_text(encoding="utf-8").splitlines():
            assert isinstance(json.loads(line)["expect"], dict)


class _FakeModel:
    """A real HTTP endpoint on 127.0.0.1 answering like an OpenAI-compatible server."""

    reply = ""


@pytest.fixture()
def model_server():
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - http.server's naming
            self.rfile.read(int(self.headers["Content-Length"]))
            payload = json.dumps({"choices": [{"message": {"content": _FakeModel.reply}}]}).encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_a_model_adds_facts_but_the_rules_decide(model_server):
    from shebao.injury.determination import suggest
    from shebao.injury.llm import reader

    text = "那天下班路上出了事，人被车碰了。"
    assert suggest(text)["determination"] == "unclear"
    _FakeModel.reply = '{"traffic_responsibility": "none", "drunk": "maybe", "commuting": false}'
    got = suggest(text, llm=reader(model_server))
    # the model's responsibility is used; its ill-typed value is dropped; where the rules read something
    # (commuting) the rules' reading stands
    assert (got["determination"], got["article"], got["item"]) == ("injury", 14, 6)
    assert got["facts"]["traffic_responsibility"]["source"] == "llm"
    assert got["facts"]["commuting"]["value"] is True
    _FakeModel.reply = "我不确定"
    assert suggest(text, llm=reader(model_server))["determination"] == "unclear"
    assert suggest(text, llm=reader("http://127.0.0.1:9"))["determination"] == "unclear"  # unreachable
