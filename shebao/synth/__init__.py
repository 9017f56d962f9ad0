"""The synthetic population: a Shandong-like registry with labelled fraud patterns (issue 3).

``generate(persons, seed, out, as_of=..., fmt="csv", detail_months=36, rates=None)`` writes a
folder in the exchange format (columns in :mod:`shebao.synth.schema`) plus ``labels.csv``, and
returns a :class:`SynthSummary` (rows per file, labels per pattern, timings). The same
``(persons, seed, as_of, detail_months, rates)`` give byte-identical files. Sources and
assumptions of every figure are in :mod:`shebao.synth.reference`; pensions in
:mod:`shebao.synth.pension` (policy engine where it has the parameters, else a stated
approximation).

What the registry holds on the as-of date:

- persons aged 16+ by the 2020 census pyramid raked to Shandong's broad shares, in the 16 cities
  by 2020 population; the ``persons`` count excludes the duplicate registrations, which come on
  top as extra records (keys after ``P{persons}``);
- monthly contributions for the ``detail_months`` months before the as-of month, reaching back
  to the January of the first of them (a year is either detailed or summarised: issue 2 keeps
  summaries for years without monthly detail); yearly pension summaries from 1996 for the years
  before; deemed months for service before 1996;
- pensions, unemployment benefits, injury allowances and one-off grants; regular payments for the
  12 periods up to the as-of month (those paid by the as-of date);
- deaths of the last three years, with their benefits terminated in the death month and the
  funeral and survivor grants and the account inheritance paid later for the death-month period
  (into the deceased's own account, so that no clean account serves two persons); custodial
  sentences of the last six years (pensions suspended meanwhile); people outside the registry in
  both registries too; yearly certifications with lateness.

The injected patterns (``labels.csv``: subject_type, subject_id, label, cluster_id) and how each
shows in the data; clean records never show them (tests check both directions):

- ``paid_after_death`` (person): in ``deaths.csv``, pension still active, paid for periods after
  the death month.
- ``paid_while_imprisoned`` (person): a sentence started 2–8 months before the last period, not
  ended, pension paid for the periods after the start month.
- ``shared_account`` (account): 2–4 pensioners with different surnames paid into one account
  (every clean account belongs to one person and gets at most one payment a day).
- ``split_transfer`` (account): 2–3 ``backpay`` payments on one day, each under 50,000 yuan,
  together over it.
- ``duplicate_benefit`` (benefit, both of the pair): one ID number under two person records in
  two cities, each with an active pension, overlapping; both records are also labelled
  ``duplicate_record`` with one cluster.
- ``fake_backpayment`` (person): 12+ months of pension contributions at the 300% ceiling with no
  employer, all paid on one day 6+ months after the periods and about two months before the
  pension starts (no clean contribution is paid six months late).
- ``duplicate_record`` (person, with cluster_id): one real person registered again with a name
  variant (homophone), a one-digit phone typo, or in a second city; same ID number, birth date
  and sex; the extra records have no contributions or benefits.
"""

from __future__ import annotations

from typing import Any

__all__ = ["generate", "PatternRates", "SynthSummary"]


def __getattr__(name: str) -> Any:
    # Lazy, so that importing the package (e.g. for the CLI's help) does not load NumPy/Arrow.
    if name in ("generate", "SynthSummary"):
        from shebao.synth import build

        return getattr(build, name)
    if name == "PatternRates":
        from shebao.synth.population import PatternRates

        return PatternRates
    raise AttributeError(name)
