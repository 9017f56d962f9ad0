"""The comparison table linkage runs on: keyed tokens, never personal data in the clear.

Every name, ID number, phone and bank account is turned here, in Python, into keyed 64-bit tokens
(BLAKE2b keyed with a key derived from the instance's blind-index key): the folded name, its
surname and given name, the name swapped, every pinyin reading, every near-homophone reading, the
upgraded ID number, each of its 18 digits with its position (how many digits two IDs share), the phone, and the bank accounts' blind indexes. The batch engine (DuckDB or
Spark) then compares tokens for equality and overlap only: it never holds a name or a number.
The weakest of them are the ID's digit-position tokens (how many digits two numbers share): there
are only 18 × 11 of them per instance key, so they are never stored, only handed to the engine for
the run.
Birth date, sex and region code are not secret in the registry and stay as they are.

When linking the database, the names, IDs and phones are decrypted in memory once to derive the
tokens; bank accounts are compared through their stored blind index and are never decrypted.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Any

from shebao.linkage import normalise as nz

COLUMNS = (
    "unique_id", "name_tok", "surname_tok", "given_tok", "swap_tok", "sorted_tok", "py_tok", "py_all",
    "fz_tok", "fz_all", "chars", "name_len", "id_tok", "id_valid", "id_pos", "id_birth", "id_sex",
    "birth_date", "sex", "region_code", "city", "province", "phone_tok", "acct", "acct_tok",
)
LIST_COLUMNS = ("py_all", "fz_all", "chars", "id_pos", "acct")


@dataclass
class PersonInput:
    """One person record as linkage reads it (plain values, held in memory only)."""

    person_id: str
    name: str | None
    id_number: str | None
    sex: str | None
    birth_date: date | None
    region_code: str | None
    phone: str | None
    # blind indexes of the person's bank accounts (hex, as ``core.crypto.blind_index`` gives them)
    account_bidx: list[str] = field(default_factory=list)


@dataclass
class FeatureStats:
    """What the feature step saw: records, and those with an ID number that failed its checks."""

    records: int = 0
    invalid_id: int = 0
    missing_id: int = 0
    invalid_ids: list[str] = field(default_factory=list)  # person_ids (first 1,000)


class Tokeniser:
    """Keyed 64-bit tokens: equal inputs give equal tokens; without the key nothing can be guessed."""

    def __init__(self, key: bytes):
        self._key = hashlib.sha256(key + b"/linkage-tokens").digest()
        self.name_features = lru_cache(maxsize=200_000)(self._name_features)
        self._memo: dict[tuple[str, str], int] = {}
        # an ID's 18 positions take 11 characters each: their tokens are computed once
        self._pos = [{c: self.token("idpos", f"{i}:{c}") for c in "0123456789X"} for i in range(18)]

    def token(self, kind: str, value: str) -> int:
        digest = hashlib.blake2b(f"{kind}\x1f{value}".encode(), key=self._key, digest_size=8).digest()
        return int.from_bytes(digest, "big", signed=True)

    def memo_token(self, kind: str, value: str) -> int:
        """:meth:`token` remembered: readings, characters and surnames repeat across names."""
        key = (kind, value)
        tok = self._memo.get(key)
        if tok is None:
            tok = self._memo[key] = self.token(kind, value)
        return tok

    @staticmethod
    def bidx_token(bidx: str) -> int:
        """A blind index (keyed HMAC, hex) as a 64-bit token: its first 16 hex digits."""
        return int.from_bytes(bytes.fromhex(bidx[:16]), "big", signed=True)

    def _name_features(self, name: str) -> dict[str, Any]:
        folded = nz.fold_name(name)
        if not folded:
            return {k: None for k in ("name_tok", "surname_tok", "given_tok", "swap_tok", "sorted_tok",
                                      "py_tok", "py_all", "fz_tok", "fz_all", "chars", "name_len")}
        surname, given = nz.split_surname(name)
        readings = nz.pinyin_readings(folded)
        fuzzy = nz.fuzzy_readings(folded)
        t = self.memo_token
        return {
            "name_tok": t("name", folded),
            "surname_tok": t("surname", surname) if surname else None,
            "given_tok": t("given", given) if given else None,
            "swap_tok": t("name", nz.swapped_name(name)),
            "sorted_tok": t("sorted", "".join(sorted(folded))),
            "py_tok": t("py", readings[0]),
            "py_all": sorted({t("py", r) for r in readings}),
            "fz_tok": t("fz", fuzzy[0]),
            "fz_all": sorted({t("fz", r) for r in fuzzy}),
            "chars": sorted({t("char", c) for c in folded}),
            "name_len": len(folded),
        }

    def features(self, p: PersonInput, stats: FeatureStats) -> dict[str, Any]:
        stats.records += 1
        row: dict[str, Any] = {"unique_id": p.person_id}
        row.update(self.name_features(p.name or ""))
        id18 = nz.upgrade_id(p.id_number)
        valid = nz.id_is_valid(id18)
        if not p.id_number:
            stats.missing_id += 1
        elif not valid:
            stats.invalid_id += 1
            if len(stats.invalid_ids) < 1000:
                stats.invalid_ids.append(p.person_id)
        if id18:
            t = self.token
            row["id_tok"] = t("id", id18)
            pos = self._pos
            row["id_pos"] = [pos[i][c] for i, c in enumerate(id18)]
        else:
            row["id_tok"] = row["id_pos"] = None
        row["id_valid"] = valid
        row["id_birth"] = nz.id_birth(id18) if id18 else None
        row["id_sex"] = nz.id_sex(id18) if id18 else None
        row["birth_date"] = p.birth_date or row["id_birth"]
        row["sex"] = (p.sex or "").strip().upper() or row["id_sex"]
        region = (p.region_code or "").strip() or None
        row["region_code"] = region
        row["city"] = region[:4] if region else None
        row["province"] = region[:2] if region else None
        phone = nz.digits_only(p.phone)
        row["phone_tok"] = self.token("phone", phone) if len(phone) >= 7 else None
        accounts = sorted({self.bidx_token(b) for b in p.account_bidx if b})
        row["acct"] = accounts or None
        row["acct_tok"] = accounts[0] if accounts else None
        return row


def feature_table(persons: Iterable[PersonInput], *, key: bytes, stats: FeatureStats | None = None,
                  progress: Any = None) -> Any:
    """The comparison table (Arrow) of ``persons``; ``stats`` collects counts and invalid IDs."""
    import pyarrow as pa

    stats = stats if stats is not None else FeatureStats()
    tok = Tokeniser(key)
    cols: dict[str, list[Any]] = {c: [] for c in COLUMNS}
    for i, p in enumerate(persons, start=1):
        row = tok.features(p, stats)
        for c in COLUMNS:
            cols[c].append(row.get(c))
        if progress is not None and i % 20000 == 0:
            progress(i)
    schema = pa.schema([
        ("unique_id", pa.string()), ("name_tok", pa.int64()), ("surname_tok", pa.int64()),
        ("given_tok", pa.int64()), ("swap_tok", pa.int64()), ("sorted_tok", pa.int64()), ("py_tok", pa.int64()),
        ("py_all", pa.list_(pa.int64())), ("fz_tok", pa.int64()), ("fz_all", pa.list_(pa.int64())),
        ("chars", pa.list_(pa.int64())), ("name_len", pa.int32()), ("id_tok", pa.int64()),
        ("id_valid", pa.bool_()), ("id_pos", pa.list_(pa.int64())),
        ("id_birth", pa.date32()), ("id_sex", pa.string()), ("birth_date", pa.date32()), ("sex", pa.string()),
        ("region_code", pa.string()), ("city", pa.string()), ("province", pa.string()),
        ("phone_tok", pa.int64()), ("acct", pa.list_(pa.int64())), ("acct_tok", pa.int64()),
    ])
    return pa.table(cols, schema=schema)

