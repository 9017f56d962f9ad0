"""The OCR runs with the network blocked: its models ship inside the wheel; it is loaded once."""

from __future__ import annotations

import socket

import numpy as np
from intake_builders import draw


def test_ocr_reads_with_the_network_blocked_and_loads_once(monkeypatch):
    from shebao.intake import ocr

    def refuse(*_args, **_kwargs):
        raise OSError("network blocked by the test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    for name in ocr.MODEL_FILES:
        assert (ocr.model_dir() / name).stat().st_size > 100_000, name
    image, truth = draw("id_card", seed=11)
    lines = ocr.read_page(np.asarray(image.convert("RGB")))
    text = "".join(line.text for line in lines)
    assert truth["id_number"] in text and truth["name"] in text
    engine = ocr.get_engine()
    ocr.read_page(np.asarray(image.convert("RGB")))
    assert ocr.get_engine() is engine and ocr.loads() == 1


def test_the_pinned_packages_are_the_ones_bundling_models():
    import tomllib
    from importlib.metadata import version
    from pathlib import Path

    pyproject = tomllib.loads((Path(__file__).resolve().parents[2] / "pyproject.toml").read_text(encoding="utf-8"))
    deps = pyproject["project"]["dependencies"]
    assert "rapidocr-onnxruntime==1.4.4" in deps
    assert any(d.startswith("onnxruntime==") for d in deps)
    assert not any(d.startswith("rapidocr>") or d.startswith("rapidocr=") for d in deps)  # 3.x fetches models
    assert version("rapidocr-onnxruntime") == "1.4.4"
