"""The bulletin reader: a document's text in, its facts out (shared/spec/facts.md).

>>> text = "发布日期:2023-08-10\\n上半年,钱塘区实现规上工业增加值352.4亿元,同比增长12%,位列全市第一。"
>>> [(f.subject, f.metric, f.metric_id, f.period, f.value, f.unit, f.growth_pct, f.rank.position)
...  for f in extract_facts(text, doc="a.txt")]
[('钱塘区', '规上工业增加值', 'industrial_value_added', '2023H1', 35240000000.0, 'CNY', 12.0, 1)]
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import cache
from typing import NamedTuple

from parkbrain.bulletins.assemble import assemble
from parkbrain.bulletins.boilerplate import LineVerdict, classify_lines
from parkbrain.bulletins.clauses import Sentence, split_sentences
from parkbrain.bulletins.drafts import Draft, read_drafts
from parkbrain.bulletins.facts import Fact, Rank
from parkbrain.bulletins.lexicon import alternation, load_lexicon
from parkbrain.bulletins.metrics import Catalogue, load_catalogue
from parkbrain.bulletins.normalise import normalise
from parkbrain.bulletins.periods import PeriodMention, document_year, find_periods, last_year
from parkbrain.bulletins.phrases import unquote
from parkbrain.bulletins.ranks import find_ranks, resolve_scope
from parkbrain.bulletins.subjects import (
    Subjects,
    clear_caches,
    document_subjects,
    find_bodies,
    leading_subject,
    load_aliases,
)

_MONEY_WORDS = re.compile(r"额|收入|产值|总值|增加值|投资|资金|营收|利润|税|出口|进口|消费|融资|贷款|规模|经费")


class ReadFact(NamedTuple):
    """A fact and the number of the clause it was read from (its provenance in the document)."""

    fact: Fact
    clause_index: int


@dataclass
class Document:
    """A normalised document: its lines and their verdicts, its year, its bodies."""

    doc: str
    lines: list[LineVerdict]
    sentences: list[Sentence]
    year: int | None
    subjects: Subjects
    names: list[str]


def read_document(text: str, *, doc: str, date: dt.date | None = None) -> Document:
    """Normalise a text, drop its boilerplate, find its year and the bodies it names."""
    clear_caches()
    normalised = normalise(text).split("\n")
    verdicts = classify_lines(normalised)
    content = [v.text for v in verdicts if v.kept]
    subjects = document_subjects(content)
    names = sorted({*subjects.names, *subjects.short, *load_aliases()}, key=len, reverse=True)
    return Document(doc, verdicts, split_sentences(content), document_year(normalised, date), subjects, names)


@cache
def _cue_pattern() -> re.Pattern:
    cues = load_lexicon().target_cues
    return re.compile(f"(?=[{''.join({c[0] for c in cues})}])(?:{alternation(cues)})")


def _target_cues(text: str) -> list[int]:
    """Where plan and goal cues start in a sentence (力争, 计划引进, 将; not 已将, 将近, “凤凰计划”)."""
    lex = load_lexicon()
    found = []
    for m in _cue_pattern().finditer(text):
        word, after = m.group(), text[m.end():m.end() + 1]
        if word == "将" and (text[max(0, m.start() - 1):m.start()] in lex.not_target_after_jiang
                            or after in lex.not_target_jiang_next or re.match(r"[\d一二三四五六七八九十两]", after)):
            continue
        if word == "计划" and (not after or after in "”》),、和与及。,;") :
            continue
        found.append(m.start())
    return found


# A sentence with none of these holds no figure and no rank: it is skipped at once.
_CN = "零〇一二两三四五六七八九十百千万亿壹贰叁肆伍陆柒捌玖拾佰仟半"
_MAY_HOLD_FIGURES = re.compile(
    rf"\d|[{_CN}]*[万亿]|[{_CN}]+[余多几]?[个家项件条座所处名人位次场台套辆批栋幢支款篇部张份例宗只种类枚颗间艘架株棵床户"
    r"元平米亩公顷吨瓦伏倍成折分]|番|第|榜首|首位")
_UNDATED_METRIC = re.compile(r"(?:面积|人口)$")  # facts.md: areas and population are undated attributes


def _period(mentions: list[PeriodMention], text: str, d: Draft, clause: tuple[int, int]) -> str | None:
    """The period of a figure: the last time expression before it in its sentence, else the year
    of one later in its own clause (…入选2022年首批…)."""
    before = [m for m in mentions if m.end <= d.start and not m.base]
    if before:
        return before[-1].period
    after = [m for m in mentions if d.end <= m.start < clause[1] and not m.base and m.period]
    return after[0].period[:4] if after else None


def _unit(d: Draft, metric: str) -> str | None:
    """A count's unit from what it counts (基站 → base_station); a bare 43万's from its metric."""
    nouns = load_lexicon().count_nouns
    if d.unit == "?" or d.counter is not None:
        hits = [(metric.rfind(n) + len(n), len(n), unit) for n, unit in nouns.items() if n in metric]
        if hits:
            return max(hits)[2]
        if d.unit == "?":
            return "CNY" if _MONEY_WORDS.search(metric) else None
    return d.unit


class _SentenceReader:
    """Reads one document's sentences in order, carrying the subject through each paragraph."""

    def __init__(self, document: Document, catalogue: Catalogue) -> None:
        self.document, self.catalogue = document, catalogue
        self.paragraph, self.carried = -1, None
        self.context = document.year  # the year the text was last about (全年, 上半年 before a year)
        self.bodies: list = []  # the bodies the current sentence names

    def facts(self, sentence: Sentence) -> list[ReadFact]:
        if sentence.paragraph != self.paragraph:
            self.paragraph, self.carried = sentence.paragraph, None
        text, names = sentence.text, self.document.names
        context, self.context = self.context, last_year(text, self.document.year, self.context)
        if not _MAY_HOLD_FIGURES.search(text):
            return []
        ranks = find_ranks(text)
        drafts = read_drafts(text, sentence.clauses, names)
        if not drafts and not ranks:
            return []
        bodies = find_bodies(text)  # memoised: read_drafts found them already
        drafts = assemble(drafts, ranks, text, sentence.clauses, names)
        periods, cues = find_periods(text, self.document.year, context), _target_cues(text)
        leading = self._leading(sentence, {d.clause for d in drafts})
        self.bodies = bodies
        return [ReadFact(f, sentence.first_clause + d.clause) for d in drafts
                if (f := self._fact(sentence, d, periods, cues, leading)) is not None]

    def _leading(self, sentence: Sentence, with_figures: set[int]) -> list[str | None]:
        """The subject in force at each clause: the last body a clause with figures (or the clause
        before one) started with; 长河历史文化街区精彩开街 does not carry over to the next figure."""
        subjects, found = self.document.subjects, []
        for i, span in enumerate(sentence.clauses):
            if i in with_figures or i + 1 in with_figures:
                named = leading_subject(sentence.clause_text(span), subjects)
                self.carried = named or self.carried
            found.append(self.carried)
        return found

    def _subject(self, sentence: Sentence, d: Draft, leading: list[str | None]) -> str | None:
        subjects = self.document.subjects
        start = sentence.clauses[d.clause][0]
        near = [b for b in subjects.mentions(sentence.text, start, d.start, self.bodies)
                if not b.scope and not b.name.startswith(("国家", "省级"))]
        if near:
            return subjects.resolve(load_aliases().get(near[-1].name, near[-1].name))
        return leading[d.clause] or subjects.main

    def _fact(self, sentence: Sentence, d: Draft, periods, cues, leading) -> Fact | None:
        unit = _unit(d, d.metric)
        if unit is None:
            return None
        period = _period(periods, sentence.text, d, sentence.clauses[d.clause])
        before = [m for m in periods if m.end <= d.start and not m.base]
        future = any(m.stock and m.year and self.document.year and m.year > self.document.year for m in before)
        target = future or any(c < d.start for c in cues)
        if _UNDATED_METRIC.search(d.metric) and not target and not re.fullmatch(r"\d{4}-\d\d-\d\d", period or ""):
            period = None  # an area or a population has no period, unless stated at a date (年末)
        elif target and period is None and not before and self.document.year and "规划" not in sentence.text:
            period = str(self.document.year)  # a plan with no time word is for the document's year
        rank = Rank(scope=resolve_scope(d.rank[0], self.document.subjects.names), position=d.rank[1]) \
            if d.rank else None
        return Fact(doc=self.document.doc, text=sentence.clause_text(sentence.clauses[d.clause]),
                    subject=self._subject(sentence, d, leading), metric=unquote(d.metric),
                    metric_id=self.catalogue.match(d.metric, unit, d.measure), period=period,
                    kind="target" if target else "actual",
                    measure=d.measure, value=d.value, unit=unit, value_text=d.value_text,
                    qualifier=d.qualifier, growth_pct=d.growth_pct, rank=rank)


def _dedupe(read: list[ReadFact]) -> list[ReadFact]:
    """The same figure restated for the same subject and period (a headline and its body) is one fact."""
    seen, out = set(), []
    for item in read:
        f = item.fact
        key = (f.metric, f.value, f.unit, f.period, f.subject, f.measure)
        if key not in seen:
            seen.add(key)
            out.append(item)
    return out


def facts_of(document: Document) -> list[ReadFact]:
    """The facts of a read document, each with the number of the clause it comes from."""
    reader = _SentenceReader(document, load_catalogue())
    return _dedupe([f for s in document.sentences for f in reader.facts(s)])


def extract_facts(text: str, *, doc: str, date: dt.date | None = None) -> list[Fact]:
    """Every quantitative statement of a bulletin as a fact (the contract's fields)."""
    return [item.fact for item in facts_of(read_document(text, doc=doc, date=date))]


def explain_lines(text: str, *, doc: str = "", date: dt.date | None = None) -> list[LineVerdict]:
    """Per normalised input line: kept or dropped as boilerplate, and why."""
    return read_document(text, doc=doc, date=date).lines
