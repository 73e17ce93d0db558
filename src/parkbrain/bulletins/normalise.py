"""Text normalisation: full-width → half-width, pinyin glosses out, traditional → simplified,
doubled punctuation repaired, invisible characters and stray spaces removed.

>>> normalise("杭州高新區(qū)(濱江)規上工業增加值增長１７％！！")
'杭州高新区(滨江)规上工业增加值增长17%!'
>>> normalise("「數字經濟」核心產業，，增加值")
'“数字经济”核心产业,增加值'
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache

import opencc

# Full-width ASCII (U+FF01–U+FF5E) to ASCII, the ideographic space and no-break spaces to a
# space, corner brackets (traditional script's quotes) to the quotes simplified script uses.
_WIDTH = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)} | {0x3000: 0x20, 0xA0: 0x20, 0x202F: 0x20}
_QUOTES = str.maketrans({"「": "“", "」": "”", "『": "‘", "』": "’"})
_TABLE = {**_WIDTH, **_QUOTES}
_INVISIBLE = re.compile("[\u200b-\u200f\u2060\ufeff\u00ad]")
_TONED = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜüńňǹḿ"
# A pinyin gloss after a character: 區(qū), 當(dāng). Toned, or a plain syllable of 2+ letters.
_GLOSS = re.compile(rf"(?<=[\u3400-\u9fff])\(([a-z{_TONED}]{{1,6}})\)")
_SYLLABLE = re.compile(
    r"(?:[bpmfdtnlgkhjqxrzcsyw]|zh|ch|sh)?"
    r"(?:a|o|e|i|u|v|ai|ei|ao|ou|an|en|ang|eng|ong|er|ia|ie|iao|iu|ian|in|iang|ing|iong|ua|uo|uai|ui"
    r"|uan|un|uang|ueng|ue|van|vn)")
# Doubled punctuation (，， 。。 !!) becomes one mark; …… and —— are single marks in Chinese.
_DOUBLED = re.compile(r"([,，。、;；:：!！?？])\1+")
_COMMA_STOP = re.compile(r"[,，、]+(?=[。!?！？])")
_SPACES = re.compile(r"[ \t]{2,}")


def to_halfwidth(text: str) -> str:
    """Full-width letters, digits and punctuation as their ASCII twins.

    >>> to_halfwidth("４，５６５．２％（Ａ）")
    '4,565.2%(A)'
    """
    return text.translate(_WIDTH)


@cache
def _converter() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def _strip_tone(syllable: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", syllable) if unicodedata.category(c) != "Mn")


def _gloss(match: re.Match) -> str:
    syllable = match.group(1)
    if any(c in _TONED for c in syllable):
        return ""
    plain = _strip_tone(syllable)
    return "" if len(plain) >= 2 and _SYLLABLE.fullmatch(plain) else match.group(0)


def remove_glosses(text: str) -> str:
    """Pinyin glosses after characters removed: 區(qū)域 → 區域.

    >>> remove_glosses("高新區(qū)(濱江)的(de)R&D(RD)")
    '高新區(濱江)的R&D(RD)'
    """
    return _GLOSS.sub(_gloss, text)


def to_simplified(text: str) -> str:
    """Traditional script as simplified (OpenCC t2s)."""
    return _converter().convert(text)


def repair_punctuation(text: str) -> str:
    """Doubled punctuation as one mark, a comma before a full stop dropped.

    >>> repair_punctuation("增长5%，，其中。。好!!")
    '增长5%，其中。好!'
    """
    return _COMMA_STOP.sub("", _DOUBLED.sub(r"\1", text))


def normalise(text: str) -> str:
    """A bulletin's text in simplified script, half-width, glosses removed, punctuation repaired."""
    text = _INVISIBLE.sub("", text.translate(_TABLE))
    text = to_simplified(remove_glosses(text))
    text = repair_punctuation(text.replace("\r\n", "\n").replace("\r", "\n"))
    return "\n".join(_SPACES.sub(" ", line).strip() for line in text.split("\n"))
