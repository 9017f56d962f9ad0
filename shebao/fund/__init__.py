"""The fund (基金): four-party reconciliation (四方对账), monthly monitoring, actuarial projection.

- :mod:`shebao.fund.reconcile` sets the agency's contributions and payments against the tax bureau's
  collections, the fiscal special account (财政专户) and the expenditure account's bank statement, on
  the batch engine, and classifies every difference;
- :mod:`shebao.fund.monitor` aggregates the registry per month, region and insurance;
- :mod:`shebao.fund.projection` is a cohort-component projection of the enterprise pension scheme.
"""
