"""The batch engine: one interface (``base``), a DuckDB and a Spark implementation, built by ``factory``.

Screening, batch pensions, linkage, bill rules, reconciliation and campaign selection run their SQL
here: rules are written once (with the :class:`~shebao.engines.base.Dialect`'s macros where the two
engines differ) and run on DuckDB by default, on Spark for a cluster.
"""
