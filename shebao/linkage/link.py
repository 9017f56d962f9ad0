"""Run the linkage: train the Fellegi–Sunter model without labels, score the blocked pairs, join
the pairs at or above the match threshold into clusters, and keep the review band apart.

Splink runs inside the batch engine (``shebao.engines``): DuckDB by default, Spark for scale. The
engine holds only the keyed tokens of :mod:`.features`.
"""

from __future__ import annotations

import copy
import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from shebao.core.safefiles import safe_writer
from shebao.engines.base import Engine
from shebao.engines.factory import make_engine
from shebao.linkage import comparisons as cmp

# Chosen on the benchmark's hard Chinese set (benchmarks/bench_linkage.py): pairs at or above
# MATCH_THRESHOLD are joined; pairs from REVIEW_THRESHOLD up to it go to a reviewer.
MATCH_THRESHOLD = 0.99
REVIEW_THRESHOLD = 0.5
COMPARISONS = tuple(cmp.LEVEL_LABELS)


class LinkageError(ValueError):
    """The linkage cannot run with these settings (the message says why)."""


@dataclass
class ReviewPair:
    """A pair in the review band: its probability and, for each comparison, the level that drove it."""

    person_id_l: str
    person_id_r: str
    match_probability: float
    match_weight: float
    levels: dict[str, int]

    def level_labels(self) -> dict[str, str]:
        return {c: level_label(c, g) for c, g in self.levels.items()}


def level_label(comparison: str, gamma: int) -> str:
    """The reviewer's words for a comparison level (gamma -1 is "missing", the highest is the best)."""
    labels = cmp.LEVEL_LABELS[comparison]
    if gamma < 0:
        return labels[0]
    # Splink numbers levels from the else level (0) up to the exact one
    return labels[len(labels) - 1 - gamma]


@dataclass
class LinkResult:
    clusters: list[tuple[str, str, float | None]]  # person_id, cluster_id, match_probability
    review: list[ReviewPair]
    threshold: float
    review_threshold: float
    engine: str
    pairs_scored: int = 0
    timings: dict[str, float] = field(default_factory=dict)
    records: int = 0
    invalid_id: int = 0
    missing_id: int = 0
    notes: dict[str, Any] = field(default_factory=dict)

    @property
    def n_clusters(self) -> int:
        return len({c for _, c, _ in self.clusters})

    @property
    def n_linked_records(self) -> int:
        sizes: dict[str, int] = {}
        for _, c, _ in self.clusters:
            sizes[c] = sizes.get(c, 0) + 1
        return sum(n for n in sizes.values() if n > 1)


def splink_api(engine: Engine) -> Any:
    """Splink's database API over the engine's own connection (DuckDB) or session (Spark)."""
    if engine.dialect.name == "duckdb":
        from splink import DuckDBAPI

        return DuckDBAPI(connection=engine.con)  # type: ignore[attr-defined]
    if engine.dialect.name == "spark":
        import tempfile

        from splink import SparkAPI

        spark = engine.spark  # type: ignore[attr-defined]
        # Splink breaks the lineage of each step by writing it as Parquet under the checkpoint folder;
        # kept in memory instead ("persist"), the plans of the later steps grow until Spark's code
        # generation and the driver's heap give way
        if spark.sparkContext._jsc.sc().getCheckpointDir().isEmpty():
            spark.sparkContext.setCheckpointDir(tempfile.mkdtemp(prefix="shebao-splink-"))
        return SparkAPI(spark_session=spark, break_lineage_method="parquet")
    raise LinkageError(f"引擎 {engine.dialect.name} 不支持记录关联")


def train_and_predict(engine: Engine, table_name: str, settings: Any, *, n_records: int,
                      deterministic: list[Any], em: list[Any], review_threshold: float,
                      timings: dict[str, float], progress: Callable[[str], None] | None = None,
                      notes: dict[str, Any] | None = None) -> tuple[Any, Any]:
    """Train a Splink model on the registered table and score the blocked pairs above the review
    threshold; return (linker, predictions)."""
    from splink import Linker

    # Splink reports untrained levels and chunking as warnings: for the reviewer, noise on stderr
    logging.getLogger("splink").setLevel(logging.ERROR)

    def step(name: str) -> None:
        if progress:
            progress(name)

    api = splink_api(engine)
    sdf = api.register(table_name)
    linker = Linker(sdf, settings, log_level=None)
    t = time.perf_counter()
    skipped: list[str] = []

    def attempt(what: str, fn: Callable[[], Any]) -> None:
        # a small or unusual registry may give no pairs for a training rule (no shared phone at all):
        # that step is skipped and the model keeps the estimates of the other steps
        from splink.internals.exceptions import SplinkException

        step(what)
        saved = copy.deepcopy(linker._settings_obj)
        try:
            fn()
        except (SplinkException, ValueError, ZeroDivisionError) as exc:
            linker._settings_obj = saved  # an interrupted session leaves a comparison set aside
            skipped.append(f"{what}：{str(exc).splitlines()[0][:120]}")

    attempt("估计随机两条记录匹配的概率", lambda: linker.training.estimate_probability_two_random_records_match(
        deterministic, recall=0.8))
    attempt("随机抽样估计 u 参数", lambda: linker.training.estimate_u_using_random_sampling(
        max_pairs=min(5e6, max(1e5, n_records * 5.0)), seed=20,
        # Splink samples in chunks to bound memory; each chunk is a round of jobs (slow on Spark)
        num_chunks=1 if n_records <= 200_000 else 4))
    proportion = 1.0 if n_records <= 200_000 else 200_000 / n_records
    for keys, rule in em:
        # a rule that pairs no records (no two records share a phone) is skipped before Splink sees
        # it: a failed EM session would leave the model without the comparison it set aside
        pairs = engine.query(
            f"SELECT count(*) AS n FROM (SELECT 1 FROM {table_name} WHERE "
            + " AND ".join(f"{k} IS NOT NULL" for k in keys)
            + f" GROUP BY {', '.join(keys)} HAVING count(*) > 1) t").column(0)[0].as_py()
        if not pairs:
            skipped.append(f"EM（{'、'.join(keys)}）：没有记录对")
            continue
        attempt("EM 估计 m 参数", lambda rule=rule: linker.training.estimate_parameters_using_expectation_maximisation(
            rule, record_sample_proportion=proportion))
    if notes is not None and skipped:
        notes.setdefault("training_skipped", []).extend(skipped)
    timings["train"] = time.perf_counter() - t
    t = time.perf_counter()
    step("对候选记录对打分")
    predictions = linker.inference.predict(threshold_match_probability=review_threshold)
    timings["predict"] = time.perf_counter() - t
    return linker, predictions


def link_table(table: Any, *, engine: Engine | str = "duckdb", threshold: float = MATCH_THRESHOLD,
               review_threshold: float = REVIEW_THRESHOLD,
               progress: Callable[[str], None] | None = None) -> LinkResult:
    """Link the feature table (Arrow, from :func:`.features.feature_table`).

    Args:
        table: the keyed comparison table, one row per person record.
        engine: an engine or its name (``duckdb``, ``spark``).
        threshold: pairs at or above it are joined into one cluster.
        review_threshold: pairs from it up to ``threshold`` go to the review queue.
    """
    if not 0 < review_threshold <= threshold <= 1:
        raise LinkageError(f"阈值应满足 0 < 复核下限 ≤ 匹配阈值 ≤ 1（现为 {review_threshold}、{threshold}）")
    own = isinstance(engine, str)
    eng = make_engine(engine) if isinstance(engine, str) else engine
    timings: dict[str, float] = {}
    notes: dict[str, Any] = {}
    try:
        name = f"linkage_features_{os.getpid()}"
        eng.register_arrow(name, table)
        n = table.num_rows
        if n < 2:
            ids = table.column("unique_id").to_pylist()
            return LinkResult([(i, i, None) for i in ids], [], threshold, review_threshold, eng.dialect.name)
        linker, predictions = train_and_predict(
            eng, name, cmp.settings(eng.dialect.name), n_records=n, deterministic=cmp.deterministic_rules(),
            em=cmp.em_rules(), review_threshold=review_threshold, timings=timings, progress=progress, notes=notes)
        t = time.perf_counter()
        if progress:
            progress("聚类")
        clusters = cluster(eng, linker, predictions, threshold)
        review = review_pairs(eng, predictions, threshold)
        pairs_scored = int(eng.query(f"SELECT count(*) AS n FROM {predictions.physical_name}").column(0)[0].as_py())
        timings["cluster"] = time.perf_counter() - t
        return LinkResult(clusters, review, threshold, review_threshold, eng.dialect.name, pairs_scored, timings,
                          notes=notes)
    finally:
        if own:
            eng.close()


def cluster(engine: Engine, linker: Any, predictions: Any, threshold: float) -> list[tuple[str, str, float | None]]:
    """Connected components of the pairs at or above ``threshold``; a cluster is named by its smallest
    person_id, each record carries the strongest accepted link that touches it (none when alone)."""
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(
        predictions, threshold_match_probability=threshold)
    sql = f"""
        WITH c AS (SELECT unique_id, cluster_id FROM {clusters.physical_name}),
        named AS (SELECT unique_id, min(unique_id) OVER (PARTITION BY cluster_id) AS cluster_id FROM c),
        edges AS (
          SELECT unique_id_l AS unique_id, match_probability FROM {predictions.physical_name}
          WHERE match_probability >= {threshold}
          UNION ALL
          SELECT unique_id_r AS unique_id, match_probability FROM {predictions.physical_name}
          WHERE match_probability >= {threshold}
        ),
        best AS (SELECT unique_id, max(match_probability) AS p FROM edges GROUP BY unique_id)
        SELECT n.unique_id, n.cluster_id, b.p FROM named n LEFT JOIN best b ON b.unique_id = n.unique_id
        ORDER BY n.cluster_id, n.unique_id
    """
    out = engine.query(sql)
    return list(zip(out.column(0).to_pylist(), out.column(1).to_pylist(), out.column(2).to_pylist(), strict=True))


def review_pairs(engine: Engine, predictions: Any, threshold: float) -> list[ReviewPair]:
    """The scored pairs below the match threshold (they are all above the review threshold)."""
    present = set(engine.query(f"SELECT * FROM {predictions.physical_name} LIMIT 0").column_names)
    # a comparison Splink left out (its column empty throughout) is reported as missing (-1)
    gammas = ", ".join(f"gamma_{c}" if f"gamma_{c}" in present else f"-1 AS gamma_{c}" for c in COMPARISONS)
    out = engine.query(f"SELECT unique_id_l, unique_id_r, match_probability, match_weight, {gammas} "
                       f"FROM {predictions.physical_name} WHERE match_probability < {threshold} "
                       f"ORDER BY match_probability DESC, unique_id_l, unique_id_r").to_pylist()
    return [ReviewPair(r["unique_id_l"], r["unique_id_r"], float(r["match_probability"]), float(r["match_weight"]),
                       {c: int(r[f"gamma_{c}"]) for c in COMPARISONS}) for r in out]


def write_private(path: str | Path) -> Any:
    """Open a new owner-only file for writing (it lists person records)."""
    path = Path(path)
    if path.exists():
        path.unlink()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    return os.fdopen(fd, "w", encoding="utf-8", newline="")


def write_clusters_csv(result: LinkResult, path: str | Path) -> int:
    """``person_id,cluster_id,match_probability``: one row per record, a record alone is its own cluster."""
    with write_private(path) as fh:
        w = safe_writer(fh)
        w.writerow(["person_id", "cluster_id", "match_probability"])
        for pid, cid, p in result.clusters:
            w.writerow([pid, cid, "" if p is None else f"{p:.6f}"])
    return len(result.clusters)


REVIEW_COLUMNS = ("person_id_l", "person_id_r", "match_probability", "match_weight",
                  *(f"{c}_level" for c in COMPARISONS))


def write_review_csv(pairs: list[ReviewPair], path: str | Path) -> int:
    """The review band: both person_ids, the score, and each comparison's level in words."""
    with write_private(path) as fh:
        w = safe_writer(fh)
        w.writerow(REVIEW_COLUMNS)
        for p in pairs:
            labels = p.level_labels()
            w.writerow([p.person_id_l, p.person_id_r, f"{p.match_probability:.6f}", f"{p.match_weight:.3f}",
                        *(labels[c] for c in COMPARISONS)])
    return len(pairs)
