"""Encryption at rest, blind indexes, masking, and the settings' key handling."""

from __future__ import annotations

import logging
import stat

import pytest

from shebao.core.crypto import (
    DecryptionError,
    Keyring,
    mask_bank_account,
    mask_id_number,
    mask_name,
    mask_phone,
    mask_text,
)
from shebao.core.settings import ConfigurationError, Settings


def test_masks() -> None:
    assert mask_id_number("370502199001011234") == "370502********1234"
    assert mask_name("张三明") == "张*明"
    assert mask_name("张三") == "张*"
    assert mask_name("欧阳小明") == "欧**明"
    assert mask_phone("13812345678") == "138****5678"
    assert mask_bank_account("6222021234567890128") == "**** 0128"


def test_mask_text_hides_ids_and_cards_in_free_text() -> None:
    text = mask_text("身份证 11010519491231002X 卡号 6222021234567890128 金额 1234.56")
    assert "11010519491231002X" not in text and "6222021234567890128" not in text
    assert "110105********002X" in text and "**** 0128" in text and "1234.56" in text


def test_encrypt_roundtrip_random_nonce_and_tamper() -> None:
    ring = Keyring.from_secret(b"x" * 40)
    a, b = ring.encrypt("11010519491231002X"), ring.encrypt("11010519491231002X")
    assert a != b and ring.decrypt(a) == ring.decrypt(b) == "11010519491231002X"
    assert b"11010519491231002X" not in a
    tampered = a[:-1] + bytes([a[-1] ^ 1])
    with pytest.raises(DecryptionError):
        ring.decrypt(tampered)
    with pytest.raises(DecryptionError):
        Keyring.from_secret(b"y" * 40).decrypt(a)


def test_blind_index_is_keyed_and_normalised() -> None:
    ring, other = Keyring.from_secret(b"x" * 40), Keyring.from_secret(b"y" * 40)
    assert ring.blind_index("11010519491231002x") == ring.blind_index("11010519491231002X")
    assert ring.blind_index("6222 0212 3456 7890 128") == ring.blind_index("6222021234567890128")
    assert ring.blind_index("11010519491231002X") != other.blind_index("11010519491231002X")


def test_development_generates_key_once(tmp_path, monkeypatch, caplog) -> None:
    monkeypatch.delenv("SHEBAO_SECRET_KEY", raising=False)
    s = Settings(home=tmp_path / "h", env="development")
    with caplog.at_level(logging.WARNING):
        first = s.resolve_secret()
    assert "已生成实例密钥" in caplog.text
    key_file = tmp_path / "h" / "secret.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert Settings(home=tmp_path / "h").resolve_secret() == first


def test_production_refuses_missing_key(tmp_path, monkeypatch) -> None:
    monkeypatch.delenv("SHEBAO_SECRET_KEY", raising=False)
    with pytest.raises(ConfigurationError, match="SHEBAO_SECRET_KEY"):
        Settings(home=tmp_path / "p", env="production").resolve_secret()
    with pytest.raises(ConfigurationError, match="实例密钥太短：至少 32 个字符"):
        Settings(home=tmp_path / "p", env="production", secret_key="short").resolve_secret()
    key_file = tmp_path / "k"
    key_file.write_text("k" * 48)
    assert Settings(home=tmp_path / "p", env="production", secret_key_file=key_file).resolve_secret() == b"k" * 48


def test_default_database_url_under_home(tmp_path, monkeypatch) -> None:
    monkeypatch.delenv("SHEBAO_DATABASE_URL", raising=False)
    s = Settings(home=tmp_path / "h")
    assert s.database_url == f"sqlite:///{tmp_path / 'h' / 'shebao.db'}"


def test_every_setting_is_documented_in_readme() -> None:
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    for name in Settings.model_fields:
        assert f"SHEBAO_{name.upper()}" in readme, f"SHEBAO_{name.upper()} 未写入 README"


def test_log_masking_filter(caplog) -> None:
    from shebao.core.crypto import MaskingFilter

    logger = logging.getLogger("shebao.test.masking")
    with caplog.at_level(logging.INFO, logger="shebao.test.masking"):
        caplog.handler.addFilter(MaskingFilter())
        logger.info("查询 %s", "11010519491231002X")
    assert "11010519491231002X" not in caplog.text and "110105********002X" in caplog.text


def test_server_access_log_is_masked() -> None:
    import logging.config

    from shebao.cli.serve import masked_log_config

    logging.config.dictConfig(masked_log_config())
    handler = logging.getLogger("uvicorn.access").handlers[0]
    record = logging.LogRecord("uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/1.1" %d',
                               ("127.0.0.1:5000", "GET", "/api/v1/x?id=11010519491231002X", 200), None)
    assert all(f.filter(record) for f in handler.filters)
    assert "11010519491231002X" not in record.getMessage() and "110105********002X" in record.getMessage()


@pytest.mark.parametrize("path", ["/api/v1/applications/YL2025093000123", "/x?id=11010519491231002X&card=6222021234567890128",
                                  "/p/1234567890123456/x", "/plain"])
def test_access_log_line_is_formatted_and_masked(path) -> None:
    """uvicorn's access formatter unpacks the record's arguments: masking must keep them (issue 16)."""
    import io
    import logging.config

    from shebao.cli.serve import masked_log_config

    logging.config.dictConfig(masked_log_config())
    logger = logging.getLogger("uvicorn.access")
    handler = logger.handlers[0]
    stream = io.StringIO()
    handler.setStream(stream)
    errors = io.StringIO()
    import contextlib

    with contextlib.redirect_stderr(errors):
        logger.info('%s - "%s %s HTTP/%s" %d', "127.0.0.1:5000", "GET", path, "1.1", 200)
    line = stream.getvalue()
    assert errors.getvalue() == "", errors.getvalue()  # no "--- Logging error ---"
    assert '"GET ' in line and "HTTP/1.1" in line and "200" in line, line
    assert not any(run in line for run in ("11010519491231002X", "6222021234567890128", "1234567890123456",
                                           "2025093000123"))


def test_masking_filter_never_raises() -> None:
    from shebao.core.crypto import MaskingFilter

    class Odd:
        def __str__(self) -> str:
            raise RuntimeError("no text")

    for msg, args in [("%d items", (123456789012345,)), ("%s", (Odd(),)), ("%(a)s", ({"a": "11010519491231002X"},)),
                      (Odd(), None), ("%s %s", ("only one",))]:
        record = logging.LogRecord("x", logging.INFO, __file__, 1, msg, args, None)
        assert MaskingFilter().filter(record) is True
