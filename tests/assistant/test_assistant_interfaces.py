"""The CLI commands and the HTTP endpoint."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from fastapi import FastAPI
from fastapi.testclient import TestClient
from typer.testing import CliRunner

import shebao.cli.assistant  # noqa: F401 - registers the commands
from shebao.api.assistant import router
from shebao.cli import app

runner = CliRunner()


def _small_corpus(tmp_path: Path, laws_dir: Path) -> Path:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name in ("失业保险条例(1999-01-22).md", "女职工劳动保护特别规定(2012-04-28).md"):
        shutil.copy(laws_dir / name, corpus / name)
    return corpus


def test_ask_on_a_fresh_install_builds_the_shipped_texts_first(shebao_home):
    """No --corpus, nothing built: the first question indexes the law texts shipped with the package."""
    result = runner.invoke(app, ["ask", "失业金能领几个月", "--json"])
    assert result.exit_code == 0, result.output
    answer = json.loads(result.stdout)  # stdout carries only the JSON; progress went to stderr
    assert answer["found"] and (answer["citations"][0]["law"], answer["citations"][0]["article"]) in {
        ("失业保险条例", 17), ("中华人民共和国社会保险法", 46)}
    assert "首次使用" in result.stderr and "社会保险法(2018-12-29).md" in result.stderr
    manifest = json.loads(next((shebao_home / "kb").glob("*/manifest.json")).read_text(encoding="utf-8"))
    assert manifest["files"] and len(manifest["files"]) == 15 and manifest["embedder"]
    again = runner.invoke(app, ["ask", "失业金能领几个月", "--json"])
    assert again.exit_code == 0 and "首次使用" not in again.stderr  # built once


def test_build_ask_and_batch(tmp_path, shebao_home, laws_dir):
    corpus = _small_corpus(tmp_path, laws_dir)
    built = runner.invoke(app, ["kb", "build", str(corpus), "--json", "--no-embeddings"])
    assert built.exit_code == 0, built.output
    report = json.loads(built.stdout)
    assert report["files"] == 2 and report["articles"] == 49

    asked = runner.invoke(app, ["ask", "失业金能领几个月", "--json", "--no-rerank"])
    assert asked.exit_code == 0, asked.output
    answer = json.loads(asked.stdout)
    assert answer["citations"][0] == {
        **answer["citations"][0], "law": "失业保险条例", "article": 17,
    }
    # the period depends on the years paid: the rule from the parameter tree, and the question back
    assert answer["route"] == "clarify"
    assert [r["name"] for r in answer["policy_references"]] == ["unemployment.duration_months"]

    batch = tmp_path / "q.txt"
    batch.write_text("生孩子产假有多少天？\n\n今天天气怎么样\n", encoding="utf-8")
    out = runner.invoke(app, ["ask", "--batch", str(batch), "--no-rerank"])
    assert out.exit_code == 0, out.output
    lines = [json.loads(line) for line in out.stdout.splitlines()]
    assert len(lines) == 2
    assert lines[0]["citations"][0]["law"] == "女职工劳动保护特别规定" and lines[0]["citations"][0]["article"] == 7
    assert lines[1]["found"] is False

    human = runner.invoke(app, ["ask", "生孩子产假有多少天？", "--no-rerank"])
    assert "《女职工劳动保护特别规定》第七条" in human.stdout and "出处" in human.stdout


def test_kb_eval_prints_figures(tmp_path, shebao_home, laws_dir):
    corpus = _small_corpus(tmp_path, laws_dir)
    questions = tmp_path / "q.yaml"
    questions.write_text(
        "questions:\n"
        "  - q: 失业金能领几个月\n    answers: [{law: 失业保险条例, article: 17}]\n"
        "  - q: 生孩子产假有多少天\n    answers: [{law: 女职工劳动保护特别规定, article: 7}]\n",
        encoding="utf-8",
    )
    assert runner.invoke(app, ["kb", "build", str(corpus), "--no-embeddings"]).exit_code == 0
    result = runner.invoke(app, ["kb", "eval", "--questions", str(questions), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    names = [s["name"] for s in data["summary"]]
    assert names[0].startswith("baseline") and len(data["questions"]) == 2
    assert data["summary"][-1]["hit@1"] == 1.0
    table = runner.invoke(app, ["kb", "eval", "--questions", str(questions)])
    assert "hit@3" in table.stdout and "MRR" in table.stdout


def test_api_ask(tmp_path, shebao_home, laws_dir):
    api = FastAPI()
    api.include_router(router)
    client = TestClient(api)
    first = client.post("/api/v1/ask", json={"question": "失业金能领几个月"})  # nothing built: shipped texts
    assert first.status_code == 200 and first.json()["found"], first.text

    corpus = _small_corpus(tmp_path, laws_dir)
    assert runner.invoke(app, ["kb", "build", str(corpus), "--no-embeddings"]).exit_code == 0
    response = client.post("/api/v1/ask", json={"question": "失业金能领几个月"})  # no login needed
    assert response.status_code == 200
    body = response.json()
    assert body["found"] and body["citations"][0]["law"] == "失业保险条例" and body["citations"][0]["article"] == 17
    assert client.post("/api/v1/ask", json={"question": ""}).status_code == 422


def test_api_conversation_keeps_the_slots(shebao_home):
    api = FastAPI()
    api.include_router(router)
    client = TestClient(api)
    first = client.post("/api/v1/ask", json={"question": "我1968年5月出生，什么时候退休"}).json()
    assert first["route"] == "clarify" and first["missing"] == ["sex"] and first["conversation_id"]
    second = client.post("/api/v1/ask", json={"question": "男", "conversation_id": first["conversation_id"]}).json()
    assert second["route"] == "calculator" and second["conversation_id"] == first["conversation_id"]
    assert second["result"]["retirement_date"] == "2029-04"
    # without the conversation id the same reply is not understood as an answer
    alone = client.post("/api/v1/ask", json={"question": "男"}).json()
    assert alone["route"] != "calculator" and alone["conversation_id"] != first["conversation_id"]


def test_cli_context_and_batch_json(tmp_path, shebao_home):
    asked = runner.invoke(app, ["ask", "失业金能领几个月", "--json"])
    assert asked.exit_code == 0, asked.output
    first = json.loads(asked.stdout)
    assert first["route"] == "clarify" and first["context"]["kind"] == "unemployment"
    follow = runner.invoke(app, ["ask", "交了7年", "--context", json.dumps(first["context"], ensure_ascii=False), "--json"])
    assert follow.exit_code == 0, follow.output
    answer = json.loads(follow.stdout)
    assert answer["route"] == "calculator" and answer["result"]["duration_months"] == 18
    bad = runner.invoke(app, ["ask", "交了7年", "--context", "{not json", "--json"])
    assert bad.exit_code != 0 and "--context" in bad.stderr

    batch = tmp_path / "q.txt"
    batch.write_text("交了7年失业金能领几个月\n今天天气怎么样\n\n九级伤残能拿几个月工资\n", encoding="utf-8")
    out = runner.invoke(app, ["ask", "--batch", str(batch), "--json"])
    assert out.exit_code == 0, out.output
    lines = out.stdout.splitlines()
    assert len(lines) == 3  # exactly one JSON object per question, nothing else on stdout
    objects = [json.loads(line) for line in lines]
    assert [o["question"] for o in objects] == ["交了7年失业金能领几个月", "今天天气怎么样", "九级伤残能拿几个月工资"]
    assert objects[1]["citations"] == []


def test_ask_writes_no_library_debug_notes_on_stderr(shebao_home):
    """The retrieval library sets its own logger to DEBUG when imported; a user asking a question
    sees the answer on stdout and no "DEBUG bm25s: Building index from tokens" on stderr."""
    import os
    import subprocess
    import sys

    shebao = str(Path(sys.executable).with_name("shebao"))
    env = {**os.environ, "SHEBAO_HOME": str(shebao_home)}
    result = subprocess.run([shebao, "ask", "失业金能领几个月", "--json"], env=env, capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    assert json.loads(result.stdout)["context"]["kind"] == "unemployment"
    assert "DEBUG" not in result.stderr, result.stderr[-2000:]
