"""Risk score of a benefit application: rules first, then a LightGBM model with its own explanations.

Rules (each names its evidence and its article) come from registry look-ups the pipeline makes
through blind indexes: the applicant in the death registry or serving a custodial sentence, the
bank account already paid to another recipient, a large recent back-payment (the synthetic
``fake_backpayment`` pattern), an implausible jump of the contribution index, and a second person
record under the same ID number. A ``high`` rule always sends the case to a reviewer.

The model (LightGBM over :data:`shebao.risk.application_features.FEATURES`) is trained on
synthetic populations (:func:`shebao.training.applications.train_from_synth`): applicants are the persons whose pension or
unemployment benefit started in the last three years, the persons past retirement age without a
pension, and every labelled person; some patterns are held out of training, and AUC and precision
at the review budget are measured on a population drawn with another seed. Each scored case gets
its top factors from LightGBM's ``pred_contrib`` (SHAP values).

Model versions live under ``$SHEBAO_HOME/models/applications/<version>/`` (``model.txt`` +
``meta.json``); one trained version ships in the package (``application_model_data/``) so that
scoring works on a fresh install and in CI without any download.
"""

from __future__ import annotations

import json
import os
import threading
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

from shebao.core.settings import get_settings
from shebao.risk.anomaly import recipient_labels
from shebao.risk.application_features import FEATURES, ApplicantHistory, application_features

SHIPPED_DIR = Path(__file__).with_name("application_model_data")
HOLDOUT_PATTERNS = ("paid_while_imprisoned", "duplicate_benefit")
# duplicate_record alone is a data-quality finding (a second registration), not a fraudulent claim
NOT_FRAUD = ("duplicate_record",)
REVIEW_BUDGET = 0.05  # share of applications the reviewers can look at
LGBM_PARAMS = {
    "objective": "binary", "learning_rate": 0.05, "num_leaves": 15, "min_data_in_leaf": 10,
    "feature_fraction": 0.9, "bagging_fraction": 0.8, "bagging_freq": 1, "lambda_l2": 1.0,
    "verbose": -1, "num_threads": 1, "seed": 7, "deterministic": True,
}
ROUNDS = 150
LATE_MONTHS_RED = 6  # months paid >90 days late within 24 months: a large recent back-payment
JUMP_RATIO = 2.0
JUMP_INDEX = 2.5

REF_FRAUD = "中华人民共和国社会保险法 第八十八条"


def rule_hits(kind: str, features: dict[str, float]) -> list[dict[str, str]]:
    """The rules an application trips, most severe first: ``{code, level, text, reference}``."""
    hits = []
    if features["in_death_registry"]:
        hits.append({"code": "applicant_deceased", "level": "high",
                     "text": "申请人在死亡登记（民政、殡葬、公安或卫健）中有记录",
                     "reference": f"{REF_FRAUD}；社会保险经办条例 第二十五条"})
    if features["in_custody"]:
        ref = "失业保险条例 第十五条" if kind == "unemployment" else "劳社厅函〔2001〕44号（服刑期间不发基本养老金）"
        hits.append({"code": "applicant_in_custody", "level": "high",
                     "text": "申请人正在服刑（收监执行）", "reference": ref})
    if features["bank_shared_recipients"]:
        hits.append({"code": "bank_account_shared", "level": "high",
                     "text": f"收款账户已被其他 {int(features['bank_shared_recipients'])} 名待遇领取人使用",
                     "reference": REF_FRAUD})
    if features["late_paid_months"] >= LATE_MONTHS_RED:
        hits.append({"code": "large_recent_backpayment", "level": "high",
                     "text": f"近24个月内一次性补缴 {int(features['late_paid_months'])} 个月（缴费日晚于所属期90天以上），"
                             f"同一天最多缴纳 {int(features['max_months_one_day'])} 个月",
                     "reference": f"{REF_FRAUD}；社会保险费征缴暂行条例"})
    if features["index_jump"] >= JUMP_RATIO and features["recent_index"] >= JUMP_INDEX:
        hits.append({"code": "contribution_jump", "level": "medium",
                     "text": f"近期缴费指数 {features['recent_index']:.2f} 为历史水平的 {features['index_jump']:.1f} 倍",
                     "reference": "国办发〔2019〕13号（缴费基数上下限）"})
    if features["n_person_records"] > 1:
        hits.append({"code": "duplicate_registration", "level": "medium",
                     "text": f"同一身份证号有 {int(features['n_person_records'])} 条人员档案",
                     "reference": "社会保险法 第五十八条（社会保障号码唯一）"})
    return hits


# --- the model ----------------------------------------------------------------------------------

_CACHE: dict[str, Any] = {}
_LOCK = threading.Lock()


def forget_loaded_models() -> None:
    """Drop the cached model versions (a newly trained version is picked up on the next score)."""
    _CACHE.clear()


@lru_cache(maxsize=16)
def _versions_dir(home: Path) -> str:
    return str(home / "models" / "applications")


def model_folder(home: Path | None = None) -> Path:
    """The newest trained version under ``$SHEBAO_HOME``, else the version shipped in the package.

    The listing is cached until the versions folder changes (a new version is a new entry, which
    changes the folder's modification time), so that scoring does not list a folder per application.
    """
    base = _versions_dir(home or get_settings().home)
    try:
        stamp = os.stat(base).st_mtime_ns
    except FileNotFoundError:
        stamp = None
    key = ("folder", base, stamp)
    cached = _CACHE.get(key)
    if cached is not None:
        return cached
    versions = (sorted(p for p in Path(base).glob("*") if not p.name.startswith(".") and (p / "model.txt").exists())
                if stamp is not None else [])
    if versions:
        folder = versions[-1]
    elif (SHIPPED_DIR / "model.txt").exists():
        folder = SHIPPED_DIR
    else:
        raise FileNotFoundError("没有可用的申领风险模型：请运行 shebao model train applications")
    _CACHE[key] = folder
    return folder


def load_model(folder: Path | None = None) -> tuple[Any, dict]:
    """The booster and metadata of a model version (cached per folder)."""
    import lightgbm as lgb

    folder = folder or model_folder()
    key = str(folder)
    loaded = _CACHE.get(key)
    if loaded is not None:  # the common case: no lock
        return loaded
    with _LOCK:
        if key not in _CACHE:
            meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
            if meta.get("features") != list(FEATURES):
                raise ValueError(f"模型 {folder} 的特征与当前版本不一致：请重新训练")
            booster = lgb.Booster(model_file=str(folder / "model.txt"))
            _CACHE[key] = (booster, meta)
        return _CACHE[key]


class _Contributions:
    """One booster's ``pred_contrib`` for a single row through LightGBM's single-row fast path.

    ``Booster.predict`` validates its input, sets up a predictor and sizes its output on every call,
    which costs about as much Python as the application's other risk steps; the fast path
    (``LGBM_BoosterPredictForMatSingleRowFast``) is set up once per booster and runs the same C++
    predictor, so the contributions are bit for bit those of ``predict(row, pred_contrib=True)``
    (tests/risk check it). Calls are serialised: the set-up is shared.
    """

    def __init__(self, booster: Any, n_features: int) -> None:
        import ctypes

        from lightgbm.basic import _LIB, _safe_call

        self._ctypes, self._lib, self._safe_call = ctypes, _LIB, _safe_call
        self.booster, self.width = booster, n_features + 1
        self._lock = threading.Lock()
        self._handle = ctypes.c_void_p()
        # predict type 3 = contributions, data type 1 = float64; all iterations, one thread
        _safe_call(_LIB.LGBM_BoosterPredictForMatSingleRowFastInit(
            booster._handle, ctypes.c_int(3), ctypes.c_int(0), ctypes.c_int(-1), ctypes.c_int(1),
            ctypes.c_int32(n_features), ctypes.c_char_p(b"num_threads=1"), ctypes.byref(self._handle)))

    def __call__(self, row: Any) -> Any:
        import numpy as np

        ctypes = self._ctypes
        row = np.ascontiguousarray(row, dtype=np.float64)
        out = np.empty(self.width, dtype=np.float64)
        n = ctypes.c_int64()
        with self._lock:
            self._safe_call(self._lib.LGBM_BoosterPredictForMatSingleRowFast(
                self._handle, row.ctypes.data_as(ctypes.c_void_p), ctypes.byref(n),
                out.ctypes.data_as(ctypes.POINTER(ctypes.c_double))))
        if n.value != self.width:
            raise RuntimeError(f"LightGBM returned {n.value} contributions, expected {self.width}")
        return out

    def __del__(self) -> None:
        handle = getattr(self, "_handle", None)
        if handle is not None and handle.value:
            self._lib.LGBM_FastConfigFree(handle)


def contributions(booster: Any, row: Any) -> Any:
    """``booster.predict(row, pred_contrib=True)[0]`` for one row (the fast path, set up once per booster)."""
    key = ("contrib", id(booster))
    fast = _CACHE.get(key)
    if fast is None or fast.booster is not booster:
        with _LOCK:
            fast = _CACHE[key] = _Contributions(booster, row.shape[1])
    return fast(row)


def score_application(kind: str, history: ApplicantHistory, on: date, *, top: int = 3) -> dict[str, Any]:
    """Rules, model score and top factors of one application.

    Returns:
        ``score`` (0–1; 1.0 when a high rule fires), ``level`` (low | medium | high), ``rules``,
        ``model`` {version, score, threshold}, ``factors`` [{feature, label, value, contribution}],
        ``features``.
    """
    import numpy as np

    feats = application_features(kind, history, on)
    rules = rule_hits(kind, feats)
    booster, meta = load_model()
    row = np.array([[feats[name] for name in FEATURES]], dtype=np.float64)
    # one call: the contributions plus the bias sum to the raw score, whose logistic is the probability
    full = contributions(booster, row)
    proba = float(1.0 / (1.0 + np.exp(-float(full.sum()))))
    contrib = full[:-1]
    names = list(FEATURES)
    order = np.argsort(-contrib)[:top]
    factors = [{"feature": names[i], "label": FEATURES[names[i]], "value": round(feats[names[i]], 4),
                "contribution": round(float(contrib[i]), 4)} for i in order if contrib[i] > 0]
    threshold = float(meta.get("review_threshold", 0.5))
    levels = {r["level"] for r in rules}
    if "high" in levels:
        level, score = "high", 1.0
    elif "medium" in levels or proba >= threshold:
        level, score = "medium", max(proba, threshold)
    else:
        level, score = "low", proba
    return {
        "score": round(score, 6), "level": level, "rules": rules,
        "model": {"version": meta.get("version", "shipped"), "score": round(proba, 6), "threshold": threshold},
        "factors": factors, "features": {k: round(v, 4) for k, v in feats.items()},
    }


# --- training on synthetic populations -----------------------------------------------------------

def _read(folder: Path, name: str) -> list[dict]:
    import pyarrow.csv as pcsv

    path = folder / f"{name}.csv"
    if not path.exists():
        return []
    table = pcsv.read_csv(path, convert_options=pcsv.ConvertOptions(strings_can_be_null=False,
                                                                    column_types={"employer_id": "string",
                                                                                  "bank_account": "string",
                                                                                  "id_number": "string",
                                                                                  "subject_id": "string"}))
    return table.to_pylist()


def _d(value: Any) -> date | None:
    if value is None or value == "":
        return None
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def applicant_rows(folder: str | Path, as_of: date) -> tuple[list[str], list[str], list[dict[str, float]]]:
    """Applicants of a synthetic folder: (person ids, kinds, feature dicts).

    Application dates: the benefit's start for recent benefits, the as-of date otherwise. History
    is read up to the application date; registry signals (deaths, custody, shared accounts,
    duplicate records) as the registry holds them on the as-of date.
    """
    from decimal import Decimal

    folder = Path(folder)
    persons = {p["person_id"]: p for p in _read(folder, "persons")}
    contributions: dict[str, list] = {}
    for c in _read(folder, "contributions"):
        contributions.setdefault(c["person_id"], []).append(
            (str(c["period"]), c["insurance"], c["employer_id"] or "", int(Decimal(str(c["base"])) * 100),
             _d(c["paid_date"])))
    years: dict[str, list] = {}
    for y in _read(folder, "contribution_years"):
        years.setdefault(y["person_id"], []).append((int(y["year"]), y["insurance"], int(y["months"]),
                                                     float(y["avg_index"])))
    balances: dict[str, tuple[date, int]] = {}
    for a in _read(folder, "pension_accounts"):
        d = _d(a["as_of"])
        if a["person_id"] not in balances or balances[a["person_id"]][0] < d:
            balances[a["person_id"]] = (d, int(Decimal(str(a["balance"])) * 100))
    by_id: dict[str, int] = {}
    for p in persons.values():
        by_id[p["id_number"]] = by_id.get(p["id_number"], 0) + 1
    dead = {d["id_number"] for d in _read(folder, "deaths") if _d(d["death_date"]) <= as_of}
    custody = {i["id_number"] for i in _read(folder, "incarcerations")
               if _d(i["start_date"]) <= as_of and (_d(i["end_date"]) is None or _d(i["end_date"]) >= as_of)}
    benefits = _read(folder, "benefits")
    account_people: dict[str, set[str]] = {}
    for b in benefits:
        if b["bank_account"]:
            account_people.setdefault(b["bank_account"], set()).add(b["person_id"])
    active_starts: dict[str, list[date]] = {}
    for b in benefits:
        if b["status"] == "active" and b["kind"] in ("pension", "unemployment", "injury_allowance"):
            active_starts.setdefault(b["person_id"], []).append(_d(b["start_date"]))
    labels = recipient_labels(folder, as_of)

    chosen: dict[str, tuple[str, date, dict | None]] = {}
    for b in sorted(benefits, key=lambda b: str(b["start_date"])):
        if b["kind"] not in ("pension", "unemployment"):
            continue
        start = _d(b["start_date"])
        recent = (as_of - start).days <= 3 * 365
        if recent or labels.get(b["person_id"]):
            chosen.setdefault(b["person_id"], (b["kind"], min(start, as_of), b))
    for pid, p in persons.items():
        if pid in chosen:
            continue
        age = (as_of - _d(p["birth_date"])).days / 365.25
        if age >= int(p["original_retirement_age"]) or labels.get(pid):
            chosen[pid] = ("pension", as_of, None)

    ids, kinds, rows = [], [], []
    for pid, (kind, on, benefit) in chosen.items():
        p = persons[pid]
        fraud = labels.get(pid, set()) - set(NOT_FRAUD)
        if p["id_number"] in dead and not fraud:
            continue  # the dead do not apply; those who seem to are the fraud cases
        others = account_people.get(benefit["bank_account"], set()) - {pid} if benefit and benefit["bank_account"] else set()
        h = ApplicantHistory(
            birth_date=_d(p["birth_date"]), deemed_months=int(p["deemed_months"] or 0),
            contributions=contributions.get(pid, []), years=years.get(pid, []),
            account_balance_fen=balances.get(pid, (None, 0))[1], n_person_records=by_id.get(p["id_number"], 1),
            in_death_registry=p["id_number"] in dead, in_custody=p["id_number"] in custody,
            bank_shared_recipients=len(others),
            other_active_benefits=sum(1 for s in active_starts.get(pid, ()) if s < on),
        )
        ids.append(pid)
        kinds.append(kind)
        rows.append(application_features(kind, h, on))
    return ids, kinds, rows


def labels_of(folder: Path, as_of: date) -> dict[str, set[str]]:
    return {p: labs - set(NOT_FRAUD) for p, labs in recipient_labels(folder, as_of).items()}


def evaluate(scores: Any, ids: list[str], labels: dict[str, set[str]], budget: float = REVIEW_BUDGET) -> dict:
    """AUC, precision and recall at the review budget, and per pattern AUC and reach."""
    import numpy as np
    from sklearn.metrics import roc_auc_score

    y = np.array([1 if labels.get(p) else 0 for p in ids])
    k = max(1, int(round(len(ids) * budget)))
    top = np.argsort(-scores, kind="stable")[:k]
    in_top = np.zeros(len(ids), dtype=bool)
    in_top[top] = True
    patterns = {}
    for name in sorted({lab for labs in labels.values() for lab in labs}):
        sel = np.array([name in labels.get(p, ()) for p in ids])
        if not sel.any():
            continue
        both = sel | (y == 0)
        patterns[name] = {"applicants": int(sel.sum()),
                          "auc": round(float(roc_auc_score(sel[both], scores[both])), 4),
                          "in_budget": int((sel & in_top).sum())}
    return {
        "applicants": len(ids), "positives": int(y.sum()),
        "auc": round(float(roc_auc_score(y, scores)), 4) if 0 < y.sum() < len(y) else None,
        "review_budget": budget, "reviewed": k,
        "precision_at_budget": round(float(y[top].mean()), 4),
        "recall_at_budget": round(float(y[top].sum() / max(1, y.sum())), 4),
        "patterns": patterns,
    }
