"""Numbers in running Chinese text: where they are and what they are worth.

`find_numbers` finds every number: signs, fractions (``三分之一``), mixed numbers
(``3又一千分之23``), powers (``2^5``), ``40k``, dozens (``一打``). Percents built on these
numbers are in `parkbrain.bulletins.percents`.

>>> [(n.text, float(n.value)) for n in find_numbers("新引进人才3.8万人，增长百分之五点九")]
[('3.8万', 38000.0), ('五点九', 5.9)]
>>> [n.text for n in find_numbers("一切从实际出发，四川的陆地")]
[]
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from parkbrain.bulletins.numerals import BIG_UNITS, DIGITS, SMALL_UNITS, Reading, read_number

NUMERAL_CHARS = "".join(DIGITS) + "".join(SMALL_UNITS) + "".join(BIG_UNITS)
_START = re.compile(rf"[\d.\-负負{NUMERAL_CHARS}半]")
_URL = re.compile(r"(?:https?://|www\.)[!-~]+")
_BARE_PER = re.compile(r"(?:[百佰千仟万萬][ \t]*)+分[ \t]*之")  # 百分之, 千分之, 百万分之 …
_FRACTION = re.compile(r"[ \t]*分[ \t]*之[ \t]*")
_AND = re.compile(r"[ \t]*又[ \t]*")
_SLASH = re.compile(r"/(\d+)(?![\d/])")
_MIXED = re.compile(r" +(\d+)/(\d+)(?![\d/])")
_POWER = re.compile(r"\^([-+]*)(\d+(?:\.\d+)?)")
_SUFFIX = re.compile(r"[ \t]*([kKM])(?![A-Za-z])")
_DOZEN = re.compile(r"[打](?![造响通开好出破赢击卡算工印包折扫车的拼牢下入上进掉听动分磨球造])")
# Formal (大写) numerals that are also common words (陆地, 队伍, 放肆, 收拾): alone, no number.
FORMAL_ONLY = frozenset("陆陸肆伍拾")
# Words that begin with a lone numeral but are no number (一切, 四川, 十足).
NUMERAL_WORDS = frozenset({"一切", "一看", "一些", "一样", "一起", "一般", "一直", "一定", "一致",
                           "一旦", "一律", "一向", "一贯", "一举", "一度", "四川", "十足", "十分",
                           "万一", "一同"})
_MAY_CONTINUE = frozenset(NUMERAL_CHARS + "点點分又打余餘多几幾 \t.0123456789%kKM")
_SIGN_BLOCKERS = frozenset("0123456789-.abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")


@dataclass(frozen=True, slots=True)
class Number:
    """A number in a text: its span, its exact value, and whether it said 余/多/几."""

    start: int
    end: int
    text: str
    value: Decimal
    approx: bool = False


@dataclass(frozen=True, slots=True)
class Percent:
    """A percent in a text, its value in percent (五成 is 50), and the form it was written in."""

    start: int
    end: int
    text: str
    value: Decimal
    form: str  # "%", "百分之" (千分之 …), "points" (个百分点), "成", "折"


def _signed(text: str, i: int) -> tuple[int, Reading] | None:
    """A number at text[i] with its sign (-5, 负5); (sign, reading) or None."""
    sign, j = 1, i
    if text[i] in "负負":
        sign, j = -1, i + 1
    elif text[i] == "-":
        if i > 0 and text[i - 1] in _SIGN_BLOCKERS:
            return None
        sign, j = -1, i + 1
    if j >= len(text):
        return None
    reading = read_number(text, j)
    return None if reading is None or reading.rejected else (sign, reading)


def _fraction_after(text: str, whole: Decimal, end: int) -> tuple[Decimal, int] | None:
    """``…分之B`` after a denominator: B / denominator."""
    m = _FRACTION.match(text, end)
    if not m or m.end() >= len(text) or whole == 0:
        return None
    numerator = _signed(text, m.end())
    if numerator is None:
        return None
    sign, reading = numerator
    return sign * reading.value / whole, reading.end


def _tail(text: str, value: Decimal, reading: Reading) -> tuple[Decimal, int]:
    """What may follow a whole number: a fraction, ``又`` and a fraction, /, ^, k, 打."""
    end = reading.end
    if (fraction := _fraction_after(text, value, end)) is not None:
        return fraction
    if (m := _AND.match(text, end)) and (r := read_number(text, m.end())) and not r.rejected:
        if (fraction := _fraction_after(text, r.value, r.end)) is not None:
            return value + fraction[0], fraction[1]
    if reading.arabic:
        return _arabic_tail(text, value, end)
    if m := _DOZEN.match(text, end):
        return value * 12, m.end()
    return value, end


def _arabic_tail(text: str, value: Decimal, end: int) -> tuple[Decimal, int]:
    if (m := _SLASH.match(text, end)) and int(m.group(1)):
        return value / Decimal(m.group(1)), m.end()
    if (m := _MIXED.match(text, end)) and int(m.group(2)):
        return value + Decimal(m.group(1)) / Decimal(m.group(2)), m.end()
    if m := _POWER.match(text, end):
        sign = -1 if m.group(1).count("-") % 2 else 1
        return value ** (sign * Decimal(m.group(2))), m.end()
    if m := _SUFFIX.match(text, end):
        return value * (1000 if m.group(1) in "kK" else 1_000_000), m.end()
    if m := _DOZEN.match(text, end):
        return value * 12, m.end()
    return value, end


def _is_word(text: str, start: int, end: int) -> bool:
    """A lone numeral that is part of a word (一切, 四川, 陆地, 队伍)."""
    if end - start != 1:
        return False
    if text[start] in FORMAL_ONLY:
        return not (start and text[start - 1] == "之")  # 万分之肆 is a number
    after, before = text[start:start + 2].replace("壹", "一"), text[start - 1:end].replace("壹", "一")
    return after in NUMERAL_WORDS or before in NUMERAL_WORDS


def _no_start(text: str, i: int) -> bool:
    """No number starts here: .5 after a digit (2023.08), a unit right after a numeral (五十千), 百分点."""
    c, before = text[i], text[i - 1] if i else ""
    if c == ".":
        return before.isdigit() or before == "."
    if c in SMALL_UNITS or c in BIG_UNITS:
        return (before and before in NUMERAL_CHARS) or text.startswith(("百分点", "百分點"), i)
    return False


def _read_at(text: str, i: int) -> tuple[Number | None, int]:
    """The number starting at text[i] (or None) and where to look next."""
    if text[i] == "半":
        found = text.startswith("半百", i)
        return (Number(i, i + 2, "半百", Decimal(50)), i + 2) if found else (None, i + 1)
    if (m := _BARE_PER.match(text, i)) and not (i and text[i - 1] in NUMERAL_CHARS):
        return None, m.end()  # 百分之五: the percent's number starts after 之
    if _no_start(text, i):
        return None, i + 1
    c, after = text[i], text[i + 1:i + 2]
    if c in DIGITS and c not in "零〇" and not (after and after in _MAY_CONTINUE):
        if _is_word(text, i, i + 1):  # fast path: a lone numeral (一, 三) is most common
            return None, i + 1
        return Number(i, i + 1, c, Decimal(DIGITS[c])), i + 1
    signed = _signed(text, i)
    if signed is None:
        rejected = read_number(text, i) if text[i] not in "-负負" else None
        return None, _run_end(text, rejected.end) if rejected and rejected.rejected else i + 1
    sign, reading = signed
    value, end = _tail(text, reading.value, reading)
    if _is_word(text, i, end):
        return None, end
    return Number(i, end, text[i:end], sign * value, reading.approx), end


def _run_end(text: str, i: int) -> int:
    """The end of a run of numeral characters (二三十个: skip 三十 too)."""
    while i < len(text) and text[i] in NUMERAL_CHARS:
        i += 1
    return i


def _url_spans(text: str) -> list[tuple[int, int]]:
    return [m.span() for m in _URL.finditer(text)] if ("http" in text or "www." in text) else []


def find_numbers(text: str) -> list[Number]:
    """Every number in a text, left to right; numerals inside words and URLs are left alone.

    >>> [float(n.value) for n in find_numbers("一百零一万一千、负三分之一、1,050,000、2.3万、五十打")]
    [1011000.0, -0.3333333333333333, 1050000.0, 23000.0, 600.0]
    """
    found, urls, i = [], _url_spans(text), 0
    while m := _START.search(text, i):
        start = m.start()
        if any(a <= start < b for a, b in urls):
            i = next(b for a, b in urls if a <= start < b)
            continue
        number, i = _read_at(text, start)
        if number is not None:
            found.append(number)
    return found
