"""Compile checked expression trees to Ibis expressions over the evaluation panel, in Kleene logic.

A missing input is NULL and NULL means unknown. SQL's and/or/not are already Kleene
(false and unknown = false; true or unknown = true); the rest is made so here: `case` whose
deciding condition is unknown is unknown (SQL would take the else branch), min/max of an
unknown is unknown (SQL's least/greatest skip NULLs), x/0 is unknown (not infinity), and
comparisons of numbers allow for floating-point rounding, so a ratio that is exactly 4% on
paper passes `>= 4%`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

import ibis
import ibis.expr.types as ir

from parkbrain.policies.nodes import (
    Binary,
    Bool,
    Case,
    Compare,
    Existed,
    Fn,
    In,
    Node,
    Num,
    PolicyRef,
    Ref,
    Str,
    Unary,
)

TOLERANCE = 1e-9  # relative: 1e-9 of 10亿元 is 1 元
IBIS_TYPES = {"number": "float64", "bool": "boolean", "text": "string", "date": "date"}


@dataclass
class Scope:
    """What an expression is compiled against: the panel, the year and date, inputs, other results."""

    table: ir.Table
    year: int
    as_of: dt.date
    inputs: dict[str, object] = field(default_factory=dict)
    input_types: dict[str, str] = field(default_factory=dict)


def text_test(node: Fn) -> str | None:
    """The panel column that holds a text test (has(), starts_with() of a field), computed once for
    all policies rather than in every query that uses it."""
    if node.name == "has":
        return f"__has__{node.args[1].value}"  # type: ignore[attr-defined]
    if node.name == "starts_with" and isinstance(node.args[0], Ref):
        return f"__starts__{node.args[0].column}__" + "|".join(a.value for a in node.args[1:])  # type: ignore[attr-defined]
    return None


def result_column(policy: str, what: str) -> str:
    """The panel column that holds an evaluated policy's status or amount (for `requires`)."""
    return f"__{what}__{policy}"


def number(value: float) -> ir.Value:
    """A float literal that the warehouse reads exactly as Python does.

    DuckDB reads `0.6` as a DECIMAL and turns it into the double 0.6000000000000001; `6 / 10`
    is the correctly rounded double 0.6, the same as Python's.
    """
    if value == int(value) and abs(value) < 2**53:
        return ibis.literal(int(value)).cast("float64")
    digits = Decimal(repr(value)).as_tuple()
    if digits.exponent >= 0 or len(digits.digits) > 15 or -digits.exponent > 15:
        return ibis.literal(value, type="float64")
    numerator = int("".join(map(str, digits.digits))) * (-1 if digits.sign else 1)
    return ibis.literal(numerator) / ibis.literal(10 ** -digits.exponent)


def null(kind: str) -> ir.Value:
    """A typed unknown."""
    return ibis.null().cast(IBIS_TYPES[kind])


def _slack(value: ir.Value | float) -> ir.Value | float:
    if isinstance(value, int | float):
        return TOLERANCE * max(1.0, abs(value))
    return ibis.greatest(value.abs(), 1.0) * TOLERANCE


def compare(op: str, left: ir.Value, right: ir.Value, right_literal: float | None = None) -> ir.BooleanValue:
    """A comparison; numbers with a rounding tolerance."""
    if not left.type().is_numeric():
        return {"==": left == right, "!=": left != right, ">=": left >= right, ">": left > right,
                "<=": left <= right, "<": left < right}[op]
    slack = _slack(right_literal if right_literal is not None else right)
    if op == ">=":
        return left >= right - slack
    if op == ">":
        return left > right + slack
    if op == "<=":
        return left <= right + slack
    if op == "<":
        return left < right - slack
    near = (left - right).abs() <= slack
    return near if op == "==" else ~near


def kleene_case(whens: list[tuple[ir.BooleanValue, ir.Value]], other: ir.Value) -> ir.Value:
    """CASE in Kleene logic: an unknown condition before the first true one gives unknown."""
    branches: list[tuple[ir.BooleanValue, ir.Value]] = []
    kind = other.type()
    for _, value in whens:
        if not value.type().is_null():
            kind = value.type()
    for cond, value in whens:
        branches += [(cond.isnull(), ibis.null().cast(kind)), (cond, value.cast(kind))]
    return ibis.cases(*branches, else_=other.cast(kind))


def divide(left: ir.NumericValue, right: ir.NumericValue) -> ir.FloatingValue:
    """left / right, unknown when right is 0."""
    return ibis.ifelse(right == 0, null("number"), left.cast("float64") / right)


def extreme(name: str, args: list[ir.Value]) -> ir.Value:
    """min/max that are unknown when any argument is unknown."""
    anynull = args[0].isnull()
    for a in args[1:]:
        anynull = anynull | a.isnull()
    pick = ibis.least(*args) if name == "min" else ibis.greatest(*args)
    return ibis.ifelse(anynull, null("number"), pick.cast("float64"))


class Compiler:
    """Compiles the nodes of one scope over a table; the same node object compiles once, and a
    node already computed as a column of the table (a definition) is read from it."""

    def __init__(self, scope: Scope, table: ir.Table | None = None, named: dict[int, str] | None = None) -> None:
        self.scope = scope
        self.t = scope.table if table is None else table
        self.named = named or {}
        self._memo: dict[int, tuple[Node, ir.Value]] = {}

    def __call__(self, node: Node) -> ir.Value:
        key = id(node)
        if key in self.named:
            return self.t[self.named[key]]
        if key not in self._memo:
            handler: Callable[[Node], ir.Value] = getattr(self, "_" + type(node).__name__.lower())
            self._memo[key] = (node, handler(node))  # keep the node alive: its id stays its own
        return self._memo[key][1]

    def _num(self, node: Num) -> ir.Value:
        return number(node.value)

    def _str(self, node: Str) -> ir.Value:
        return ibis.literal(node.value, type="string")

    def _bool(self, node: Bool) -> ir.Value:
        return ibis.null() if node.value is None else ibis.literal(node.value, type="boolean")

    def _ref(self, node: Ref) -> ir.Value:
        if node.source == "context":
            return number(self.scope.year) if node.name == "period" else ibis.date(self.scope.as_of)
        if node.source == "input":
            value = self.scope.inputs.get(node.name)
            kind = self.scope.input_types.get(node.name, node.type)
            return null(kind) if value is None else ibis.literal(value, type=IBIS_TYPES[kind])
        col = self.t[node.column]
        if node.zero_before_founding and node.lag:
            return ibis.ifelse(self._founded_by(node.lag), col, 0.0)
        return col

    def _founded_by(self, lag: int) -> ir.BooleanValue:
        """The enterprise existed in the year `lag` years before the evaluated one."""
        return self.t.founded_on.year() <= self.scope.year - lag

    def _existed(self, node: Existed) -> ir.Value:
        return ibis.ifelse(self._founded_by(node.lag), 1.0, 0.0)

    def _policyref(self, node: PolicyRef) -> ir.Value:
        return self.t[result_column(node.policy, node.what)]

    def _unary(self, node: Unary) -> ir.Value:
        operand = self(node.operand)
        return ~operand.cast("boolean") if node.op == "not" else -operand

    def _binary(self, node: Binary) -> ir.Value:
        left, right = self(node.left), self(node.right)
        if node.op == "and":
            return left.cast("boolean") & right.cast("boolean")
        if node.op == "or":
            return left.cast("boolean") | right.cast("boolean")
        if node.op == "/":
            return divide(left, right)
        return {"+": left + right, "-": left - right, "*": left * right}[node.op]

    def _compare(self, node: Compare) -> ir.Value:
        literal = node.right.value if isinstance(node.right, Num) else None
        return compare(node.op, self(node.left), self(node.right), literal)

    def _in(self, node: In) -> ir.Value:
        options = [o.value for o in node.options]  # type: ignore[attr-defined]
        hit = self(node.operand).isin(options)
        return ~hit if node.negated else hit

    def _case(self, node: Case) -> ir.Value:
        return kleene_case([(self(c).cast("boolean"), self(v)) for c, v in node.whens], self(node.else_))

    def _fn(self, node: Fn) -> ir.Value:
        args = node.args
        name = text_test(node)
        if name is not None and name in self.t.columns:  # computed once with the panel
            return self.t[name]
        if node.name == "has":
            return self.t[args[0].column].contains(f";{args[1].value};")  # type: ignore[attr-defined]
        if node.name == "starts_with":
            text = self(args[0])
            hit = text.startswith(args[1].value)  # type: ignore[attr-defined]
            for prefix in args[2:]:
                hit = hit | text.startswith(prefix.value)  # type: ignore[attr-defined]
            return hit
        if node.name == "date":
            return ibis.date(args[0].value)  # type: ignore[attr-defined]
        values = [self(a) for a in args]
        if node.name in ("min", "max"):
            return extreme(node.name, values)
        if node.name == "coalesce":
            return ibis.coalesce(*values)
        if node.name == "days_since":
            return ibis.date(self.scope.as_of).delta(values[0], unit="day").cast("float64")
        return self._years_since(values[0])

    def _years_since(self, day: ir.DateValue) -> ir.Value:
        """Whole years from the day to the evaluation date (an anniversary completes a year)."""
        a = self.scope.as_of
        before = (day.month() > a.month) | ((day.month() == a.month) & (day.day() > a.day))
        return (a.year - day.year() - ibis.ifelse(before, 1, 0)).cast("float64")
