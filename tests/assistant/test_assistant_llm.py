"""The optional generative step, against a real HTTP endpoint on 127.0.0.1 started in the test."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from shebao.assistant.answer import Assistant
from shebao.assistant.llm import chat_url, validate


class _FakeModel(BaseHTTPRequestHandler):
    reply = ""
    requests: list[dict] = []

    def do_POST(self):  # noqa: N802 - http.server's naming
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).requests.append({"path": self.path, "body": body})
        payload = json.dumps({"choices": [{"message": {"role": "assistant", "content": type(self).reply}}]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args):
        pass


@pytest.fixture()
def model_server():
    _FakeModel.requests = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _FakeModel)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_validation_rules():
    assert validate("失业金最长领24个月[1]。缴费满一年才能领[2]。", 2)
    assert not validate("失业金最长领24个月[1]。缴费满一年才能领。", 2)  # a sentence without a citation
    assert not validate("失业金最长领24个月[3]。", 2)  # a citation that does not exist
    assert not validate("", 2)
    # every number must be one the cited texts state
    assert validate("满10年的最长领24个月[1]。", 1, ["累计缴费时间10年以上的，领取失业保险金的期限最长为24个月"])
    assert validate("满一年可以领[1]。", 1, ["第十四条 （一）缴费义务满1年的"])
    assert not validate("满3年可以领[1]。", 1, ["第十四条 （三）缴费义务满1年的"])
    assert chat_url("http://h:1") == "http://h:1/v1/chat/completions"
    assert chat_url("http://h:1/v1/") == "http://h:1/v1/chat/completions"


def test_rewrite_used_when_every_sentence_cites(laws_kb, model_server):
    _FakeModel.reply = "缴费满一年、非本人意愿失业并办了失业登记的，可以领失业金[1]。还要有求职要求[1][2]。"
    assistant = Assistant(laws_kb, llm_url=model_server)
    result = assistant.ask("领失业金要满足什么条件")
    assert result["generated"] is True
    assert result["answer"] == _FakeModel.reply
    request = _FakeModel.requests[-1]
    assert request["path"] == "/v1/chat/completions"
    # the model is given the retrieved articles, numbered, and nothing else to cite
    user_message = request["body"]["messages"][-1]["content"]
    assert "[1] 《" in user_message and "领失业金要满足什么条件" in user_message


def test_uncited_or_invented_citation_falls_back_to_extractive(laws_kb, model_server):
    extractive = Assistant(laws_kb).ask("领失业金要满足什么条件")["answer"]
    # no citation; a citation that does not exist; a number no cited article states (not 7: the
    # third article cited may be 失业保险条例 第十六条, whose "7日内" makes a 7 one the texts state)
    for reply in ("失业金一般能领两年。", "失业金最长领24个月[9]。", "缴费满13年才能领失业金[1]。"):
        _FakeModel.reply = reply
        result = Assistant(laws_kb, llm_url=model_server).ask("领失业金要满足什么条件")
        assert result["generated"] is False and result["answer"] == extractive


def test_unreachable_server_falls_back(laws_kb):
    result = Assistant(laws_kb, llm_url="http://127.0.0.1:9").ask("领失业金要满足什么条件")
    assert result["generated"] is False and result["found"]


def test_not_found_never_calls_the_model(laws_kb, model_server):
    result = Assistant(laws_kb, llm_url=model_server).ask("怎么做红烧肉")
    assert not result["found"] and _FakeModel.requests == []
