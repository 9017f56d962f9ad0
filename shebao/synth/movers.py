"""Synthetic movers (issue 21): people whose contribution history is in two places, for the
transfer demo. Added to a generated folder only when asked (``shebao synth --movers N``), so that
the registry written without the flag stays byte-identical.

Half the movers came from another province: they are still registered there (the transfer is not
done yet), their months before a cut month were paid to an employer in that province, and since then
they work for their Shandong employer. The other half moved inside Shandong: registered in their
city, working since the cut for an employer in another Shandong city. ``movers.csv`` lists each
mover with the transfer to apply for (``person_id, from_region, to_region, household_region, kind``),
the input of ``shebao transfer apply``. Yearly summaries (the years before the monthly detail) count
in the registered region, as the registry reads them.
"""

from __future__ import annotations

import csv
import datetime as dt
import os
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from shebao.synth.schema import SCHEMAS

# places people come from (region codes of districts in other provinces) and the names of their firms
OTHER_PLACES = {"110105": "北京朝阳示例科技有限公司", "310115": "上海浦东示例贸易有限公司",
                "440305": "深圳南山示例电子有限公司", "320505": "苏州高新示例机械有限公司"}
MOVER_COLUMNS = ("person_id", "from_region", "to_region", "household_region", "kind")


def _read(path: Path, name: str, fmt: str) -> pa.Table:
    if fmt == "csv":
        return pacsv.read_csv(path, convert_options=pacsv.ConvertOptions(column_types=SCHEMAS[name]))
    return pq.read_table(path)


def _batches(path: Path, name: str, fmt: str):
    if fmt == "csv":
        reader = pacsv.open_csv(path, convert_options=pacsv.ConvertOptions(column_types=SCHEMAS[name]),
                                read_options=pacsv.ReadOptions(block_size=16 << 20))
        for batch in reader:
            yield pa.Table.from_batches([batch])
    else:
        for batch in pq.ParquetFile(path).iter_batches(batch_size=500_000):
            yield pa.Table.from_batches([batch])


def _contributing(path: Path, fmt: str) -> set[str]:
    """Persons whose monthly pension contributions all have an employer (one pass over three columns):
    a flexible worker's month has no place of its own in the registry, so a mover is an employee."""
    cols = ["person_id", "insurance", "employer_id"]
    if fmt == "csv":
        reader = pacsv.open_csv(path, read_options=pacsv.ReadOptions(block_size=16 << 20),
                                convert_options=pacsv.ConvertOptions(include_columns=cols))
        batches = (pa.Table.from_batches([b]) for b in reader)
    else:
        batches = (pa.Table.from_batches([b]) for b in pq.ParquetFile(path).iter_batches(columns=cols))
    out: set[str] = set()
    flexible: set[str] = set()
    for t in batches:
        t = t.filter(pc.equal(t.column("insurance"), "pension"))
        out.update(pc.unique(t.column("person_id")).to_pylist())
        no_employer = pc.or_(pc.is_null(t.column("employer_id")), pc.equal(t.column("employer_id"), ""))
        flexible.update(pc.unique(t.filter(no_employer).column("person_id")).to_pylist())
    return out - flexible


def _rewrite(path: Path, name: str, fmt: str, tables) -> int:
    """Write ``tables`` to a temporary file beside ``path`` with the exchange format's writer, then
    replace ``path`` (a crash leaves the original)."""
    from shebao.synth.build import _Writer

    tmp = path.with_suffix(path.suffix + ".tmp")
    writer = _Writer(tmp, SCHEMAS[name], fmt)
    try:
        for table in tables:
            writer.write(table)
    finally:
        writer.close()
    os.replace(tmp, path)
    return writer.rows


def _uscc(region: str, serial: int) -> str:
    from shebao.core.validators import uscc_check_char

    body = f"91{region}MA{serial:07d}"[:17]
    return body + uscc_check_char(body)


def add_movers(out: Path | str, *, count: int, seed: int, as_of: dt.date, fmt: str = "csv") -> dict[str, int]:
    """Turn ``count`` working-age persons without a benefit into movers (see the module docstring).

    Returns the counts written (``cross_province``, ``within_province``, contributions changed).
    """
    out = Path(out)
    ext = "csv" if fmt == "csv" else "parquet"
    rng = np.random.default_rng(np.random.SeedSequence([seed, 0x21]))
    persons = _read(out / f"persons.{ext}", "persons", fmt)
    employers = _read(out / f"employers.{ext}", "employers", fmt)
    with_benefit = set(_read(out / f"benefits.{ext}", "benefits", fmt).column("person_id").to_pylist())
    born_after = dt.date(as_of.year - 50, as_of.month, 1)
    pid = persons.column("person_id").to_pylist()
    births = persons.column("birth_date").to_pylist()
    regions = persons.column("region_code").to_pylist()
    contributing = _contributing(out / f"contributions.{ext}", fmt)
    pool = sorted(i for i, p in enumerate(pid)
                  if p not in with_benefit and p in contributing and births[i] >= born_after)
    if not pool or count <= 0:
        return {"cross_province": 0, "within_province": 0, "contributions": 0}
    chosen = sorted(rng.choice(len(pool), size=min(count, len(pool)), replace=False).tolist())
    emp_region = dict(zip(employers.column("employer_id").to_pylist(), employers.column("region_code").to_pylist(),
                          strict=True))
    by_city: dict[str, list[str]] = {}
    for eid, region in sorted(emp_region.items()):
        by_city.setdefault(region[:4], []).append(eid)
    first = dt.date(as_of.year - 2, 1, 1)
    movers: dict[str, dict] = {}
    new_region = list(regions)
    places = sorted(OTHER_PLACES)
    for n, k in enumerate(chosen):
        i = pool[k]
        home = regions[i]
        cut_index = int(rng.integers(6, 24))
        cut = f"{first.year + cut_index // 12:04d}-{cut_index % 12 + 1:02d}"
        if n % 2 == 0:
            place = places[int(rng.integers(0, len(places)))]
            movers[pid[i]] = {"person_id": pid[i], "from_region": place, "to_region": home, "household_region": home,
                              "kind": "cross_province", "cut": cut, "before": f"EX{place}", "after": None}
            new_region[i] = place
        else:
            cities = [c for c in sorted(by_city) if c != home[:4]]
            if not cities:
                continue
            city = cities[int(rng.integers(0, len(cities)))]
            employer = by_city[city][int(rng.integers(0, len(by_city[city])))]
            movers[pid[i]] = {"person_id": pid[i], "from_region": home, "to_region": emp_region[employer],
                              "household_region": home, "kind": "within_province", "cut": cut, "before": None,
                              "after": employer}
    # persons: the cross-province movers are still registered in the place they came from
    persons = persons.set_column(persons.schema.get_field_index("region_code"), "region_code",
                                 pa.array(new_region, pa.string()))
    _rewrite(out / f"persons.{ext}", "persons", fmt, [persons])
    used = sorted({m["from_region"] for m in movers.values() if m["kind"] == "cross_province"})
    extra = pa.table({"employer_id": [f"EX{r}" for r in used], "uscc": [_uscc(r, j + 1) for j, r in enumerate(used)],
                      "name": [OTHER_PLACES[r] for r in used], "region_code": used,
                      "industry_code": ["C"] * len(used)}, schema=SCHEMAS["employers"])
    _rewrite(out / f"employers.{ext}", "employers", fmt, [employers, extra])
    changed = [0]
    taken: set[tuple[str, str, str, str]] = set()  # a mover's (person, period, insurance, employer) written
    keys = pa.array(sorted(movers), pa.string())

    def contributions():
        for table in _batches(out / f"contributions.{ext}", "contributions", fmt):
            mask = pc.is_in(table.column("person_id"), value_set=keys)
            if not pc.any(mask).as_py():
                yield table
                continue
            people = table.column("person_id").to_pylist()
            periods = table.column("period").to_pylist()
            emp = table.column("employer_id").to_pylist()
            insurance = table.column("insurance").to_pylist()
            for j, hit in enumerate(mask.to_pylist()):
                if not hit:
                    continue
                m = movers[people[j]]
                new = (m["before"] if m["before"] and periods[j] < m["cut"]
                       else m["after"] if m["after"] and periods[j] >= m["cut"] else None)
                key = (people[j], periods[j], insurance[j], new or emp[j])
                if new is not None and key not in taken:  # two jobs in one month: the second keeps its employer
                    emp[j] = new
                    changed[0] += 1
                taken.add(key)
            yield table.set_column(table.schema.get_field_index("employer_id"), "employer_id", pa.array(emp, pa.string()))

    _rewrite(out / f"contributions.{ext}", "contributions", fmt, contributions())
    fd = os.open(out / "movers.csv", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=MOVER_COLUMNS, extrasaction="ignore")
        writer.writeheader()
        for key in sorted(movers):
            writer.writerow(movers[key])
    kinds = [m["kind"] for m in movers.values()]
    return {"cross_province": kinds.count("cross_province"), "within_province": kinds.count("within_province"),
            "contributions": changed[0]}
