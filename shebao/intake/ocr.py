"""Offline OCR: RapidOCR's PP-OCR models, shipped inside the ``rapidocr-onnxruntime`` wheel, on CPU.

The engine is loaded once per process (:func:`get_engine`) and never fetches anything: the model files
are checked to be inside the installed package before the engine starts, so that a release that would
download them at first use fails here with a clear message instead of reaching for the network.

:func:`read_page` returns the text lines of one page image in reading order: the detector's boxes are
deskewed by their median angle (a photo taken askew), grouped into visual lines and joined left to
right, each line keeping its score and its box for the clerk's crop.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np

# the longest side given to the text detector: enough for A4 photos at 1400 px, fast on two cores
DET_LIMIT_SIDE = 960
MODEL_FILES = ("ch_PP-OCRv4_det_infer.onnx", "ch_PP-OCRv4_rec_infer.onnx", "ch_ppocr_mobile_v2.0_cls_infer.onnx")

_LOCK = threading.Lock()
_ENGINE: dict[str, object] = {}


class OcrUnavailable(RuntimeError):
    """The OCR package or its bundled models are not installed."""


@dataclass
class Line:
    """One visual line of text: its words joined, the lowest word score, its box (x0, y0, x1, y1)."""

    text: str
    score: float
    box: tuple[int, int, int, int]


def model_dir() -> Path:
    """Where the bundled PP-OCR models are (inside the installed wheel)."""
    try:
        import rapidocr_onnxruntime
    except ImportError as exc:  # pragma: no cover - an installation problem, said in Chinese
        raise OcrUnavailable("未安装 OCR 组件 rapidocr-onnxruntime（pip install -e .）") from exc
    return Path(rapidocr_onnxruntime.__file__).parent / "models"


def get_engine():
    """The process's RapidOCR engine (loaded on first use, then shared; thread-safe)."""
    engine = _ENGINE.get("rapidocr")
    if engine is not None:
        return engine
    with _LOCK:
        engine = _ENGINE.get("rapidocr")
        if engine is None:
            folder = model_dir()
            missing = [name for name in MODEL_FILES if not (folder / name).is_file()]
            if missing:
                raise OcrUnavailable(f"OCR 模型文件缺失（{', '.join(missing)}）：本系统不在运行时下载模型，请安装 "
                                     "rapidocr-onnxruntime==1.4.4（模型随安装包提供）")
            from rapidocr_onnxruntime import RapidOCR

            engine = RapidOCR(
                det_model_path=str(folder / MODEL_FILES[0]), rec_model_path=str(folder / MODEL_FILES[1]),
                cls_model_path=str(folder / MODEL_FILES[2]),
                det_limit_side_len=DET_LIMIT_SIDE, det_limit_type="max", print_verbose=False,
                intra_op_num_threads=2, inter_op_num_threads=1,
            )
            _ENGINE["rapidocr"] = engine
            _ENGINE["loads"] = int(_ENGINE.get("loads", 0) or 0) + 1
    return engine


def loads() -> int:
    """How many times this process loaded the model (the tests assert once)."""
    return int(_ENGINE.get("loads", 0) or 0)


def read_page(image: np.ndarray) -> list[Line]:
    """The text lines of one page (an RGB or grey array), in reading order."""
    engine = get_engine()
    if image.ndim == 2:
        image = np.stack([image] * 3, axis=-1)
    result, _ = engine(image, use_cls=True)
    return group_lines(result or [])


def group_lines(result: list) -> list[Line]:
    """Join the detector's word boxes into lines: deskew by the median box angle, then group by the
    vertical centre (a box joins a line when their vertical spans overlap by half)."""
    if not result:
        return []
    angles = []
    for quad, _text, _score in result:
        (x0, y0), (x1, y1) = quad[0], quad[1]
        if x1 - x0 > 40:
            angles.append(math.atan2(y1 - y0, x1 - x0))
    theta = float(np.median(angles)) if angles else 0.0
    cos, sin = math.cos(-theta), math.sin(-theta)
    items = []
    for quad, text, score in result:
        pts = np.array(quad, dtype=float)
        rx = pts[:, 0] * cos - pts[:, 1] * sin
        ry = pts[:, 0] * sin + pts[:, 1] * cos
        items.append({"x": rx.min(), "x1": rx.max(), "y0": ry.min(), "y1": ry.max(), "text": str(text),
                      "score": float(score), "box": (int(pts[:, 0].min()), int(pts[:, 1].min()),
                                                     int(pts[:, 0].max()), int(pts[:, 1].max()))})
    items.sort(key=lambda it: (it["y0"] + it["y1"]) / 2)
    rows: list[list[dict]] = []
    for it in items:
        placed = False
        for row in rows[-3:]:
            top = float(np.median([r["y0"] for r in row]))
            bottom = float(np.median([r["y1"] for r in row]))
            overlap = min(bottom, it["y1"]) - max(top, it["y0"])
            if overlap > 0.5 * min(bottom - top, it["y1"] - it["y0"]):
                row.append(it)
                placed = True
                break
        if not placed:
            rows.append([it])
    lines = []
    for row in rows:
        row.sort(key=lambda r: r["x"])
        lines.append(Line(
            text=" ".join(r["text"] for r in row),
            score=min(r["score"] for r in row),
            box=(min(r["box"][0] for r in row), min(r["box"][1] for r in row),
                 max(r["box"][2] for r in row), max(r["box"][3] for r in row)),
        ))
    return lines
