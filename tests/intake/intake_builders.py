"""Documents drawn on demand for the intake tests (a uniquely named module, so that no other folder's
``conftest`` can shadow it when several test folders run together)."""

from __future__ import annotations

import io
import random


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
