"""The application risk model: rules, factors from LightGBM, training with held-out patterns, the demo step."""

from __future__ import annotations

import datetime as dt
import json

from shebao.risk.application_features import FEATURES, ApplicantHistory, application_features
from shebao.risk.application_model import rule_hits, score_application

ON = dt.date(2025, 3, 10)


def clean_history(**kw) -> ApplicantHistory:
    detail = [(f"{y}-{m:02d}", "pension", "E1", 700000, dt.date(y, m, 20)) for y in (2022, 2023, 2024)
              for m in range(1, 13)]
    return ApplicantHistory(birth_date=dt.date(1964, 10, 15), deemed_months=24, contributions=detail,
                            years=[(y, "pension", 12, 1.0) for y in range(1996, 2022)],
                            account_balance_fen=15_000_000, **kw)


def test_rules_fire_on_registry_signals_and_back_payments():
    assert rule_hits("pension", application_features("pension", clean_history(), ON)) == []
    codes = {r["code"] for r in rule_hits("pension", application_features(
        "pension", clean_history(in_death_registry=True, in_custody=True, bank_shared_recipients=2,
                                 n_person_records=2), ON))}
    assert codes == {"applicant_deceased", "applicant_in_custody", "bank_account_shared", "duplicate_registration"}
    h = clean_history()
    h.contributions = h.contributions + [(f"2021-{m:02d}", "pension", "", 2_200_000, dt.date(2024, 12, 2))
                                         for m in range(1, 13)]
    f = application_features("pension", h, ON)
    assert f["late_paid_months"] == 12 and f["max_months_one_day"] == 12
    assert "large_recent_backpayment" in {r["code"] for r in rule_hits("pension", f)}


def test_score_explains_itself_with_lightgbm_contributions():
    import numpy as np

    from shebao.risk.application_model import load_model

    h = clean_history()
    result = score_application("pension", h, ON)
    assert result["level"] == "low" and 0 <= result["model"]["score"] < result["model"]["threshold"]
    booster, meta = load_model()
    assert meta["features"] == list(FEATURES) and meta["holdout"]["auc"] > 0.8
    row = np.array([[result["features"][n] for n in FEATURES]])
    assert abs(booster.predict(row)[0] - result["model"]["score"]) < 1e-4
    contrib = booster.predict(row, pred_contrib=True)[0][:-1]
    top = np.array(list(FEATURES))[np.argsort(-contrib)][: len(result["factors"])]
    assert [f["feature"] for f in result["factors"]] == top.tolist()
    risky = score_application("pension", clean_history(bank_shared_recipients=3), ON)
    assert risky["level"] == "high" and risky["score"] == 1.0


def test_fast_contributions_are_those_of_booster_predict():
    """The single-row fast path gives exactly ``predict(row, pred_contrib=True)``: same numbers to the bit,
    on feature rows of real histories and on random rows across the features' ranges, after a reload too."""
    import numpy as np

    from shebao.risk.application_model import contributions, forget_loaded_models, load_model

    booster, _ = load_model()
    histories = [clean_history(), clean_history(bank_shared_recipients=3, n_person_records=2),
                 clean_history(in_custody=True)]
    rows = [np.array([[application_features("pension", h, ON)[n] for n in FEATURES]]) for h in histories]
    rng = np.random.default_rng(17)
    rows += [rng.random((1, len(FEATURES))) * rng.choice([1, 3, 400, 5000], size=len(FEATURES)) for _ in range(200)]
    for row in rows:
        expected = booster.predict(row, pred_contrib=True, num_threads=1)[0]
        assert expected.shape == (len(FEATURES) + 1,)
        assert np.array_equal(contributions(booster, row), expected)
    forget_loaded_models()
    reloaded, _ = load_model()
    assert reloaded is not booster
    assert np.array_equal(contributions(reloaded, rows[0]), reloaded.predict(rows[0], pred_contrib=True)[0])


def test_training_holds_patterns_out_and_reports_the_holdout(shebao_home, tmp_path):
    from shebao.risk.application_model import load_model, model_folder
    from shebao.training.applications import train_from_synth

    report = train_from_synth(persons=1500, seed=5, holdout_seed=6, as_of=dt.date(2025, 9, 30))
    assert set(report["holdout_patterns"]) == {"paid_while_imprisoned", "duplicate_benefit"}
    h = report["holdout"]
    assert h["applicants"] > 100 and h["positives"] > 0 and h["auc"] is not None
    assert 0 <= h["precision_at_budget"] <= 1 and h["review_budget"] == 0.05
    folder = model_folder()
    assert folder.parent.name == "applications" and str(folder) == report["model_path"]
    _, meta = load_model(folder)
    assert meta["train_seed"] == 5 and meta["holdout_seed"] == 6
    json.dumps(report)


def test_demo_step_runs_applications_through_the_pipeline(db, tmp_path):
    from shebao.cases.demo import run_demo_applications
    from shebao.registry.loader import load_folder
    from shebao.synth import generate

    as_of = dt.date(2025, 9, 30)
    generate(persons=800, seed=3, out=tmp_path / "pop", as_of=as_of, progress=False)
    load_folder(tmp_path / "pop", actor="admin", progress=False)
    summary = run_demo_applications(as_of=as_of)
    assert summary["applications"] > 0
    assert summary["applications"] == summary["auto_approved"] + summary["manual_review"] + summary["rejected"]
    assert summary["median_decision_ms"] > 0
    again = run_demo_applications(as_of=as_of)  # idempotent: the same keys
    assert again["applications"] == summary["applications"]
