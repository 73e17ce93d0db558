"""Column rules of the templates, vectorised over pyarrow arrays.

Each parser takes a text column (null = empty cell) and returns the typed column and a
column of problem codes (null where the cell is fine). Messages are made later, only for
the rows that have a problem.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from parkbrain.importing.templates import Column
from parkbrain.uscc import normalize_uscc, uscc_problems

Parsed = tuple[pa.Array, pa.Array]

CERTIFICATIONS = (
    "科技型中小企业", "高新技术企业", "专精特新中小企业", "专精特新小巨人", "瞪羚企业", "独角兽企业", "上市企业",
    "雏鹰企业",  # beyond the spec's list: the local 雏鹰 tier of the seeds' parks
)
# Names people write for the same certifications (kept as data here, one place).
CERTIFICATION_ALIASES = {
    "高企": "高新技术企业", "国家高新技术企业": "高新技术企业", "科技型中小微企业": "科技型中小企业",
    "小巨人": "专精特新小巨人", '专精特新"小巨人"': "专精特新小巨人", "专精特新“小巨人”": "专精特新小巨人",
    "专精特新“小巨人”企业": "专精特新小巨人", "国家级专精特新小巨人": "专精特新小巨人",
    "瞪羚": "瞪羚企业", "独角兽": "独角兽企业", "上市公司": "上市企业", "雏鹰": "雏鹰企业",
}
YES = {"是", "y", "yes", "true", "1", "有"}
NO = {"否", "n", "no", "false", "0", "无"}

# GB/T 4754-2017: the divisions (大类) of each section (门类).
SECTIONS = {
    "A": (1, 5), "B": (6, 12), "C": (13, 43), "D": (44, 46), "E": (47, 50), "F": (51, 52),
    "G": (53, 60), "H": (61, 62), "I": (63, 65), "J": (66, 69), "K": (70, 70), "L": (71, 72),
    "M": (73, 75), "N": (76, 79), "O": (80, 82), "P": (83, 83), "Q": (84, 85), "R": (86, 90),
    "S": (91, 96), "T": (97, 97),
}


def section_of_division(division: int) -> str | None:
    """The GB/T 4754-2017 section letter of a two-digit division, or None if there is none."""
    return next((s for s, (lo, hi) in SECTIONS.items() if lo <= division <= hi), None)


def _problem(mask: pa.Array, code: str) -> pa.Array:
    return pc.if_else(mask, pa.scalar(code), pa.scalar(None, pa.string()))


def _first(*problems: pa.Array) -> pa.Array:
    return pc.coalesce(*problems)


def _matches(values: pa.Array, pattern: str) -> pa.Array:
    return pc.fill_null(pc.match_substring_regex(values, pattern), True)


def parse_text(values: pa.Array, column: Column, today: dt.date) -> Parsed:
    return values, pa.nulls(len(values), pa.string())


def parse_code(values: pa.Array, column: Column, today: dt.date) -> Parsed:
    return values, _problem(pc.invert(_matches(values, r"^\S{1,64}$")), "code_format")


def parse_uscc(values: pa.Array, column: Column, today: dt.date) -> Parsed:
    problems = uscc_problems(values)
    return normalize_uscc(values), pc.binary_join_element_wise("uscc_", problems, "")


def parse_number(values: pa.Array, column: Column, today: dt.date) -> Parsed:
    cleaned = pc.replace_substring(values, ",", "")
    ok = _matches(cleaned, r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
    typed = pc.cast(pc.if_else(ok, cleaned, pa.scalar(None, pa.string())), pa.float64())
    typed = pc.add(typed, 0.0)  # "-0" is stored as 0.0, so equal files compare equal
    return typed, _range_problems(typed, column, _problem(pc.invert(ok), "number_format"))


def parse_integer(values: pa.Array, column: Column, today: dt.date) -> Parsed:
    cleaned = pc.replace_substring_regex(pc.replace_substring(values, ",", ""), r"\.0+$", "")
    ok = _matches(cleaned, r"^[+-]?\d{1,18}$")
    typed = pc.cast(pc.if_else(ok, cleaned, pa.scalar(None, pa.string())), pa.int64())
    return typed, _range_problems(typed, column, _problem(pc.invert(ok), "integer_format"))


def _range_problems(typed: pa.Array, column: Column, problems: pa.Array) -> pa.Array:
    if column.min is not None:
        problems = _first(problems, _problem(pc.fill_null(pc.less(typed, column.min), False), "below_min"))
    if column.max is not None:
        problems = _first(problems, _problem(pc.fill_null(pc.greater(typed, column.max), False), "above_max"))
    return problems


def parse_year(values: pa.Array, column: Column, today: dt.date) -> Parsed:
    ok = _matches(values, r"^\d{4}$")
    typed = pc.cast(pc.if_else(ok, values, pa.scalar(None, pa.string())), pa.int32())
    out_of_range = pc.fill_null(pc.or_(pc.less(typed, year_floor(column)), pc.greater(typed, today.year)), False)
    return typed, _first(_problem(pc.invert(ok), "year_format"), _problem(out_of_range, "year_range"))


def year_floor(column: Column) -> int:
    """The earliest year a year column accepts: 1990 for data years (the template's rule), else its min."""
    return int(column.min) if column.min is not None else 1990


def parse_date(values: pa.Array, column: Column, today: dt.date) -> Parsed:
    # 2021/3/5 and 2021.3.5 are how spreadsheets often write 2021-03-05; pad month and day.
    unified = pc.replace_substring_regex(values, r"^(\d{4})[/.年](\d{1,2})[/.月](\d{1,2})日?$", r"\1-\2-\3")
    unified = pc.replace_substring_regex(unified, r"^(\d{4})-(\d)-", r"\1-0\2-")
    unified = pc.replace_substring_regex(unified, r"-(\d)$", r"-0\1")
    shaped = _matches(unified, r"^\d{4}-\d{2}-\d{2}$")
    shaped_values = pc.if_else(shaped, unified, pa.scalar(None, pa.string()))
    stamps = pc.strptime(shaped_values, format="%Y-%m-%d", unit="s", error_is_null=True)
    typed = pc.cast(stamps, pa.date32())
    bad = pc.and_(pc.is_valid(values), pc.is_null(typed))
    problems = _problem(bad, "date_format")
    if column.not_future:
        future = pc.fill_null(pc.greater(typed, pa.scalar(today, pa.date32())), False)
        problems = _first(problems, _problem(future, "date_future"))
    return typed, problems


def parse_industry_code(values: pa.Array, column: Column, today: dt.date) -> Parsed:
    upper = pc.utf8_upper(values)
    shaped = _matches(upper, r"^[A-T]\d{2,4}$")
    problems = _problem(pc.invert(shaped), "industry_code_format")
    letters = pc.utf8_slice_codeunits(upper, 0, 1)
    divisions = pc.cast(pc.if_else(shaped, pc.utf8_slice_codeunits(upper, 1, 3), pa.scalar(None, pa.string())), pa.int32())
    expected = _section_letters(divisions)
    wrong = pc.fill_null(pc.not_equal(letters, expected), False)
    return upper, _first(problems, _problem(wrong, "industry_code_section"))


def _section_letters(divisions: pa.Array) -> pa.Array:
    lookup = np.array([section_of_division(d) or "" for d in range(100)], dtype=object)
    div = divisions.to_numpy(zero_copy_only=False)
    valid = ~np.isnan(div.astype(float))
    letters = np.full(len(div), None, dtype=object)
    letters[valid] = lookup[div[valid].astype(int)]
    return pa.array(letters, pa.string())


def parse_yesno(values: pa.Array, column: Column, today: dt.date) -> Parsed:
    lowered = pc.utf8_lower(values)
    yes = pc.is_in(lowered, pa.array(sorted(YES)))
    no = pc.is_in(lowered, pa.array(sorted(NO)))
    typed = pc.if_else(yes, True, pc.if_else(no, False, pa.scalar(None, pa.bool_())))
    bad = pc.and_(pc.is_valid(values), pc.is_null(typed))
    return typed, _problem(bad, "yesno")


def parse_enum(values: pa.Array, column: Column, today: dt.date) -> Parsed:
    assert column.choices is not None
    by_label = {label: code for code, label in column.choices.items()} | {c: c for c in column.choices}
    keys = pa.array(list(by_label))
    index = pc.index_in(values, keys)
    typed = pc.take(pa.array(list(by_label.values()), pa.string()), index)
    bad = pc.and_(pc.is_valid(values), pc.is_null(index))
    return typed, _problem(bad, "enum")


def canonical_certifications(text: str) -> tuple[str | None, str | None]:
    """(the canonical `name@date;...` text, None) or (None, 'code:name') for the first bad part."""
    parts: list[str] = []
    for piece in text.replace("；", ";").replace("、", ";").replace("，", ";").replace(",", ";").split(";"):
        piece = piece.strip()
        if not piece:
            continue
        name, _, date = (p.strip() for p in piece.partition("@"))
        name = CERTIFICATION_ALIASES.get(name, name)
        if name not in CERTIFICATIONS:
            return None, f"certification_unknown:{name}"
        if date:
            try:
                date = dt.date.fromisoformat(date).isoformat()
            except ValueError:
                return None, f"certification_date:{name}"
        parts.append(f"{name}@{date}" if date else name)
    return ";".join(parts) or None, None


def parse_certifications(values: pa.Array, column: Column, today: dt.date) -> Parsed:
    # Called on the distinct values of a large column (see validate.FEW_DISTINCT).
    results = [canonical_certifications(v) if v is not None else (None, None) for v in values.to_pylist()]
    canon = pa.array([r[0] for r in results], pa.string())
    codes = pa.array([r[1].split(":")[0] if r[1] else None for r in results], pa.string())
    return canon, codes


PARSERS: dict[str, Callable[[pa.Array, Column, dt.date], Parsed]] = {
    "text": parse_text, "code": parse_code, "uscc": parse_uscc, "number": parse_number,
    "integer": parse_integer, "year": parse_year, "date": parse_date,
    "industry_code": parse_industry_code, "yesno": parse_yesno, "enum": parse_enum,
    "certifications": parse_certifications,
}
