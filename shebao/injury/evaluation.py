"""Score the two suggestions on labelled texts (JSON Lines under ``tests/injury/data``).

Determination: exact (determination, article, item), accuracy per expected article/item, and the
count of texts stating an article-16 exclusion that came back ``injury`` (must be zero). Grade:
exact and within one grade, accuracy per grade, and the confusion between neighbouring grades.
Each set also reports the time per text after the first call.
"""

from __future__ import annotations

import json
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from shebao.injury.determination import suggest, warm_up
from shebao.injury.grading import suggest_grade

# the labelled set, then texts written after the rules (held-out, and a fresh set written at the end)
SETS = {"determination": ("determination_eval.jsonl", "determination_heldout.jsonl", "determination_fresh.jsonl"),
        "grade": ("grade_eval.jsonl", "grade_heldout.jsonl", "grade_fresh.jsonl")}


def default_set_dir() -> Path:
    """``tests/injury/data`` of the source tree this package runs from."""
    return Path(__file__).resolve().parents[2] / "tests" / "injury" / "data"


def load_rows(path: Path) -> list[dict[str, Any]]:
    """The labelled rows of one JSON Lines file.

    Raises:
        ValueError: a line that is not a JSON object with ``text`` and ``expect`` (line number given).
    """
    rows = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ValueError(f"{path.name} 第{n}行不是 JSON：{exc.msg}") from None
        if not isinstance(row, dict) or "text" not in row or "expect" not in row:
            raise ValueError(f"{path.name} 第{n}行应为含 text 和 expect 的对象")
        rows.append(row)
    return rows


def _label(article: Any, item: Any) -> str:
    return f"{article}({item})" if article else "none"


def _timed(fn: Callable[[dict[str, Any]], Any], rows: list[dict[str, Any]]) -> tuple[list[Any], float]:
    warm_up()
    if rows:
        fn(rows[0])  # the first call loads the word lists and the clauses
    start = time.perf_counter()
    out = [fn(r) for r in rows]
    return out, (time.perf_counter() - start) * 1000 / max(len(rows), 1)


def evaluate_determination(rows: list[dict[str, Any]]) -> dict[str, Any]:
    results, ms = _timed(lambda r: suggest(r["text"], r.get("facts")), rows)
    by_item: dict[str, Counter] = defaultdict(Counter)
    errors = []
    exact = 0
    exclusion_injury = 0
    for row, got in zip(rows, results, strict=True):
        e = row["expect"]
        key = f"{e['determination']} {_label(e['article'], e['item'])}"
        ok = (got["determination"], got["article"], got["item"]) == (e["determination"], e["article"], e["item"])
        by_item[key]["n"] += 1
        by_item[key]["correct"] += ok
        exact += ok
        if e["determination"] == "excluded" and got["determination"] == "injury":
            exclusion_injury += 1
        if not ok:
            errors.append({"id": row.get("id"), "text": row["text"], "expected": key,
                           "got": f"{got['determination']} {_label(got['article'], got['item'])}",
                           "missing": got["missing"]})
    return {"n": len(rows), "exact": exact, "accuracy": round(exact / len(rows), 4) if rows else None,
            "excluded_stated_but_injury": exclusion_injury,
            "by_item": {k: {"n": v["n"], "correct": v["correct"], "accuracy": round(v["correct"] / v["n"], 4)}
                        for k, v in sorted(by_item.items())},
            "errors": errors, "ms_per_text": round(ms, 2)}


def evaluate_grade(rows: list[dict[str, Any]]) -> dict[str, Any]:
    results, ms = _timed(lambda r: suggest_grade(r["text"]), rows)
    by_grade: dict[str, Counter] = defaultdict(Counter)
    neighbours: Counter = Counter()
    confusion: dict[str, Counter] = defaultdict(Counter)
    exact = within = 0
    errors = []
    for row, got in zip(rows, results, strict=True):
        want, have = row["expect"]["grade"], got["grade"]
        key = str(want) if want is not None else "none"
        by_grade[key]["n"] += 1
        ok = want == have
        by_grade[key]["correct"] += ok
        exact += ok
        near = ok or (want is not None and have is not None and abs(want - have) <= 1)
        within += near
        confusion[key][str(have) if have is not None else "none"] += 1
        if want is not None and have is not None and abs(want - have) == 1:
            neighbours[f"{want}→{have}"] += 1
        if not ok:
            errors.append({"id": row.get("id"), "text": row["text"], "expected": want, "got": have,
                           "clause": got["clause"], "clause_text": got["clause_text"]})
    n = len(rows)
    return {"n": n, "exact": exact, "accuracy": round(exact / n, 4) if n else None,
            "within_one": within, "within_one_rate": round(within / n, 4) if n else None,
            "by_grade": {k: {"n": v["n"], "correct": v["correct"], "accuracy": round(v["correct"] / v["n"], 4)}
                         for k, v in sorted(by_grade.items(), key=lambda kv: (kv[0] == "none", kv[0].zfill(2)))},
            "neighbour_confusion": dict(sorted(neighbours.items())),
            "confusion": {k: dict(v) for k, v in confusion.items()},
            "errors": errors, "ms_per_text": round(ms, 2)}


def evaluate(folder: Path | None = None, progress: Callable[[str], None] | None = None) -> dict[str, Any]:
    """Both suggestions on the labelled set (and the held-out set, when present) in ``folder``.

    Raises:
        FileNotFoundError: the labelled set is not there.
    """
    folder = folder or default_set_dir()
    out: dict[str, Any] = {"set": str(folder)}
    for kind, names in SETS.items():
        fn = evaluate_determination if kind == "determination" else evaluate_grade
        for name, label in zip(names, ("", "_heldout", "_fresh"), strict=True):
            path = folder / name
            if not path.exists():
                if label:
                    continue
                raise FileNotFoundError(f"找不到评测集：{path}")
            if progress:
                progress(f"{kind}{label}")
            out[kind + label] = fn(load_rows(path))
    return out


def batch(lines: Iterable[str], fn: Callable[[dict[str, Any]], dict[str, Any]]) -> Iterable[dict[str, Any]]:
    """One result per input line, in order; a line that is not a JSON object gives an error object."""
    for n, line in enumerate(lines, 1):
        if not line.strip():
            yield {"line": n, "error": "空行"}
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            yield {"line": n, "error": f"第{n}行不是 JSON：{exc.msg}"}
            continue
        if not isinstance(obj, dict):
            yield {"line": n, "error": f"第{n}行应为 JSON 对象"}
            continue
        yield fn(obj)
