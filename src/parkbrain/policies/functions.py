"""The built-in functions: how each is checked and, for the window functions, expanded.

A window function becomes arithmetic over the panel's years, so the compiler and the gap
solver only ever see fields, numbers and operators:

>>> from parkbrain.policies.checker import Checker
>>> node, _ = Checker("enterprise").check("growth(revenue, years=2)")
>>> sorted({(r.name, r.lag) for r in node.walk() if isinstance(r, Ref)})
[('revenue', 0), ('revenue', 1), ('revenue', 2)]
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from parkbrain.policies.checker import ANY, err, parse_date, sum_of
from parkbrain.policies.nodes import Binary, Call, Existed, Fn, Num, Ref, Str

if TYPE_CHECKING:
    from parkbrain.policies.checker import Checked, Checker


def _panel(c: Checker, node: Call, name: str, lag: int, zero: bool = False) -> Ref:
    return Ref(source="panel", name=name, type=c.fields[name].type, lag=lag, zero_before_founding=zero,
               pos=node.pos)


def _positional(c: Checker, node: Call, count: int) -> None:
    if len(node.args) != count:
        raise err(node, f"{node.name}() takes {count} positional argument(s), not {len(node.args)}",
                  name=node.name, kind="arguments")


def _sum(c: Checker, node: Call) -> Checked:
    _positional(c, node, 1)
    field, n = c.panel_field(node), c.years(node)
    return sum_of([_panel(c, node, field, k, zero=True) for k in range(n)], node.pos), "number"


def _avg(c: Checker, node: Call) -> Checked:
    total, _ = _sum(c, node)
    years = sum_of([Existed(lag=k, pos=node.pos) for k in range(c.years(node))], node.pos)
    return Binary(op="/", left=total, right=years, pos=node.pos), "number"


def _growth(c: Checker, node: Call) -> Checked:
    _positional(c, node, 1)
    field, n = c.panel_field(node), c.years(node)
    rates = [Binary(op="/", left=_panel(c, node, field, k), right=_panel(c, node, field, k + 1), pos=node.pos)
             for k in range(n)]
    mean = Binary(op="/", left=sum_of(rates, node.pos), right=Num(value=float(n), pos=node.pos), pos=node.pos)
    return Binary(op="-", left=mean, right=Num(value=1.0, pos=node.pos), pos=node.pos), "number"


def _previous(c: Checker, node: Call) -> Checked:
    _positional(c, node, 1)
    field = c.panel_field(node, numeric=False)
    return _panel(c, node, field, c.years(node, default=1)), c.fields[field].type


def _extreme(c: Checker, node: Call) -> Checked:
    return Fn(name=node.name, args=tuple(c.args_of(node, "number", 2)), pos=node.pos), "number"


def _coalesce(c: Checker, node: Call) -> Checked:
    if node.kwargs or len(node.args) < 2:
        raise err(node, "coalesce() takes at least 2 arguments and no keywords", name="coalesce",
                  kind="arguments")
    resolved = [c.resolve(a) for a in node.args]
    args = [a for a, _ in resolved]
    kinds = {k for _, k in resolved} - {ANY}
    if len(kinds) > 1:
        raise err(node, f"coalesce() needs arguments of one type, not {' and '.join(sorted(kinds))}",
                  name="coalesce")
    return Fn(name="coalesce", args=tuple(args), pos=node.pos), kinds.pop() if kinds else ANY


def _since(c: Checker, node: Call) -> Checked:
    _positional(c, node, 1)
    return Fn(name=node.name, args=tuple(c.args_of(node, "date", 1)), pos=node.pos), "number"


def _date(c: Checker, node: Call) -> Checked:
    _positional(c, node, 1)
    return Fn(name="date", args=(Str(value=parse_date(node.args[0]).isoformat(), pos=node.pos),),
              pos=node.pos), "date"


def _has(c: Checker, node: Call) -> Checked:
    if c.subject != "enterprise":
        raise err(node, "has() checks an enterprise's titles; this is a talent policy", name="has",
                  kind="arguments")
    title = c.certification(node)
    certs = _panel(c, node, "certifications", 0)
    return Fn(name="has", args=(certs, Str(value=title, pos=node.pos)), pos=node.pos), "bool"


def _starts_with(c: Checker, node: Call) -> Checked:
    if len(node.args) < 2 or node.kwargs or not all(isinstance(a, Str) for a in node.args[1:]):
        raise err(node, "starts_with() takes a text and then prefixes in quotes, e.g. "
                        "starts_with(industry_code, 'C16', 'F')", name="starts_with", kind="arguments")
    text = c.args_of(Call(name="starts_with", args=node.args[:1], pos=node.pos), "text", 1)[0]
    return Fn(name="starts_with", args=(text, *node.args[1:]), pos=node.pos), "bool"


CHECKS = {
    "sum": _sum, "avg": _avg, "growth": _growth, "previous": _previous, "min": _extreme, "max": _extreme,
    "coalesce": _coalesce, "years_since": _since, "days_since": _since, "date": _date, "has": _has,
    "starts_with": _starts_with,
    "requires": lambda c, node: c.policy_ref(node, "status"),
    "amount_of": lambda c, node: c.policy_ref(node, "amount"),
}


def check_call(c: Checker, node: Call) -> Checked:
    """Check one call of a built-in function (its name is known)."""
    return CHECKS[node.name](c, node)
