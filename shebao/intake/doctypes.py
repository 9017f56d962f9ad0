"""Document types as data: one YAML spec per type under ``intake/doctypes/`` (anchors, patterns, validators).

A spec says how to recognise the type (``classify.anchors``: text → weight, ``min_score``) and, for each
field, the printed labels it follows (``anchors``), what kind of value it is (``kind``: name, sex,
ethnicity, date, datetime, validity, id_number, card_number, uscc, icd10, choice, text), and optionally a
``pattern`` the value must match, a ``line_pattern`` for an unlabelled line (a hospital's name on top),
``continued`` for values that run onto the next lines, ``search`` to look for the value anywhere on the
page when its label is not read, ``range`` for dates, ``optional`` for fields not always printed.
Adding a type is adding a file; :func:`load_specs` refuses a spec with an unknown key or kind.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path

import yaml

SPEC_DIR = Path(__file__).with_name("doctypes")

# the field keys of the issue (JSON contract), in English snake_case
FIELD_KEYS = ("name", "sex", "ethnicity", "birth_date", "address", "id_number", "issuing_authority", "validity",
              "card_number", "bank", "death_date", "cause", "employer", "uscc", "separation_date", "reason",
              "hospital", "date", "diagnosis", "icd10", "time", "place", "description")
KINDS = frozenset({"name", "sex", "ethnicity", "date", "datetime", "validity", "id_number", "card_number", "uscc",
                   "icd10", "choice", "text"})
_FIELD_OPTIONS = frozenset({"key", "label", "anchors", "kind", "pattern", "line_pattern", "continued", "search",
                            "range", "optional", "choices"})


class SpecError(ValueError):
    """A document type spec is malformed (said with its file and field)."""


@dataclass(frozen=True)
class FieldSpec:
    key: str
    label: str
    kind: str
    anchors: tuple[str, ...] = ()
    pattern: str | None = None
    line_pattern: str | None = None
    continued: bool = False
    search: bool = False
    optional: bool = False
    range: dict = field(default_factory=dict)
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class DocType:
    type: str
    label: str
    anchors: dict[str, int]
    min_score: int
    fields: tuple[FieldSpec, ...]

    def field(self, key: str) -> FieldSpec | None:
        return next((f for f in self.fields if f.key == key), None)


def parse_spec(data: dict, *, source: str) -> DocType:
    """One spec from its YAML mapping (``source`` names it in errors)."""
    try:
        fields = []
        for item in data["fields"]:
            unknown = set(item) - _FIELD_OPTIONS
            if unknown:
                raise SpecError(f"{source}：字段 {item.get('key')} 含未知设置 {sorted(unknown)}")
            if item["key"] not in FIELD_KEYS:
                raise SpecError(f"{source}：字段名 {item['key']} 不在约定的字段名中")
            if item["kind"] not in KINDS:
                raise SpecError(f"{source}：字段 {item['key']} 的类型 {item['kind']} 未知")
            fields.append(FieldSpec(
                key=item["key"], label=str(item.get("label") or item["key"]), kind=item["kind"],
                anchors=tuple(str(a) for a in item.get("anchors") or ()), pattern=item.get("pattern"),
                line_pattern=item.get("line_pattern"), continued=bool(item.get("continued")),
                search=bool(item.get("search")), optional=bool(item.get("optional")),
                range={k: str(v) for k, v in (item.get("range") or {}).items()},
                choices=tuple(item.get("choices") or ()),
            ))
        classify = data["classify"]
        return DocType(type=str(data["type"]), label=str(data["label"]),
                       anchors={str(k): int(v) for k, v in classify["anchors"].items()},
                       min_score=int(classify["min_score"]), fields=tuple(fields))
    except (KeyError, TypeError) as exc:
        raise SpecError(f"{source}：缺少或错误的设置 {exc}") from None


@functools.cache
def load_specs(directory: str | None = None) -> tuple[DocType, ...]:
    """Every document type spec in ``directory`` (default: the package's), sorted by file name."""
    folder = Path(directory) if directory else SPEC_DIR
    specs = []
    for path in sorted(folder.glob("*.yaml")):
        specs.append(parse_spec(yaml.safe_load(path.read_text(encoding="utf-8")), source=path.name))
    return tuple(specs)


def spec_of(doc_type: str) -> DocType | None:
    return next((s for s in load_specs() if s.type == doc_type), None)


TYPE_LABELS = {"other": "其他材料"}


def type_label(doc_type: str) -> str:
    spec = spec_of(doc_type)
    return spec.label if spec else TYPE_LABELS.get(doc_type, doc_type)
