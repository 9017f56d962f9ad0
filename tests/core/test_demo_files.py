"""The demo keeps no plain-text personal data after loading it (issue 16 item 8)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

from shebao.core.validators import InvalidValue, validate_id_number
from tests.conftest import REPO, TEST_SECRET

SHEBAO = str(Path(sys.executable).with_name("shebao"))
ID_NUMBER = re.compile(rb"(?<![0-9])\d{17}[0-9Xx](?![0-9])")


def id_numbers_in(data: bytes) -> list[str]:
    """Citizen ID numbers written in the clear: 18 characters that pass GB 11643 (region, birth date,
    check character). Eighteen digits in a row also occur by chance inside the hex of a hash, key or
    signature (the audit witness file holds them); those are not ID numbers."""
    found = []
    for match in ID_NUMBER.finditer(data):
        try:
            found.append(validate_id_number(match.group().decode()))
        except InvalidValue:
            continue
    return found


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
            assert id_numbers_in(path.read_bytes()) == [], path


def test_the_id_number_check_tells_an_id_number_from_digits_in_a_signature() -> None:
    # the witness line that once failed this check: 18 digits inside a hex signature, not an ID number
    witness = b'{"signature": "0293d9e81ef9a185b127554204905903149b4c9f0b45ca04bb8"}'
    assert ID_NUMBER.search(witness) and id_numbers_in(witness) == []
    leaked = b'name,id\n\xe5\xbc\xa0\xe4\xb8\x89,11010519491231002X\n'
    assert id_numbers_in(leaked) == ["11010519491231002X"]
