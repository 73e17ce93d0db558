"""Errors in policy files: what is wrong, where (file and line), and what was probably meant."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass


def did_you_mean(name: str, choices: Iterable[str]) -> str | None:
    """The closest known name to a misspelt one, if any is close.

    >>> did_you_mean("rd_expence", ["revenue", "rd_expense", "profit"])
    'rd_expense'
    >>> did_you_mean("zzz", ["revenue"]) is None
    True
    """
    found = difflib.get_close_matches(name, list(choices), n=1, cutoff=0.6)
    return found[0] if found else None


@dataclass(eq=False)
class PolicyError(Exception):
    """A policy file that cannot be used: its file, line, the offending name and a suggestion."""

    message: str
    file: str = "<policy>"
    line: int | None = None
    name: str | None = None
    suggestion: str | None = None
    kind: str = "invalid"

    def __post_init__(self) -> None:
        super().__init__(str(self))

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        hint = f"; did you mean {self.suggestion!r}?" if self.suggestion else ""
        return f"{where}: {self.message}{hint}"

    def at(self, file: str, line: int | None) -> PolicyError:
        """The same error placed in a file at a line (when it did not know its place yet)."""
        self.file = file
        if line is not None:
            self.line = line if self.line is None else line + self.line - 1
        self.args = (str(self),)
        return self


class ExpressionError(PolicyError):
    """An expression that does not parse or check; line and column are within the expression."""

    def __init__(self, message: str, *, line: int = 1, col: int = 1, name: str | None = None,
                 suggestion: str | None = None, kind: str = "syntax") -> None:
        self.col = col
        self.path: tuple | None = None  # which expression of the policy file it is in
        super().__init__(message, line=line, name=name, suggestion=suggestion, kind=kind)


class PolicyCycleError(PolicyError):
    """Policies that require each other in a circle."""
