"""A policy version after checking: each condition's tree, what it shows, its gap plan; the benefit."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from parkbrain.policies.checker import Checker
from parkbrain.policies.errors import ExpressionError, PolicyError
from parkbrain.policies.gaps import GapPlan, is_percent, plan_gap
from parkbrain.policies.model import Policy, PolicyVersion
from parkbrain.policies.nodes import Binary, Compare, Fn, Node, PolicyRef, Ref
from parkbrain.policies.vocabulary import Subject


@dataclass(frozen=True)
class CheckedCondition:
    """One condition, checked: the test, the value and threshold it reports, its gap plan."""

    id: str
    text: str
    tree: Node
    value: Node | None
    threshold: Node | None
    gap: GapPlan | None
    percent: bool

    def atoms(self) -> list[Node]:
        """The inputs whose absence can make it unknown (fields, inputs, other policies)."""
        return atoms_of([self.tree])


def atoms_of(trees: list[Node | None]) -> list[Node]:
    """The inputs of expressions, in order, once each (a 资质 cell is never missing: empty is none)."""
    out: dict[Node, None] = {}
    skip: set[int] = set()
    for tree in trees:
        for n in tree.walk() if tree is not None else ():
            if isinstance(n, Fn) and n.name == "has":
                skip.update(id(x) for x in n.args)
            if isinstance(n, PolicyRef) or (isinstance(n, Ref) and n.source != "context" and id(n) not in skip):
                out.setdefault(_without_pos(n))
    return list(out)


def _without_pos(node: Node) -> Node:
    if isinstance(node, Ref):
        return Ref(source=node.source, name=node.name, type=node.type, lag=node.lag,
                   zero_before_founding=node.zero_before_founding)
    return PolicyRef(policy=node.policy, what=node.what)  # type: ignore[union-attr]


@dataclass(frozen=True)
class CheckedVersion:
    """A policy's version in force, ready to compile."""

    policy: Policy
    version: PolicyVersion
    conditions: list[CheckedCondition]
    amount: Node | None
    cap: Node | None
    definitions: dict[str, Node]
    requires: frozenset[str] = field(default_factory=frozenset)

    @property
    def id(self) -> str:
        return self.policy.id


def _where(policy: Policy, path: tuple) -> str:
    """A readable place in the file: `version 2016-01-01, condition rd_ratio` and the like."""
    parts = []
    if len(path) >= 2 and path[0] == "versions":
        parts.append(f"version {policy.versions[path[1]].key}")
        rest = path[2:]
        if len(rest) >= 2 and rest[0] == "conditions":
            parts.append(f"condition {policy.versions[path[1]].conditions[rest[1]].id}" +
                         (f" ({rest[2]})" if len(rest) > 2 and rest[2] != "expr" else ""))
        elif len(rest) >= 2:
            parts.append(f"{rest[0].rstrip('s')} {rest[1]}")
    return ", ".join(parts)


def _locate(exc: PolicyError, policy: Policy, path: tuple) -> PolicyError:
    """Place an expression's error in the policy file: the line, and which expression."""
    where = _where(policy, path)
    if where:
        exc.message = f"{where}: {exc.message}"
    return exc.at(policy.file, policy.line_of(*path))


def check_version(policy: Policy, index: int, policies: Mapping[str, Subject]) -> CheckedVersion:
    """Check every expression of one version; raise PolicyError at the file and line of the first bad one."""
    version = policy.versions[index]
    base = ("versions", index)
    try:
        checker = Checker(policy.subject, inputs=version.inputs, definitions=version.definitions,
                          policies=policies)
    except ExpressionError as exc:
        raise _locate(exc, policy, (*base, "inputs", exc.name or "")) from None
    for name in version.definitions:
        try:
            checker.definition(name)
        except ExpressionError as exc:
            raise _locate(exc, policy, (*base, *(exc.path or ("definitions", name)))) from None
    conditions = [_condition(checker, policy, base + ("conditions", i), c)
                  for i, c in enumerate(version.conditions)]
    amount = _expr(checker, policy, (*base, "benefit", "amount"), version.benefit.amount, "number")
    cap = _expr(checker, policy, (*base, "benefit", "cap"), version.benefit.cap, "number")
    return CheckedVersion(policy, version, conditions, amount, cap,
                          {k: v for k, (v, _) in checker.definitions.items()}, frozenset(checker.requires))


def _expr(checker: Checker, policy: Policy, path: tuple, text: str | None, expect: str) -> Node | None:
    if text is None:
        return None
    try:
        return checker.check(text, expect)[0]  # type: ignore[arg-type]
    except ExpressionError as exc:  # in this expression, or in a definition it uses
        raise _locate(exc, policy, (*path[:2], *exc.path) if exc.path else path) from None


def _condition(checker: Checker, policy: Policy, path: tuple, c) -> CheckedCondition:
    tree = _expr(checker, policy, (*path, "expr"), c.expr, "bool")
    value = _expr(checker, policy, (*path, "value"), c.value, "number")
    threshold = _expr(checker, policy, (*path, "threshold"), c.threshold, "number")
    numeric = isinstance(tree, Compare) and tree.op in (">=", ">", "<=", "<") \
        and checker.compared.get(id(tree)) in ("number", "any")
    if numeric:
        value = value if value is not None else tree.left
        threshold = threshold if threshold is not None else tree.right
    ratio = c.value is None and isinstance(value, Binary) and value.op == "/"
    solvable = numeric and c.value is None and c.threshold is None  # the gap is in the shown terms
    return CheckedCondition(c.id, c.text, tree, value, threshold, plan_gap(tree) if solvable else None,
                            is_percent(threshold) or ratio)
