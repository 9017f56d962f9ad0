#!/usr/bin/env bash
# Builds the separate benchmark environment with openfisca-core, used only by
# benchmarks/bench_policy.py for the side-by-side comparison. Never used in CI.
#   bash benchmarks/setup_openfisca_venv.sh
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
venv="$here/.venv-openfisca"
python="${PYTHON:-python3.11}"
command -v "$python" >/dev/null || python=python3
"$python" -m venv "$venv"
"$venv/bin/pip" install --quiet --upgrade pip
"$venv/bin/pip" install --quiet "openfisca-core>=41"
"$venv/bin/python" -c "import openfisca_core, numpy; print('openfisca-core', openfisca_core.__version__ if hasattr(openfisca_core, '__version__') else '?', 'numpy', numpy.__version__)"
