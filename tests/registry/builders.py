"""Small builders for exchange-format folders in tests."""

from __future__ import annotations

import csv
from pathlib import Path

from shebao.core.validators import id_check_char, luhn_check_digit, uscc_check_char
from shebao.registry.exchange import SPEC_BY_NAME


def id_number(region: str = "370502", born: str = "19600315", seq: str = "123") -> str:
    body = region + born + seq
    return body + id_check_char(body)


def card(body: str = "622202123456789012") -> str:
    return body + luhn_check_digit(body)


def uscc(body: str = "91370500MA3C00001") -> str:
    return body + uscc_check_char(body)


ZHANG = id_number(seq="131")  # man (odd 17th digit)
LI = id_number(born="19650720", seq="242")  # woman
ZHANG_CARD = card("622202123456789012")
LI_CARD = card("621700123456789012")


def person(pid: str, idn: str, name: str, sex: str, born: str, **extra) -> dict:
    row = {"person_id": pid, "id_number": idn, "name": name, "sex": sex, "birth_date": born,
           "region_code": "370502", "phone": "13812345678", "original_retirement_age": "60" if sex == "M" else "50",
           "deemed_months": "0"}
    row.update(extra)
    return row


def basic_folder() -> dict[str, list[dict]]:
    return {
        "persons": [person("P1", ZHANG, "张三明", "M", "1960-03-15"), person("P2", LI, "李四", "F", "1965-07-20")],
        "employers": [{"employer_id": "E1", "uscc": uscc(), "name": "东营示例机械有限公司", "region_code": "370502",
                       "industry_code": "C"}],
        "contributions": [
            {"person_id": "P1", "employer_id": "E1", "period": "2019-01", "insurance": "pension", "base": "5000.00",
             "employee_amount": "400.00", "employer_amount": "800.00", "paid_date": "2019-01-15"},
            {"person_id": "P2", "employer_id": "", "period": "2019-01", "insurance": "pension", "base": "4000.00",
             "employee_amount": "320.00", "employer_amount": "480.00", "paid_date": "2019-01-20"},
        ],
        "benefits": [{"benefit_id": "B1", "person_id": "P1", "kind": "pension", "region_code": "370502",
                      "start_date": "2020-04-01", "end_date": "", "monthly_amount": "3210.55", "status": "active",
                      "bank_account": ZHANG_CARD}],
        "payments": [{"payment_id": "Y1", "benefit_id": "B1", "person_id": "P1", "period": "2020-04",
                      "paid_date": "2020-04-10", "amount": "3210.55", "bank_account": ZHANG_CARD}],
        "deaths": [{"id_number": LI, "name": "李四", "death_date": "2024-01-02", "source": "civil_affairs"}],
        "incarcerations": [{"id_number": ZHANG, "start_date": "2024-05-01", "end_date": "", "source": "court"}],
        "certifications": [{"person_id": "P1", "certified_date": "2024-03-01", "method": "face"}],
        "pension_accounts": [{"person_id": "P2", "as_of": "2024-12-31", "balance": "45678.90"}],
        "contribution_years": [{"person_id": "P2", "year": "2005", "insurance": "pension", "months": "12",
                                "avg_base": "1500.00", "avg_index": "1.0500"}],
    }


def write_folder(folder: Path, data: dict[str, list[dict]], encoding: str = "utf-8",
                 columns: dict[str, list[str]] | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, rows in data.items():
        cols = (columns or {}).get(name) or list(SPEC_BY_NAME[name].columns)
        with open(folder / f"{name}.csv", "w", encoding=encoding, newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=cols, extrasaction="ignore")
            writer.writeheader()
            for row in rows:
                writer.writerow({c: row.get(c, "") for c in cols})
    return folder
