"""What a policy expression may name: each subject's fields (from the warehouse schema) and the functions.

>>> enterprise = subject_fields("enterprise")
>>> enterprise["rd_expense"].source, enterprise["rd_expense"].type, enterprise["rd_expense"].unit
('panel', 'number', '万元')
>>> enterprise["founded_on"].source, enterprise["founded_on"].type
('attr', 'date')
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Literal

import pyarrow as pa

from parkbrain.importing.rules import CERTIFICATIONS
from parkbrain.importing.templates import load_templates
from parkbrain.policies.nodes import Type
from parkbrain.warehouse.schema import TABLES

Subject = Literal["enterprise", "talent"]
SUBJECT_KEYS = {"enterprise": "uscc", "talent": "talent_id"}
TEMPLATE_OF = {"enterprise": "enterprises", "talent": "talents"}
MAX_YEARS = 10  # how far back a window function may look

FUNCTIONS: dict[str, str] = {
    "sum": "sum(field, years=3): the field summed over the evaluated year and the ones before "
           "(years before the enterprise was founded count as 0)",
    "avg": "avg(field, years=3): the yearly average over the years the enterprise existed",
    "growth": "growth(field, years=2): the average of the last `years` yearly growth rates",
    "previous": "previous(field, years=1): the field's value `years` years before the evaluated year",
    "min": "min(a, b, ...): the smallest value (unknown if any is unknown)",
    "max": "max(a, b, ...): the largest value (unknown if any is unknown)",
    "coalesce": "coalesce(a, b, ...): the first value that is known",
    "years_since": "years_since(date): whole years from the date to the evaluation date",
    "days_since": "days_since(date): calendar days from the date to the evaluation date",
    "date": "date('2024-01-01'): a date",
    "has": "has('高新技术企业'): the enterprise holds the title in the evaluated year",
    "starts_with": "starts_with(text, 'C16', 'F', ...): the text begins with one of the prefixes",
    "requires": "requires(policy_id): the other policy's status for the same subject",
    "amount_of": "amount_of(policy_id): the other policy's amount for the same subject",
}
CONTEXT: dict[str, tuple[Type, str]] = {
    "period": ("number", "the evaluated (data) year, e.g. 2024"),
    "as_of": ("date", "the evaluation date (by default the last day of the evaluated year)"),
}


@dataclass(frozen=True)
class Field:
    """A field a policy may name: where it lives, its type, Chinese label and unit."""

    name: str
    source: Literal["panel", "attr"]
    type: Type
    label: str
    unit: str | None = None
    integer: bool = False


def _type_of(arrow: pa.DataType) -> Type:
    if pa.types.is_boolean(arrow):
        return "bool"
    if pa.types.is_date(arrow):
        return "date"
    if pa.types.is_integer(arrow) or pa.types.is_floating(arrow):
        return "number"
    return "text"


@cache
def subject_fields(subject: Subject) -> dict[str, Field]:
    """The fields of a subject by name: the yearly panel's (enterprises only) and the attributes."""
    template = load_templates()[TEMPLATE_OF[subject]]
    out: dict[str, Field] = {}
    tables = [("panel", "enterprise_years"), ("attr", "enterprises")] if subject == "enterprise" \
        else [("attr", "talents")]
    for source, table in tables:
        for f in TABLES[table].schema:
            if f.name in ("year", "as_of_year") or (source == "panel" and f.name == "uscc"):
                continue
            column = template.column(f.name)
            out[f.name] = Field(f.name, source, _type_of(f.type), column.zh, column.unit,
                                pa.types.is_integer(f.type))
    return out


def certification_names() -> tuple[str, ...]:
    """The titles `has()` knows (the template's 资质 names)."""
    return CERTIFICATIONS
