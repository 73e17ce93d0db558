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
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from decimal import Decimal
from typing import TYPE_CHECKING

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

if TYPE_CHECKING:
    from parkbrain.policies.checked import CheckedVersion

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
    policies: Mapping[str, CheckedVersion] = field(default_factory=dict)  # what `requires(...)` reads


class Shapes:
    """Numbers nodes by their structure (positions aside): nodes of one shape compile to one
    expression, so a sub-expression that several conditions or policies share is computed once.

    >>> from parkbrain.policies.checker import Checker
    >>> shapes, check = Shapes(), Checker("enterprise").check
    >>> shapes.of(check("revenue / employees")[0]) == shapes.of(check("revenue  /  employees")[0])
    True
    """

    def __init__(self) -> None:
        self._ids: dict[tuple, int] = {}
        self._of: dict[int, tuple[Node, int]] = {}  # id(node) -> (node, shape); keeps the node alive

    def of(self, node: Node) -> int:
        """The number of the node's shape."""
        known = self._of.get(id(node))
        if known is None:
            key = (type(node).__name__, *(self._part(getattr(node, f.name)) for f in fields(node) if f.name != "pos"))
            known = self._of[id(node)] = (node, self._ids.setdefault(key, len(self._ids)))
        return known[1]

    def _part(self, value: object) -> object:
        if isinstance(value, Node):
            return ("node", self.of(value))
        if isinstance(value, tuple):
            return tuple(self._part(v) for v in value)
        return (type(value).__name__, value)


def text_test(node: Fn) -> str | None:
    """The panel column that holds a text test (has(), starts_with() of a field), computed once for
    all policies rather than in every query that uses it."""
    if node.name == "has":
        return f"__has__{node.args[1].value}"  # type: ignore[attr-defined]
    if node.name == "starts_with" and isinstance(node.args[0], Ref):
        return f"__starts__{node.args[0].column}__" + "|".join(a.value for a in node.args[1:])  # type: ignore[attr-defined]
    return None


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
    """Compiles the nodes of one scope over a table; nodes of one shape compile once, and a node
    whose shape is already a column of the table (`named`: shape -> column) is read from it."""

    def __init__(self, scope: Scope, table: ir.Table | None = None, named: dict[int, str] | None = None,
                 shapes: Shapes | None = None) -> None:
        self.scope = scope
        self.t = scope.table if table is None else table
        self.named = named or {}
        self.shapes = shapes or Shapes()
        self._memo: dict[int, ir.Value] = {}

    def __call__(self, node: Node) -> ir.Value:
        key = self.shapes.of(node)
        if key in self.named:
            return self.t[self.named[key]]
        if key not in self._memo:
            handler: Callable[[Node], ir.Value] = getattr(self, "_" + type(node).__name__.lower())
            self._memo[key] = handler(node)
        return self._memo[key]

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
        """Another policy's result, computed here from its own conditions and benefit."""
        if node.policy not in self.scope.policies:
            raise KeyError(f"requires({node.policy!r}): that policy is not in force on {self.scope.as_of}; "
                           "give an evaluation date when it is, or remove the requirement")
        required = self.scope.policies[node.policy]
        status = self.all_of([c.tree for c in required.conditions])
        if node.what == "status":
            return status
        if required.amount is None:
            return null("number")
        return ibis.cases((status.isnull(), null("number")), (status, self.amount(required)),
                          else_=ibis.literal(0.0, type="float64"))

    def all_of(self, conditions: list[Node]) -> ir.BooleanValue:
        """The Kleene 'and' of conditions: a policy's status (true eligible, false not, unknown)."""
        out = self(conditions[0]).cast("boolean")
        for condition in conditions[1:]:
            out = out & self(condition).cast("boolean")
        return out

    def amount(self, cv: CheckedVersion) -> ir.Value:
        """A benefit's formula, capped (whether the subject is eligible is applied by the caller)."""
        raw = self(cv.amount).cast("float64")  # type: ignore[arg-type]
        return extreme("min", [raw, self(cv.cap).cast("float64")]) if cv.cap is not None else raw

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
