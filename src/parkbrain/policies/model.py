"""The policy file model: a policy, its dated versions, their conditions and benefit (pydantic)."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator, model_validator

from parkbrain.policies.vocabulary import Subject

Identifier = Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)
BenefitKind = Literal["title", "cash_subsidy", "tax_reduction", "service"]
Mode = Literal["application", "automatic"]  # 申报 / 免申即享


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Source(_Strict):
    """The document a rule comes from: its title and number, the article, where to read it."""

    document: str
    article: str | None = None
    url: str | None = None


class Condition(_Strict):
    """One condition: its id, the rule as the document words it, and the expression that checks it."""

    id: str = Identifier
    text: str
    expr: str
    article: str | None = None
    value: str | None = None  # expression shown as the observed value (default: the left side)
    threshold: str | None = None  # expression shown as the threshold (default: the right side)
    note: str | None = None


class Benefit(_Strict):
    """What the subject gets: a title, a cash subsidy, a tax reduction or a service."""

    kind: BenefitKind
    text: str | None = None
    amount: str | None = None  # expression, 万元
    cap: str | None = None  # expression or number, 万元
    unit: str = "万元"
    note: str | None = None

    @field_validator("amount", "cap", mode="before")
    @classmethod
    def _numbers_are_expressions(cls, value: object) -> object:
        return str(value) if isinstance(value, int | float) and not isinstance(value, bool) else value


class InputSpec(_Strict):
    """A fact the warehouse does not hold (e.g. an expert's score), supplied with the evaluation.

    Unknown unless given; `default` states an assumption the file documents (e.g. no award)."""

    type: Literal["number", "bool", "text", "date"]
    text: str
    default: float | bool | str | dt.date | None = None


class PolicyVersion(_Strict):
    """The rules of a policy from `valid_from` to `valid_to` (inclusive; open-ended if absent)."""

    valid_from: dt.date
    valid_to: dt.date | None = None
    source: Source
    also: list[Source] = []
    definitions: dict[str, str] = {}
    inputs: dict[str, InputSpec] = {}
    conditions: list[Condition] = Field(min_length=1)
    benefit: Benefit
    note: str | None = None

    @model_validator(mode="after")
    def _consistent(self) -> PolicyVersion:
        if self.valid_to and self.valid_to < self.valid_from:
            raise ValueError(f"valid_to {self.valid_to} is before valid_from {self.valid_from}")
        ids = [c.id for c in self.conditions]
        twice = sorted({i for i in ids if ids.count(i) > 1})
        if twice:
            raise ValueError(f"condition id {twice[0]!r} is used twice")
        clash = sorted(set(self.definitions) & set(self.inputs))
        if clash:
            raise ValueError(f"{clash[0]!r} is both a definition and an input")
        return self

    def covers(self, day: dt.date) -> bool:
        """True when this version is in force on the day."""
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)

    @property
    def key(self) -> str:
        """The version's name in results: its first day."""
        return self.valid_from.isoformat()


class Policy(_Strict):
    """A policy: who it is for, how it is granted, and its dated versions."""

    id: str = Identifier
    name: str
    name_en: str | None = None
    subject: Subject
    mode: Mode = "application"
    example: bool = False
    note: str | None = None
    versions: list[PolicyVersion] = Field(min_length=1)
    file: str = "<policy>"
    _lines: dict[tuple, int] = PrivateAttr(default_factory=dict)

    @model_validator(mode="after")
    def _versions_do_not_overlap(self) -> Policy:
        ordered = sorted(self.versions, key=lambda v: v.valid_from)
        for before, after in zip(ordered, ordered[1:], strict=False):
            if before.valid_to is None or before.valid_to >= after.valid_from:
                raise ValueError(f"versions from {before.valid_from} and {after.valid_from} overlap; "
                                 "give the earlier one a valid_to before the later one starts")
        if self.example and not (self.note and self.note.strip()):
            raise ValueError("an example policy needs a note saying it is illustrative")
        return self

    def version_at(self, day: dt.date) -> PolicyVersion | None:
        """The version in force on the day, if any."""
        return next((v for v in self.versions if v.covers(day)), None)

    def line_of(self, *path: object) -> int | None:
        """The file line of a part of the policy, e.g. ("versions", 0, "conditions", 2, "expr")."""
        while path and path not in self._lines:
            path = path[:-1]
        return self._lines.get(path)
