"""Validate a file's text cells against a template: typed rows out, every problem named."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from parkbrain.importing.errors import ImportFileError, RowError
from parkbrain.importing.readers import RawTable
from parkbrain.importing.rules import (
    CERTIFICATIONS,
    PARSERS,
    SECTIONS,
    canonical_certifications,
    year_floor,
)
from parkbrain.importing.templates import Column, Template
from parkbrain.uscc import check_character


@dataclass
class Validated:
    """The typed rows that passed (in the template's schema), and every problem found."""

    template: Template
    table: pa.Table
    rows: np.ndarray
    errors: list[RowError]
    unknown_columns: list[str] = field(default_factory=list)

    @property
    def bad_rows(self) -> list[int]:
        return sorted({e.row for e in self.errors})


def validate(raw: RawTable, template: Template, *, path: str, today: dt.date | None = None) -> Validated:
    """Check every cell of a raw table against the template; split good rows from bad ones."""
    today = today or dt.date.today()
    mapping = template.header_map()
    present = {mapping[h]: h for h in raw.headers if h in mapping}
    for column in template.columns:
        if column.required and column.field not in present:
            raise ImportFileError(path, "missing_column", column=column.zh)
    unknown = [h for h in raw.headers if h not in mapping and h]
    n = raw.table.num_rows
    typed: dict[str, pa.Array] = {}
    problems: dict[str, pa.Array] = {}
    for column in template.columns:
        header = present.get(column.field)
        if header is None:
            typed[column.field] = pa.nulls(n, column.arrow_type)
            continue
        text = _clean(raw.table.column(header), column.type)
        values, problem = _parse(text, column, today)
        if column.required:
            problem = pc.coalesce(pc.if_else(pc.is_null(text), pa.scalar("required"), pa.scalar(None, pa.string())), problem)
        typed[column.field] = values if column.type == "text" else values.cast(column.arrow_type)
        problems[column.field] = problem
    _cross_field_problems(template, typed, problems)
    errors = list(raw.errors)
    bad = np.zeros(n, dtype=bool)
    for fname, problem in problems.items():
        column = template.column(fname)
        mask = pc.is_valid(problem).to_numpy(zero_copy_only=False)
        if not mask.any():
            continue
        bad |= mask
        idx = np.flatnonzero(mask)
        codes = pc.take(problem, pa.array(idx)).to_pylist()
        cells = pc.take(raw.table.column(present[fname]), pa.array(idx)).to_pylist()
        for i, code, cell in zip(idx, codes, cells, strict=True):
            params = _params(code, template, column, cell, typed, int(i), today)
            errors.append(RowError(int(raw.rows[i]), present[fname], cell, code, params))
    errors += _duplicate_keys(template, typed, present, raw.rows, bad)
    bad_rows = {e.row for e in errors}
    keep = ~np.isin(raw.rows, np.fromiter(bad_rows, dtype=np.int64, count=len(bad_rows)))
    table = pa.table(typed) if n else template.arrow_schema.empty_table()
    table = table.filter(pa.array(keep)) if not keep.all() else table
    errors.sort(key=lambda e: (e.row, template.fields.index(mapping[e.column]) if e.column in mapping else -1))
    return Validated(template, table, raw.rows[keep], errors, unknown)


# Columns with few distinct values are parsed once per distinct value, then mapped back.
FEW_DISTINCT = {"date", "year", "industry_code", "yesno", "enum", "certifications"}


def _parse(text: pa.ChunkedArray, column: Column, today: dt.date) -> tuple[pa.Array, pa.Array]:
    parser = PARSERS[column.type]
    if column.type == "text":
        return parser(text, column, today)
    text = text.combine_chunks() if isinstance(text, pa.ChunkedArray) else text
    if column.type not in FEW_DISTINCT or len(text) < 10_000:
        return parser(text, column, today)
    encoded = pc.dictionary_encode(text)
    values, problems = parser(encoded.dictionary, column, today)
    return pc.take(values, encoded.indices), pc.take(problems, encoded.indices)


def _clean(column: pa.ChunkedArray, dtype: str) -> pa.ChunkedArray:
    """Cells without surrounding white space; a cell of only spaces is empty.

    Columns are kept in chunks and, for long texts read dictionary-encoded, as dictionaries:
    most columns need no change, and then pass through without a copy.
    """
    if pa.types.is_dictionary(column.type):
        if dtype == "text" and not any(_needs_trim(chunk.dictionary) for chunk in column.chunks):
            return column
        column = column.cast(pa.string())
    if _needs_trim(column):
        column = pc.utf8_trim_whitespace(column)
    if pc.any(pc.equal(column, "")).as_py():
        column = pc.if_else(pc.equal(column, ""), pa.scalar(None, pa.string()), column)
    return column


def _needs_trim(values: pa.Array | pa.ChunkedArray) -> bool:
    return bool(pc.any(pc.match_substring_regex(values, r"^\s|\s$|^$")).as_py())


def _cross_field_problems(template: Template, typed: dict[str, pa.Array], problems: dict[str, pa.Array]) -> None:
    for column in template.columns:
        if column.max_field and column.field in problems:
            over = pc.fill_null(pc.greater(typed[column.field], typed[column.max_field]), False)
            flag = pc.if_else(over, pa.scalar("exceeds_field"), pa.scalar(None, pa.string()))
            problems[column.field] = pc.coalesce(problems[column.field], flag)


def _duplicate_keys(template: Template, typed: dict[str, pa.Array], present: dict[str, str],
                    rows: np.ndarray, bad: np.ndarray) -> list[RowError]:
    """Every row whose key (e.g. 统一社会信用代码 + 年度) another valid row has too."""
    candidates = np.flatnonzero(~bad)
    if len(candidates) < 2:
        return []
    codes = _key_codes([pc.take(typed[k], pa.array(candidates)) for k in template.key])
    order = np.argsort(codes, kind="stable")
    sorted_codes = codes[order]
    same_as_next = sorted_codes[1:] == sorted_codes[:-1]
    if not same_as_next.any():
        return []
    header = ", ".join(present.get(k, k) for k in template.key)
    key_label = "+".join(template.column(k).zh for k in template.key)
    out = []
    # Which of two rows with one key is right cannot be known: neither is imported.
    for group in np.split(order, np.flatnonzero(~same_as_next) + 1):
        if len(group) < 2:
            continue
        members = sorted(int(candidates[g]) for g in group)
        for i in members:
            other = members[1] if i == members[0] else members[0]
            value = "/".join(str(typed[k][i].as_py()) for k in template.key)
            out.append(RowError(int(rows[i]), header, value, "duplicate_key",
                                {"first_row": int(rows[other]), "key": key_label}))
    return out


def _key_codes(columns: list[pa.Array]) -> np.ndarray:
    """One int64 per row that is equal exactly when all key columns are (nulls equal too)."""
    codes = np.zeros(len(columns[0]), dtype=np.int64)
    for column in columns:
        encoded = pc.dictionary_encode(column, null_encoding="encode")
        indices = encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64)
        codes = codes * (len(encoded.dictionary) + 1) + indices
    return codes


def _params(code: str, template: Template, column: Column, cell: str | None, typed: dict[str, pa.Array], i: int,
            today: dt.date) -> dict:
    """The figures a message needs, computed only for the rows that have a problem."""
    text = (cell or "").strip()
    if code == "required":
        return {"column": column.zh}
    if code == "uscc_length":
        return {"length": len(text)}
    if code == "uscc_check_digit":
        return {"expected": check_character(text.upper()[:17])}
    if code == "date_future":
        return {"today": today.isoformat()}
    if code == "year_range":
        return {"low": year_floor(column), "high": today.year}
    if code == "number_format":
        return {"unit": column.unit or "数值"}
    if code in ("below_min", "above_max"):
        return {"min": _num(column.min), "max": _num(column.max)}
    if code == "exceeds_field":
        other = column.max_field or ""
        return {"other": template.column(other).zh, "other_value": _num(typed[other][i].as_py())}
    if code == "industry_code_section":
        division = int(text[1:3])
        return {"section": text[0].upper(), "division": f"{division:02d}",
                "expected": next((s for s, (lo, hi) in SECTIONS.items() if lo <= division <= hi), "-")}
    if code in ("certification_unknown", "certification_date"):
        _, detail = canonical_certifications(text)
        return {"name": (detail or ":").split(":", 1)[1], "allowed": "、".join(CERTIFICATIONS)}
    if code == "enum":
        return {"value": text, "allowed": "、".join(f"{label}" for label in (column.choices or {}).values())}
    return {}


def _num(value: float | None) -> str:
    return "" if value is None else (str(int(value)) if float(value).is_integer() else str(value))
