"""The anomaly model: trained on synthetic labels with patterns held out, evaluated on another seed."""

from __future__ import annotations

from datetime import date

import pytest

from shebao.risk.anomaly import (
    FEATURES,
    evaluate,
    load_model,
    model_folder,
    recipient_labels,
    score_supervised,
    score_unsupervised,
)
from shebao.training.screening import train_from_synth

AS_OF = date(2026, 10, 31)


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    pytest.importorskip("shebao.synth")
    home = tmp_path_factory.mktemp("home")
    report = train_from_synth(persons=12000, seed=31, holdout_seed=32, as_of=AS_OF, home=home)
    return home, report


def test_training_report_and_versioned_model(trained):
    home, report = trained
    holdout = report["holdout"]
    assert report["holdout_patterns"] == ["split_transfer", "duplicate_benefit"]
    assert holdout["positives"] > 20 and holdout["auc"] > 0.9
    assert 0 < holdout["precision_at_1pct"] <= 1
    # the held-out patterns are ranked above clean recipients although never shown as positives
    for pattern in report["holdout_patterns"]:
        assert holdout["patterns"][pattern]["auc"] > 0.8, (pattern, holdout["patterns"][pattern])
    assert "auc" in report["holdout_isolation_forest"]
    folder = model_folder(home)
    assert folder.parent == home / "models" / "screening" and (folder / "model.txt").exists()
    booster, meta = load_model(folder)
    assert meta["features"] == list(FEATURES) and meta["holdout_seed"] == 32


def test_scoring_flags_top_share_with_top_features(trained, tmp_path):
    from shebao import synth
    from shebao.engines.factory import make_engine
    from shebao.risk.features import compute_features

    home, _ = trained
    folder = tmp_path / "pop"
    synth.generate(3000, seed=33, out=folder, as_of=AS_OF, progress=False,
                   rates=synth.PatternRates(paid_after_death=0.005, shared_account=0.003))
    with make_engine("duckdb") as eng:
        table = compute_features(eng, folder, as_of=AS_OF)
    booster, _ = load_model(model_folder(home))
    ranked = score_supervised(table, booster, share=0.02)
    flagged = [r for r in ranked if r["flagged"]]
    assert len(flagged) == round(table.num_rows * 0.02)
    assert all(r["top_features"] and r["top_features"][0]["label"] in FEATURES.values() for r in flagged)
    labels = recipient_labels(folder, AS_OF)
    hits = sum(1 for r in flagged if labels.get(r["person_id"]))
    assert hits >= len(flagged) // 2  # most of the flagged recipients carry an injected pattern
    unsup = score_unsupervised(table, share=0.02)
    assert sum(r["flagged"] for r in unsup) == len(flagged) and unsup[0]["top_features"]


def test_evaluate_measures_what_it_says():
    import numpy as np

    ids = [f"p{i}" for i in range(200)]
    labels = {"p0": {"x"}, "p1": {"x"}}
    perfect = evaluate(np.array([1.0, 0.9] + [0.1] * 198), ids, labels, share=0.01)
    assert perfect["auc"] == 1.0 and perfect["precision_at_1pct"] == 1.0 and perfect["patterns"]["x"]["in_top"] == 2
    reversed_ = evaluate(np.array([0.0, 0.0] + [0.5] * 198), ids, labels, share=0.01)
    assert reversed_["auc"] == 0.0 and reversed_["precision_at_1pct"] == 0.0


def test_shipped_model_loads_and_scores_without_training(tmp_path, monkeypatch):
    from shebao.core.settings import get_settings
    from shebao.risk.anomaly import SHIPPED_DIR, score_folder
    from shebao.risk.evaluation import read_labels

    monkeypatch.setenv("SHEBAO_HOME", str(tmp_path / "empty-home"))
    get_settings.cache_clear()
    try:
        assert model_folder() == SHIPPED_DIR
        booster, meta = load_model()
        assert meta["holdout"]["auc"] is not None and booster.num_feature() == len(FEATURES)
        synth = pytest.importorskip("shebao.synth")
        folder = tmp_path / "pop"
        synth.generate(3000, seed=34, out=folder, as_of=AS_OF, progress=False,
                       rates=synth.PatternRates(shared_account=0.004))
        ranked = score_folder(folder, as_of=AS_OF, share=0.01)
        shared = read_labels(folder / "labels.csv")["shared_account"]
        assert ranked[0]["flagged"] and shared  # the population holds shared accounts
        assert any(r["flagged"] and r["top_features"][0]["feature"] == "account_sharing" for r in ranked)
    finally:
        get_settings.cache_clear()
