"""POST /api/v1/intake (roles, limits, per-file problems) and the ``shebao intake`` command's JSON."""

from __future__ import annotations

import json

from fastapi.testclient import TestClient
from intake_builders import draw, jpeg
from typer.testing import CliRunner

DOC_KEYS = {"file", "type", "fields", "confidence", "problems"}


def _token(username: str, role: str) -> dict:
    from shebao.core.db import session_scope
    from shebao.users.service import add_user, issue_token

    with session_scope() as s:
        add_user(s, username=username, role=role, password="correct-horse-battery", display_name=username)
    with session_scope() as s:
        s.info["actor"] = username
        token = issue_token(s, username=username)
    return {"Authorization": f"Bearer {token}"}


def test_upload_reads_the_good_files_and_says_what_is_wrong_with_the_others(db, monkeypatch):
    from shebao.api.app import create_app
    from shebao.core.settings import get_settings

    monkeypatch.setenv("SHEBAO_INTAKE_MAX_FILE_BYTES", str(2 * 1024 * 1024))
    get_settings.cache_clear()
    client = TestClient(create_app(db))
    clerk, analyst = _token("c1", "clerk"), _token("a1", "analyst")
    card, truth = draw("bank_card", seed=3)
    files = [("files", ("card.jpg", jpeg(card), "image/jpeg")),
             ("files", ("big.jpg", b"\xff\xd8\xff" + b"\x00" * (3 * 1024 * 1024), "image/jpeg")),
             ("files", ("notes.txt", b"hello", "text/plain"))]
    assert client.post("/api/v1/intake", files=files, data={"kind": "pension"}).status_code == 401
    assert client.post("/api/v1/intake", files=files, data={"kind": "pension"}, headers=analyst).status_code == 403
    r = client.post("/api/v1/intake", files=files, data={"kind": "pension"}, headers=clerk)
    assert r.status_code == 200, r.text
    body = r.json()
    assert set(body) == {"documents", "missing", "mismatches", "application", "batch_id"}
    docs = {d["file"]: d for d in body["documents"]}
    assert docs["card.jpg"]["fields"]["card_number"] == truth["card_number"]
    assert [p["code"] for p in docs["big.jpg"]["problems"]] == ["too_large"]
    assert [p["code"] for p in docs["notes.txt"]["problems"]] == ["unsupported_type"]
    assert [m["type"] for m in body["missing"]] == ["id_card"]
    assert body["application"]["bank_account"] == truth["card_number"]
    bad = client.post("/api/v1/intake", files=files[:1], data={"kind": "retire"}, headers=clerk)
    assert bad.status_code == 422 and "申领类型" in bad.text
    # the request as a whole over SHEBAO_INTAKE_MAX_REQUEST_BYTES is refused before it is read
    limit = get_settings().intake_max_request_bytes
    refused = client.post("/api/v1/intake", content=b"x", headers={**clerk, "Content-Length": str(limit + 1),
                                                                   "Content-Type": "multipart/form-data; boundary=x"})
    assert refused.status_code == 413 and "SHEBAO_INTAKE_MAX_REQUEST_BYTES" in refused.text
    # other routes keep the general limit
    other = client.post("/api/v1/applications", content=b"x", headers={**clerk, "Content-Length": str(2 * 1024 * 1024)})
    assert other.status_code == 413 and "SHEBAO_MAX_BODY_BYTES" in other.text


def test_cli_prints_the_issue_json_shape_and_reads_each_file(db, tmp_path):
    from shebao.cli import _register, app

    _register()
    image, truth = draw("death_certificate", seed=9, degrade=True)
    good = tmp_path / "death.jpg"
    good.write_bytes(jpeg(image, quality=40))
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"\x89PNG\r\n\x1a\nbroken")
    result = CliRunner().invoke(app, ["intake", str(good), str(broken), str(tmp_path / "absent.jpg"),
                                      "--kind", "survivor", "--json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert set(out) == {"documents", "missing", "mismatches", "application"}
    assert [d["file"] for d in out["documents"]] == ["death.jpg", "broken.png", "absent.jpg"]
    death = out["documents"][0]
    assert DOC_KEYS <= set(death) and death["type"] == "death_certificate"
    assert death["fields"] == truth
    assert set(death["confidence"]) == set(truth) and all(0 < v <= 1 for v in death["confidence"].values())
    assert out["documents"][1]["problems"][0]["code"] == "corrupt"
    assert out["documents"][2]["problems"][0]["code"] == "not_found"
    assert {m["type"] for m in out["missing"]} == {"id_card", "bank_card"}
    assert CliRunner().invoke(app, ["intake", str(good), "--json"]).exit_code == 2          # --kind is required
    assert CliRunner().invoke(app, ["intake", str(good), "--kind", "x"]).exit_code == 2


def test_eval_on_the_fixed_degraded_set_meets_the_goals(data_dir):
    """≥ 98% of fields exact; no identifier ever read wrong (refused ones count against accuracy)."""
    from shebao.cli import _register, app

    _register()
    result = CliRunner().invoke(app, ["intake", "eval", str(data_dir), "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert set(report["types"]) == {"id_card", "bank_card", "death_certificate", "separation_certificate",
                                    "diagnosis", "accident_report"}
    assert report["overall"]["documents"] == 30 and report["overall"]["fields"] == 150
    assert report["overall"]["accuracy"] >= 0.98, report["errors"]
    assert report["overall"]["identifiers_wrong"] == 0
    assert all(s["classified"] == s["documents"] for s in report["types"].values())
