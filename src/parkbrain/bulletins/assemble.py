"""Turning a sentence's drafts into facts (facts.md "What is one fact"): growths merged into their
levels, ranks attached or made facts, metrics inherited and split (分别), restated thresholds
dropped.
"""

from __future__ import annotations

import re

from parkbrain.bulletins.drafts import Draft
from parkbrain.bulletins.lexicon import load_lexicon
from parkbrain.bulletins.phrases import clean_metric
from parkbrain.bulletins.ranks import RankMention

_LIST_SPLIT = re.compile(r"、|和|及|与|以及")
_FROM_RANK = re.compile(r"(?:由|从)第[一二三四五六七八九十两\d]+(?:位|名)?$")
_IN_RANKING = re.compile(r"在([^,，;；。在]{2,40})中[,，]?$")
_PLUS_LABEL = re.compile(r"[“\"]\s*(\d+(?:\s*\+\s*\d+)+)(?:\s*\+\s*[A-Za-z]+)?\s*[”\"]")
_ROUND = re.compile(r"^[^\d.]*(?:[一二两三四五六七八九十百千万亿]+|\d+(?:000)*)[^\d.]*$")


def _inherit(drafts: list[Draft]) -> None:
    """A figure with no metric of its own (达42个, 148.9万平方米, 两年平均增长6.5%) takes the one before it."""
    for previous, d in zip(drafts, drafts[1:], strict=False):
        if not d.metric and previous.metric:
            d.metric = previous.metric
        if d.metric.startswith(("占", "相当于")) and previous.metric and not previous.metric.startswith(("占", "相当于")):
            d.metric = previous.metric + d.metric  # 占地区生产总值比重 of 数字经济核心产业增加值


def _distribute(drafts: list[Draft], text: str) -> None:
    """投资420亿元,其中工业投资150亿元,分别增长6.3%和12.7%: the growths go to the levels in order."""
    growths = [d for d in drafts if d.measure == "growth" and not d.own_metric and "分别" in text[:d.start]
               and text.rfind("分别", 0, d.start) >= text.rfind("。", 0, d.start)]
    if len(growths) < 2:
        return
    levels = [d for d in drafts if d.end <= growths[0].start and _takes_growth(d)][-len(growths):]
    if len(levels) == len(growths):
        for level, growth in zip(levels, growths, strict=True):
            level.growth_pct, growth.drop = growth.value, True


def _merge_growths(drafts: list[Draft], text: str = "") -> list[Draft]:
    """增长5.9% right after 3.8万人 is that level's growth; 翻番,达42个 is 42's."""
    _distribute(drafts, text)
    for i, d in enumerate(drafts):
        if d.measure != "growth" or d.drop:
            continue
        before = drafts[i - 1] if i else None
        after = drafts[i + 1] if i + 1 < len(drafts) else None
        if not d.own_metric and before and _takes_growth(before):
            before.growth_pct, d.drop = d.value, True
        elif after and not after.own_metric and _takes_growth(after) and after.clause - d.clause <= 1:
            after.growth_pct, after.metric, d.drop = d.value, d.metric or after.metric, True
    return [d for d in drafts if not d.drop]


def _takes_growth(d: Draft) -> bool:
    return d.measure == "level" and d.growth_pct is None and d.kind != "rank" and not d.drop


def _attach_ranks(drafts: list[Draft], ranks: list[RankMention], text: str, clauses, names) -> list[Draft]:
    """A rank beside a figure goes into its fact; a rank alone is a fact of its own (unit rank)."""
    back = load_lexicon().back_references
    out = list(drafts)
    for r in ranks:
        if any(d.start <= r.start < d.end for d in drafts):
            continue
        clause = next((i for i, (a, b) in enumerate(clauses) if a <= r.start < b), len(clauses) - 1)
        earlier = [d for d in out if d.start < r.start]
        in_clause = [d for d in earlier if d.clause == clause]
        start = max([clauses[clause][0]] + [d.end for d in in_clause])
        words = _FROM_RANK.sub("", text[start:r.start])
        metric = clean_metric(words, names)
        if metric and text.startswith(("排名", "排位"), r.start):
            metric += text[r.start:r.start + 2]  # 综合排名第七: the metric is 综合排名
        if metric in ("", "排名", "综合排名", "排位") and not in_clause and (m := _IN_RANKING.search(text, 0, start)):
            metric = clean_metric(m.group(1), names) or metric  # 在…考核评价中,…排名升至第五
        if in_clause or (earlier and (not metric or metric in back or _refers_back(words))):
            for d in _rank_targets(earlier, words):
                d.rank = (r.scope, r.position)
            continue
        for item in _listed(words, names) or [metric]:
            out.append(Draft(r.start, r.end, clause, item, "level", float(r.position), "rank",
                             text[r.start:r.end], "eq", "rank", rank=(r.scope, r.position)))
    return sorted(out, key=lambda d: d.start)


def _listed(words: str, names: list[str]) -> list[str]:
    """数字经济综合评价、创新指数…等综合指数位列第一: one rank per item listed before 等."""
    if "等" not in words:
        return []
    items = [clean_metric(w, names) for w in words[:words.rindex("等")].split("、")]
    return [w for w in items if w] if len(items) > 1 else []


def _label_parts(drafts: list[Draft], text: str) -> list[Draft]:
    """“1+5+20”体系…实施20项具体举措: the count restates a part of the label, no figure."""
    labels = list(_PLUS_LABEL.finditer(text))
    return [d for d in drafts if not any(
        d.counter and d.start > m.end() and d.value in {float(n) for n in re.findall(r"\d+", m.group(1))}
        for m in labels)]


def _refers_back(words: str) -> bool:
    stripped = re.sub(r"[,，;；\s]", "", words)
    return bool(re.match(r"^(?:总量|增速|增幅|占比|规模|两项|以上|各项|均|都|其)", stripped))


def _rank_targets(earlier: list[Draft], words: str) -> list[Draft]:
    """The figures a rank is about: the last one, or all since the last ranked one (总量及占比均…)."""
    unranked = [d for d in earlier if d.rank is None and d.kind != "rank"]
    if not unranked:
        return []
    if any(w in words for w in ("均", "及", "和", "都")):
        last_ranked = max((i for i, d in enumerate(earlier) if d.rank), default=-1)
        return [d for d in earlier[last_ranked + 1:] if d.rank is None and d.kind != "rank"]
    return [unranked[-1]] if unranked[-1] is earlier[-1] else []


def _split_respectively(drafts: list[Draft], text: str) -> list[Draft]:
    """工业、高新产业投资分别增长10%以上: one fact per metric named; with as many figures as metrics
    (分别增长2.6倍、1.4倍和12.5%), the figures go to the metrics in order."""
    out, i = [], 0
    while i < len(drafts):
        d = drafts[i]
        parts = [p for p in _LIST_SPLIT.split(d.metric) if p] if "分别" in text[max(0, d.start - 12):d.start] else []
        followers = []
        while parts and i + 1 + len(followers) < len(drafts):
            nxt = drafts[i + 1 + len(followers)]
            if nxt.own_metric or nxt.clause != d.clause:
                break
            followers.append(nxt)
        if len(parts) > 1 and len(followers) + 1 == len(parts):
            for figure, part in zip([d, *followers], parts, strict=True):
                figure.metric = part
            out += [d, *followers]
        elif len(parts) > 1:
            out += [Draft(**{**d.__dict__, "metric": part, "notes": list(d.notes)}) for part in parts]
            out += followers
        else:
            out.append(d)
        i += 1 + len(followers)
    return out


def _restates(threshold: Draft, exact: Draft) -> bool:
    """Whether a round threshold (首次突破千亿) restates an exact figure next to it (1032.5亿元)."""
    return (threshold.qualifier in ("gt", "gte") and exact.qualifier == "eq" and exact.kind == "amount"
            and _ROUND.match(threshold.value_text) is not None and threshold.unit in (exact.unit, "?")
            and threshold.value <= exact.value < 2 * threshold.value
            and abs(threshold.clause - exact.clause) <= 1
            and (not threshold.own_metric or threshold.metric == exact.metric))


def _drop_restated_thresholds(drafts: list[Draft]) -> list[Draft]:
    """1032.5亿元,首次突破千亿: the threshold restates the figure, no extra fact."""
    return [d for d in drafts if not any(_restates(d, e) for e in drafts if e is not d)]


def assemble(drafts: list[Draft], ranks: list[RankMention], text: str, clauses, names: list[str]) -> list[Draft]:
    """The facts of one sentence, as finished drafts, left to right."""
    drafts = _label_parts([d for d in drafts if not d.drop], text)
    drafts = _merge_growths(drafts, text)
    drafts = _attach_ranks(drafts, ranks, text, clauses, names)
    drafts = _split_respectively(drafts, text)
    _inherit(drafts)
    drafts = _drop_restated_thresholds(drafts)
    return [d for d in drafts if d.metric]
