"""Names of bodies in a text: parks, districts, cities (钱塘区, 紫金港科技城, 杭州高新区(滨江)).

A name is a proper name and a suffix (区, 高新区, 科技城 …). jieba's dictionary finds where the
proper name starts: the verbs and function words before it are dropped (举西湖区 → 西湖区), and
words that are no names are refused (创新大区, 产业强区).

>>> [m.name for m in find_bodies("上半年,钱塘区依托省、市两级政策;办公室与紫金港科技城合署办公")]
['钱塘区', '紫金港科技城']
>>> [m.name for m in find_bodies("实现了从“新区”向创新大区、产业强区的跨越,位列全市第一")]
[]
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources

import yaml

from parkbrain.bulletins.lexicon import alternation

PARK_SUFFIXES = ("高新技术产业开发区", "经济技术开发区", "高新技术开发区", "新技术开发区", "高新区", "经开区",
                 "开发区", "综合保税区", "保税区", "自由贸易试验区", "自贸试验区", "自贸区", "试验区", "示范区",
                 "新区", "科技城", "科学城", "大走廊", "产业园区", "产业园", "科技园区", "科技园", "工业园区",
                 "工业园", "软件园", "园区", "医药港", "科技港", "数字港", "片区", "小镇", "区域", "区块", "板块")
ADMIN_SUFFIXES = ("特别行政区", "自治区", "自治州", "自治县", "省", "市", "区", "县", "镇", "乡", "街道")
_SUFFIX = re.compile(rf"(?=[{''.join({s[0] for s in PARK_SUFFIXES + ADMIN_SUFFIXES})}])"  # a cheap first test
                     rf"(?:{alternation(PARK_SUFFIXES + ADMIN_SUFFIXES)})(?:\([\u4e00-\u9fff]{{1,6}}\))?")
# Characters that end a name on its left: function words, prepositions, pronouns.
# Characters that never belong to a name: a name's left edge is found among the words before
# them by jieba (verbs and function words dropped, the first proper-name word kept).
_STOP = set("的是了着过")
_GENERIC_STEM_END = set("大强小新老核中先各全该本我其此内外城地街社校景")
_GENERIC_STEMS = frozenset({"城市", "社区", "园区", "城区", "市区", "郊区", "地区", "辖区", "校区", "景区", "新城",
                            "老城", "功能", "核心", "产业", "企业", "平台", "科技", "国家", "省级", "市级",
                            "全国", "全省", "全市", "片区", "街区", "小区", "专区", "商务", "先行", "示范"})
# A suffix character that begins another word is no suffix: 市场, 区域, 省级, 县域.
_NOT_SUFFIX_BEFORE = {"市": "场民值面级委辖", "区": "域块位间别分划委县长", "省": "级份委内外", "县": "域级委",
                      "镇": "级", "港": "口"}
# Characters that make a word with a one-character suffix (城区, 社区, 上市, 超市): no name ends so.
_NOT_NAME_END = {"区": "全该本我各其此每城社校景园小片街郊辖山营", "市": "全该本我各其此每上城都超股门闹夜集楼开入退",
                 "省": "全该本我各其此每节反", "县": "全该本我各其此每郡", "镇": "全该本我各其此每城乡重",
                 "港": "全该本我各其此每香海空出入"}
_CITY_PARKS = ("高新区", "经开区", "开发区", "新区", "高新技术产业开发区", "经济技术开发区")  # 合肥高新区
_PROPER_TAGS = ("ns", "nr", "nt", "j")
_NOT_NAME_TAGS = ("v", "p", "c", "d", "u", "r", "m", "q")
_SCOPE_BEFORE = re.compile(r"(?:占|居|位列|位居|列|较|比|高于|低于|贡献了?|领跑|覆盖|全|超过|相当于|为|助力|服务)$")
_NOT_STEM_TAGS = ("v", "p", "c", "d", "u", "r", "a", "m", "q", "f", "t")


@dataclass(frozen=True, slots=True)
class BodyMention:
    """A body named in a text: its span, its name as written, and whether it is a ranking scope."""

    start: int
    end: int
    name: str
    scope: bool = False


def word_tags() -> dict[str, str]:
    """jieba's dictionary: word → part-of-speech tag (loaded once)."""
    return _tags()


@cache
def _tags() -> dict[str, str]:
    import logging

    import jieba
    import jieba.posseg

    jieba.setLogLevel(logging.WARNING)
    return jieba.posseg.dt.word_tag_tab


def _words(text: str) -> tuple[str, ...]:
    """The words of a short text by reverse maximum matching on jieba's dictionary (names end at
    the right; much cheaper than jieba's own cut, and as good for a dozen characters)."""
    tags, words, end = _tags(), [], len(text)
    while end > 0:
        for size in range(min(5, end), 0, -1):
            if size == 1 or text[end - size:end] in tags:
                words.append(text[end - size:end])
                end -= size
                break
    return tuple(reversed(words))


@cache
def load_aliases() -> dict[str, str]:
    """Nickname → the body's own name, from aliases.yaml."""
    raw = yaml.safe_load((resources.files("parkbrain.bulletins") / "aliases.yaml").read_text("utf-8"))
    return {alias: name for name, aliases in raw["aliases"].items() for alias in aliases}


def _strip_leading(words: list[str]) -> list[str]:
    """Drop the verbs and function words before a name: 加快 推进 城西 → 城西."""
    tags = _tags()
    while len(words) > 1 and not (len("".join(words)) <= 3 and "".join(words) not in tags):
        tag = tags.get(words[0], "")
        if not tag.startswith(_NOT_STEM_TAGS) or tag.startswith(_PROPER_TAGS):
            break
        words = words[1:]
    return words


def _from_first_name(words: list[str]) -> list[str]:
    """The words from the first proper-name word: 力 加快 推进 城西 科创 → 城西 科创."""
    tags = _tags()
    for i, word in enumerate(words):
        tag = tags.get(word)
        if len(word) >= 2 and (tag is None or tag.startswith(_PROPER_TAGS)):
            return words[i:]
    return words


def _valid_stem(stem: str, words: list[str], suffix: str) -> bool:
    """Whether the words before a suffix are a proper name (钱塘, 紫金港), not 创新大 or 企业建设."""
    if stem in ("国家", "国家级"):
        return suffix in ("高新区", "经开区")
    if len(stem) < 2 or (stem[-1] in _GENERIC_STEM_END and len(suffix) == 1) or stem in _GENERIC_STEMS \
            or any(c in "一二两三四五六七八九十百千万亿零0123456789" for c in stem):
        return False
    tags = _tags()
    whole = tags.get(stem)
    if whole is not None and whole.startswith(_PROPER_TAGS):
        return True
    if whole is None and len(stem) == 2:
        return True  # 临平, 拱墅, 云谷: names jieba does not know
    first = tags.get(words[0])
    named = len(words[0]) >= 2 and (first is None or first.startswith(_PROPER_TAGS))
    # After a place name a one-character verb may be part of the name (钱塘环大学城); a word is not.
    if any(tags.get(w, "").startswith(_NOT_NAME_TAGS) and (len(w) >= 2 or not named) for w in words):
        return False
    if first is None or len(words[0]) < 2:
        return first is None and len(words[0]) >= 2
    return first.startswith(_PROPER_TAGS) or (len(stem) == 2 and first == "n" and suffix in _CITY_PARKS)


def _splits_a_word(text: str, start: int) -> bool:
    """The name would start inside a word (项目东区, 嵌入式学区): no name there."""
    tags = _tags()
    return any(start >= k and text[start - k:start + 1] in tags for k in (1, 2))


def _suffix_of(text: str, m: re.Match) -> str | None:
    """The suffix at m as it may end a name: 西湖科技园区块 ends 西湖科技园, not …园区."""
    suffix = m.group()
    while suffix:
        end = m.start() + len(suffix)
        blocked = end < len(text) and text[end] in _NOT_SUFFIX_BEFORE.get(suffix.split("(")[0][-1], "")
        if not blocked:
            return suffix
        shorter = suffix[:-1]
        suffix = shorter if shorter in PARK_SUFFIXES or shorter in ADMIN_SUFFIXES else ""
    return None


def _known_place(text: str, at: int, suffix: str) -> bool:
    """Whether the characters before a one-character suffix and it form a place name in jieba's
    dictionary (萧山区 ends like 山区 "mountain area", yet is a district)."""
    tags = _tags()
    return bool(suffix) and any(tags.get(text[at - k:at] + suffix, "").startswith("ns") for k in (2, 3, 4) if at >= k)


def _name_at(text: str, m: re.Match) -> tuple[int, str] | None:
    """The full name ending with the suffix at m, or None when the suffix ends no name."""
    before = text[m.start() - 1] if m.start() else ""
    single = m.group()[0] if len(m.group().split("(")[0]) == 1 else ""
    if not "\u4e00" <= before <= "\u9fff" or (before in _NOT_NAME_END.get(single, "全该本我各其此每")
                                               and not _known_place(text, m.start(), single)):
        return None  # 全区, 城区, 上市, 城市: no name ends there (but 萧山区, 黄山市 are places)
    written = _suffix_of(text, m)
    if written is None:
        return None
    start = m.start()
    while start > 0 and m.start() - start < 16 and "\u4e00" <= text[start - 1] <= "\u9fff" \
            and text[start - 1] not in _STOP:
        start -= 1
    if start and text[start - 1].isdigit():
        while start < m.start() and text[start] in "年月日度":
            start += 1  # 2024年临平区: the name starts after the date
    stem = _stem_of(text[start:m.start()], text[max(0, start - 2):start], written.split("(")[0])
    return None if stem is None else (m.start() - len(stem), stem + written)


@lru_cache(maxsize=8192)
def _stem_of(window: str, before: str, suffix: str) -> str | None:
    """The proper name among the words before a suffix (memoised: names repeat in a text)."""
    for cut in ("省", "市"):  # 浙江省杭州高新区: the park, not the province
        if cut in window[:-1]:
            window = window[window.rindex(cut) + 1:]
    words = _from_first_name(_strip_leading(list(_words(window))))
    stem = "".join(words)
    if not words or not _valid_stem(stem, words, suffix):
        return None
    if stem == window and _splits_a_word(before + window, len(before)):
        return None
    return stem


def clear_caches() -> None:
    """Forget memoised names and words (the reader does so per document, to keep memory bounded)."""
    _stem_of.cache_clear()
    find_bodies.cache_clear()


def _in_title(text: str, i: int) -> bool:
    return text.rfind("《", 0, i) > text.rfind("》", 0, i)


@lru_cache(maxsize=512)
def find_bodies(text: str) -> tuple[BodyMention, ...]:
    """The bodies named in a text (nicknames from aliases.yaml included), left to right (memoised)."""
    found: list[BodyMention] = []
    for m in _SUFFIX.finditer(text):
        named = _name_at(text, m)
        if named is None or _in_title(text, m.start()):
            continue
        start, name = named
        if found and start < found[-1].end:
            if start > found[-1].start:
                continue
            found.pop()  # 城西科创大走廊西湖片区 over 城西科创大走廊
        end = start + len(name)
        scope = bool(_SCOPE_BEFORE.search(text[max(0, start - 3):start])) or text.startswith("第", end)
        found.append(BodyMention(start, end, name, scope))
    for m in _alias_pattern().finditer(text):
        if not any(b.start <= m.start() < b.end for b in found):
            found.append(BodyMention(m.start(), m.end(), m.group()))
    return tuple(sorted(found, key=lambda b: b.start))


@cache
def _alias_pattern() -> re.Pattern:
    return re.compile(alternation(load_aliases()))
