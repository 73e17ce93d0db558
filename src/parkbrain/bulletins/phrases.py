"""Metric phrases: the measured thing as the text names it, without the value, period, subject or verb.

>>> clean_metric("2022年,钱塘实现规上工业增加值", ["钱塘区", "钱塘"])
'规上工业增加值'
>>> clean_metric("已集聚了中科院医学所等高能级平台", []), clean_metric("全社会R&D经费投入占地区生产总值比重的", [])
('高能级平台', '全社会R&D经费投入占地区生产总值比重')
>>> right_metric("企业参加2023年高新技术企业新认定工作"), right_metric("亿元以上的项目落户"), right_metric("落户此地")
('企业', '亿元以上项目', '')
"""

from __future__ import annotations

import re
from functools import cache

from parkbrain.bulletins.bodies import find_bodies, word_tags
from parkbrain.bulletins.lexicon import alternation, load_lexicon

_TIME = re.compile(r"(?:(?:19|20)\d{2}年(?:度|底|末|初)?|今年|去年|上年|明年|本年|当年|全年|年内|上半年|下半年|前三季度|"
                   r"第?[一二三四1-4]季度|首季度?|\d{1,2}\s*[-—–~至到]\s*\d{1,2}月份?|\d{1,2}月份?|截至目前|截至|"
                   r"目前|以来|同期|年底|年末|今年以来|近年来|如今|当前|到|至|"
                   r"(?:\d+|[一二三四五六七八九十]+)多?年来|多年来|连续[一二三四五六七八九十\d]+年(?:保持)?|"
                   r"[两二三四五六七八九十\d]+年平均)")
_PUNCT = "\u3000 ,，;；:：、。!?！？“”‘’\"'()（）《》【】—-·…"
_PAIRS = (("“", "”"), ("(", ")"), ("《", "》"), ("‘", "’"))
_EDGE = "".join(c for c in _PUNCT if c not in "“”‘’()《》")  # stripped freely; pairs by _trim_unpaired
_ANAPHORA = re.compile(r"该区|全区|我区|本区|该园区|园区|区内|全园|该市|本市|我市|全市|全省|该县|全县|全域|此地|该片区"
                       r"|科学城|科技城|高新区|开发区|经开区|新区|自贸区|[一二三四五六七八九十]是|其[一二三四五]|首先|其次|再次|最后")


@cache
def _lead() -> re.Pattern:
    words = load_lexicon().metric_lead_words
    return re.compile(rf"^(?:[{re.escape(_EDGE)}]+|{_TIME.pattern}|{_ANAPHORA.pattern}|{alternation(words)})")


@cache
def _trail() -> re.Pattern:
    lex = load_lexicon()
    words = (*lex.metric_trail_words, *lex.growth_verbs, *lex.qualifiers_before, "从", "由")
    return re.compile(rf"(?:[{re.escape(_EDGE)}]+|{_TIME.pattern}|{alternation(words)})$")


@cache
def _right_stop() -> re.Pattern:
    stops = "".join(c for c in _PUNCT if c not in "“”‘’")
    return re.compile(rf"[{re.escape(stops)}\d]|{alternation(load_lexicon().right_stop_verbs)}")


def _after_last(text: str, marker: str, minimum: int = 2) -> str:
    """The text after the last marker (了, 等), when enough is left after it."""
    i = text.rfind(marker)
    return text[i + len(marker):] if i >= 0 and len(text) - i - len(marker) >= minimum else text


def _after_names(text: str, names: list[str], cut: int | None = None) -> str:
    """The text after the last body name in it (钱塘实现… → 实现…); `cut`: where the last body found
    by find_bodies ends, when the caller knows."""
    if cut is None:
        cut = max([b.end for b in find_bodies(text)
                   if not b.scope and not b.name.startswith(("国家", "省级", "全国"))] + [0])
    cut = min(cut, len(text))
    for name in names:
        if name.startswith(("国家", "省级", "全国")):
            continue
        i = text.rfind(name)
        if i >= 0 and text[max(0, i - 1):i] not in ("占", "比", "较"):
            cut = max(cut, i + len(name))
    return text[cut:]


# Words a leading or trailing function word begins or ends that jieba may not know (在孵企业).
_PROTECTED = frozenset({"在孵", "在建", "在线", "在校", "在职", "在岗", "在库", "在册", "在营", "在园", "有效",
                        "现代", "对外", "使用", "共享", "共建", "及时", "更新", "拥有", "统计", "为民"})


@cache
def _words() -> dict[str, str]:
    return word_tags()


def _inside_word(text: str, cut: int, *, leading: bool) -> bool:
    """Whether cutting at `cut` would split a word (有效, 在孵, 拥有)."""
    words = _words()
    for extra in (1, 2):
        piece = text[:cut + extra] if leading else text[cut - extra:]
        tag = words.get(piece, "")
        common = tag[:1] in ("n", "v", "a") and not tag.startswith(("nr", "ns", "nt", "nz"))
        if len(piece) > (cut if leading else len(text) - cut) and (piece in _PROTECTED or common):
            return cut + extra <= len(text) if leading else cut - extra >= 0
    return False


def strip_edges(text: str) -> str:
    """Leading adverbs, time words and verbs, and trailing verbs and qualifiers, removed."""
    lead, trail = _lead(), _trail()
    previous = None
    while text != previous:
        previous = text
        m = lead.match(text)
        if m and m.end() < len(text) and not _inside_word(text, m.end(), leading=True):
            text = text[m.end():]
        m = trail.search(text)
        if m and m.start() > 0 and not _inside_word(text, m.start(), leading=False) \
                and not _closes_pair(text, m.start()):
            text = text[:m.start()]
    text = _trim_unpaired(text)
    return "" if lead.fullmatch(text) or trail.fullmatch(text) else text


def _closes_pair(text: str, cut: int) -> bool:
    """Whether the text after `cut` begins with a mark that closes a pair opened before (…“小巨人”)."""
    return any(text[cut] == right and text.count(left, 0, cut) > text.count(right, 0, cut)
               for left, right in _PAIRS)


def _trim_unpaired(text: str) -> str:
    """Punctuation at the edges removed, except quotes and brackets that pair with one inside."""
    previous = None
    while text != previous:
        previous = text
        if text and text[0] in _PUNCT and not any(text[0] == a and b in text for a, b in _PAIRS):
            text = text[1:]
        if text and text[-1] in _PUNCT and not any(text[-1] == b and a in text for a, b in _PAIRS):
            text = text[:-1]
    return text


# A comparison base at the end of a metric's words: 较上年末, 比上年同期, 较“十三五”末, 较一季度.
_BASE = re.compile(r"(?:较|比|相比|同比|与)(?:上年|去年|上一年|前一年|同期|年初|年末|上半年|[一二三四]季度|上季度|上月|"
                   r"“?十[二三四五]五”?)(?:末|底|同期)?(?:相比)?(?:净增|增加|增长|提高|提升|减少|下降|实现)?$")


def clean_metric(text: str, names: list[str], cut: int | None = None) -> str:
    """The metric in the words before a value (see the module's examples)."""
    text = _BASE.sub("", _after_names(text, names, cut))
    text = _BASE.sub("", strip_edges(text))
    text = _after_last(_after_last(text, "了"), "等")
    if text.count("(") > text.count(")"):
        text = text[text.rindex("(") + 1:]
    return strip_edges(text)


def right_metric(text: str) -> str:
    """The noun phrase after a count that comes first (256家企业参加… → 企业); '' when a verb follows
    or the phrase is only a quoted label (三个“一号工程”)."""
    m = _right_stop().search(text)
    while m and len(text[:m.start()].strip("“”‘’")) == 1 and m.group() not in _PUNCT and not m.group().isdigit():
        m = _right_stop().search(text, m.end())  # 未开工项目: 开工 is part of the name
    phrase = text[:m.start()] if m else text[:16]
    if m and m.group() == "的" and phrase.endswith(("以上", "以下", "级")):
        phrase += right_metric(text[m.end():])  # 亿元以上的项目 → 亿元以上项目
    if re.fullmatch(r"“[^”]*”", phrase.strip()):
        return ""
    return _through_last_noun(strip_edges(phrase))


def _through_last_noun(phrase: str) -> str:
    """A phrase up to the last noun that names what is counted: 重点企业畅通物流通关 → 重点企业."""
    ends = [phrase.rfind(n) + len(n) for n in load_lexicon().count_nouns if n in phrase]
    return phrase[:max(ends)] if ends else phrase


def unquote(metric: str) -> str:
    """A metric without typographic quotes (专精特新“小巨人”企业 → 专精特新小巨人企业), as the gold writes them."""
    return re.sub(r"[“”‘’\"]", "", metric)
