"""Train the application risk model (:mod:`shebao.risk.application_model`) on synthetic populations.

Training lives here, not in ``risk``: it needs the synthetic population generator (``synth``), which no
domain imports at run time. ``shebao cases model train`` calls it; ``risk`` only loads and scores the
versions it writes.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path

import lightgbm as lgb
import numpy as np

from shebao.core.settings import get_settings
from shebao.risk.anomaly import TRAINING_RATES
from shebao.risk.application_model import (
    FEATURES,
    HOLDOUT_PATTERNS,
    LGBM_PARAMS,
    REVIEW_BUDGET,
    ROUNDS,
    applicant_rows,
    evaluate,
    forget_loaded_models,
    labels_of,
)
from shebao.synth import PatternRates, generate


def train_from_synth(
    *, persons: int = 20000, seed: int = 21, holdout_seed: int = 22, as_of: date = date(2026, 10, 31),
    holdout_patterns: tuple[str, ...] = HOLDOUT_PATTERNS, home: Path | None = None, out: Path | None = None,
    progress: Callable[[str], None] | None = None,
) -> dict:
    """Generate two synthetic populations, train on one (patterns held out), evaluate on the other.

    Args:
        out: write the version here instead of a new folder under ``$SHEBAO_HOME`` (used to build
            the version shipped in the package).

    Returns the report (also stored in the model's ``meta.json``).
    """
    say = progress or (lambda _msg: None)
    data = {}
    with tempfile.TemporaryDirectory(prefix="shebao-apptrain-") as tmp:
        for s in (seed, holdout_seed):
            folder = Path(tmp) / f"seed{s}"
            say(f"生成合成人群（{persons} 人，种子 {s}）…")
            generate(persons, seed=s, out=folder, as_of=as_of, rates=PatternRates(**TRAINING_RATES), progress=False)
            say(f"计算申领特征（种子 {s}）…")
            ids, kinds, rows = applicant_rows(folder, as_of)
            matrix = np.array([[r[n] for n in FEATURES] for r in rows], dtype=np.float64)
            data[s] = (ids, matrix, labels_of(folder, as_of))
    ids, matrix, labels = data[seed]
    keep = np.array([not (labels.get(p, set()) & set(holdout_patterns)) for p in ids])
    y = np.array([1 if labels.get(p) else 0 for p in ids])
    say(f"训练 LightGBM：{int(keep.sum())} 份申领，正例 {int(y[keep].sum())}（不含模式 {', '.join(holdout_patterns)}）")
    pos = max(1, int(y[keep].sum()))
    weights = np.where(y[keep] == 1, (int(keep.sum()) - pos) / pos, 1.0)
    booster = lgb.train(LGBM_PARAMS, lgb.Dataset(matrix[keep], label=y[keep], weight=weights,
                                                 feature_name=list(FEATURES)), num_boost_round=ROUNDS)
    h_ids, h_matrix, h_labels = data[holdout_seed]
    h_scores = booster.predict(h_matrix)
    k = max(1, int(round(len(h_ids) * REVIEW_BUDGET)))
    threshold = float(np.sort(h_scores)[::-1][k - 1])
    version = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    report = {
        "version": version, "features": list(FEATURES), "persons": persons, "train_seed": seed,
        "holdout_seed": holdout_seed, "as_of": as_of.isoformat(), "rates": TRAINING_RATES,
        "holdout_patterns": list(holdout_patterns), "params": LGBM_PARAMS, "rounds": ROUNDS,
        "review_budget": REVIEW_BUDGET, "review_threshold": round(threshold, 6),
        "trained_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "train": evaluate(booster.predict(matrix), ids, labels),
        "holdout": evaluate(h_scores, h_ids, h_labels),
    }
    if out is None:
        base = (home or get_settings().ensure_home()) / "models" / "applications"
        out = base / version
        n = 1
        while out.exists():
            n += 1
            out = base / f"{version}-{n}"
    # a new version is written beside its final name and renamed into place: a scorer listing the
    # versions never sees a half-written one (the rename is also what tells its cache to look again);
    # an explicit ``out`` (the shipped folder) is written in place
    target = out if out.exists() else out.with_name(f".{out.name}.partial")
    target.mkdir(parents=True, exist_ok=True)
    booster.save_model(str(target / "model.txt"))
    (target / "meta.json").write_text(json.dumps({**report, "version": out.name if out.parent.name == "applications"
                                                  else f"shipped-{version}"}, ensure_ascii=False, indent=2),
                                      encoding="utf-8")
    if target != out:
        target.rename(out)
    forget_loaded_models()
    report["model_path"] = str(out)
    return report
