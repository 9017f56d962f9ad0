"""Server-rendered pages over the domain services: the citizen portal at ``/`` and the staff
workbench at ``/staff/`` (see :mod:`shebao.web.routes`).

Front-end libraries come from the npm registry (``npm ci`` at the repository root copies them to
``static/vendor/``, which is not committed) and are served by the application itself.
"""
