"""The expression tree: what the parser builds and the checker resolves (no behaviour here)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, fields
from typing import Literal

Type = Literal["number", "bool", "text", "date"]
Pos = tuple[int, int]  # (line, column), both from 1, within the expression's text


@dataclass(frozen=True, kw_only=True)
class Node:
    """Any node; `pos` is where its text starts."""

    pos: Pos = (1, 1)

    def children(self) -> Iterator[Node]:
        """The direct sub-expressions, in order."""
        for f in fields(self):
            value = getattr(self, f.name)
            for item in value if isinstance(value, tuple) else (value,):
                if isinstance(item, Node):
                    yield item
                elif isinstance(item, tuple):
                    yield from (x for x in item if isinstance(x, Node))

    def walk(self) -> Iterator[Node]:
        """This node and every node below it, depth first."""
        yield self
        for child in self.children():
            yield from child.walk()


@dataclass(frozen=True, kw_only=True)
class Num(Node):
    value: float
    percent: bool = False


@dataclass(frozen=True, kw_only=True)
class Str(Node):
    value: str


@dataclass(frozen=True, kw_only=True)
class Bool(Node):
    value: bool | None  # None is the literal `unknown`


@dataclass(frozen=True, kw_only=True)
class Name(Node):
    name: str


@dataclass(frozen=True, kw_only=True)
class Call(Node):
    name: str
    args: tuple[Node, ...] = ()
    kwargs: tuple[tuple[str, Node], ...] = ()


@dataclass(frozen=True, kw_only=True)
class Unary(Node):
    op: Literal["-", "not"]
    operand: Node


@dataclass(frozen=True, kw_only=True)
class Binary(Node):
    op: Literal["+", "-", "*", "/", "and", "or"]
    left: Node
    right: Node


@dataclass(frozen=True, kw_only=True)
class Compare(Node):
    op: Literal[">=", ">", "<=", "<", "==", "!="]
    left: Node
    right: Node


@dataclass(frozen=True, kw_only=True)
class In(Node):
    operand: Node
    options: tuple[Node, ...]
    negated: bool = False


@dataclass(frozen=True, kw_only=True)
class Case(Node):
    whens: tuple[tuple[Node, Node], ...]
    else_: Node


# Nodes only the checker writes: names and functions resolved against the vocabulary.

@dataclass(frozen=True, kw_only=True)
class Ref(Node):
    """A value of the subject: a panel field `lag` years before the evaluated year, an attribute,
    a declared input or the evaluation's context (`period`, `as_of`)."""

    source: Literal["panel", "attr", "input", "context"]
    name: str
    type: Type
    lag: int = 0
    zero_before_founding: bool = False  # in sums a year before the firm existed counts as 0

    @property
    def column(self) -> str:
        """Its column in the evaluation panel."""
        return f"{self.name}__{self.lag}" if self.source == "panel" else self.name


@dataclass(frozen=True, kw_only=True)
class Existed(Node):
    """True when the enterprise was founded by the end of the year `lag` years back."""

    lag: int


@dataclass(frozen=True, kw_only=True)
class PolicyRef(Node):
    """Another policy's result for the same subject: its status (as true/false/unknown) or amount."""

    policy: str
    what: Literal["status", "amount"]


@dataclass(frozen=True, kw_only=True)
class Fn(Node):
    """A built-in function after checking (min, max, coalesce, has, days_since, ...)."""

    name: str
    args: tuple[Node, ...] = ()
