"""The import contract (``[tool.importlinter]`` in pyproject.toml; ARCHITECTURE.md, "Which way the arrows go").

``make test`` runs it, so CI enforces it: layers (cli | api | web → domains in their order → users →
audit → core), no domain importing cli/api/web, no domain importing synth or training, and no cycle
between modules. The second test plants a forbidden import in a copy of the package and checks that
the contract catches it wherever the import sits: at module level, inside a function, or under
``TYPE_CHECKING``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LINT = "import sys; from importlinter.cli import lint_imports; sys.exit(lint_imports(no_cache=True, no_logo=True))"


def lint(root: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.run([sys.executable, "-c", LINT], cwd=root, env=env, capture_output=True, text=True,
                          timeout=300)


def test_the_import_contract_holds():
    result = lint(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


PLANTED = {
    "module level": "from shebao.cli.common import console\n",
    "inside a function": "def _planted():\n    from shebao.cli.common import console\n\n    return console\n",
    "under TYPE_CHECKING": "from typing import TYPE_CHECKING\n\nif TYPE_CHECKING:\n    from shebao.cli.common import console\n",
}


@pytest.mark.parametrize("where", sorted(PLANTED))
def test_a_domain_importing_the_cli_breaks_the_contract(tmp_path, where):
    shutil.copytree(ROOT / "shebao", tmp_path / "shebao", ignore=shutil.ignore_patterns("__pycache__", "*.pyc",
                                                                                        "static", "data"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    target = tmp_path / "shebao" / "risk" / "alerts.py"
    target.write_text(target.read_text(encoding="utf-8") + "\n\n" + PLANTED[where], encoding="utf-8")
    result = lint(tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "shebao.risk is not allowed to import shebao.cli" in result.stdout
    assert "shebao.risk.alerts -> shebao.cli.common" in result.stdout
