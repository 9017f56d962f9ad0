"""The anomaly model beside the rules: LightGBM on synthetic labels, Isolation Forest without labels.

Training uses the synthetic population's ``labels.csv`` with some patterns held out of training
(their recipients are dropped from the training set), and is evaluated on a population drawn
with another seed: AUC, precision among the top 1 % of scores, and per pattern how many of its
recipients reach the top 1 %. Each flagged recipient gets its top features (the model's own
per-feature contributions, SHAP values from LightGBM's ``pred_contrib``).

The model is versioned under ``$SHEBAO_HOME/models/screening/<version>/`` (``model.txt`` +
``meta.json``); a trained model also ships inside the package (``shebao/risk/model/``) so that
scoring works on a fresh install without any download.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from shebao.core.safefiles import open_private, safe_writer
from shebao.core.settings import get_settings
from shebao.risk.catalogue import runtime_parameters
from shebao.risk.features import FEATURES, compute_features

if TYPE_CHECKING:
    import numpy as np
    import pyarrow as pa

log = logging.getLogger(__name__)

SHIPPED_DIR = Path(__file__).with_name("model")
# Patterns kept out of training, to see whether the model finds kinds of fraud it was not shown.
HOLDOUT_PATTERNS = ("split_transfer", "duplicate_benefit")
LGBM_PARAMS = {
    "objective": "binary", "learning_rate": 0.05, "num_leaves": 31, "min_data_in_leaf": 5,
    "feature_fraction": 0.9, "bagging_fraction": 0.8, "bagging_freq": 1, "lambda_l2": 1.0,
    "verbose": -1, "num_threads": 2, "seed": 7, "deterministic": True,
}
ROUNDS = 200
# Pattern shares in the training populations (a real registry has them 10–40 times more rarely).
TRAINING_RATES = {
    "paid_after_death": 0.004, "paid_while_imprisoned": 0.002, "shared_account": 0.002, "split_transfer": 0.002,
    "duplicate_benefit": 0.002, "fake_backpayment": 0.003, "duplicate_record": 0.005,
}


def feature_matrix(table: pa.Table) -> tuple[list[str], np.ndarray]:
    """The person ids and the feature matrix (float64, columns in :data:`FEATURES` order)."""
    import numpy as np

    person_ids = [str(p) for p in table.column("person_id").to_pylist()]
    columns = [np.asarray(table.column(name).to_numpy(zero_copy_only=False), dtype=np.float64) for name in FEATURES]
    matrix = np.column_stack(columns) if columns else np.zeros((len(person_ids), 0))
    return person_ids, np.nan_to_num(matrix, nan=0.0)


def recipient_labels(folder: str | Path, as_of: date, lookback_months: int = 12) -> dict[str, set[str]]:
    """Which recipients each label of ``labels.csv`` concerns: person → patterns.

    Person labels name the person record; account labels reach every person paid into the account
    within the lookback; benefit labels reach the benefit's person record.
    """
    import duckdb

    folder = Path(folder)
    rt = runtime_parameters(as_of, lookback_months)
    con = duckdb.connect()
    try:
        def src(name: str) -> str:
            pq = folder / f"{name}.parquet"
            return f"read_parquet('{pq}')" if pq.exists() else f"read_csv('{folder / (name + '.csv')}', all_varchar = true)"

        rows = con.sql(f"""
            WITH l AS (SELECT subject_type, subject_id, label FROM {src('labels')}),
                 pay AS (SELECT DISTINCT person_id, bank_account FROM {src('payments')}
                         WHERE period >= '{rt['lookback_start_period']}' AND period <= '{rt['as_of_period']}')
            SELECT subject_id AS person_id, label FROM l WHERE subject_type = 'person'
            UNION SELECT p.person_id, l.label FROM l JOIN pay p ON p.bank_account = l.subject_id
                  WHERE l.subject_type = 'account'
            UNION SELECT b.person_id, l.label FROM l JOIN {src('benefits')} b ON b.benefit_id = l.subject_id
                  WHERE l.subject_type = 'benefit'
        """).fetchall()
    finally:
        con.close()
    out: dict[str, set[str]] = {}
    for person_id, label in rows:
        out.setdefault(str(person_id), set()).add(str(label))
    return out


def _precision_at(scores: np.ndarray, y: np.ndarray, share: float) -> tuple[float, np.ndarray]:
    import numpy as np

    k = max(1, int(round(len(scores) * share)))
    top = np.argsort(-scores, kind="stable")[:k]
    return float(y[top].mean()), top


def evaluate(scores: np.ndarray, person_ids: list[str], labels: dict[str, set[str]], share: float = 0.01) -> dict:
    """AUC, precision at the top ``share`` and per-pattern reach of the top, for one scored population."""
    import numpy as np
    from sklearn.metrics import roc_auc_score

    y = np.array([1 if labels.get(p) else 0 for p in person_ids])
    precision, top = _precision_at(scores, y, share)
    top_set = {person_ids[i] for i in top}
    patterns: dict[str, dict[str, Any]] = {}
    for name in sorted({lab for labs in labels.values() for lab in labs}):
        members = [i for i, p in enumerate(person_ids) if name in labels.get(p, ())]
        if not members:
            continue
        negatives = y == 0
        sel = np.zeros(len(y), dtype=bool)
        sel[members] = True
        auc = roc_auc_score(sel[sel | negatives], scores[sel | negatives]) if negatives.any() else float("nan")
        patterns[name] = {"recipients": len(members), "auc": round(float(auc), 4),
                          "in_top": sum(1 for i in members if person_ids[i] in top_set)}
    return {
        "recipients": len(person_ids), "positives": int(y.sum()),
        "auc": round(float(roc_auc_score(y, scores)), 4) if 0 < y.sum() < len(y) else None,
        "precision_at_1pct": round(precision, 4), "top_k": len(top), "patterns": patterns,
    }


def train(matrix: np.ndarray, y: np.ndarray, rounds: int = ROUNDS) -> Any:
    """Fit the LightGBM classifier (positives weighted up to balance the classes)."""
    import lightgbm as lgb
    import numpy as np

    pos = max(1, int(y.sum()))
    weights = np.where(y == 1, (len(y) - pos) / pos, 1.0)
    data = lgb.Dataset(matrix, label=y, weight=weights, feature_name=list(FEATURES), free_raw_data=False)
    return lgb.train(LGBM_PARAMS, data, num_boost_round=rounds)


def top_features(booster: Any, matrix: np.ndarray, n: int = 3) -> list[list[tuple[str, float]]]:
    """Per row, the ``n`` features that pushed its score up most (name, contribution)."""
    import numpy as np

    contrib = booster.predict(matrix, pred_contrib=True)[:, :-1]  # last column is the bias
    names = list(FEATURES)
    out = []
    for row in contrib:
        order = np.argsort(-row)[:n]
        out.append([(names[i], round(float(row[i]), 3)) for i in order if row[i] > 0])
    return out


def save_model(booster: Any, meta: dict, home: Path | None = None) -> Path:
    """Write a new model version under ``$SHEBAO_HOME/models/screening/`` and return its folder."""
    base = (home or get_settings().ensure_home()) / "models" / "screening"
    version = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    folder = base / version
    n = 1
    while folder.exists():
        n += 1
        folder = base / f"{version}-{n}"
    folder.mkdir(parents=True)
    booster.save_model(str(folder / "model.txt"))
    (folder / "meta.json").write_text(json.dumps({**meta, "version": folder.name}, ensure_ascii=False, indent=2),
                                      encoding="utf-8")
    return folder


def model_folder(home: Path | None = None) -> Path:
    """The newest trained version under ``$SHEBAO_HOME``, else the model shipped in the package."""
    base = (home or get_settings().home) / "models" / "screening"
    versions = sorted(p for p in base.glob("*") if (p / "model.txt").exists()) if base.exists() else []
    if versions:
        return versions[-1]
    if (SHIPPED_DIR / "model.txt").exists():
        return SHIPPED_DIR
    raise FileNotFoundError("没有可用的筛查模型：请运行 shebao model train screening")


def load_model(folder: Path | None = None) -> tuple[Any, dict]:
    """Load a model version (default: :func:`model_folder`) and its metadata."""
    import lightgbm as lgb

    folder = folder or model_folder()
    booster = lgb.Booster(model_file=str(folder / "model.txt"))
    meta = json.loads((folder / "meta.json").read_text(encoding="utf-8")) if (folder / "meta.json").exists() else {}
    if meta.get("features") and meta["features"] != list(FEATURES):
        raise ValueError(f"模型 {folder} 的特征与当前版本不一致：请重新训练")
    return booster, meta


def score_supervised(table: pa.Table, booster: Any, share: float = 0.01) -> list[dict]:
    """Score every recipient; the top ``share`` are flagged, each with its top features."""
    person_ids, matrix = feature_matrix(table)
    scores = booster.predict(matrix)
    return _ranked(person_ids, scores, share, lambda idx: top_features(booster, matrix[idx]))


def score_unsupervised(table: pa.Table, share: float = 0.01, seed: int = 7) -> list[dict]:
    """Isolation Forest scores for data without labels (higher = more unusual)."""
    import numpy as np

    person_ids, matrix = feature_matrix(table)
    scores = score_unsupervised_scores(matrix, seed)
    # Explain by how far each feature sits from the population (robust z-score), as a forest has no SHAP here.
    med = np.median(matrix, axis=0)
    mad = np.median(np.abs(matrix - med), axis=0) + 1e-9

    def explain(idx: np.ndarray) -> list[list[tuple[str, float]]]:
        names = list(FEATURES)
        z = np.abs(matrix[idx] - med) / mad
        return [[(names[i], round(float(row[i]), 1)) for i in np.argsort(-row)[:3]] for row in z]

    return _ranked(person_ids, scores, share, explain)


def _ranked(person_ids: list[str], scores: Any, share: float, explain: Callable) -> list[dict]:
    import numpy as np

    order = np.argsort(-scores, kind="stable")
    k = max(1, int(round(len(order) * share))) if len(order) else 0
    flagged = order[:k]
    reasons = explain(flagged) if k else []
    out = [{"person_id": person_ids[i], "score": round(float(scores[i]), 6), "flagged": False, "top_features": []}
           for i in order]
    for j in range(k):
        out[j]["flagged"] = True
        out[j]["top_features"] = [{"feature": f, "label": FEATURES[f], "contribution": c} for f, c in reasons[j]]
    return out


def score_unsupervised_scores(matrix: np.ndarray, seed: int = 7) -> np.ndarray:
    """Isolation Forest anomaly scores for a feature matrix (higher = more unusual)."""
    from sklearn.ensemble import IsolationForest

    forest = IsolationForest(n_estimators=200, random_state=seed, n_jobs=2).fit(matrix)
    return -forest.score_samples(matrix)


def score_folder(
    folder: str | Path, *, as_of: date, engine: str = "duckdb", method: str = "lgbm", share: float = 0.01,
) -> list[dict]:
    """Score every recipient of an exchange folder (``lgbm``: the trained model; ``iforest``: no labels)."""
    from shebao.engines.factory import make_engine
    with make_engine(engine) as eng:
        table = compute_features(eng, folder, as_of=as_of)
    if method == "iforest":
        return score_unsupervised(table, share=share)
    booster, _ = load_model()
    return score_supervised(table, booster, share=share)


def write_scores_csv(rows: list[dict], path: str | Path) -> int:
    """Write scores (person_id, score, flagged, top_features in Chinese), owner-readable only."""
    with open_private(path, replace=True) as fh:
        writer = safe_writer(fh)  # no cell a spreadsheet would run as a formula
        writer.writerow(["person_id", "score", "flagged", "top_features"])
        for r in rows:
            reasons = "；".join(f"{t['label']}（{t['contribution']}）" for t in r["top_features"])
            writer.writerow([r["person_id"], f"{r['score']:.6f}", "1" if r["flagged"] else "0", reasons])
    return len(rows)
