"""Ranks: 位列杭州全市第一, 居浙江省第一位, 综合排名第七, 居榜首 (facts.md "rank").

A position counts as a rank when a ranking verb (位列, 居, 排名 …) or a scope (全省, 杭州市 …)
comes with it; ``第六届``, ``第一批`` and ``第一生产力`` are no ranks. From–to statements
(由第八升至第五) keep the new position.

>>> [(r.scope, r.position) for r in find_ranks("规上工业增加值位列杭州全市第一,居浙江省第一位,排名由第八升至第五")]
[('杭州全市', 1), ('浙江省', 1), (None, 5)]
>>> find_ranks("第六届世界浙商大会;科技是第一生产力;第一批名单")
[]
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from parkbrain.bulletins.numerals import parse_number

_RANK = re.compile(
    r"(?P<verb>位列|位居|位于|居于|稳居|名列|排名|排在|排位|排|列|居|跻身|蝉联|保持|升至|跃升至|上升至|提升至|降至)?"
    r"(?P<scope>全国|全省|全市|全区|全球|世界|同类园区|同类|[\u4e00-\u9fff]{2,6}?(?:全市|全省|全国|省|市|区|县))?"
    r"(?:同类|同级)?"
    r"(?:第(?P<pos>[一二三四五六七八九十两\d]{1,3})(?:位|名)?(?![批届次期轮代个家项条号季节章大]|生产力|资源|动力)"
    r"|(?P<top>榜首|首位))")
_FROM = re.compile(r"(?:由|从)$")
_VERB_IN_SCOPE = re.compile(r"位列|位居|位于|居于|稳居|名列|排名|排在|排|列|居|跻身|蝉联|保持|至")


@dataclass(frozen=True, slots=True)
class RankMention:
    """A rank in a sentence: its span, scope as written (None when unsaid) and position."""

    start: int
    end: int
    scope: str | None
    position: int


def find_ranks(text: str) -> list[RankMention]:
    """The ranks a sentence states, left to right."""
    found: list[RankMention] = []
    if "第" not in text and "榜首" not in text and "首位" not in text:
        return found
    for m in _RANK.finditer(text):
        if not (m.group("verb") or m.group("scope")):
            continue
        if m.group("top"):
            position = 1
        else:
            value = parse_number(m.group("pos"))
            if value is None or value < 1 or value != int(value):
                continue
            position = int(value)
        scope, start = m.group("scope"), m.start()
        if scope and (verbs := list(_VERB_IN_SCOPE.finditer(scope))):
            start, scope = m.start("scope") + verbs[-1].start(), scope[verbs[-1].end():] or None
        if _FROM.search(text, 0, start):
            continue
        found.append(RankMention(start, m.end(), scope, position))
    return found


def resolve_scope(scope: str | None, names: list[str]) -> str | None:
    """A scope as a body's name where the text gives it: 杭州全市 → 杭州市, 全省 → 浙江省 (a province it names).

    >>> resolve_scope("杭州全市", []), resolve_scope("全省", ["钱塘区", "浙江省"]), resolve_scope("全国", [])
    ('杭州市', '浙江省', '全国')
    """
    if scope is None:
        return None
    for level in ("市", "省"):
        if scope.endswith("全" + level) and len(scope) > 2:
            return scope[:-2] + level
        if scope == "全" + level:
            return next((n for n in names if n.endswith(level)), scope)
    return scope
