"""Field accuracy on a directory of documents with their truth (``truth.json``: file → type, fields).

A field is exact when the value read equals the truth; an identifier (ID, card number, USCC) that is
not read is "flagged" (the reader refused it), one read wrong is "wrong": the goal is none wrong.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from shebao.intake.reader import read_files

IDENTIFIERS = ("id_number", "card_number", "uscc")


class EvalError(ValueError):
    """The directory has no usable truth file."""


def evaluate(directory: Path, *, progress=None) -> dict:
    """Per type: fields, exact, accuracy; identifiers exact / flagged / wrong; seconds per page."""
    truth_path = directory / "truth.json"
    if not truth_path.is_file():
        raise EvalError(f"{directory} 中没有 truth.json（文件名 → type、fields）")
    try:
        truth = json.loads(truth_path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise EvalError(f"truth.json 不是有效的 JSON：第 {exc.lineno} 行 {exc.msg}") from None
    per_type: dict[str, dict] = {}
    errors: list[dict] = []
    pages = 0
    seconds = 0.0
    for name, expected in truth.items():
        path = directory / name
        if not path.is_file():
            errors.append({"file": name, "field": None, "expected": None, "read": "文件不存在"})
            continue
        started = time.perf_counter()
        entries = read_files([(name, path.read_bytes())])
        seconds += time.perf_counter() - started
        pages += len(entries)
        entry = entries[0]
        kind = expected["type"]
        stats = per_type.setdefault(kind, {"documents": 0, "classified": 0, "fields": 0, "exact": 0,
                                           "identifiers": 0, "identifiers_exact": 0, "identifiers_flagged": 0,
                                           "identifiers_wrong": 0})
        stats["documents"] += 1
        stats["classified"] += entry.reading.type == kind
        for key, value in expected["fields"].items():
            got = entry.reading.fields.get(key)
            stats["fields"] += 1
            ok = got == value
            stats["exact"] += ok
            if not ok:
                errors.append({"file": name, "field": key, "expected": value, "read": got})
            if key in IDENTIFIERS:
                stats["identifiers"] += 1
                stats["identifiers_exact"] += ok
                stats["identifiers_flagged"] += got is None
                stats["identifiers_wrong"] += (got is not None and not ok)
        if progress:
            progress(name)
    for stats in per_type.values():
        stats["accuracy"] = round(stats["exact"] / stats["fields"], 4) if stats["fields"] else None
    fields = sum(s["fields"] for s in per_type.values())
    exact = sum(s["exact"] for s in per_type.values())
    return {
        "types": per_type,
        "overall": {"documents": sum(s["documents"] for s in per_type.values()), "fields": fields, "exact": exact,
                    "accuracy": round(exact / fields, 4) if fields else None,
                    "identifiers_wrong": sum(s["identifiers_wrong"] for s in per_type.values()),
                    "identifiers_flagged": sum(s["identifiers_flagged"] for s in per_type.values()),
                    "seconds_per_page": round(seconds / pages, 3) if pages else None},
        "errors": errors,
    }
