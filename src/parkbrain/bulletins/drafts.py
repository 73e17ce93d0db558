"""Reading the figures of one sentence into drafts: value, unit, measure and the metric's words.

A draft becomes a fact once `assemble` has merged growths into their levels, attached ranks
and filled in period, kind and subject.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache, partial

from parkbrain.bulletins.bodies import BodyMention, find_bodies
from parkbrain.bulletins.lexicon import alternation, load_lexicon
from parkbrain.bulletins.phrases import clean_metric, right_metric
from parkbrain.bulletins.quantities import Quantity, find_quantities

_CJK = re.compile(r"[\u4e00-\u9fff“《]")
# What may follow a figure in the same clause without naming what it counts.
_CONTINUES = ("同比", "比上", "较", "增长", "增速", "增幅", "位列", "位居", "居", "占", "排名", "列", "是", "为",
              "和", "与", "及", "其中", "分别", "以上", "左右", "以下", "相当于", "等", "累计", "全年", "首次",
              "规模", "总量", "再创", "创", "同期", "成为", "实现", "达", "约", "超", "保持", "连续", "稳居")
Clean = Callable[[str], str]  # the words before a figure → its metric (see phrases.clean_metric)
_GROWTH_AFTER = re.compile(r"(?:的)?(?:增长|增速|增幅)")
_FROM = re.compile(r"(?:从|由)$")
_TO = re.compile(r"(?:提升|提高|上升|增长|增加|下降|降低|减少|回落|升|降|增)?(?:至|到)")
_CONNECTOR = ("", "、", "和", "及", "与", "以及", ",")
_MULTIPLE_OF = re.compile(r"(?:是|为|达到?|相当于|超过)(?:去年|上年|上一年)?(?:同期)?的?$")


@dataclass
class Draft:
    """A figure being read: where it is, what it measures, its value and what is known about it."""

    start: int
    end: int
    clause: int
    metric: str
    measure: str
    value: float
    unit: str
    value_text: str
    qualifier: str
    kind: str  # the quantity's kind: amount, percent, points, multiple, rank
    counter: str | None = None
    growth_pct: float | None = None
    rank: tuple[str | None, int] | None = None
    own_metric: bool = True
    drop: bool = False
    notes: list[str] = field(default_factory=list)


@cache
def _verbs() -> tuple[re.Pattern, re.Pattern, re.Pattern, re.Pattern]:
    lex = load_lexicon()
    growth = re.compile(rf"(?:{alternation(lex.growth_verbs)})(?:了|为|达到?|高达|约|达到了)?$")
    change = re.compile(rf"(?:{alternation(lex.change_verbs)})(?:了|为|达到?)?$")
    gap = re.compile(alternation(lex.gap_words))
    objects = re.compile(rf"(?:{alternation(lex.object_verbs)})(?:了)?$")
    return growth, change, gap, objects


def _growth(left: str) -> tuple[int, str] | None:
    """(sign, left without the growth verb) when the words before a percent make it a growth."""
    m = _verbs()[0].search(left)
    if not m:
        return None
    word = m.group()
    sign = next((v for k, v in sorted(load_lexicon().growth_verbs.items(), key=lambda kv: -len(kv[0]))
                 if word.startswith(k)), 1)
    return sign, left[:m.start()]


def _is_count(q: Quantity) -> bool:
    return q.counter is not None or q.unit in ("person", "enterprise", "item", "project")


def _right(text: str, q: Quantity) -> str | None:
    """The metric after a figure that comes first (近1600家生物医药企业, 13.2%的经济总量), else None."""
    after = text[q.end:]
    if not after or not _CJK.match(after) or after.startswith(_CONTINUES):
        return None
    if after.startswith("的"):
        after = after[1:]
    return right_metric(after) or None


def _later_count(quantities: list[Quantity], q: Quantity, clause_end: int) -> bool:
    return any(o.start > q.end and o.start < clause_end and _is_count(o) for o in quantities)


def _amount_metric(text: str, q: Quantity, left: str, clean: Clean, later_count: bool) -> tuple[str, bool]:
    """(metric, attributive) of an amount: 超10亿元企业8家 is a class in a name, not a figure."""
    if _is_count(q) and text.startswith("“", q.end):
        return "", True  # 三个“一号工程”: a count of a label's parts, no figure
    right = _right(text, q)
    if right is None:
        return clean(left), False
    if _is_count(q):
        return right, False
    if q.qualifier in ("gt", "gte") or later_count:
        return "", True
    before = clean(left)
    if not before or _verbs()[3].search(left):
        return right, False
    return before, False


def _percent(d: Draft, left: str, clean: Clean, text: str, q: Quantity) -> None:
    growth = _growth(left)
    if not growth and q.kind == "percent" and _GROWTH_AFTER.match(text, q.end):
        growth = (1, left)  # 连续五年保持15%以上增长
    if q.kind == "points":
        change = _verbs()[1].search(left)
        if change and not _verbs()[2].search(left):
            d.measure, d.metric = "count_change", clean(left[:change.start()])
            d.value *= load_lexicon().change_verbs.get(change.group().rstrip("了为达到"), 1)
            return
        d.metric = clean(left)
        return
    if growth:
        d.measure, d.value = "growth", growth[0] * d.value
        d.metric = clean(growth[1])
        return
    d.metric = _right(text, q) or clean(left)


def _multiple(d: Draft, left: str, clean: Clean, q: Quantity, previous: Draft | None = None) -> None:
    """增长2.6倍 is 260%; 是去年的3倍 is 200%; 翻番 is 100%; 增长2.6倍、1.4倍: the second is 140%."""
    d.measure = "growth"
    listed = previous is not None and previous.kind == "multiple" and left.strip() in _CONNECTOR
    if q.value_text.endswith("倍"):
        growth = (1, "") if listed and previous.notes == ["times"] else _growth(left)
        if growth:
            d.notes = ["times"]
            d.value, left = q.value * 100, growth[1]
        else:
            d.value = (q.value - 1) * 100
            left = _MULTIPLE_OF.sub("", left)
    d.metric = clean(left)


def _amount(d: Draft, left: str, clean: Clean, text: str, q: Quantity, later_count: bool) -> None:
    change = _verbs()[1].search(left)
    if change and (change.group().startswith("净") or re.search(r"较|比", left)):
        d.measure = "count_change"
        d.value *= load_lexicon().change_verbs.get(change.group().rstrip("了为达到"), 1)
        d.metric = _right(text, q) or clean(left[:change.start()])
        return
    d.metric, d.drop = _amount_metric(text, q, left, clean, later_count)


def read_drafts(text: str, clauses: tuple[tuple[int, int], ...], names: list[str],
                bodies: list[BodyMention] | None = None) -> list[Draft]:
    """The figures of a sentence, each with the words of its own metric (empty when it has none).
    `bodies`: the bodies the sentence names, when already found."""
    quantities = find_quantities(text)
    if not quantities:
        return []
    bodies = find_bodies(text) if bodies is None else bodies
    drafts: list[Draft] = []
    boundary = 0
    for q in quantities:
        clause = next((i for i, (a, b) in enumerate(clauses) if a <= q.start < b), len(clauses) - 1)
        same_clause = boundary > clauses[clause][0]
        boundary = max(boundary, clauses[clause][0])
        left = text[boundary:q.start]
        if same_clause and "、" in left:
            left = left[left.rindex("、") + 1:]  # …新认定工作、推荐省科技型中小企业301家
        clean = partial(clean_metric, names=names, cut=_name_cut(bodies, q.start - len(left), q.start))
        d = Draft(q.start, q.end, clause, "", "level", q.value, q.unit, q.value_text, q.qualifier, q.kind,
                  q.counter)
        if q.kind in ("percent", "points"):
            _percent(d, left, clean, text, q)
        elif q.kind == "multiple":
            _multiple(d, left, clean, q, drafts[-1] if drafts and drafts[-1].clause == clause else None)
        else:
            _amount(d, left, clean, text, q, _later_count(quantities, q, clauses[clause][1]))
        _continue_list(d, drafts, left)
        _from_to(d, drafts, text)
        d.own_metric = bool(d.metric)
        drafts.append(d)
        if not d.drop:  # a threshold inside a name (超10亿元企业) does not end the name
            boundary = q.end + _consumed(text, q, d)
    return drafts


def _from_to(d: Draft, drafts: list[Draft], text: str) -> None:
    """从42%提升至58%, 由第八升至第五: one fact, for the new value (with the old one's metric)."""
    old = drafts[-1] if drafts else None
    if old and old.clause == d.clause and _FROM.search(text[max(0, old.start - 1):old.start]) \
            and _TO.fullmatch(text[old.end:d.start]):
        old.drop, d.metric = True, d.metric or old.metric


def _name_cut(bodies: list[BodyMention], start: int, end: int) -> int:
    """Where the last body named between start and end ends, counted from start (0 if none)."""
    ends = [b.end - start for b in bodies if start <= b.start and b.end <= end and not b.scope
            and not b.name.startswith(("国家", "省级", "全国"))]
    return max(ends, default=0)


def _continue_list(d: Draft, drafts: list[Draft], left: str) -> None:
    """分别增长6.3%和12.7%: a percent joined to a growth by 和/、 is a growth too."""
    previous = drafts[-1] if drafts else None
    if (previous and previous.measure == "growth" and previous.clause == d.clause and d.kind == "percent"
            and d.measure == "level" and left.strip() in _CONNECTOR):
        d.measure, d.metric = "growth", ""
        d.value = abs(d.value) * (1 if previous.value >= 0 else -1)


def _consumed(text: str, q: Quantity, d: Draft) -> int:
    """How far a figure's metric reaches after it (14所高校67个二级学院: 高校 is 14's)."""
    if d.metric and text.startswith(d.metric, q.end):
        return len(d.metric)
    if d.metric and text.startswith("的" + d.metric, q.end):
        return len(d.metric) + 1
    return 0
