"""The policies of one subject compiled into one query over the evaluation panel.

Sub-expressions are numbered by shape (`compiler.Shapes`) across all the policies: one that is
used in more than one place (a definition, `sum(rd_expense, years=3)` in two conditions, the
same ratio in a policy's variants) becomes a column computed once, in layers (deepest last).
The query returns one row per subject: each condition's pass/fail, the sides its explanation
shows that are not constants (the observed value, the threshold, the denominator of a ratio)
and each policy's amount, a column shared by every policy that has it. A policy that another
one requires is computed inside it, from its conditions. The status, the gaps and the missing
inputs are derived from these columns in arrow (see assemble.py).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field

import ibis.expr.types as ir

from parkbrain.policies.checked import CheckedCondition, CheckedVersion, atoms_of
from parkbrain.policies.compiler import Compiler, Scope, Shapes, text_test
from parkbrain.policies.nodes import Bool, Existed, Fn, Node, Num, PolicyRef, Ref, Str, Unary
from parkbrain.policies.panel import ROW

Side = str | float | None  # a column of the query, a constant, or nothing


@dataclass
class CompiledCondition:
    """Where one condition's answer is in the query result."""

    checked: CheckedCondition
    passed: str
    value: Side = None
    threshold: Side = None
    base: Side = None  # the denominator of a ratio: gap = (threshold - value) * base
    atoms: list[Ref] = field(default_factory=list)  # its inputs, for `missing`


@dataclass
class CompiledPolicy:
    """One version's columns in the query result and what they mean."""

    checked: CheckedVersion
    conditions: list[CompiledCondition]
    amount: str | None = None  # the column of the capped formula
    amount_atoms: list[Ref] = field(default_factory=list)  # the amount's inputs, for `amount_missing`

    @property
    def id(self) -> str:
        return self.checked.id

    def columns(self) -> set[str]:
        """The query columns its result is built from."""
        sides = [s for cc in self.conditions for s in (cc.passed, cc.value, cc.threshold, cc.base)]
        return {s for s in [*sides, self.amount] if isinstance(s, str)}


@dataclass
class CompiledPolicies:
    """The one query of a subject's policies, and each policy's columns in it."""

    query: ir.Table
    policies: list[CompiledPolicy]


def expand_atoms(atoms: list[Node], versions: dict[str, CheckedVersion],
                 seen: frozenset[str] = frozenset()) -> list[Ref]:
    """Inputs, with another policy's result replaced by that policy's inputs, each once."""
    out: list[Ref] = []
    for atom in atoms:
        if isinstance(atom, PolicyRef):
            if atom.policy not in seen and atom.policy in versions:
                for c in versions[atom.policy].conditions:
                    out += expand_atoms(c.atoms(), versions, seen | {atom.policy})
        else:
            out.append(atom)  # type: ignore[arg-type]
    # A year's value that is missing counts even where the firm did not exist yet, if the
    # expression also reads it plainly (e.g. previous()); the evaluated year always exists.
    plain = {(a.source, a.name, a.lag) for a in out if not a.zero_before_founding or a.lag == 0}
    unique: dict[tuple, Ref] = {}
    for a in out:
        key = (a.source, a.name, a.lag)
        if key not in unique and (not a.zero_before_founding or key not in plain):
            unique[key] = a
        elif key not in unique:
            unique[key] = Ref(source=a.source, name=a.name, type=a.type, lag=a.lag)
    return list(unique.values())


def constant(node: Node | None) -> float | None:
    """The value of a literal number (possibly negated), else None."""
    if isinstance(node, Num):
        return node.value
    if isinstance(node, Unary) and node.op == "-" and isinstance(node.operand, Num):
        return -node.operand.value
    return None


class _Plan:
    """Which shapes become columns of their own (those used in more than one place) and in
    which layer (one more than the deepest named shape they contain)."""

    def __init__(self, scope: Scope, shapes: Shapes, roots: list[Node]) -> None:
        self.scope, self.shapes = scope, shapes
        uses: Counter[int] = Counter()
        nodes: dict[int, Node] = {}
        stack = list(roots)
        for root in roots:
            uses[shapes.of(root)] += 1
        while stack:  # each shape once; a use is a (parent shape, position) or a root
            node = stack.pop()
            key = shapes.of(node)
            if key in nodes:
                continue
            nodes[key] = node
            for child in self.inner(node):
                uses[shapes.of(child)] += 1
                stack.append(child)
        self.named = {key: node for key, node in nodes.items() if uses[key] > 1 and not self.trivial(node)}
        self._reach: dict[int, int] = {}
        self.layer = {key: 1 + self.reach(node) for key, node in self.named.items()}
        self.column = {key: f"_n{i}" for i, key in enumerate(sorted(self.named, key=self.layer.__getitem__))}

    def inner(self, node: Node) -> Iterator[Node]:
        """The nodes a node is computed from (another policy's result: its conditions and benefit)."""
        if isinstance(node, PolicyRef) and node.policy in self.scope.policies:
            required = self.scope.policies[node.policy]
            yield from (c.tree for c in required.conditions)
            if node.what == "amount":
                yield from (n for n in (required.amount, required.cap) if n is not None)
        else:
            yield from node.children()

    def reach(self, node: Node) -> int:
        """The deepest layer of the named shapes below the node (0: the panel's columns only)."""
        key = self.shapes.of(node)
        if key not in self._reach:
            self._reach[key] = max((1 + self.reach(c) if self.shapes.of(c) in self.named else self.reach(c)
                                    for c in self.inner(node)), default=0)
        return self._reach[key]

    def trivial(self, node: Node) -> bool:
        """A literal or a column read: as cheap to repeat as to name."""
        if isinstance(node, Num | Str | Bool | Existed) or constant(node) is not None:
            return True
        if isinstance(node, Ref):
            return not (node.zero_before_founding and node.lag)
        return isinstance(node, Fn) and (node.name == "date" or text_test(node) in self.scope.table.columns)


def _sides(c: CheckedCondition, passed: str, in_force: dict[str, CheckedVersion]) -> CompiledCondition:
    """A condition's sides as constants, or as their nodes until they get their columns."""
    out = CompiledCondition(c, passed=passed, atoms=expand_atoms(c.atoms(), in_force))
    for attr, node in (("value", c.value), ("threshold", c.threshold), ("base", c.gap.base if c.gap else None)):
        if node is not None:
            fixed = constant(node)
            setattr(out, attr, fixed if fixed is not None else node)
    return out


def compile_policies(scope: Scope, versions: list[CheckedVersion],
                     in_force: dict[str, CheckedVersion]) -> CompiledPolicies:
    """One query for the versions (with the sides their explanations show); `scope.policies`
    holds the versions they may require."""
    shapes = Shapes()
    roots = [n for v in versions for c in v.conditions
             for n in (c.tree, c.value, c.threshold, c.gap.base if c.gap else None) if n is not None]
    roots += [n for v in versions for n in (v.amount, v.cap) if n is not None]
    plan = _Plan(scope, shapes, roots)
    table, named = scope.table, {}
    for level in range(1, max(plan.layer.values(), default=0) + 1):
        comp = Compiler(scope, table, named, shapes)
        fresh = {key: plan.column[key] for key, depth in plan.layer.items() if depth == level}
        table = table.mutate(**{name: comp(plan.named[key]) for key, name in fresh.items()}).view()
        named = {**named, **fresh}
    comp = Compiler(scope, table, named, shapes)
    columns: dict[tuple, str] = {}
    exprs: dict[str, ir.Value] = {}

    def column(kind: str, key: tuple, make) -> str:
        if (kind, key) not in columns:
            columns[kind, key] = f"{kind}{len(columns)}"
            exprs[columns[kind, key]] = make()
        return columns[kind, key]

    def side(node: Side | Node) -> Side:
        if not isinstance(node, Node):
            return node
        return column("x", (shapes.of(node),), lambda: comp(node).cast("float64"))

    compiled = []
    for v in versions:
        conds = []
        for c in v.conditions:
            cc = _sides(c, column("p", (shapes.of(c.tree),), lambda c=c: comp(c.tree).cast("boolean")), in_force)
            cc.value, cc.threshold, cc.base = side(cc.value), side(cc.threshold), side(cc.base)
            conds.append(cc)
        amount = None
        if v.amount is not None:
            key = (shapes.of(v.amount), None if v.cap is None else shapes.of(v.cap))
            amount = column("a", key, lambda v=v: comp.amount(v))
        compiled.append(CompiledPolicy(v, conds, amount, expand_atoms(atoms_of([v.amount, v.cap]), in_force)))
    return CompiledPolicies(table.select(ROW, **exprs), compiled)
