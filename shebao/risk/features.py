"""Features per recipient for the anomaly model, computed by the screening engine in SQL.

A recipient is a person record with a benefit. The features describe payment regularity, account
sharing, certification lateness, the shape of the contribution history and back-payment spikes;
two more count the months paid after a registered death and during a custodial sentence, the
registry signals every agency combines (the rules block on them; the model ranks them with the rest).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from shebao.risk.catalogue import load_catalogue, render
from shebao.risk.screening import prepare

if TYPE_CHECKING:
    import pyarrow as pa

    from shebao.engines.base import Engine

# name → what it measures (shown beside the top features of a flagged recipient)
FEATURES: dict[str, str] = {
    "n_payments": "回溯期内支付笔数",
    "payments_per_period": "每个期间的支付笔数",
    "amount_cv": "支付金额波动（变异系数）",
    "max_to_median": "最大单笔与中位数之比",
    "backpay_share": "补发金额占比",
    "n_backpay": "补发笔数",
    "max_same_day": "同一账户同日最多笔数",
    "max_same_day_sum": "同一账户同日最大合计（元）",
    "account_sharing": "所用账户涉及的身份证号数",
    "n_accounts": "收款账户数",
    "cert_lateness": "认证逾期天数",
    "never_certified": "从未认证",
    "n_records": "同一身份证号的人员档案数",
    "n_benefits": "按月待遇项数",
    "max_same_kind": "同类按月待遇项数",
    "region_mismatch": "待遇发放地与档案属地不同",
    "contribution_months": "缴费月数（明细+年度汇总）",
    "deemed_months": "视同缴费月数",
    "backpaid_months": "补缴月数（缴费日期晚于期间 90 天以上）",
    "max_backpaid_one_day": "同一天补缴的最多月数",
    "recent_backpaid_months": "近三年补缴月数",
    "paid_after_death_months": "登记死亡后仍发放的月数",
    "paid_in_custody_months": "收监执行期间发放的月数",
    "age": "年龄",
    "monthly_amount": "月待遇金额（元）",
}

FEATURE_SQL = """
WITH recipients AS (
  SELECT b.person_id, min(pe.id_number) AS id_number, min(pe.birth_date) AS birth_date,
         min(pe.deemed_months) AS deemed_months, max(b.monthly_amount) AS monthly_amount,
         min(b.start_date) AS first_start,
         sum(CASE WHEN b.kind IN {{ monthly_kinds | sql_list }} THEN 1 ELSE 0 END) AS n_benefits,
         max(CASE WHEN b.region_code <> pe.region_code THEN 1 ELSE 0 END) AS region_mismatch
  FROM benefits b JOIN persons pe ON pe.person_id = b.person_id
  GROUP BY b.person_id
),
pay AS (
  SELECT person_id, count(*) AS n_payments, count(DISTINCT period) AS n_periods,
         avg(CAST(amount AS DOUBLE)) AS mean_amount, stddev_pop(CAST(amount AS DOUBLE)) AS sd_amount,
         max(CAST(amount AS DOUBLE)) AS max_amount,
         median(CAST(amount AS DOUBLE)) AS median_amount,
         sum(CASE WHEN kind = 'backpay' THEN CAST(amount AS DOUBLE) ELSE 0 END) AS backpay_sum,
         sum(CASE WHEN kind = 'backpay' THEN 1 ELSE 0 END) AS n_backpay,
         sum(CAST(amount AS DOUBLE)) AS total_amount, count(DISTINCT bank_account) AS n_accounts
  FROM lookback_payments GROUP BY person_id
),
acct AS (
  SELECT bank_account, count(DISTINCT id_number) AS n_ids FROM lookback_payments
  WHERE bank_account IS NOT NULL GROUP BY bank_account
),
sharing AS (
  SELECT p.person_id, max(a.n_ids) AS account_sharing
  FROM lookback_payments p JOIN acct a ON a.bank_account = p.bank_account GROUP BY p.person_id
),
day_acct AS (
  SELECT bank_account, paid_date, count(*) AS n, sum(CAST(amount AS DOUBLE)) AS total
  FROM lookback_payments WHERE bank_account IS NOT NULL GROUP BY bank_account, paid_date
),
same_day AS (
  SELECT p.person_id, max(d.n) AS max_same_day, max(d.total) AS max_same_day_sum
  FROM lookback_payments p JOIN day_acct d ON d.bank_account = p.bank_account AND d.paid_date = p.paid_date
  GROUP BY p.person_id
),
records AS (SELECT id_number, count(*) AS n_records FROM persons GROUP BY id_number),
kinds AS (
  SELECT pe.id_number, b.kind, count(*) AS n FROM benefits b JOIN persons pe ON pe.person_id = b.person_id
  WHERE b.kind IN {{ monthly_kinds | sql_list }} GROUP BY pe.id_number, b.kind
),
max_kind AS (SELECT id_number, max(n) AS max_same_kind FROM kinds GROUP BY id_number),
cert AS (
  SELECT pe.id_number, max(c.certified_date) AS last_cert
  FROM certifications c JOIN persons pe ON pe.person_id = c.person_id
  WHERE c.certified_date <= DATE '{{ as_of }}' GROUP BY pe.id_number
),
contrib AS (
  SELECT c.person_id, count(DISTINCT c.period) AS months,
         sum(CASE WHEN {{ days_between("CAST(concat(c.period, '-28') AS DATE)", "c.paid_date") }} > 90
                  THEN 1 ELSE 0 END) AS backpaid_months,
         sum(CASE WHEN {{ days_between("CAST(concat(c.period, '-28') AS DATE)", "c.paid_date") }} > 90
                   AND c.paid_date >= DATE '{{ three_years_ago }}' THEN 1 ELSE 0 END) AS recent_backpaid_months
  FROM contributions c WHERE c.insurance = 'pension' GROUP BY c.person_id
),
bulk AS (
  SELECT person_id, max(n) AS max_backpaid_one_day FROM (
    SELECT person_id, paid_date, count(*) AS n FROM contributions
    WHERE insurance = 'pension' AND {{ days_between("CAST(concat(period, '-28') AS DATE)", "paid_date") }} > 90
    GROUP BY person_id, paid_date) t
  GROUP BY person_id
),
deaths_known AS (
  SELECT id_number, {{ month_of("min(death_date)") }} AS death_period FROM deaths
  WHERE death_date <= DATE '{{ as_of }}' GROUP BY id_number
),
after_death AS (
  SELECT p.person_id, count(DISTINCT p.period) AS n FROM lookback_payments p
  JOIN deaths_known d ON d.id_number = p.id_number
  WHERE p.period > d.death_period AND coalesce(p.benefit_kind, '') NOT IN {{ death_related_kinds | sql_list }}
  GROUP BY p.person_id
),
custody AS (
  SELECT p.person_id, count(DISTINCT p.period) AS n FROM lookback_payments p
  JOIN incarcerations i ON i.id_number = p.id_number
  WHERE i.start_date <= DATE '{{ as_of }}' AND p.period > {{ month_of("i.start_date") }}
    AND (i.end_date IS NULL OR p.period <= {{ month_of("i.end_date") }})
  GROUP BY p.person_id
),
yearly AS (
  SELECT person_id, sum(months) AS months FROM contribution_years WHERE insurance = 'pension' GROUP BY person_id
)
SELECT r.person_id,
       CAST(coalesce(p.n_payments, 0) AS DOUBLE) AS n_payments,
       coalesce(CAST(p.n_payments AS DOUBLE) / nullif(p.n_periods, 0), 0) AS payments_per_period,
       coalesce(p.sd_amount / nullif(p.mean_amount, 0), 0) AS amount_cv,
       coalesce(p.max_amount / nullif(p.median_amount, 0), 0) AS max_to_median,
       coalesce(p.backpay_sum / nullif(p.total_amount, 0), 0) AS backpay_share,
       CAST(coalesce(p.n_backpay, 0) AS DOUBLE) AS n_backpay,
       CAST(coalesce(sd.max_same_day, 0) AS DOUBLE) AS max_same_day,
       coalesce(sd.max_same_day_sum, 0) AS max_same_day_sum,
       CAST(coalesce(sh.account_sharing, 0) AS DOUBLE) AS account_sharing,
       CAST(coalesce(p.n_accounts, 0) AS DOUBLE) AS n_accounts,
       CAST({{ days_between("coalesce(ce.last_cert, r.first_start)", "DATE '" ~ as_of ~ "'") }} - {{ cycle_days }}
            AS DOUBLE) AS cert_lateness,
       CAST(CASE WHEN ce.last_cert IS NULL THEN 1 ELSE 0 END AS DOUBLE) AS never_certified,
       CAST(rc.n_records AS DOUBLE) AS n_records,
       CAST(r.n_benefits AS DOUBLE) AS n_benefits,
       CAST(coalesce(mk.max_same_kind, 0) AS DOUBLE) AS max_same_kind,
       CAST(r.region_mismatch AS DOUBLE) AS region_mismatch,
       CAST(coalesce(co.months, 0) + coalesce(y.months, 0) AS DOUBLE) AS contribution_months,
       CAST(coalesce(r.deemed_months, 0) AS DOUBLE) AS deemed_months,
       CAST(coalesce(co.backpaid_months, 0) AS DOUBLE) AS backpaid_months,
       CAST(coalesce(bu.max_backpaid_one_day, 0) AS DOUBLE) AS max_backpaid_one_day,
       CAST(coalesce(co.recent_backpaid_months, 0) AS DOUBLE) AS recent_backpaid_months,
       CAST(coalesce(ad.n, 0) AS DOUBLE) AS paid_after_death_months,
       CAST(coalesce(cu.n, 0) AS DOUBLE) AS paid_in_custody_months,
       CAST({{ days_between("r.birth_date", "DATE '" ~ as_of ~ "'") }} / 365.25 AS DOUBLE) AS age,
       CAST(coalesce(r.monthly_amount, 0) AS DOUBLE) AS monthly_amount
FROM recipients r
LEFT JOIN pay p ON p.person_id = r.person_id
LEFT JOIN sharing sh ON sh.person_id = r.person_id
LEFT JOIN same_day sd ON sd.person_id = r.person_id
LEFT JOIN records rc ON rc.id_number = r.id_number
LEFT JOIN max_kind mk ON mk.id_number = r.id_number
LEFT JOIN cert ce ON ce.id_number = r.id_number
LEFT JOIN contrib co ON co.person_id = r.person_id
LEFT JOIN bulk bu ON bu.person_id = r.person_id
LEFT JOIN yearly y ON y.person_id = r.person_id
LEFT JOIN after_death ad ON ad.person_id = r.person_id
LEFT JOIN custody cu ON cu.person_id = r.person_id
ORDER BY r.person_id
"""


def compute_features(engine: Engine, folder: str | Path, *, as_of: date, cycle_days: int = 365) -> pa.Table:
    """Load ``folder`` into ``engine`` and return one row of features per recipient (Arrow).

    Examples:
        >>> from shebao.engines.factory import make_engine
        >>> with make_engine("duckdb") as eng:  # doctest: +SKIP
        ...     table = compute_features(eng, "exchange/", as_of=date(2026, 10, 31))
    """
    catalogue = load_catalogue()
    _, runtime = prepare(engine, catalogue, Path(folder), as_of)
    params = {**catalogue.parameters, **runtime, "cycle_days": cycle_days,
              "three_years_ago": date(as_of.year - 3, as_of.month, 1).isoformat()}
    return engine.query(render(FEATURE_SQL, engine.dialect, params))
