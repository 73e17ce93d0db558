"""The tokenizer of the policy expression language.

>>> [t.text for t in tokenize("sum(rd_expense, years=3) / revenue ≥ 4%")]
['sum', '(', 'rd_expense', ',', 'years', '=', '3', ')', '/', 'revenue', '>=', '4%', '']
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from parkbrain.policies.errors import ExpressionError

KEYWORDS = frozenset({"and", "or", "not", "in", "case", "when", "then", "else", "end",
                      "true", "false", "unknown"})
# Full-width and mathematical spellings that policy staff type, mapped to the language's own.
ALIASES = {"≥": ">=", "≤": "<=", "≠": "!=", "（": "(", "）": ")", "，": ",", "＝": "="}
TWO_CHAR = (">=", "<=", "==", "!=")
ONE_CHAR = "+-*/()<>=,"

Kind = Literal["number", "string", "name", "keyword", "op", "end"]


@dataclass(frozen=True)
class Token:
    """One token: its kind, its text (operators normalised), and where it starts."""

    kind: Kind
    text: str
    line: int
    col: int

    @property
    def pos(self) -> tuple[int, int]:
        return (self.line, self.col)


class _Cursor:
    """Walks the text keeping the line and column."""

    def __init__(self, text: str) -> None:
        self.text, self.i, self.line, self.col = text, 0, 1, 1

    def peek(self, ahead: int = 0) -> str:
        j = self.i + ahead
        return self.text[j] if j < len(self.text) else ""

    def advance(self, n: int = 1) -> str:
        out = self.text[self.i:self.i + n]
        for ch in out:
            self.line, self.col = (self.line + 1, 1) if ch == "\n" else (self.line, self.col + 1)
        self.i += n
        return out


def _number(cur: _Cursor, line: int, col: int) -> Token:
    start = cur.i
    while cur.peek() and (cur.peek().isdigit() or cur.peek() in "._"):
        cur.advance()
    if cur.peek() and cur.peek() in "%％":
        cur.advance()
    text = cur.text[start:cur.i].replace("％", "%")
    body = text.rstrip("%").replace("_", "")
    if body.count(".") > 1 or body.endswith("."):
        raise ExpressionError(f"malformed number {text!r}", line=line, col=col, name=text)
    return Token("number", text, line, col)


def _string(cur: _Cursor, line: int, col: int) -> Token:
    quote = cur.advance()
    closing = {"“": "”", "‘": "’"}.get(quote, quote)
    start = cur.i
    while cur.peek() and cur.peek() != closing and cur.peek() != "\n":
        cur.advance()
    if not cur.peek() or cur.peek() != closing:
        raise ExpressionError("unterminated string: close it with " + closing, line=line, col=col,
                              name=cur.text[start - 1:cur.i])
    text = cur.text[start:cur.i]
    cur.advance()
    return Token("string", text, line, col)


def tokenize(text: str) -> list[Token]:
    """Split an expression into tokens, ending with an `end` token; raise on a stray character."""
    cur, out = _Cursor(text), []
    while True:
        while cur.peek().isspace():
            cur.advance()
        line, col, ch = cur.line, cur.col, cur.peek()
        if not ch:
            out.append(Token("end", "", line, col))
            return out
        ch = ALIASES.get(ch, ch)
        if ch.isdigit() or (ch == "." and cur.peek(1).isdigit()):
            out.append(_number(cur, line, col))
        elif ch in "'\"“‘":
            out.append(_string(cur, line, col))
        elif ch.isalpha() or ch == "_":
            start = cur.i
            while cur.peek().isalnum() or cur.peek() == "_":
                cur.advance()
            word = cur.text[start:cur.i]
            out.append(Token("keyword" if word.lower() in KEYWORDS else "name",
                             word.lower() if word.lower() in KEYWORDS else word, line, col))
        elif ch in TWO_CHAR:  # ≥ ≤ ≠ written as one character
            cur.advance()
            out.append(Token("op", ch, line, col))
        elif cur.text[cur.i:cur.i + 2] in TWO_CHAR:
            out.append(Token("op", cur.advance(2), line, col))
        elif ch in ONE_CHAR:
            cur.advance()
            out.append(Token("op", "==" if ch == "=" and _is_comparison_context(out) else ch, line, col))
        else:
            raise ExpressionError(f"unexpected character {ch!r}", line=line, col=col, name=ch)


def _is_comparison_context(tokens: list[Token]) -> bool:
    """A lone `=` compares, except right after a keyword argument's name (`years=3`)."""
    if len(tokens) >= 2 and tokens[-1].kind == "name" and tokens[-2].text in ("(", ","):
        return False
    return True
