"""Train the screening anomaly model (:mod:`shebao.risk.anomaly`) on synthetic populations.

Training lives here, not in ``risk``: it needs the synthetic population generator (``synth``), which no
domain imports at run time. ``shebao risk model train screening`` calls it.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path

import numpy as np

from shebao.engines.factory import make_engine
from shebao.risk.anomaly import (
    FEATURES,
    HOLDOUT_PATTERNS,
    LGBM_PARAMS,
    ROUNDS,
    TRAINING_RATES,
    evaluate,
    feature_matrix,
    recipient_labels,
    save_model,
    score_unsupervised_scores,
    train,
)
from shebao.risk.features import compute_features
from shebao.synth import PatternRates, generate


def train_from_synth(
    *, persons: int = 20000, seed: int = 11, holdout_seed: int = 12, as_of: date = date(2026, 10, 31),
    holdout_patterns: tuple[str, ...] = HOLDOUT_PATTERNS, home: Path | None = None,
    rates: dict[str, float] | None = None, progress: Callable[[str], None] | None = None,
) -> dict:
    """Generate two synthetic populations, train on one (patterns held out), evaluate on the other.

    The populations carry the patterns more often than a real registry (:data:`TRAINING_RATES`),
    so that a few thousand recipients hold enough cases of each to learn from and to measure.

    Returns the report (also stored in the model's ``meta.json``).
    """
    say = progress or (lambda _msg: None)
    rates = {**TRAINING_RATES, **(rates or {})}
    data: dict[int, tuple[list[str], np.ndarray, dict]] = {}
    with tempfile.TemporaryDirectory(prefix="shebao-train-") as tmp:
        for s in (seed, holdout_seed):
            folder = Path(tmp) / f"seed{s}"
            say(f"生成合成人群（{persons} 人，种子 {s}）…")
            generate(persons, seed=s, out=folder, as_of=as_of, rates=PatternRates(**rates), progress=False)
            with make_engine("duckdb") as eng:
                table = compute_features(eng, folder, as_of=as_of)
            ids, matrix = feature_matrix(table)
            data[s] = (ids, matrix, recipient_labels(folder, as_of))
    ids, matrix, labels = data[seed]
    keep = np.array([not (labels.get(p, set()) & set(holdout_patterns)) for p in ids])
    y = np.array([1 if labels.get(p) else 0 for p in ids])
    say(f"训练 LightGBM：{int(keep.sum())} 名领取人，正例 {int(y[keep].sum())}（不含模式 {', '.join(holdout_patterns)}）")
    booster = train(matrix[keep], y[keep])
    h_ids, h_matrix, h_labels = data[holdout_seed]
    report = {
        "features": list(FEATURES), "persons": persons, "train_seed": seed, "holdout_seed": holdout_seed,
        "as_of": as_of.isoformat(), "rates": rates, "holdout_patterns": list(holdout_patterns), "params": LGBM_PARAMS,
        "rounds": ROUNDS, "trained_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "train": evaluate(booster.predict(matrix), ids, labels),
        "holdout": evaluate(booster.predict(h_matrix), h_ids, h_labels),
    }
    unsup = score_unsupervised_scores(h_matrix)
    report["holdout_isolation_forest"] = evaluate(unsup, h_ids, h_labels)
    folder = save_model(booster, report, home)
    report["model_path"] = str(folder)
    return report
