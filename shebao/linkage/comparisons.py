"""The Splink model: Chinese-aware comparisons on the keyed tokens of :mod:`.features`, the blocking
rules, and the training plan; and, for the benchmark, Splink's default comparisons on plain columns.

The comparisons only test tokens for equality and overlap, so the same SQL runs on DuckDB and on
Spark; the two list functions that differ are chosen by the engine's dialect.
"""

from __future__ import annotations

from typing import Any

# A comparison's levels and what they mean to a reviewer (the workbench shows these labels).
LEVEL_LABELS: dict[str, list[str]] = {
    "name": ["姓名缺失", "姓名相同（繁简、间隔号已归一）", "姓与名颠倒", "同音（含多音字各读音）", "近音（平翘舌、前后鼻音等）",
             "同姓且只差一字", "同姓", "姓名不同"],
    "id": ["身份证号缺失", "身份证号相同（15 位已升 18 位）", "身份证号差一位（有一个校验不通过）", "身份证号差两位（有一个校验不通过）",
           "两个不同的有效身份证号（一人多号或不同的人）", "身份证号不同"],
    "birth": ["出生日期缺失", "出生日期相同", "出生日期年月日中一项不同或月日颠倒", "出生日期不同"],
    "sex": ["性别缺失", "性别相同", "性别不同"],
    "region": ["地区缺失", "地区（县级）相同", "同一地市", "同一省份", "地区不同"],
    "phone": ["电话缺失", "电话相同", "电话不同"],
    "account": ["银行账户缺失", "有共同的银行账户", "银行账户不同"],
}
# m of "two different valid ID numbers" (see the ID comparison)
SECOND_ID_M = 0.01
COMPARISON_TITLES = {"name": "姓名", "id": "身份证号", "birth": "出生日期", "sex": "性别", "region": "地区",
                     "phone": "电话", "account": "银行账户"}


def _overlap(dialect: str, col: str) -> str:
    if dialect == "spark":
        return f"arrays_overlap({col}_l, {col}_r)"
    return f"list_has_any({col}_l, {col}_r)"


def _common(dialect: str, col: str) -> str:
    if dialect == "spark":
        return f"size(array_intersect({col}_l, {col}_r))"
    return f"len(list_intersect({col}_l, {col}_r))"


def comparisons(dialect: str = "duckdb") -> list[Any]:
    """The seven Chinese-aware comparisons (name, ID, birth date, sex, region, phone, account)."""
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl

    def custom(name: str, levels: list[Any]) -> Any:
        return cl.CustomComparison(comparison_levels=levels, output_column_name=name,
                                   comparison_description=COMPARISON_TITLES[name])

    def null(*cols: str) -> Any:
        return cll.CustomLevel(" OR ".join(f"{c}_l IS NULL OR {c}_r IS NULL" for c in cols)).configure(
            is_null_level=True)

    lab = LEVEL_LABELS
    name = custom("name", [
        null("name_tok"),
        cll.CustomLevel("name_tok_l = name_tok_r", lab["name"][1]).configure(
            tf_adjustment_column="name_tok", tf_adjustment_weight=1.0),
        cll.CustomLevel("(name_tok_l = swap_tok_r OR swap_tok_l = name_tok_r)", lab["name"][2]),
        cll.CustomLevel(_overlap(dialect, "py_all"), lab["name"][3]),
        cll.CustomLevel(_overlap(dialect, "fz_all"), lab["name"][4]),
        cll.CustomLevel(f"surname_tok_l = surname_tok_r AND name_len_l = name_len_r "
                        f"AND {_common(dialect, 'chars')} >= name_len_l - 1", lab["name"][5]).configure(
            tf_adjustment_column="surname_tok", tf_adjustment_weight=1.0),
        cll.CustomLevel("surname_tok_l = surname_tok_r", lab["name"][6]).configure(
            tf_adjustment_column="surname_tok", tf_adjustment_weight=1.0),
        cll.ElseLevel(),
    ])
    # Two different numbers that are both valid were both issued: a typo (one or two digits) almost
    # always breaks the check digit, so the digit levels apply only when one of the two is invalid.
    # Two valid numbers mean a second number (一人多号) or, far more often, another person: EM
    # cannot tell these apart from namesakes born the same day (they agree on everything else), so
    # the level's m is set from what agencies find, not trained: about one duplicate registration in
    # a hundred carries a second valid number. The other fields then decide.
    typo = "NOT (id_valid_l AND id_valid_r)"
    ident = custom("id", [
        null("id_tok"),
        cll.CustomLevel("id_tok_l = id_tok_r", lab["id"][1]),
        cll.CustomLevel(f"{typo} AND {_common(dialect, 'id_pos')} >= 17", lab["id"][2]),
        cll.CustomLevel(f"{typo} AND {_common(dialect, 'id_pos')} >= 16", lab["id"][3]),
        cll.CustomLevel("id_valid_l AND id_valid_r", lab["id"][4]).configure(
            m_probability=SECOND_ID_M, fix_m_probability=True),
        cll.ElseLevel(),
    ])
    birth = custom("birth", [
        null("birth_date"),
        cll.CustomLevel("birth_date_l = birth_date_r", lab["birth"][1]),
        cll.CustomLevel(
            "((year(birth_date_l) = year(birth_date_r)) AND (month(birth_date_l) = month(birth_date_r)))"
            " OR ((year(birth_date_l) = year(birth_date_r)) AND (day(birth_date_l) = day(birth_date_r)))"
            " OR ((month(birth_date_l) = month(birth_date_r)) AND (day(birth_date_l) = day(birth_date_r)))"
            " OR ((year(birth_date_l) = year(birth_date_r)) AND (month(birth_date_l) = day(birth_date_r))"
            " AND (day(birth_date_l) = month(birth_date_r)))", lab["birth"][2]),
        cll.ElseLevel(),
    ])
    sex = custom("sex", [null("sex"), cll.CustomLevel("sex_l = sex_r", lab["sex"][1]), cll.ElseLevel()])
    region = custom("region", [
        null("region_code"),
        cll.CustomLevel("region_code_l = region_code_r", lab["region"][1]),
        cll.CustomLevel("city_l = city_r", lab["region"][2]),
        cll.CustomLevel("province_l = province_r", lab["region"][3]),
        cll.ElseLevel(),
    ])
    phone = custom("phone", [null("phone_tok"), cll.CustomLevel("phone_tok_l = phone_tok_r", lab["phone"][1]),
                             cll.ElseLevel()])
    account = custom("account", [null("acct"), cll.CustomLevel(_overlap(dialect, "acct"), lab["account"][1]),
                                 cll.ElseLevel()])
    return [name, ident, birth, sex, region, phone, account]


def blocking_rules() -> list[Any]:
    """Which pairs are compared at all. Each rule is an equi-join on tokens, so that 1,000,000 records
    give a few million pairs: the same ID, the same folded name or reading (plain, near-homophone,
    characters in any order, the same surname) on the same birth date, the same phone, a common
    bank account."""
    from splink import block_on

    return [
        block_on("id_tok"),
        block_on("name_tok", "birth_date"),
        block_on("py_tok", "birth_date"),
        block_on("fz_tok", "birth_date"),
        block_on("sorted_tok", "birth_date"),
        block_on("surname_tok", "birth_date", "city"),
        block_on("phone_tok"),
        block_on("acct", arrays_to_explode=["acct"]),
    ]


def settings(dialect: str = "duckdb") -> Any:
    """The Splink settings of the Chinese-aware model (dedupe of one table of person records)."""
    from splink import SettingsCreator

    return SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="unique_id",
        comparisons=comparisons(dialect),
        blocking_rules_to_generate_predictions=blocking_rules(),
        # the levels (gamma) and the match weight of each comparison: what the reviewer is shown
        retain_matching_columns=True,
        retain_intermediate_calculation_columns=True,
    )


def deterministic_rules() -> list[Any]:
    """Rules that admit almost no false pairs, to estimate how often two random records match."""
    from splink import block_on

    return [block_on("id_tok"), block_on("name_tok", "birth_date", "phone_tok")]


EM_KEYS: tuple[tuple[str, ...], ...] = (("id_tok",), ("name_tok", "birth_date"), ("phone_tok",))


def em_rules() -> list[tuple[tuple[str, ...], Any]]:
    """The EM sessions (their columns, and the rule): each blocks on fields it cannot then train,
    and together they train all."""
    from splink import block_on

    return [(keys, block_on(*keys)) for keys in EM_KEYS]


# --- the baseline: Splink's default comparisons on plain columns ------------------------------

def baseline_settings() -> Any:
    """Splink's library comparisons as a Latin-name user would configure them (the benchmark's
    baseline): ``NameComparison`` on the name as written, exact ID number, ``DateOfBirthComparison``,
    exact sex, region, phone and account; blocking on the same fields as written."""
    import splink.comparison_library as cl
    from splink import SettingsCreator, block_on

    return SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="unique_id",
        comparisons=[
            cl.NameComparison("name").configure(term_frequency_adjustments=True),
            cl.ExactMatch("id_number"),
            cl.DateOfBirthComparison("birth_date", input_is_string=False),
            cl.ExactMatch("sex"),
            cl.ExactMatch("region_code"),
            cl.ExactMatch("phone"),
            cl.ExactMatch("account"),
        ],
        blocking_rules_to_generate_predictions=[
            block_on("id_number"), block_on("name", "birth_date"), block_on("phone"), block_on("account"),
        ],
        retain_matching_columns=False,
        retain_intermediate_calculation_columns=False,
    )


def baseline_training() -> tuple[list[Any], list[Any]]:
    from splink import block_on

    keys = (("id_number",), ("name", "birth_date"), ("phone",))
    return ([block_on("id_number"), block_on("name", "birth_date", "phone")], [(k, block_on(*k)) for k in keys])
