"""Read a CSV (UTF-8 with or without BOM, GBK/GB18030) or .xlsx file into a table of strings.

Each row keeps its number as a spreadsheet shows it (the header is row 1), so that every
error can name the row a person sees.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from parkbrain.importing.errors import ImportFileError, RowError

SNIFF_BYTES = 1 << 16


@dataclass
class RawTable:
    """A file's cells as text (null for empty), its headers as written and each row's number."""

    table: pa.Table
    rows: np.ndarray
    headers: list[str]
    encoding: str
    errors: list[RowError]


# Given a file's headers, the columns to read dictionary-encoded: long texts repeated on every
# year of an enterprise (经营范围, 主要产品) then take a third of the memory.
CompactColumns = Callable[[list[str]], Iterable[str]]


def read_file(path: Path, *, compact: CompactColumns | None = None) -> RawTable:
    """Read a .csv or .xlsx import file; raise ImportFileError when it cannot be read at all."""
    if not path.exists():
        raise ImportFileError(str(path), "not_found")
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        return read_xlsx(path)
    if suffix in (".csv", ".txt", ""):
        return read_csv(path, compact=compact)
    raise ImportFileError(str(path), "unsupported_format", suffix=suffix)


def detect_encoding(path: Path) -> str:
    """'utf-8' (BOM or not) or 'gb18030' (a superset of GBK), from the first bytes of the file."""
    with path.open("rb") as fh:
        head = fh.read(SNIFF_BYTES)
    if not head.strip():
        raise ImportFileError(str(path), "empty_file")
    if b"\x00" in head or head.startswith(b"PK\x03\x04"):
        raise ImportFileError(str(path), "binary_file")
    if head.startswith(b"\xef\xbb\xbf"):
        return "utf-8"
    for encoding in ("utf-8", "gb18030"):
        try:
            # An incremental decoder allows a multi-byte character cut at the end of the sample.
            codecs.getincrementaldecoder(encoding)().decode(head, final=len(head) < SNIFF_BYTES)
            return encoding
        except UnicodeDecodeError:
            continue
    raise ImportFileError(str(path), "undecodable")


def _header(path: Path, encoding: str) -> list[str]:
    with path.open(encoding="utf-8-sig" if encoding == "utf-8" else encoding, newline="") as fh:
        for row in csv.reader(fh):
            if any(cell.strip() for cell in row):
                return [cell.strip() for cell in row]
    raise ImportFileError(str(path), "empty_file")


def read_csv(path: Path, *, compact: CompactColumns | None = None) -> RawTable:
    """Read a CSV file of the templates with pyarrow (multi-threaded), every column as text."""
    encoding = detect_encoding(path)
    headers = _header(path, encoding)
    _check_headers(path, headers)
    dictionary = set(compact(headers)) if compact else set()
    bad_rows: list[str] = []

    def on_bad_row(row: pacsv.InvalidRow) -> str:
        bad_rows.append(row.text)
        return "skip"

    try:
        table = pacsv.read_csv(
            path,
            read_options=pacsv.ReadOptions(encoding=encoding, block_size=1 << 24),
            parse_options=pacsv.ParseOptions(
                newlines_in_values=True, ignore_empty_lines=False, invalid_row_handler=on_bad_row
            ),
            convert_options=pacsv.ConvertOptions(
                column_types={h: pa.dictionary(pa.int32(), pa.string()) if h in dictionary else pa.string()
                              for h in headers},
                strings_can_be_null=True,
                null_values=[""],
                quoted_strings_can_be_null=True,
            ),
        )
    except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
        if "UTF8" in str(exc) or isinstance(exc, UnicodeDecodeError):
            raise ImportFileError(str(path), "undecodable") from None
        raise
    if bad_rows:
        # Rare and only on broken files: find their row numbers with the slower exact reader.
        return _read_csv_exact(path, encoding, headers)
    rows = np.arange(2, table.num_rows + 2, dtype=np.int64)
    return _drop_blank_rows(RawTable(table, rows, headers, encoding, []))


def _read_csv_exact(path: Path, encoding: str, headers: list[str]) -> RawTable:
    """Python's csv reader, row by row, to report rows with the wrong number of cells."""
    errors: list[RowError] = []
    records: list[list[str | None]] = []
    numbers: list[int] = []
    text = path.read_text(encoding="utf-8-sig" if encoding == "utf-8" else encoding)
    reader = csv.reader(io.StringIO(text, newline=""))
    next(reader)
    for number, row in enumerate(reader, start=2):
        if len(row) != len(headers) and any(cell.strip() for cell in row):
            errors.append(RowError(number, "", ",".join(row)[:80], "column_count",
                                   {"actual": len(row), "expected": len(headers)}))
            continue
        records.append([cell if cell != "" else None for cell in row] or [None] * len(headers))
        numbers.append(number)
    columns = list(zip(*records, strict=True)) if records else [()] * len(headers)
    table = pa.table({h: pa.array(list(col), pa.string()) for h, col in zip(headers, columns, strict=True)})
    return _drop_blank_rows(RawTable(table, np.array(numbers, dtype=np.int64), headers, encoding, errors))


def read_xlsx(path: Path) -> RawTable:
    """Read the first sheet of an .xlsx workbook; cells typed by Excel are written back as text."""
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a file that is not a workbook
        raise ImportFileError(str(path), "binary_file") from None
    sheet = workbook.worksheets[0]
    rows_iter = sheet.iter_rows(values_only=True)
    headers: list[str] | None = None
    records: list[list[str | None]] = []
    numbers: list[int] = []
    for number, values in enumerate(rows_iter, start=1):
        if headers is None:
            if any(v not in (None, "") for v in values):
                headers = [str(v).strip() if v is not None else "" for v in values]
                while headers and headers[-1] == "":
                    headers.pop()
                _check_headers(path, headers)
            continue
        cells = [_cell_text(v) for v in values[: len(headers)]]
        cells += [None] * (len(headers) - len(cells))
        records.append(cells)
        numbers.append(number)
    workbook.close()
    if headers is None:
        raise ImportFileError(str(path), "empty_file")
    columns = list(zip(*records, strict=True)) if records else [()] * len(headers)
    table = pa.table({h: pa.array(list(col), pa.string()) for h, col in zip(headers, columns, strict=True)})
    return _drop_blank_rows(RawTable(table, np.array(numbers, dtype=np.int64), headers, "xlsx", []))


def _cell_text(value: object) -> str | None:
    """An Excel cell as the text a person would have typed into the CSV template."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    text = str(value)
    return text if text.strip() else None


def _check_headers(path: Path, headers: list[str]) -> None:
    seen: set[str] = set()
    for header in headers:
        if header in seen and header:
            raise ImportFileError(str(path), "duplicate_header", column=header)
        seen.add(header)


def _drop_blank_rows(raw: RawTable) -> RawTable:
    """Rows with no value at all are layout, not data: drop them and keep the others' numbers."""
    if raw.table.num_rows == 0 or raw.table.num_columns == 0:
        return raw
    any_value = pc.is_valid(raw.table.column(0))
    for name in raw.table.column_names[1:]:
        any_value = pc.or_(any_value, pc.is_valid(raw.table.column(name)))
    if pc.all(any_value).as_py():
        return raw
    mask = any_value.to_numpy(zero_copy_only=False) if hasattr(any_value, "to_numpy") else np.asarray(any_value)
    raw.table = raw.table.filter(any_value)
    raw.rows = raw.rows[mask]
    return raw
