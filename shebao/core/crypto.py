"""Personal data protection: field encryption, blind indexes, masking.

- Encryption at rest: AES-256-GCM (``cryptography``), a fresh 96-bit nonce per value, stored as
  ``version || nonce || ciphertext+tag``. The table name and column are not bound as associated
  data, so that a value can move between tables (e.g. an ID number from a death record to an alert).
- Equality look-ups (by ID number, by bank account) go through a keyed HMAC-SHA256 blind index
  of the normalised value: the database can match equal values without ever holding them.
- Every key (encryption, blind index, audit chain HMAC, checkpoint signing) is derived from the
  instance secret with HKDF-SHA256 under its own label.
- Masking for display and logs: ``370502********1234``, ``张*明``, ``138****5678``, ``**** 1234``.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import re
from dataclasses import dataclass

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import LargeBinary
from sqlalchemy.types import TypeDecorator

from shebao.core.settings import get_settings

FORMAT_VERSION = b"\x01"
NONCE_BYTES = 12


class DecryptionError(RuntimeError):
    """A stored value cannot be decrypted with this instance's key."""


def _derive(secret: bytes, label: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"shebao/v1", info=label).derive(secret)


@dataclass(frozen=True)
class Keyring:
    """The keys derived from one instance secret."""

    encryption_key: bytes
    index_key: bytes
    signing_seed: bytes
    audit_key: bytes

    @classmethod
    def from_secret(cls, secret: bytes) -> Keyring:
        return cls(
            encryption_key=_derive(secret, b"field-encryption"),
            index_key=_derive(secret, b"blind-index"),
            signing_seed=_derive(secret, b"audit-checkpoint-signing"),
            audit_key=_derive(secret, b"audit-chain-hmac"),
        )

    def encrypt(self, plaintext: str) -> bytes:
        nonce = os.urandom(NONCE_BYTES)
        return FORMAT_VERSION + nonce + AESGCM(self.encryption_key).encrypt(nonce, plaintext.encode("utf-8"), None)

    def decrypt(self, blob: bytes) -> str:
        if not blob or blob[:1] != FORMAT_VERSION:
            raise DecryptionError("不支持的密文格式")
        nonce, body = blob[1 : 1 + NONCE_BYTES], blob[1 + NONCE_BYTES :]
        try:
            return AESGCM(self.encryption_key).decrypt(nonce, body, None).decode("utf-8")
        except Exception as exc:  # InvalidTag: wrong key or altered value
            raise DecryptionError("密文无法解密：密钥不符或数据被篡改") from exc

    def blind_index(self, value: str) -> str:
        return hmac.new(self.index_key, normalise_for_index(value).encode("utf-8"), hashlib.sha256).hexdigest()


_KEYRINGS: dict[bytes, Keyring] = {}


def get_keyring() -> Keyring:
    """The keyring of the current settings' secret (derived once per secret)."""
    secret = get_settings().resolve_secret()
    ring = _KEYRINGS.get(secret)
    if ring is None:
        ring = _KEYRINGS[secret] = Keyring.from_secret(secret)
    return ring


def normalise_for_index(value: str) -> str:
    """Normalise before indexing so that formatting differences still match (spaces, case)."""
    return re.sub(r"[\s-]", "", str(value)).upper()


def encrypt(value: str) -> bytes:
    return get_keyring().encrypt(value)


def decrypt(blob: bytes) -> str:
    return get_keyring().decrypt(blob)


def blind_index(value: str) -> str:
    """Keyed HMAC-SHA256 of the normalised value, hex: for equality look-ups only."""
    return get_keyring().blind_index(value)


class EncryptedString(TypeDecorator):
    """A string column stored encrypted (AES-256-GCM); Python code sees plain ``str``."""

    impl = LargeBinary
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        return encrypt(str(value))

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return decrypt(bytes(value))


# --- masking -------------------------------------------------------------------------------

def mask_id_number(value: str | None) -> str:
    """``370502199001011234`` → ``370502********1234``."""
    if not value:
        return ""
    text = str(value)
    if len(text) <= 10:
        return "*" * len(text)
    return text[:6] + "*" * (len(text) - 10) + text[-4:]


def mask_name(value: str | None) -> str:
    """``张三明`` → ``张*明``; ``张三`` → ``张*``."""
    if not value:
        return ""
    text = str(value)
    if len(text) == 1:
        return "*"
    if len(text) == 2:
        return text[0] + "*"
    return text[0] + "*" * (len(text) - 2) + text[-1]


def mask_phone(value: str | None) -> str:
    """``13812345678`` → ``138****5678``."""
    if not value:
        return ""
    text = str(value)
    if len(text) < 7:
        return "*" * len(text)
    return text[:3] + "*" * (len(text) - 7) + text[-4:]


def mask_bank_account(value: str | None) -> str:
    """``6222021234567890123`` → ``**** 0123``."""
    if not value:
        return ""
    text = re.sub(r"\s", "", str(value))
    return "**** " + text[-4:]


def mask_address(value: str | None) -> str:
    """``山东省东营市东营区西四路 123 号`` → ``山东省东营市****``: the first six characters only."""
    if not value:
        return ""
    text = str(value)
    return text[:6] + "****" if len(text) > 6 else "*" * len(text)


MASKERS = {"id": mask_id_number, "name": mask_name, "phone": mask_phone, "card": mask_bank_account,
           "address": mask_address, "text": None}


def mask(value: str | None, kind: str) -> str:
    """Mask ``value`` as a ``kind`` of personal data (id, name, phone, card, address; text masks
    every ID number and card-like digit run inside free text). The one rule of every staff page."""
    if value is None or value == "":
        return ""
    if kind == "text":
        return mask_text(str(value))
    try:
        return MASKERS[kind](str(value))
    except KeyError:
        raise ValueError(f"未知的脱敏类型：{kind!r}（可用 {', '.join(MASKERS)}）") from None


# ID numbers (18 or 15 characters) and card-like digit runs inside free text.
_ID_IN_TEXT = re.compile(r"(?<![0-9A-Za-z])(\d{6})(\d{8})(\d{3}[\dXx])(?![0-9A-Za-z])")
_DIGITS_IN_TEXT = re.compile(r"(?<!\d)\d{12,19}(?!\d)")
_TWELVE_DIGITS = re.compile(r"\d{12}")  # both patterns need twelve digits in a row


def mask_text(text: str) -> str:
    """Mask every ID number and long digit run (cards, accounts) inside free text."""
    if len(text) < 12 or _TWELVE_DIGITS.search(text) is None:  # nothing to mask (most texts): no substitution
        return text
    text = _ID_IN_TEXT.sub(lambda m: m.group(1) + "********" + m.group(3)[-4:], text)
    return _DIGITS_IN_TEXT.sub(lambda m: mask_bank_account(m.group(0)), text)


class MaskingFilter(logging.Filter):
    """A logging filter that masks personal identifiers in every record it passes; it never raises.

    The arguments are masked one by one and the format string kept, so that formatters which read
    ``record.args`` themselves (uvicorn's access log unpacks five of them) still work. Only when a
    masked argument no longer fits its placeholder is the record collapsed into its masked text.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            self._mask(record)
        except Exception:  # noqa: BLE001 - a log line must never be lost to the filter
            try:
                record.msg, record.args = mask_text(str(record.msg)), None
            except Exception:  # noqa: BLE001
                pass
        return True

    @staticmethod
    def _mask_arg(value: object) -> object:
        if isinstance(value, str):
            return mask_text(value)
        if isinstance(value, int) and not isinstance(value, bool) and len(str(abs(value))) >= 12:
            return mask_text(str(value))  # a number that may be a card or ID: masked as text
        return value

    def _mask(self, record: logging.LogRecord) -> None:
        msg = record.msg if isinstance(record.msg, str) else str(record.msg)
        args = record.args
        masked_msg = mask_text(msg)
        if isinstance(args, tuple):
            masked_args: object = tuple(self._mask_arg(a) for a in args)
        elif isinstance(args, dict):
            masked_args = {k: self._mask_arg(v) for k, v in args.items()}
        else:
            masked_args = args
        if masked_msg == msg and masked_args == args:
            return
        if masked_args:
            try:
                masked_msg % masked_args
            except (TypeError, ValueError):  # e.g. a masked number under %d: keep the masked text
                record.msg, record.args = mask_text(record.getMessage()), None
                return
        record.msg, record.args = masked_msg, masked_args


def install_log_masking(logger: logging.Logger | None = None) -> None:
    """Attach :class:`MaskingFilter` to the logger's handlers (root by default), once each."""
    target = logger or logging.getLogger()
    for handler in target.handlers:
        if not any(isinstance(f, MaskingFilter) for f in handler.filters):
            handler.addFilter(MaskingFilter())
