"""The demo keeps no plain-text personal data after loading it (issue 16 item 8)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO, TEST_SECRET

SHEBAO = str(Path(sys.executable).with_name("shebao"))
ID_NUMBER = re.compile(rb"(?<![0-9])\d{17}[0-9Xx](?![0-9])")


def test_demo_deletes_its_synthetic_files(tmp_path) -> None:
    home = tmp_path / "home"
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO), "SHEBAO_HOME": str(home),
           "SHEBAO_SECRET_KEY": TEST_SECRET}
    result = subprocess.run([SHEBAO, "demo", "--persons", "200", "--no-serve", "--json"], env=env, cwd=tmp_path,
                            capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stderr[-3000:]
    summary = json.loads(result.stdout)
    assert summary["persons"] > 0 and summary["synthetic_files_removed"] is True
    leftovers = [p for p in home.rglob("*") if p.is_file() and p.suffix in (".csv", ".parquet")
                 and p.parent.name != "reports"]
    assert leftovers == [], leftovers
    for path in home.rglob("*"):  # no file under SHEBAO_HOME holds an ID number in the clear
        if path.is_file() and path.suffix not in (".db", ".db-wal", ".db-shm") and path.stat().st_size < 50_000_000:
            assert not ID_NUMBER.search(path.read_bytes()), path
