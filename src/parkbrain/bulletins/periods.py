"""Periods: the document's date, and the period each figure is about (facts.md "period").

Forms: ``2022``, ``2022H1``, ``2023Q1``, ``2022-01..2022-08`` (months 1–8), ``2023-12-31``
(a stock at a date), ``2022-05`` (one month). Relative years (今年, 去年, 全年) are
resolved against the document's year and the year the sentence is about.

>>> [m.period for m in find_periods("今年1至8月,新引进人才;前三季度;截至9月底;去年上半年", 2022)]
['2022-01..2022-08', '2022-01..2022-09', '2022-09-30', '2021H1']
>>> [m.period for m in find_periods("2022年,全年新引进;到2025年底;较上年末净增", 2023)]
['2022', '2022', '2025-12-31', '2022-12-31']
>>> [m.base for m in find_periods("较上年末净增", 2023)]
[True]
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

_CN = {c: i for i, c in enumerate("〇一二三四五六七八九")} | {"零": 0, "○": 0, "两": 2}
_M = r"(?:1[0-2]|0?[1-9]|十[一二]?|[一二三四五六七八九])"
_PERIOD = re.compile(
    r"(?=[截止到至\d二今本去上前明同当下第一三四首全十五六七八九年底末以初“\"目如现近多长过])"  # no empty tries
    r"(?P<stock>截至|截止到?|截至到|到|至)?"
    r"(?:(?P<y>(?<!\d)(?:19|20)\d{2})|(?P<cy>[二][〇零○][〇零○一二三四五六七八九]{2})|(?P<rel>今|本|去|上一|上|前|明|同|当|过去的?一))?"
    r"(?(y)年度?|(?(cy)年度?|(?(rel)年度?|)))"
    r"(?P<sub>上半年|下半年|前三季度|前两季度|前二季度|第?[一二三四1-4]季度|首季度?|全年"
    rf"|(?P<m1>{_M})\s*[-—–~至到]\s*(?P<m2>{_M})月份?|(?P<m>{_M})月份?(?P<mend>底|末)?|年?底|年?末|以来|初)?"
    r"|(?P<plan>[“\"]?十(?P<plan_n>[二三四五六])五[”\"]?(?:期?末|期间))"
    r"|(?P<undated>截至目前|截止目前|截至当前|目前|当前|至今|如今|现阶段|近年来|近几年|多年来|长期以来)")
_BASE_BEFORE = re.compile(r"(?:较|比|同比|相比|对比|与|是|为|超过|高于|低于|相当于)[“\"]?$")
_PLAN_END = {"二": 2015, "三": 2020, "四": 2025, "五": 2030, "六": 2035}

_DATELINE = re.compile(r"(?:发布日期|发布时间|发表时间|更新时间|日期|时间)\s*[:：]?\s*"
                       r"((?:19|20)\d{2})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})")
_SIGNED_DATE = re.compile(r"((?:19|20)\d{2})年(\d{1,2})月(\d{1,2})日$")  # 某区统计局 2024年3月15日
_LEADING_DATE = re.compile(r"^((?:19|20)\d{2})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})日?(?![\d年])")
_EVENT_YEAR = re.compile(r"((?:19|20)\d{2})年(?:是|为)[^。!?]{0,40}?之年"
                         r"|(?:举行|召开|举办|开幕)(?:了|的)?[“\"《]?((?:19|20)\d{2})年?")


@dataclass(frozen=True, slots=True)
class PeriodMention:
    """A time expression in a sentence: its span, resolved period, the year it is about, and
    whether it is a comparison base (较上年末) rather than the period of a figure."""

    start: int
    end: int
    period: str | None
    year: int | None
    base: bool = False
    stock: bool = False  # 截至/到 …: a stock at a date, or a deadline (到2025年底)


def _month(text: str) -> int:
    if text.isdigit():
        return int(text)
    if text.startswith("十"):
        return 10 + (_CN[text[1]] if len(text) > 1 else 0)
    return _CN[text]


def _month_range(year: int, first: int, last: int) -> str:
    named = {(1, 6): "H1", (7, 12): "H2", (1, 3): "Q1", (4, 6): "Q2", (7, 9): "Q3", (10, 12): "Q4"}
    if (first, last) == (1, 12):
        return str(year)
    if (first, last) in named:
        return f"{year}{named[(first, last)]}"
    return f"{year}-{first:02d}..{year}-{last:02d}"


def _month_end(year: int, month: int) -> str:
    return f"{year}-{month:02d}-{calendar.monthrange(year, month)[1]:02d}"


def _year_of(m: re.Match, doc_year: int | None, context: int | None) -> int | None:
    if m.group("y"):
        return int(m.group("y"))
    if m.group("cy"):
        return int("".join(str(_CN[c]) for c in m.group("cy")))
    rel = m.group("rel")
    offsets = {"今": 0, "本": 0, "去": -1, "上": -1, "上一": -1, "过去一": -1, "过去的一": -1, "前": -2, "明": 1}
    if rel in ("同", "当"):
        return context
    if rel is not None:
        return None if doc_year is None else doc_year + offsets[rel]
    return context if context is not None else doc_year


def _sub_period(m: re.Match, year: int) -> str:
    sub = m.group("sub") or ""
    if m.group("m1"):
        return _month_range(year, _month(m.group("m1")), _month(m.group("m2")))
    if m.group("m"):
        month = _month(m.group("m"))
        return _month_end(year, month) if (m.group("mend") or m.group("stock")) else f"{year}-{month:02d}"
    table = {"上半年": f"{year}H1", "下半年": f"{year}H2", "前三季度": f"{year}-01..{year}-09",
             "前两季度": f"{year}H1", "前二季度": f"{year}H1", "首季": f"{year}Q1", "首季度": f"{year}Q1"}
    if sub in table:
        return table[sub]
    if sub.endswith("季度"):
        return f"{year}Q{_month(sub[-3])}"
    if sub.endswith(("底", "末")) or (m.group("stock") and sub != "以来"):
        return f"{year}-12-31" if sub.endswith(("底", "末")) else str(year)
    return str(year)


def _mention(m: re.Match, sentence: str, doc_year: int | None, context: int | None) -> PeriodMention | None:
    base = bool(_BASE_BEFORE.search(sentence[max(0, m.start() - 4):m.start()]))
    if m.group("undated"):
        return PeriodMention(m.start(), m.end(), None, None)
    if m.group("plan"):
        year = _PLAN_END[m.group("plan_n")]
        return PeriodMention(m.start(), m.end(), f"{year}-12-31" if "末" in m.group("plan") else None, None, base)
    explicit = m.group("y") or m.group("cy") or m.group("rel")
    if not explicit and not m.group("sub"):
        return None
    if not explicit and m.group("sub") in ("以来", "初", "底", "末"):
        return None
    year = _year_of(m, doc_year, context)
    period = None if year is None else _sub_period(m, year)
    if m.group("m") and not (m.group("mend") or m.group("stock")) and "份" not in m.group():
        period = None  # 2022年9月,…成立: the date of an event, not the period of a figure
    stock = bool(m.group("stock")) and (explicit or m.group("m"))
    return PeriodMention(m.start(), m.end(), period, year if explicit else None, base, bool(stock))


def find_periods(sentence: str, doc_year: int | None, context: int | None = None) -> list[PeriodMention]:
    """The time expressions of one sentence, left to right, resolved (全年 after 2022年 is 2022);
    `context` is the year the text was last about, for 全年 and 上半年 before any year is said."""
    found = []
    for m in _PERIOD.finditer(sentence):
        if m.end() == m.start():
            continue
        mention = _mention(m, sentence, doc_year, context)
        if mention is None:
            continue
        if mention.year is not None and not mention.base:
            context = mention.year
        found.append(mention)
    return found


_YEAR_WORD = re.compile(r"(?:19|20)\d{2}年|[今去明本前]年|上一?年|过去的?一年|[二][〇零○][〇零○一二三四五六七八九]{2}年")


def last_year(sentence: str, doc_year: int | None, context: int | None = None) -> int | None:
    """The year a sentence leaves the reader in (its last year that is no comparison base), else `context`."""
    if not _YEAR_WORD.search(sentence):
        return context
    years = [m.year for m in find_periods(sentence, doc_year, context) if m.year is not None and not m.base]
    return years[-1] if years else context


def _date(y: str, m: str, d: str) -> dt.date | None:
    try:
        return dt.date(int(y), int(m), int(d))
    except ValueError:
        return None


def dateline(lines: list[str]) -> dt.date | None:
    """The publication date a page states in its header or footer (发布日期:2023-08-10, a date line)."""
    edges = lines[:20] + lines[-8:]
    for line in edges:
        if (m := _DATELINE.search(line)) and (found := _date(*m.groups())):
            return found
    for line in edges:
        line = line.strip()
        if (m := _LEADING_DATE.match(line)) and len(line) <= 60 and (found := _date(*m.groups())):
            return found
        if (m := _SIGNED_DATE.search(line)) and len(line) <= 30 and (found := _date(*m.groups())):
            return found
    return None


def document_year(lines: list[str], given: dt.date | None = None) -> int | None:
    """The year 今年 means: a dateline's, else the year of the event reported, else --date's, else None."""
    if (found := dateline(lines)) is not None:
        return found.year
    for line in lines:
        if m := _EVENT_YEAR.search(line):
            return int(m.group(1) or m.group(2))
    return given.year if given else None
