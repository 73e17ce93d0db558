"""Import templates as data: each YAML file in parkbrain/data/templates names its columns and rules."""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Literal

import pyarrow as pa
import yaml
from pydantic import BaseModel, Field, model_validator

ColumnType = Literal[
    "text", "code", "uscc", "date", "year", "number", "integer", "industry_code",
    "certifications", "yesno", "enum",
]

ARROW_TYPES: dict[str, pa.DataType] = {
    "text": pa.string(),
    "code": pa.string(),
    "uscc": pa.string(),
    "industry_code": pa.string(),
    "certifications": pa.string(),
    "enum": pa.string(),
    "date": pa.date32(),
    "year": pa.int32(),
    "integer": pa.int64(),
    "number": pa.float64(),
    "yesno": pa.bool_(),
}


class Column(BaseModel):
    """One column of a template: its field name, Chinese header, type and rules."""

    field: str
    zh: str
    type: ColumnType
    required: bool = False
    min: float | None = None
    max: float | None = None
    max_field: str | None = None
    not_future: bool = False
    unit: str | None = None
    note: str | None = None
    choices: dict[str, str] | None = None

    @model_validator(mode="after")
    def _enum_has_choices(self) -> Column:
        if (self.type == "enum") != (self.choices is not None):
            raise ValueError(f"column {self.field}: choices go with type enum, and only with it")
        return self

    @property
    def arrow_type(self) -> pa.DataType:
        return ARROW_TYPES[self.type]


class Template(BaseModel):
    """A data template: which table it fills, its key and its columns."""

    id: str
    table: str
    title: dict[str, str]
    source: str
    key: list[str]
    columns: list[Column] = Field(min_length=1)

    @model_validator(mode="after")
    def _fields_are_consistent(self) -> Template:
        names = [c.field for c in self.columns]
        if len(set(names)) != len(names):
            raise ValueError(f"template {self.id}: a field is listed twice")
        for ref in [*self.key, *(c.max_field for c in self.columns if c.max_field)]:
            if ref not in names:
                raise ValueError(f"template {self.id}: {ref} is not one of its columns")
        return self

    @property
    def fields(self) -> list[str]:
        return [c.field for c in self.columns]

    def column(self, field: str) -> Column:
        return next(c for c in self.columns if c.field == field)

    @property
    def arrow_schema(self) -> pa.Schema:
        """The typed schema of a validated batch of this template."""
        return pa.schema([pa.field(c.field, c.arrow_type, nullable=not c.required) for c in self.columns])

    def header_map(self) -> dict[str, str]:
        """Accepted header → field: the Chinese header, the English field name, either case."""
        mapping: dict[str, str] = {}
        for c in self.columns:
            for header in (c.zh, c.field, c.field.upper()):
                mapping[header] = c.field
        return mapping


@cache
def load_templates() -> dict[str, Template]:
    """All templates shipped in parkbrain/data/templates, by id."""
    folder = resources.files("parkbrain") / "data" / "templates"
    out: dict[str, Template] = {}
    for entry in sorted(folder.iterdir(), key=lambda p: p.name):
        if entry.name.endswith(".yaml"):
            template = Template.model_validate(yaml.safe_load(entry.read_text(encoding="utf-8")))
            out[template.id] = template
    return out


def template_for_headers(headers: list[str]) -> Template | None:
    """The template whose required columns all appear among the headers (the most matched wins)."""
    best: tuple[int, Template] | None = None
    for template in load_templates().values():
        mapping = template.header_map()
        fields = {mapping[h.strip()] for h in headers if h.strip() in mapping}
        required = {c.field for c in template.columns if c.required}
        if required <= fields and (best is None or len(fields) > best[0]):
            best = (len(fields), template)
    return best[1] if best else None


_TYPE_DOC = {
    "text": "text", "code": "id (no spaces, ≤ 64)", "uscc": "统一社会信用代码 (GB 32100-2015)",
    "date": "date YYYY-MM-DD", "year": "year (1990 … this year)", "number": "number",
    "integer": "integer", "industry_code": "GB/T 4754-2017 code", "certifications": "`;`-separated `名称@YYYY-MM-DD`",
    "yesno": "是/否", "enum": "one of",
}


def render_templates_doc() -> str:
    """docs/templates.md, generated from the template files so that the two cannot disagree."""
    out = ["# Import templates 数据模板", "",
           "Generated from `src/parkbrain/data/templates/*.yaml` by "
           "`python -m parkbrain.importing.templates > docs/templates.md`; a test keeps it current.",
           "Files are CSV (UTF-8 with or without BOM, GBK/GB18030) or .xlsx (first sheet), one header row; "
           "Chinese or English headers; column order is free; unknown columns are reported and ignored; "
           "empty cells are missing values, not zeros. `parkbrain import FILE` recognises the template "
           "from the headers (or `--kind ID`).", ""]
    for t in load_templates().values():
        out += [f"## {t.title['zh']} / {t.title['en']} (`--kind {t.id}`)", "",
                f"Source: {t.source}. Key: {' + '.join(t.column(k).zh for k in t.key)}.", "",
                "| 中文列名 | English | type | required | rule |", "| --- | --- | --- | --- | --- |"]
        for c in t.columns:
            rule = []
            if c.choices:
                rule.append(", ".join(f"{label} (`{code}`)" for code, label in c.choices.items()))
            if c.min is not None:
                rule.append(f"≥ {c.min:g}")
            if c.max is not None:
                rule.append(f"≤ {c.max:g}")
            if c.max_field:
                rule.append(f"≤ {t.column(c.max_field).zh}")
            if c.not_future:
                rule.append("not in the future")
            if c.unit:
                rule.append(f"unit {c.unit}")
            if c.note:
                rule.append(c.note)
            out.append(f"| {c.zh} | {c.field} | {_TYPE_DOC[c.type]} | {'yes' if c.required else 'no'} | {'; '.join(rule)} |")
        out.append("")
    return "\n".join(out)


if __name__ == "__main__":  # pragma: no cover
    import sys

    sys.stdout.write(render_templates_doc())
