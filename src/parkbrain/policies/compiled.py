"""A policy version compiled into one query over the evaluation panel.

The query is built in layers, so each quantity is computed once: first the version's
definitions (deepest last), then each condition's sides (the observed value, the threshold,
the denominator of a ratio), then pass/fail and the amount. It returns one row per subject:
`p0…` (pass/fail), `v0…`, `t0…`, `b0…` (the sides that are not constants) and `amount`; the
status, the gaps and the missing inputs are derived from them in arrow (see assemble.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import ibis.expr.types as ir

from parkbrain.policies.checked import CheckedCondition, CheckedVersion, atoms_of
from parkbrain.policies.compiler import Compiler, Scope, extreme
from parkbrain.policies.nodes import Node, Num, PolicyRef, Ref, Unary
from parkbrain.policies.panel import ROW

Side = str | float | None  # a column of the query, a constant, or nothing


@dataclass
class CompiledCondition:
    """Where one condition's answer is in its policy's query result."""

    checked: CheckedCondition
    passed: str
    value: Side = None
    threshold: Side = None
    base: str | None = None  # the denominator of a ratio: gap = (threshold - value) * base
    atoms: list[Ref] = field(default_factory=list)  # its inputs, for `missing`


@dataclass
class CompiledPolicy:
    """One version's query and what its columns mean."""

    checked: CheckedVersion
    query: ir.Table
    conditions: list[CompiledCondition]
    explain: bool
    has_amount: bool = False
    amount_atoms: list[Ref] = field(default_factory=list)  # the amount's inputs, for `amount_missing`

    @property
    def id(self) -> str:
        return self.checked.id



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


def _depths(nodes: list[Node]) -> dict[int, int]:
    """How deep each named node sits: 1 over fields only, else 1 + the deepest one it uses."""
    ids = {id(d) for d in nodes}
    inner = {id(d): {id(n) for n in d.walk() if id(n) in ids and n is not d} for d in nodes}
    depth: dict[int, int] = {}

    def of(key: int) -> int:
        if key not in depth:
            depth[key] = 1 + max((of(k) for k in inner[key]), default=0)
        return depth[key]

    for key in inner:
        of(key)
    return depth


class _Layers:
    """The layered table: each layer adds named columns that the next ones read."""

    def __init__(self, scope: Scope) -> None:
        self.scope, self.table, self.named = scope, scope.table, {}
        self.nodes: list[Node] = []  # keeps the named nodes alive, so their ids stay theirs

    def add(self, nodes: list[Node]) -> None:
        fresh = [n for n in dict.fromkeys(nodes) if id(n) not in self.named and constant(n) is None]
        if fresh:
            comp = self.compiler()
            names = {f"_n{len(self.named) + i}": n for i, n in enumerate(fresh)}
            self.table = self.table.mutate(**{k: comp(n) for k, n in names.items()}).view()
            self.named = {**self.named, **{id(n): k for k, n in names.items()}}
            self.nodes += fresh

    def compiler(self) -> Compiler:
        return Compiler(self.scope, self.table, self.named)


def _sides(i: int, c: CheckedCondition, in_force: dict[str, CheckedVersion]) -> CompiledCondition:
    """Where a condition's value, threshold and gap denominator will be: constants or columns."""
    out = CompiledCondition(c, passed=f"p{i}", atoms=expand_atoms(c.atoms(), in_force))
    for attr, node in (("value", c.value), ("threshold", c.threshold), ("base", c.gap.base if c.gap else None)):
        if node is not None:
            fixed = constant(node)
            setattr(out, attr, fixed if fixed is not None and attr != "base" else f"{attr[0]}{i}")
    return out


def _amount(comp: Compiler, cv: CheckedVersion) -> ir.Value:
    """The benefit's formula, capped (whether the subject is eligible is applied afterwards)."""
    raw = comp(cv.amount).cast("float64")
    return extreme("min", [raw, comp(cv.cap).cast("float64")]) if cv.cap is not None else raw


def compile_policy(scope: Scope, cv: CheckedVersion, in_force: dict[str, CheckedVersion],
                   explain: bool) -> CompiledPolicy:
    """The query of one version (with the sides its explanation shows, or pass/fail and amount only)."""
    layers = _Layers(scope)
    definitions = list(cv.definitions.values())
    depth = _depths(definitions)
    for level in range(1, max(depth.values(), default=0) + 1):
        layers.add([d for d in definitions if depth[id(d)] == level])
    conds = cv.conditions
    sides = {}
    if explain:
        layers.add([n for c in conds for n in (c.value, c.threshold, c.gap.base if c.gap else None) if n is not None])
    comp = layers.compiler()
    columns = {f"p{i}": comp(c.tree).cast("boolean") for i, c in enumerate(conds)}
    compiled = [_sides(i, c, in_force) if explain else CompiledCondition(c, f"p{i}")
                for i, c in enumerate(conds)]
    for cc in compiled:
        for attr in ("value", "threshold", "base"):
            name = getattr(cc, attr)
            if isinstance(name, str):
                node = getattr(cc.checked, attr) if attr != "base" else cc.checked.gap.base
                sides[name] = comp(node).cast("float64")
    if cv.amount is not None:
        columns["amount"] = _amount(comp, cv)
    query = layers.table.select(ROW, **columns, **sides)
    return CompiledPolicy(cv, query, compiled, explain, cv.amount is not None,
                          expand_atoms(atoms_of([cv.amount, cv.cap]), in_force) if explain else [])
