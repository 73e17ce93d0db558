"""What can be wrong with an import file, said with where (file, row, column) and what to do."""

from __future__ import annotations

from dataclasses import dataclass, field

from parkbrain.i18n import translate


@dataclass(frozen=True)
class RowError:
    """One invalid cell (or row): its spreadsheet row number, column header, value and reason."""

    row: int
    column: str
    value: str | None
    code: str
    params: dict = field(default_factory=dict, hash=False, compare=False)

    def reason(self, lang: str = "zh") -> str:
        return translate(f"import.{self.code}", lang, **self.params)

    def message(self, lang: str = "zh") -> str:
        value = "" if self.value is None else self.value
        return translate(
            "import.row_error", lang, row=self.row, column=self.column, value=value, reason=self.reason(lang)
        )


class ImportFileError(ValueError):
    """The file as a whole cannot be read (empty, binary, undecodable, unknown template...)."""

    def __init__(self, path: str, code: str, **params: object) -> None:
        self.path, self.code, self.params = path, code, params
        super().__init__(f"{path}: {translate('import.' + code, 'en', **params)}")

    def message(self, lang: str = "zh") -> str:
        return f"{self.path}: {translate('import.' + self.code, lang, **self.params)}"
