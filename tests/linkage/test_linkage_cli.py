"""``shebao link``: a folder's clusters and review pairs, bad input, and the registry linked without
being written; the review queue through the CLI and the API."""

from __future__ import annotations

import csv
import json
from collections import Counter
from datetime import date

import pytest
from linkage_builders import add_person, dump, id_number, twice_registered
from typer.testing import CliRunner


def _app():
    from shebao.cli import _register, app

    _register()
    return app


def _pairwise_f1(clusters: dict[str, str], labels: dict[str, str]) -> float:
    def pairs(c: Counter) -> int:
        return sum(n * (n - 1) // 2 for n in c.values())

    tp = pairs(Counter((clusters[p], labels[p]) for p in labels))
    precision, recall = tp / pairs(Counter(clusters.values())), tp / pairs(Counter(labels.values()))
    return 2 * precision * recall / (precision + recall)


def test_link_a_hard_folder(shebao_home, tmp_path):
    from shebao.synth.linkage import generate_linkage_set

    folder = tmp_path / "set"
    counts = generate_linkage_set(1500, 11, folder)
    out, review = tmp_path / "clusters.csv", tmp_path / "pairs.csv"
    result = CliRunner().invoke(_app(), ["link", str(folder), "--out", str(out), "--review-out", str(review),
                                         "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["records"] == counts["records"] and summary["thresholds"]["match"] == 0.99
    assert summary["invalid_id_numbers"] > 0  # the ID typos of the set, still linked on the rest
    assert set(summary["seconds"]) >= {"read", "features", "train", "predict", "cluster"}
    with out.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0]) == ["person_id", "cluster_id", "match_probability"]
    assert len(rows) == counts["records"] and len({r["person_id"] for r in rows}) == len(rows)
    alone = [r for r in rows if r["person_id"] == r["cluster_id"] and not r["match_probability"]]
    assert alone, "a record alone is its own cluster, without a probability"
    assert all(float(r["match_probability"]) >= 0.99 for r in rows if r["match_probability"])
    with (folder / "labels.csv").open(encoding="utf-8") as fh:
        labels = {r["person_id"]: r["entity_id"] for r in csv.DictReader(fh)}
    assert _pairwise_f1({r["person_id"]: r["cluster_id"] for r in rows}, labels) >= 0.97
    with review.open(encoding="utf-8") as fh:
        pairs = list(csv.DictReader(fh))
    assert pairs and all(0.5 <= float(p["match_probability"]) < 0.99 for p in pairs)
    assert {"name_level", "id_level", "phone_level", "account_level"} <= set(pairs[0])
    assert oct(out.stat().st_mode & 0o777) == "0o600"


def test_a_missing_column_is_named_and_nothing_is_written(shebao_home, tmp_path):
    folder = tmp_path / "bad"
    folder.mkdir()
    (folder / "persons.csv").write_text("person_id,id_number,name,sex,region_code\nP1,1,张三,M,370102\n",
                                        encoding="utf-8")
    out = tmp_path / "clusters.csv"
    result = CliRunner().invoke(_app(), ["link", str(folder), "--out", str(out)])
    assert result.exit_code == 1 and "缺少列：birth_date" in result.output and "Traceback" not in result.output
    assert not out.exists()
    result = CliRunner().invoke(_app(), ["link", str(tmp_path / "nowhere"), "--out", str(out)])
    assert result.exit_code == 1 and "目录不存在" in result.output


def test_invalid_id_numbers_still_link_on_the_other_fields(shebao_home, tmp_path):
    folder = tmp_path / "ids"
    folder.mkdir()
    rows = ["person_id,id_number,name,sex,birth_date,region_code,phone"]
    for i in range(40):
        idn = id_number("370102", date(1950 + i, 3, 4), 100 + i)
        rows.append(f"Q{i:03d},{idn},{'王李张刘陈'[i % 5]}{'明华国强伟芳'[i % 6]}{i},M,{1950 + i}-03-04,370102,1390000{i:04d}")
    # the same man again: his ID mistyped beyond recognition, his phone and name as before
    rows.append("Q999,3701XX,王明0,M,1950-03-04,370102,13900000000")
    (folder / "persons.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    out = tmp_path / "clusters.csv"
    result = CliRunner().invoke(_app(), ["link", str(folder), "--out", str(out), "--threshold", "0.5", "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["invalid_id_numbers"] == 1
    with out.open(encoding="utf-8") as fh:
        cluster = {r["person_id"]: r["cluster_id"] for r in csv.DictReader(fh)}
    assert cluster["Q999"] == cluster["Q000"]


def test_link_the_registry_without_writing_it_then_review(db, tmp_path):
    from sqlalchemy import select

    from shebao.core.db import session_scope
    from shebao.users.service import add_user

    app = _app()
    with session_scope() as s:
        s.info.update(actor="tester", actor_role="admin", source="test")
        twice_registered(s)
        # a second registration under the same ID number, another city and phone
        add_person(s, "P3", name="李娜", idn=id_number("370102", date(1970, 5, 6), 224), region="370102",
                   phone="13700001111", birth=date(1970, 5, 6), sex="F")
        add_person(s, "P4", name="李 娜", idn=id_number("370102", date(1970, 5, 6), 224), region="370211",
                   phone="13700002222", birth=date(1970, 5, 6), sex="F")
        for i in range(5, 30):
            add_person(s, f"P{i}", name=f"赵{'明华国强伟芳'[i % 6]}{i}", idn=id_number("370102", date(1960, 1, i % 28 + 1), i),
                       region="370102", phone=f"1350000{i:04d}", birth=date(1960, 1, i % 28 + 1))
        add_user(s, username="rev1", role="reviewer")
        add_user(s, username="clerk1", role="clerk")
        before = dump(s)
    out = tmp_path / "clusters.csv"
    r = CliRunner().invoke(app, ["link", "--out", str(out), "--threshold", "1.0", "--json", "--as", "rev1"])
    assert r.exit_code == 0, r.output
    summary = json.loads(r.stdout)
    assert summary["records"] == 29 and summary["review_queue"]["new"] >= 1
    with session_scope() as s:
        assert dump(s) == before  # linking reads the registry and never writes it
    listed = json.loads(CliRunner().invoke(app, ["link", "review", "--json", "--as", "rev1"]).stdout)
    pair = next(p for p in listed["items"] if {p["person_id_l"], p["person_id_r"]} == {"P3", "P4"})
    assert pair["levels"]["id"]["level"].startswith("身份证号相同")
    shown = json.loads(CliRunner().invoke(app, ["link", "review", "--pair", str(pair["id"]), "--json",
                                                "--as", "rev1"]).stdout)
    assert "*" in shown["left"]["id_number"] and "*" in shown["right"]["name"]
    assert CliRunner().invoke(app, ["link", "review", "--as", "clerk1"]).exit_code == 1
    acc = CliRunner().invoke(app, ["link", "accept", str(pair["id"]), "--take", "phone=P3", "--json", "--as", "rev1"])
    assert acc.exit_code == 0, acc.output
    merged = json.loads(acc.stdout)
    assert merged["merge"]["choices"]["phone"] == "P3" and merged["screening"]["rules"] == ["R05"]
    again = CliRunner().invoke(app, ["link", "accept", str(pair["id"]), "--as", "rev1"])
    assert again.exit_code == 2 and "已处理" in again.output
    undo = CliRunner().invoke(app, ["link", "unmerge", merged["merge"]["merge_id"], "--json", "--as", "rev1"])
    assert undo.exit_code == 0 and json.loads(undo.stdout)["status"] == "undone"
    with session_scope() as s:
        assert dump(s) == before
        from shebao.linkage.models import ReviewPair

        assert s.scalar(select(ReviewPair.status).where(ReviewPair.id == pair["id"])) == "pending"


def test_api_review_merge_unmerge(db):
    from fastapi.testclient import TestClient

    from shebao.api.app import create_app
    from shebao.core.db import session_scope
    from shebao.linkage.link import LinkResult, ReviewPair
    from shebao.linkage.service import store_review_pairs
    from shebao.users.service import add_user, issue_token

    with session_scope() as s:
        s.info.update(actor="tester", actor_role="admin", source="test")
        twice_registered(s)
        levels = {"name": 6, "id": 1, "birth": 3, "sex": 2, "region": 2, "phone": 1, "account": 1}
        store_review_pairs(s, LinkResult([], [ReviewPair("P2", "P1", 0.8, 2.0, levels)], 0.99, 0.5, "duckdb"))
        add_user(s, username="rev1", role="reviewer")
        add_user(s, username="clerk1", role="clerk")
        rev, clerk = issue_token(s, username="rev1"), issue_token(s, username="clerk1")
    client = TestClient(create_app(db))
    h = {"Authorization": f"Bearer {rev}"}
    assert client.get("/api/v1/linkage/pairs", headers={"Authorization": f"Bearer {clerk}"}).status_code == 403
    page = client.get("/api/v1/linkage/pairs", headers=h).json()
    assert page["total"] == 1 and page["items"][0]["person_id_l"] == "P1"
    pid = page["items"][0]["id"]
    assert page["items"][0]["levels"]["name"]["level"] == "姓名相同（繁简、间隔号已归一）"
    shown = client.get(f"/api/v1/linkage/pairs/{pid}", headers=h).json()
    assert shown["left"]["name"] == "张*明" and shown["right"]["phone"] == "159****4321"
    assert client.post(f"/api/v1/linkage/pairs/{pid}/decide", json={"decision": "maybe"}, headers=h).status_code == 422
    done = client.post(f"/api/v1/linkage/pairs/{pid}/decide", json={"decision": "accept", "note": "核实"},
                       headers=h).json()
    assert done["merge"]["survivor_id"] == "P1" and done["pair"]["status"] == "merged"
    # both records had a live pension: after the merge the golden record has two (rule R05, red)
    assert done["screening"]["alerts"] == 1 and done["screening"]["findings"][0]["level"] == "red"
    mid = done["merge"]["merge_id"]
    assert client.get(f"/api/v1/linkage/merges/{mid}", headers=h).json()["status"] == "merged"
    assert client.post(f"/api/v1/linkage/merges/{mid}/unmerge", json={"reason": "测试"},
                       headers=h).json()["status"] == "undone"
    assert client.post(f"/api/v1/linkage/merges/{mid}/unmerge", json={}, headers=h).status_code == 409
    assert client.get("/api/v1/linkage/merges/HB0", headers=h).status_code == 404


@pytest.mark.spark
@pytest.mark.slow
@pytest.mark.timeout(1800)  # Splink's training is a few hundred Spark jobs: minutes on a busy machine
def test_link_on_spark_agrees_with_duckdb(shebao_home, tmp_path, spark):
    from shebao.engines.factory import make_engine
    from shebao.linkage.service import link_folder
    from shebao.synth.linkage import generate_linkage_set

    folder = tmp_path / "set"
    generate_linkage_set(150, 5, folder)
    duck = link_folder(folder)
    sp = link_folder(folder, engine=make_engine("spark", spark=spark))
    a = {p: c for p, c, _ in duck.clusters}
    b = {p: c for p, c, _ in sp.clusters}
    assert set(a) == set(b)
    agree = sum(1 for p in a if (a[p] == p) == (b[p] == p))
    assert agree / len(a) >= 0.98
