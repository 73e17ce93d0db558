"""The grammar of one number: Chinese numerals, Arabic digits and their mixtures.

`read_number(text, i)` reads the longest number that starts at ``text[i]``: Chinese
numerals in everyday and formal (大写) writing, Arabic digits with thousands
separators, decimals and exponents, and mixtures (``3.8万``, ``5万4千6百``,
``1.2万亿``). Values are exact ``Decimal``s.

>>> parse_number("一千二百三十四"), parse_number("2184.8亿"), parse_number("1.2万亿")
(Decimal('1234'), Decimal('218480000000.0'), Decimal('1200000000000.0'))
>>> parse_number("两千三"), parse_number("九十二万四"), parse_number("四百亿点零五零")
(Decimal('2300'), Decimal('924000'), Decimal('40000000000.050'))
>>> parse_number("五十千") is None, parse_number("万") is None
(True, True)
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

DIGITS = {c: d for d, chars in enumerate(("零〇", "一壹幺", "二两兩贰貳倆俩", "三叁參", "四肆",
                                           "五伍", "六陆陸", "七柒", "八捌", "九玖"))
          for c in chars}
SMALL_UNITS = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000}
BIG_UNITS = {"万": 10**4, "萬": 10**4, "亿": 10**8, "億": 10**8, "兆": 10**12}
# 两 and 俩 count things but are not written after 点 (两百点两 is 两百 and 两).
DECIMAL_DIGITS = "".join(c for c in DIGITS if c not in "两兩倆俩")
_UNIT_CHARS = "".join(SMALL_UNITS) + "".join(BIG_UNITS)
_DIGIT_CHARS = "".join(DIGITS)

_TOKEN = re.compile(
    r"(?P<space>[ \t\u3000]*)(?:"
    r"(?P<arabic>(?:\d{1,3}(?:,\d{3})+(?!\d)|\d+)(?:\.\d+)?(?:[eE][-+]?\d+)?|\.\d+(?:[eE][-+]?\d+)?)"
    rf"|(?P<digit>[{_DIGIT_CHARS}])"
    rf"|(?P<small>[{''.join(SMALL_UNITS)}])"
    rf"|(?P<big>[{''.join(BIG_UNITS)}])"
    rf"|[点點](?P<decimals>(?:[ \t]*[{DECIMAL_DIGITS}])+)"
    rf"|(?P<approx>[余餘多])(?=[ \t]*[{_UNIT_CHARS}])"
    rf"|(?P<some>[几幾])(?=[ \t]*[{_UNIT_CHARS}])"
    r")")
_DOTTED_RUN = re.compile(r"\d+(?:\.\d+){2,}")  # 2023.08.10, 1.2.3: separate integers
_INTEGER = re.compile(r"\d+")


@dataclass(frozen=True, slots=True)
class Reading:
    """One number read from a text: its value, where it ends, and whether it said 余/多/几."""

    value: Decimal
    end: int
    approx: bool = False
    arabic: bool = False  # written in Arabic digits only
    rejected: bool = False  # a run of bare digits (二三十, 九九): an estimate or a name, no number


class _Value:
    """The running value of a Chinese/Arabic numeral as its tokens arrive (一千 零 五 十 万 …)."""

    def __init__(self) -> None:
        self.total = Decimal(0)  # groups closed by a big unit (万, 亿, 兆)
        self.section = Decimal(0)  # the group below the latest big unit
        self.num: Decimal | None = None  # a digit waiting for its unit
        self.small: int | None = None  # the latest small unit in this section
        self.big: int | None = None  # the latest big unit
        self.max_big = 0
        self.last = ""  # kind of the latest token
        self.zero = False  # a 零 since the latest unit
        self.has_decimal = False
        self.single = False  # the waiting digit is one numeral character

    def digit(self, value: Decimal, *, single: bool) -> bool:
        if self.num is not None or self.has_decimal:
            return False
        if value == 0 and single:
            self.zero, self.last = True, "zero"
            return True
        self.num, self.single, self.last = value, single, "digit"
        return True

    def small_unit(self, unit: int) -> bool:
        if self.has_decimal or (self.small is not None and unit >= self.small):
            return False
        if self.num is None and self.last not in ("", "zero", "big"):
            return False
        self.section += (1 if self.num is None else self.num) * unit
        self.num, self.small, self.zero, self.last = None, unit, False, "small"
        return True

    def big_unit(self, unit: int) -> bool:
        group = self.section + (self.num or 0)
        if self.last == "big":
            self.total *= unit  # 万万, 万亿: one compound unit
            self.big = self.big * unit if self.big else unit
        elif self.last in ("", "zero") and group == 0:
            return False
        elif unit > self.max_big:
            self.total, self.big = (self.total + group) * unit, unit
        elif self.big is not None and unit < self.big:
            self.total, self.big = self.total + group * unit, unit
        else:
            return False
        self.max_big = max(self.max_big, self.big or 0)
        self.section, self.num, self.small, self.zero, self.last = Decimal(0), None, None, False, "big"
        self.has_decimal = False
        return True

    def decimals(self, digits: str) -> bool:
        if self.has_decimal or self.last == "":
            return False
        self._abbreviate()
        fraction = Decimal("0." + "".join(str(DIGITS[c]) for c in digits if c in DIGITS))
        self.section += (self.num or 0) + fraction
        self.num, self.has_decimal, self.last = None, True, "decimal"
        return True

    def _abbreviate(self) -> None:
        """两千三 is 2300 and 一万三 is 13000: a lone last digit counts in the next unit down."""
        if self.num is None or not self.single or self.zero:
            return
        unit = self.small if self.last == "digit" and self.small else None
        if self.small is None and self.big and self.section == 0:
            unit = self.big
        if unit and unit >= 100:
            self.num *= unit // 10

    def value(self) -> Decimal:
        self._abbreviate()
        return self.total + self.section + (self.num or 0)


def _arabic_value(text: str) -> Decimal:
    return Decimal(text.replace(",", "").lower())


def _space_allowed(previous: str, kind: str) -> bool:
    """Spaces may separate the parts of a Chinese numeral, never two Arabic numbers."""
    return not (previous == "arabic" and kind == "arabic")


def read_number(text: str, i: int) -> Reading | None:
    """The longest number starting at text[i] (no sign, no fraction); None when there is none."""
    state, pos, end, approx, previous, kinds = _Value(), i, i, False, "", set()
    dotted = (i >= 2 and text[i - 1] == "." and text[i - 2].isdigit()) or _DOTTED_RUN.match(text, i)
    while m := _TOKEN.match(text, pos):
        kind = m.lastgroup if m.lastgroup != "space" else None
        if kind is None or (m.group("space") and (pos == i or not _space_allowed(previous, kind))):
            break
        if not _take(state, kind, m, dotted):
            if kind == "digit" and previous == "digit":
                return Reading(Decimal(0), m.end(), rejected=True)
            break
        pos = m.end() if not (kind == "arabic" and dotted) else _INTEGER.match(text, m.start("arabic")).end()
        approx = approx or kind in ("approx", "some")
        previous = kind
        kinds.add(kind)
        if kind not in ("approx", "some"):
            end = pos
        if kind == "arabic" and dotted:
            break
    if end == i:
        return None
    return Reading(state.value(), end, approx, arabic=kinds == {"arabic"})


def _take(state: _Value, kind: str, m: re.Match, dotted: object) -> bool:
    if kind == "arabic":
        token = m.group("arabic")
        if dotted:
            token = _INTEGER.match(token).group()
        return state.digit(_arabic_value(token), single=len(token) == 1)
    if kind == "digit":
        return state.digit(Decimal(DIGITS[m.group("digit")]), single=True)
    if kind == "small":
        return state.small_unit(SMALL_UNITS[m.group("small")])
    if kind == "big":
        return state.big_unit(BIG_UNITS[m.group("big")])
    if kind == "decimals":
        return state.decimals(m.group("decimals"))
    if kind == "some":
        return state.digit(Decimal(0), single=False)
    return state.last in ("small", "big", "digit")  # 余/多 between a number and its unit


def parse_number(text: str) -> Decimal | None:
    """The value of a text that is exactly one number (signs and fractions aside), else None."""
    reading = read_number(text, 0)
    if reading is None or reading.rejected or reading.end != len(text):
        return None
    return reading.value
