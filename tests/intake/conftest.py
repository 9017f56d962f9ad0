"""Fixtures of the intake tests: the fixed degraded set, and documents drawn on demand."""

from __future__ import annotations

import io
import random
from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture(scope="session")
def data_dir() -> Path:
    return DATA


def draw(kind: str, seed: int = 7, *, degrade: bool = False):
    """A synthetic document of ``kind``: (PIL image, truth fields)."""
    from shebao.synth import documents as d

    rng = random.Random(seed)
    person = d.make_person(rng)
    image, truth = d.RENDERERS[kind](rng, person, d.find_font())
    if degrade:
        image = d.degrade(image, rng)
    return image, truth


def jpeg(image, quality: int = 80) -> bytes:
    out = io.BytesIO()
    image.convert("RGB").save(out, format="JPEG", quality=quality)
    return out.getvalue()
