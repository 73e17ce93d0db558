"""Value expressions in a sentence: a number with its unit and qualifiers (``近1600家``,
``2184.8亿元``, ``10%左右``, ``增长2.6倍``, ``翻番``), or a percent.

Numbers that are no figure are left out: dates, durations, ages and anniversaries (``30多年``,
``20周年``), ordinals (``第六届``), labels (``“5050计划”``, ``415X``, ``1+5+20``, ``三大产业链``)
and numbers without a unit. A range is its upper bound (``3—5家`` is at most 5).

>>> [(q.value_text, q.value, q.unit, q.qualifier) for q in find_quantities("全年新引进人才3.8万人,近1600家企业")]
[('3.8万人', 38000.0, 'person', 'eq'), ('近1600家', 1600.0, 'enterprise', 'approx')]
>>> [q.value_text for q in find_quantities("今年是“八八战略”实施20周年,倒计时200天,5G基站,第六届,三大产业链")]
[]
>>> [(q.value_text, q.value, q.qualifier) for q in find_quantities("拟选取3—5家")]
[('3—5家', 5.0, 'lte')]
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import cache

from parkbrain.bulletins.lexicon import Lexicon, alternation, load_lexicon
from parkbrain.bulletins.numbers import NUMERAL_CHARS, find_numbers
from parkbrain.bulletins.percents import find_percents

_DOUBLING = re.compile(r"翻了?(一|两|二|三)?番")
_DOUBLINGS = {None: 1, "一": 1, "两": 2, "二": 2, "三": 3}
_DATE_LIKE = re.compile(r"\d{4}\s*[-—–~～/.]\s*\d{1,2}\s*[-—–~～/.]\s*$|\d{4}\s*[-—–~～/.]\s*$")
_RANGE_AFTER = re.compile(rf"\s*[-—–~～至到]\s*[\d{NUMERAL_CHARS}]")
_RANGE_BEFORE = re.compile(rf"(?<![\d{NUMERAL_CHARS}.\-])(?:\d+(?:\.\d+)?|[{NUMERAL_CHARS}]+)\s*[-—–~～至到]\s*$")
_LABEL_NEIGHBOUR = re.compile(r"[A-Za-z+＋·]")
_QUOTES = (("“", "”"), ("《", "》"), ("【", "】"), ("‘", "’"), ('"', '"'))
_SHORT_QUOTE = 24  # a quoted stretch up to this long is a name or a label, not reported speech
_SPEECH = re.compile(r"[,，。;；!?！？]")
# A counter that begins a word is no counter: 五场景, 两部门, 一件事.
_COUNTER_WORDS = frozenset({"场景", "场所", "台阶", "部门", "部署", "条件", "条例", "处理", "处置", "批准", "批复",
                            "次数", "种类", "类型", "份额", "名单", "名称", "位置", "位于", "张力", "间隔", "户籍",
                            "件事", "座谈", "所在", "个体", "个性", "场景化", "项工作", "支撑", "支持", "例会",
                            "次产业"})
_TIME_AFTER_COUNTER = re.compile(r"季度|月|年|小时|天|星期|周|工作日")  # 两个季度, 3个月
_INDEFINITE = frozenset("一")  # 一个目标, 一批企业, 一条路径: "a", not a count


@dataclass(frozen=True, slots=True)
class Quantity:
    """A value expression: span (with its qualifier words), value in the base unit, unit, the
    text as written, qualifier, and its kind: amount, percent, points or multiple (a growth
    written as 倍 or 翻番)."""

    start: int
    end: int
    value: float
    unit: str
    value_text: str
    qualifier: str
    kind: str
    number_start: int
    counter: str | None = None


@dataclass(frozen=True)
class _Patterns:
    unit: re.Pattern
    before: re.Pattern
    after: re.Pattern
    not_counted: re.Pattern


@cache
def _patterns() -> _Patterns:
    lex = load_lexicon()
    return _Patterns(
        unit=re.compile(rf"(?P<approx>余|多|来)?\s*(?P<unit>{alternation(lex.units)}|倍)"),
        before=re.compile(rf"(?:{alternation(lex.qualifiers_before)})$"),
        after=re.compile(rf"(?:{alternation(lex.qualifiers_after)})"),
        not_counted=re.compile(rf"(?:余|多)?(?:{alternation(lex.not_counted_after)})"))


def in_label(text: str, i: int) -> bool:
    """Whether position i is inside a short quotation or a title (“5050计划”, 《…2023-2027年》)."""
    for left, right in _QUOTES:
        opened = text.rfind(left, 0, i) if left != right else -1
        if left == right:
            continue
        if opened > text.rfind(right, 0, i) and opened >= 0:
            closing = text.find(right, i)
            quoted = text[opened:closing] if closing >= 0 else text[opened:]
            if left == "《" or len(quoted) <= _SHORT_QUOTE or not _SPEECH.search(quoted):
                return True
    return False


def _is_label_number(text: str, start: int, end: int) -> bool:
    before, after = text[start - 1:start], text[end:end + 1]
    if before in "-—–~～" and start >= 2 and text[start - 2].isdigit() and _DATE_LIKE.search(text, 0, start):
        return True  # 2023-02-02
    if before in ("第", "前") or _LABEL_NEIGHBOUR.match(after) or _LABEL_NEIGHBOUR.match(before):
        return True  # 第六届, 前十家企业: an ordinal or a class, no figure
    return bool(_RANGE_AFTER.match(text, end)) or in_label(text, start)


def _qualified(text: str, q: Quantity) -> Quantity:
    """Widen a quantity over the qualifier words before and after it (近…, …左右)."""
    pats, lex = _patterns(), load_lexicon()
    qualifier, start, end = q.qualifier, q.start, q.end
    if m := pats.before.search(text, max(0, start - 4), start):
        qualifier, start = lex.qualifiers_before[m.group()], m.start()
    if (m := pats.after.match(text, end)) and m.group() not in ("余", "多", "来"):
        qualifier, end = lex.qualifiers_after[m.group()], m.end()
    return replace(q, start=start, end=end, qualifier=qualifier, value_text=text[start:end])


def _amount(text: str, n, lex: Lexicon) -> Quantity | None:
    """A number with its unit word (3.8万人, 200余处, 2.6倍); None for numbers that are no figure."""
    if n.text in ("零", "〇") or _is_label_number(text, n.start, n.end) \
            or _patterns().not_counted.match(text, n.end):
        return None
    m = _patterns().unit.match(text, n.end)
    if m and m.group("unit") in lex.counters and (
            n.text in _INDEFINITE or text[m.end() - 1:m.end() + 1] in _COUNTER_WORDS
            or text[m.end() - 1:m.end() + 2] in _COUNTER_WORDS or _TIME_AFTER_COUNTER.match(text, m.end())):
        return None
    qualifier = "gt" if (m and m.group("approx") in ("余", "多")) or n.approx else "eq"
    if m is None:
        return _bare(text, n, qualifier)
    word = m.group("unit")
    if word == "倍":
        kind, unit = "multiple", "percent"
    else:
        kind, unit = "amount", lex.units[word]
    counter = word if word in lex.counters else None
    start = n.start
    if (r := _RANGE_BEFORE.search(text, 0, n.start)) and kind == "amount":
        start, qualifier = r.start(), "lte"  # 3—5家: at most 5 (the upper bound)
    return Quantity(start, m.end(), float(n.value), unit, text[start:m.end()], qualifier, kind,
                    n.start, counter)


def _bare(text: str, n, qualifier: str) -> Quantity | None:
    """超43万 at the end of a clause: a big number whose unit the metric names (人才总量)."""
    if not any(c in n.text for c in "万亿") or n.end < len(text) and "\u4e00" <= text[n.end] <= "\u9fff" \
            and not _patterns().after.match(text, n.end):
        return None
    return Quantity(n.start, n.end, float(n.value), "?", n.text, qualifier, "amount", n.start)


def _percents(text: str, numbers: list) -> list[Quantity]:
    found = []
    for p in find_percents(text, numbers):
        if p.form == "折" and not text.startswith("打", max(0, p.start - 1)):
            continue
        if in_label(text, p.start) or (p.start and text[p.start - 1] == "第"):
            continue
        unit, kind = ("percentage_point", "points") if p.form == "points" else ("percent", "percent")
        found.append(Quantity(p.start, p.end, float(p.value), unit, p.text, "eq", kind, p.start))
    return found


def _doublings(text: str) -> list[Quantity]:
    return [Quantity(m.start(), m.end(), 100.0 * (2 ** _DOUBLINGS[m.group(1)] - 1), "percent", m.group(),
                     "eq", "multiple", m.start()) for m in _DOUBLING.finditer(text)]


def find_quantities(text: str) -> list[Quantity]:
    """Every value expression of a sentence, left to right, with its qualifier words."""
    lex = load_lexicon()
    numbers = find_numbers(text)
    found = _percents(text, numbers) + _doublings(text)
    taken = [(q.start, q.end) for q in found]
    for n in numbers:
        if any(a <= n.start < b for a, b in taken):
            continue
        if (q := _amount(text, n, lex)) is not None:
            found.append(q)
    return sorted((_qualified(text, q) for q in found), key=lambda q: q.start)
