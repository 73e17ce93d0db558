"""The checker: resolves names against the vocabulary, checks types, expands the window functions.

Its output is a tree of `Ref`, `Existed`, `PolicyRef` and `Fn` nodes over arithmetic, comparisons
and logic, which the compiler turns into warehouse expressions.

>>> c = Checker("enterprise")
>>> node, kind = c.check("sum(rd_expense, years=2) / revenue >= 4%")
>>> kind
'bool'
>>> sorted((r.name, r.lag) for r in node.walk() if isinstance(r, Ref))
[('rd_expense', 0), ('rd_expense', 1), ('revenue', 0)]
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping

from parkbrain.importing.rules import CERTIFICATION_ALIASES
from parkbrain.policies.errors import ExpressionError, did_you_mean
from parkbrain.policies.model import InputSpec
from parkbrain.policies.nodes import (
    Binary,
    Bool,
    Call,
    Case,
    Compare,
    In,
    Name,
    Node,
    Num,
    PolicyRef,
    Ref,
    Str,
    Type,
    Unary,
)
from parkbrain.policies.parser import parse
from parkbrain.policies.vocabulary import (
    CONTEXT,
    FUNCTIONS,
    MAX_YEARS,
    Subject,
    certification_names,
    subject_fields,
)

ANY = "any"  # the type of the literal `unknown`, which fits anywhere
Checked = tuple[Node, str]


def _err(node: Node, message: str, *, name: str | None = None, suggestion: str | None = None,
         kind: str = "type") -> ExpressionError:
    return ExpressionError(message, line=node.pos[0], col=node.pos[1], name=name, suggestion=suggestion, kind=kind)


def _unify(a: str, b: str) -> str | None:
    return b if a == ANY else a if b in (ANY, a) else None


class Checker:
    """Checks the expressions of one policy version for one subject type."""

    def __init__(self, subject: Subject, *, inputs: Mapping[str, InputSpec] | None = None,
                 definitions: Mapping[str, str] | None = None,
                 policies: Mapping[str, Subject] | None = None) -> None:
        self.subject = subject
        self.fields = subject_fields(subject)
        self.inputs = dict(inputs or {})
        self.definition_texts = dict(definitions or {})
        self.policies = dict(policies or {})
        self.definitions: dict[str, Checked] = {}
        self.requires: set[str] = set()
        self._resolving: list[str] = []
        self.compared: dict[int, str] = {}  # id of a checked comparison -> the type it compares
        for name in [*self.inputs, *self.definition_texts]:
            if name in self.fields or name in CONTEXT or name in FUNCTIONS:
                raise ExpressionError(f"{name!r} is already a field or function name; choose another",
                                      name=name, kind="name_clash")

    def check(self, text: str, expect: Type | None = None) -> Checked:
        """Parse and check one expression; with `expect`, its type must be that."""
        node, kind = self.resolve(parse(text))
        if expect and _unify(kind, expect) is None:
            raise _err(node, f"this expression gives a {kind}, a {expect} is needed here", kind="type")
        return node, expect if kind == ANY and expect else kind

    def definition(self, name: str) -> Checked:
        """A named definition of the version, checked once (cycles are refused)."""
        if name in self.definitions:
            return self.definitions[name]
        if name in self._resolving:
            chain = " → ".join([*self._resolving[self._resolving.index(name):], name])
            raise ExpressionError(f"definitions refer to each other in a circle: {chain}", name=name,
                                  kind="cycle")
        self._resolving.append(name)
        try:
            self.definitions[name] = self.check(self.definition_texts[name])
        except ExpressionError as exc:
            exc.path = exc.path if getattr(exc, "path", None) else ("definitions", name)
            raise
        finally:
            self._resolving.pop()
        return self.definitions[name]

    def names(self) -> list[str]:
        """Every name an expression of this version may use."""
        return [*self.definition_texts, *self.inputs, *self.fields, *CONTEXT]

    def resolve(self, node: Node) -> Checked:
        """The resolved node and its type."""
        if isinstance(node, Num):
            return node, "number"
        if isinstance(node, Str):
            return node, "text"
        if isinstance(node, Bool):
            return node, "bool" if node.value is not None else ANY
        handler: Callable[[Node], Checked] = getattr(self, "_" + type(node).__name__.lower())
        return handler(node)

    def _name(self, node: Name) -> Checked:
        name = node.name
        if name in self.definition_texts:
            return self.definition(name)
        if name in self.inputs:
            kind = self.inputs[name].type
            return Ref(source="input", name=name, type=kind, pos=node.pos), kind
        if name in self.fields:
            f = self.fields[name]
            return Ref(source=f.source, name=name, type=f.type, pos=node.pos), f.type
        if name in CONTEXT:
            kind = CONTEXT[name][0]
            return Ref(source="context", name=name, type=kind, pos=node.pos), kind
        raise _err(node, f"unknown field {name!r} (not a field of {self.subject}s)", name=name,
                   suggestion=did_you_mean(name, self.names()), kind="unknown_field")

    def _unary(self, node: Unary) -> Checked:
        operand, kind = self.resolve(node.operand)
        want = "bool" if node.op == "not" else "number"
        if _unify(kind, want) is None:
            raise _err(node, f"'{node.op}' needs a {want}, not a {kind}", name=node.op)
        return Unary(op=node.op, operand=operand, pos=node.pos), want

    def _binary(self, node: Binary) -> Checked:
        left, lk = self.resolve(node.left)
        right, rk = self.resolve(node.right)
        want = "bool" if node.op in ("and", "or") else "number"
        for kind in (lk, rk):
            if _unify(kind, want) is None:
                raise _err(node, f"'{node.op}' needs {want}s on both sides, not a {kind}", name=node.op)
        return Binary(op=node.op, left=left, right=right, pos=node.pos), want

    def _compare(self, node: Compare) -> Checked:
        left, lk = self.resolve(node.left)
        right, rk = self.resolve(node.right)
        kind = _unify(lk, rk)
        if kind is None:
            raise _err(node, f"cannot compare a {lk} with a {rk}", name=node.op)
        if node.op not in ("==", "!=") and kind in ("text", "bool"):
            raise _err(node, f"'{node.op}' compares numbers or dates; a {kind} takes == or !=", name=node.op)
        out = Compare(op=node.op, left=left, right=right, pos=node.pos)
        self.compared[id(out)] = kind
        return out, "bool"

    def _in(self, node: In) -> Checked:
        operand, kind = self.resolve(node.operand)
        for option in node.options:
            if _unify(kind, self.resolve(option)[1]) is None:
                raise _err(option, f"the list after 'in' mixes types with a {kind}", name="in")
        return In(operand=operand, options=node.options, negated=node.negated, pos=node.pos), "bool"

    def _case(self, node: Case) -> Checked:
        whens, kind = [], ANY
        for cond, value in node.whens:
            c, ck = self.resolve(cond)
            if _unify(ck, "bool") is None:
                raise _err(cond, f"'when' needs a true/false condition, not a {ck}", name="when")
            v, vk = self.resolve(value)
            kind = _unify(kind, vk) or self._mismatch(value, kind, vk)
            whens.append((c, v))
        other, ok = self.resolve(node.else_)
        kind = _unify(kind, ok) or self._mismatch(node.else_, kind, ok)
        return Case(whens=tuple(whens), else_=other, pos=node.pos), kind

    @staticmethod
    def _mismatch(node: Node, a: str, b: str) -> str:
        raise _err(node, f"the branches of 'case' give different types: {a} and {b}", name="case")

    def _call(self, node: Call) -> Checked:
        from parkbrain.policies.functions import check_call

        if node.name not in FUNCTIONS:
            raise _err(node, f"unknown function {node.name}()", name=node.name,
                       suggestion=did_you_mean(node.name, FUNCTIONS), kind="unknown_function")
        return check_call(self, node)

    # Helpers the function checks share.

    def panel_field(self, node: Call, numeric: bool = True) -> str:
        """The first argument of a window function: a yearly panel field's bare name."""
        arg = node.args[0] if node.args else None
        if not isinstance(arg, Name):
            raise _err(node, f"{node.name}() takes a field of the yearly panel first, e.g. {node.name}(revenue, years=3)",
                       name=node.name, kind="arguments")
        f = self.fields.get(arg.name)
        if f is None or f.source != "panel":
            panel = [n for n, x in self.fields.items() if x.source == "panel"]
            raise _err(arg, f"{arg.name!r} is not a field of the yearly panel", name=arg.name,
                       suggestion=did_you_mean(arg.name, panel), kind="unknown_field")
        if numeric and f.type != "number":
            raise _err(arg, f"{node.name}() needs a number field; {arg.name} is a {f.type}", name=arg.name)
        return arg.name

    def years(self, node: Call, default: int | None = None) -> int:
        """The `years=N` argument: a whole number from 1 to MAX_YEARS."""
        given = dict(node.kwargs)
        extra = set(given) - {"years"}
        if extra:
            name = sorted(extra)[0]
            raise _err(node, f"{node.name}() has no argument {name!r}", name=name,
                       suggestion=did_you_mean(name, ["years"]), kind="arguments")
        value = given.get("years")
        if value is None and default is None:
            raise _err(node, f"{node.name}() needs years=N, e.g. {node.name}(revenue, years=3)",
                       name=node.name, kind="arguments")
        if value is None:
            return default
        if not isinstance(value, Num) or value.percent or value.value != int(value.value) \
                or not 1 <= value.value <= MAX_YEARS:
            raise _err(value, f"years= takes a whole number from 1 to {MAX_YEARS}", name="years",
                       kind="arguments")
        return int(value.value)

    def certification(self, node: Call) -> str:
        """The title named by has(): one of the template's 资质 names (aliases accepted)."""
        arg = node.args[0] if len(node.args) == 1 else None
        if not isinstance(arg, Str):
            raise _err(node, "has() takes one title in quotes, e.g. has('高新技术企业')", name="has",
                       kind="arguments")
        name = CERTIFICATION_ALIASES.get(arg.value, arg.value)
        if name not in certification_names():
            raise _err(arg, f"unknown title {arg.value!r}", name=arg.value, kind="unknown_title",
                       suggestion=did_you_mean(arg.value, certification_names()))
        return name

    def policy_ref(self, node: Call, what: str) -> Checked:
        """requires(id) / amount_of(id): another policy of the same subject."""
        arg = node.args[0] if len(node.args) == 1 and not node.kwargs else None
        pid = arg.name if isinstance(arg, Name) else arg.value if isinstance(arg, Str) else None
        if pid is None:
            raise _err(node, f"{node.name}() takes one policy id, e.g. {node.name}(high_tech_enterprise)",
                       name=node.name, kind="arguments")
        if pid not in self.policies or self.policies[pid] != self.subject:
            same = [p for p, s in self.policies.items() if s == self.subject]
            raise _err(arg, f"unknown {self.subject} policy {pid!r}", name=pid, kind="unknown_policy",
                       suggestion=did_you_mean(pid, same))
        self.requires.add(pid)
        return PolicyRef(policy=pid, what=what, pos=node.pos), "bool" if what == "status" else "number"

    def args_of(self, node: Call, kind: str, least: int) -> list[Node]:
        """Positional arguments all of one type (at least `least` of them), no keywords."""
        if node.kwargs or len(node.args) < least:
            raise _err(node, f"{node.name}() takes at least {least} argument(s) and no keywords",
                       name=node.name, kind="arguments")
        out = []
        for arg in node.args:
            resolved, k = self.resolve(arg)
            if kind != ANY and _unify(k, kind) is None:
                raise _err(arg, f"{node.name}() needs {kind}s, not a {k}", name=node.name)
            out.append(resolved)
        return out


def sum_of(nodes: list[Node], pos: tuple[int, int]) -> Node:
    """a + b + c as a left-leaning tree."""
    out = nodes[0]
    for n in nodes[1:]:
        out = Binary(op="+", left=out, right=n, pos=pos)
    return out


def parse_date(node: Node) -> dt.date:
    """The date of date('YYYY-MM-DD')."""
    if isinstance(node, Str):
        try:
            return dt.date.fromisoformat(node.value)
        except ValueError:
            pass
    raise _err(node, "date() takes one date in quotes, 'YYYY-MM-DD'", name="date", kind="arguments")


def err(node: Node, message: str, **kwargs) -> ExpressionError:
    """An error at a node (for the function checks)."""
    return _err(node, message, **kwargs)
