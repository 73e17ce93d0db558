"""The parser of the policy expression language: tokens to a tree, by recursive descent.

Grammar (lowest precedence first)::

    expr       := or
    or         := and ("or" and)*
    and        := not ("and" not)*
    not        := "not" not | comparison
    comparison := sum (COMPARE sum | ["not"] "in" "(" literal ("," literal)* ")")?
    sum        := product (("+" | "-") product)*
    product    := unary (("*" | "/") unary)*
    unary      := "-" unary | atom
    atom       := NUMBER ["%"] | STRING | "true" | "false" | "unknown"
                | NAME | NAME "(" [arg ("," arg)*] ")" | "(" expr ")"
                | "case" ("when" expr "then" expr)+ "else" expr "end"
    arg        := expr | NAME "=" expr
    COMPARE    := ">=" | ">" | "<=" | "<" | "==" | "=" | "!="   (also ≥ ≤ ≠)

>>> parse("revenue <= 5000")
Compare(pos=(1, 9), op='<=', left=Name(pos=(1, 1), name='revenue'), right=Num(pos=(1, 12), value=5000.0, percent=False))
"""

from __future__ import annotations

from parkbrain.policies.errors import ExpressionError
from parkbrain.policies.lexer import Token, tokenize
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
    Str,
    Unary,
)

COMPARE = (">=", ">", "<=", "<", "==", "!=")


class _Parser:
    """One pass over the tokens of one expression."""

    def __init__(self, text: str) -> None:
        self.tokens = tokenize(text)
        self.i = 0

    @property
    def tok(self) -> Token:
        return self.tokens[self.i]

    def take(self) -> Token:
        tok = self.tokens[self.i]
        self.i += 1
        return tok

    def accept(self, text: str) -> Token | None:
        if self.tok.text == text and self.tok.kind in ("op", "keyword"):
            return self.take()
        return None

    def expect(self, text: str, why: str) -> Token:
        if self.tok.text != text or self.tok.kind not in ("op", "keyword"):
            raise self.error(f"expected {text!r} {why}")
        return self.take()

    def error(self, message: str, tok: Token | None = None) -> ExpressionError:
        tok = tok or self.tok
        found = "the end of the expression" if tok.kind == "end" else repr(tok.text)
        return ExpressionError(f"{message}, found {found}", line=tok.line, col=tok.col,
                               name=tok.text or None)

    def parse(self) -> Node:
        if self.tok.kind == "end":
            raise ExpressionError("empty expression", line=self.tok.line, col=self.tok.col)
        node = self.or_()
        if self.tok.kind != "end":
            raise self.error("expected an operator or the end of the expression")
        return node

    def or_(self) -> Node:
        node = self.and_()
        while op := self.accept("or"):
            node = Binary(op="or", left=node, right=self.and_(), pos=op.pos)
        return node

    def and_(self) -> Node:
        node = self.not_()
        while op := self.accept("and"):
            node = Binary(op="and", left=node, right=self.not_(), pos=op.pos)
        return node

    def not_(self) -> Node:
        if op := self.accept("not"):
            return Unary(op="not", operand=self.not_(), pos=op.pos)
        return self.comparison()

    def comparison(self) -> Node:
        left = self.sum()
        if self.tok.kind == "op" and self.tok.text in COMPARE:
            op = self.take()
            node = Compare(op=op.text, left=left, right=self.sum(), pos=op.pos)
            if self.tok.kind == "op" and self.tok.text in COMPARE:
                raise self.error("comparisons do not chain; join them with 'and'")
            return node
        negated = self.tok.text == "not" and self.tokens[self.i + 1].text == "in"
        if negated:
            self.take()
        if op := self.accept("in"):
            return In(operand=left, options=self.options(), negated=negated, pos=op.pos)
        return left

    def options(self) -> tuple[Node, ...]:
        self.expect("(", "after 'in'")
        items = [self.literal()]
        while self.accept(","):
            items.append(self.literal())
        self.expect(")", "to close the list after 'in'")
        return tuple(items)

    def literal(self) -> Node:
        node = self.atom()
        if not isinstance(node, Num | Str | Bool):
            raise ExpressionError("the list after 'in' holds literals only (numbers or 'text')",
                                  line=node.pos[0], col=node.pos[1])
        return node

    def sum(self) -> Node:
        node = self.product()
        while self.tok.kind == "op" and self.tok.text in "+-":
            op = self.take()
            node = Binary(op=op.text, left=node, right=self.product(), pos=op.pos)
        return node

    def product(self) -> Node:
        node = self.unary()
        while self.tok.kind == "op" and self.tok.text in "*/":
            op = self.take()
            node = Binary(op=op.text, left=node, right=self.unary(), pos=op.pos)
        return node

    def unary(self) -> Node:
        if op := self.accept("-"):
            return Unary(op="-", operand=self.unary(), pos=op.pos)
        return self.atom()

    def atom(self) -> Node:
        tok = self.tok
        if tok.kind == "number":
            self.take()
            percent = tok.text.endswith("%")
            value = float(tok.text.rstrip("%").replace("_", ""))
            return Num(value=value / 100 if percent else value, percent=percent, pos=tok.pos)
        if tok.kind == "string":
            return Str(value=self.take().text, pos=tok.pos)
        if tok.kind == "keyword" and tok.text in ("true", "false", "unknown"):
            self.take()
            return Bool(value={"true": True, "false": False}.get(tok.text), pos=tok.pos)
        if tok.kind == "keyword" and tok.text == "case":
            return self.case()
        if tok.kind == "name":
            self.take()
            return self.call(tok) if self.tok.text == "(" else Name(name=tok.text, pos=tok.pos)
        if self.accept("("):
            node = self.or_()
            self.expect(")", "to close '('")
            return node
        raise self.error("expected a number, a 'text', a name, a function call or '('")

    def call(self, name: Token) -> Node:
        self.expect("(", "after a function name")
        args: list[Node] = []
        kwargs: list[tuple[str, Node]] = []
        while self.tok.text != ")" or self.tok.kind != "op":
            if args or kwargs:
                self.expect(",", "between arguments")
            if self.tok.kind == "name" and self.tokens[self.i + 1].text == "=":
                key = self.take().text
                self.take()
                kwargs.append((key, self.or_()))
            elif kwargs:
                raise self.error("positional arguments go before keyword arguments")
            else:
                args.append(self.or_())
            if self.tok.kind == "end":
                raise self.error(f"expected ')' to close {name.text}(")
        self.take()
        return Call(name=name.text, args=tuple(args), kwargs=tuple(kwargs), pos=name.pos)

    def case(self) -> Node:
        start = self.take()
        whens = []
        while self.accept("when"):
            cond = self.or_()
            self.expect("then", "after the condition of 'when'")
            whens.append((cond, self.or_()))
        if not whens:
            raise self.error("expected 'when' after 'case'")
        self.expect("else", "after the last 'when … then …' (every case needs an 'else')")
        other = self.or_()
        self.expect("end", "to close 'case'")
        return Case(whens=tuple(whens), else_=other, pos=start.pos)


def parse(text: str) -> Node:
    """Parse one expression; raise ExpressionError with the line, column and token."""
    return _Parser(text).parse()
