"""The synthetic population: a Shandong-like registry with labelled fraud patterns (issue 3).

``generate(persons, seed, out, as_of=..., fmt="csv", detail_months=36, rates=None)`` writes a
folder in the exchange format (see :mod:`shebao.synth.schema`) plus ``labels.csv``, and returns a
:class:`SynthSummary`. Imports NumPy and Arrow lazily so that ``import shebao.synth`` stays cheap.
"""

from __future__ import annotations

from typing import Any

__all__ = ["generate", "PatternRates", "SynthSummary"]


def __getattr__(name: str) -> Any:
    if name in ("generate", "SynthSummary"):
        from shebao.synth import build as _g

        return getattr(_g, name)
    if name == "PatternRates":
        from shebao.synth.population import PatternRates

        return PatternRates
    raise AttributeError(name)
