"""Telling a bulletin's content lines from page furniture, spam and link lists (rules in boilerplate.yaml).

>>> [(v.kept, v.reason) for v in classify_lines(["打印本页 关闭窗口", "2023年产值增长5%。", "02.png"])]
[(False, 'navigation'), (True, 'content'), (False, 'image')]
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

import yaml

_DATES = re.compile(r"\d{4}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}\s*日?|\d{1,2}:\d{2}(?::\d{2})?")
_FILLER = re.compile(r"[\s,.:;!?、，。：；！？|/\\()（）\-—·•]+")
_BREADCRUMB = re.compile(r"^(?:首页|当前位置|您的位置|您现在的位置)[^。]*[>»→]")
_SENTENCE_END = re.compile(r"[。!?！？]$")


@dataclass(frozen=True, slots=True)
class LineVerdict:
    """One input line: its number (from 1), text, whether it is kept, and why."""

    number: int
    text: str
    kept: bool
    reason: str


@dataclass(frozen=True)
class _Rule:
    reason: str
    pattern: re.Pattern | None
    keywords: re.Pattern | None
    min_keywords: int
    short_only: bool


@dataclass(frozen=True)
class Boilerplate:
    """The compiled rules of boilerplate.yaml."""

    max_chars: int
    navigation: re.Pattern
    rules: tuple[_Rule, ...]
    related: frozenset[str]


@cache
def load_boilerplate() -> Boilerplate:
    """The boilerplate rules shipped with ParkBrain."""
    raw = yaml.safe_load((resources.files("parkbrain.bulletins") / "boilerplate.yaml").read_text("utf-8"))
    words = sorted(raw["navigation_words"], key=len, reverse=True)
    rules = tuple(
        _Rule(r["reason"], re.compile(r["pattern"], re.IGNORECASE) if "pattern" in r else None,
              re.compile("|".join(map(re.escape, r["keywords"])), re.IGNORECASE) if "keywords" in r else None,
              r.get("min_keywords", 1), r.get("short_only", False))
        for r in raw["rules"])
    return Boilerplate(raw["max_furniture_chars"], re.compile("|".join(map(re.escape, words))), rules,
                       frozenset(raw["related_headers"]))


def _is_navigation(line: str, rules: Boilerplate) -> bool:
    if len(line) > rules.max_chars:
        return False
    if _BREADCRUMB.match(line):
        return True
    rest = _FILLER.sub("", rules.navigation.sub("", _DATES.sub("", line)))
    return not rest and bool(rules.navigation.search(line))


def _rule_reason(line: str, rules: Boilerplate) -> str | None:
    for rule in rules.rules:
        if rule.short_only and len(line) > rules.max_chars:
            continue
        if rule.keywords and len({m.group().lower() for m in rule.keywords.finditer(line)}) >= rule.min_keywords:
            return rule.reason
        if rule.pattern is not None and rule.pattern.search(line):
            return rule.reason
    return None


def line_reason(line: str, rules: Boilerplate | None = None) -> str:
    """Why a line is dropped ('navigation', 'spam', …), or 'content' when it is kept."""
    rules = rules or load_boilerplate()
    if not line.strip():
        return "empty"
    if _is_navigation(line, rules):
        return "navigation"
    return _rule_reason(line, rules) or "content"


def _is_title_line(line: str, rules: Boilerplate) -> bool:
    """A short line without a full stop: a link's title in a related-articles list."""
    return len(line) <= rules.max_chars and not _SENTENCE_END.search(line)


def classify_lines(lines: list[str]) -> list[LineVerdict]:
    """A verdict for every line; lines after a 相关阅读 header that look like titles are dropped too."""
    rules, verdicts, in_related = load_boilerplate(), [], False
    for number, line in enumerate(lines, start=1):
        text = line.strip()
        reason = line_reason(text, rules)
        if _FILLER.sub("", text) in rules.related:
            reason, in_related = "related", True
        elif in_related and reason == "content" and _is_title_line(text, rules):
            reason = "related"
        elif reason == "content":
            in_related = False
        verdicts.append(LineVerdict(number, line, reason == "content", reason))
    return verdicts
