"""The gap to eligibility of a failed numeric comparison, solved for its most actionable field.

Kept honest and simple: for `a / b >= k` the gap in `a` is `k*b - a`; for `a >= k` it is `k - a`;
`a` is led by its first field (`sum(rd_expense, years=3)` is led by rd_expense: one more 万元 of
R&D this year is one more in the three-year sum). A negative gap means "reduce by". A side led by
a past year's figure, or not a plain sum (a growth rate, a case), gets no gap.

>>> from parkbrain.policies.checker import Checker
>>> tree, _ = Checker("enterprise").check("sum(rd_expense, years=3) / sum(revenue, years=3) >= 4%")
>>> plan = plan_gap(tree)
>>> plan.target, plan.unit
('rd_expense', '万元')
"""

from __future__ import annotations

from dataclasses import dataclass

from parkbrain.policies.nodes import Binary, Case, Compare, Fn, Node, Num, Ref
from parkbrain.policies.vocabulary import subject_fields

_SINCE = {"days_since": ("成立天数", "天"), "years_since": ("成立年数", "年")}


@dataclass(frozen=True)
class GapPlan:
    """How much to add to `target` for the comparison to hold (an expression over the panel)."""

    node: Node
    target: str
    label: str
    unit: str | None
    integer: bool
    op: str
    base: Node | None = None  # for `a / b` compared: b (the gap in a is (threshold - a/b) * b)


def _lead(node: Node) -> tuple[Ref | Fn, tuple[str, str, str | None, bool]] | None:
    """The quantity a side moves one for one with: a field, the first term of a sum of fields,
    or days/years since a date. None when the side is not that simple (a growth rate, a case)."""
    if isinstance(node, Fn) and node.name in _SINCE:
        label, unit = _SINCE[node.name]
        return node, (f"{node.name}({getattr(node.args[0], 'name', '')})", label, unit, True)
    if isinstance(node, Ref) and node.type == "number" and node.source in ("panel", "attr", "input") \
            and node.lag == 0:  # a past year's figure cannot be changed any more
        f = subject_fields("enterprise").get(node.name) or subject_fields("talent").get(node.name)
        return node, (node.name, f.label if f else node.name, f.unit if f else None, bool(f and f.integer))
    if isinstance(node, Binary) and node.op in ("+", "-"):
        return _lead(node.left)
    return None


def _mentions(node: Node, lead: Ref | Fn) -> bool:
    """True when a side depends on the lead quantity itself (then the gap is not solved)."""
    if isinstance(lead, Fn):
        return any(isinstance(n, Fn) and n.name == lead.name for n in node.walk())
    return any(isinstance(n, Ref) and (n.source, n.name, n.lag) == (lead.source, lead.name, lead.lag)
               for n in node.walk())


def plan_gap(tree: Node) -> GapPlan | None:
    """The gap plan of a condition, or None when it is not a numeric comparison we can solve."""
    if not isinstance(tree, Compare) or tree.op not in (">=", ">", "<=", "<"):
        return None
    left, right = tree.left, tree.right
    ratio = isinstance(left, Binary) and left.op == "/"
    found = _lead(left.left if ratio else left)
    if found is None or _mentions(right, found[0]) or (ratio and _mentions(left.right, found[0])):
        return None
    if ratio:
        gap = Binary(op="-", left=Binary(op="*", left=right, right=left.right), right=left.left)
        return GapPlan(gap, *found[1], op=tree.op, base=left.right)
    return GapPlan(Binary(op="-", left=right, right=left), *found[1], op=tree.op)


def is_percent(node: Node | None) -> bool:
    """True when a threshold reads best as a percentage (a `4%` literal, or a case of them)."""
    if isinstance(node, Num):
        return node.percent
    if isinstance(node, Case):
        return all(is_percent(v) for _, v in node.whens) and is_percent(node.else_)
    return isinstance(node, Binary) and node.op in ("*", "/") and (is_percent(node.left) or is_percent(node.right))
