"""Model training on synthetic (or agency) data.

Like ``synth``, it sits beside the top of the package: it may import any domain, and no domain imports
it (the import contract in ``pyproject.toml`` checks it), so production code never carries the
generator. The CLI reaches it: ``shebao risk model train screening``, ``shebao cases model train``.
"""
