"""Percents in running Chinese text: ``5.9%``, ``百分之五``, ``千分之2.4``, ``0.4个百分点``,
``七成``, ``八五折``; values in percent (``七成`` is 70, ``千分之2.4`` is 0.24).

>>> [(p.text, float(p.value), p.form) for p in find_percents("增长5.9%，提升0.4个百分点，近七成")]
[('5.9%', 5.9, '%'), ('0.4个百分点', 0.4, 'points'), ('七成', 70.0, '成')]
>>> [(p.text, float(p.value)) for p in find_percents("千分之二点四、百分之百、三成半、打八五折")]
[('千分之二点四', 0.24), ('百分之百', 100.0), ('三成半', 35.0), ('八五折', 85.0)]
"""

from __future__ import annotations

import re
from decimal import Decimal

from parkbrain.bulletins.numbers import NUMERAL_CHARS, Number, Percent, find_numbers
from parkbrain.bulletins.numerals import BIG_UNITS, DIGITS, SMALL_UNITS

_PERCENT_SIGN = re.compile(r"[ \t]*%")
_POINTS = re.compile(r"[ \t]*[个個][ \t]*[百佰][ \t]*分[ \t]*[点點]")
_BARE_PER = re.compile(r"((?:[百佰千仟万萬][ \t]*)+)分[ \t]*之[ \t]*")
_CHENG = re.compile(rf"[ \t]*成(?:(半)|[ \t]*([{''.join(DIGITS)}0-9])(?![{NUMERAL_CHARS}0-9.点點])"
                    r"|(?![为員员立功果本效交熟长長就型品都绩績分活色套批片群年像]))")
_ONE_DIGIT = "0-9一二两兩三四五六七八九壹贰貳叁參肆伍陆陸柒捌玖"
_ZHE = re.compile(
    rf"(?=[{_ONE_DIGIT}半对對])(?<![{NUMERAL_CHARS}0-9.])([{_ONE_DIGIT}])[ \t]*(?:[.点點][ \t]*([{_ONE_DIGIT}])|([{_ONE_DIGIT}]))?"
    r"[ \t]*折(?![合算旧舊扣叠疊射腾騰返价價])|半折|(?<=打)[对對]折|(?<![\w])半成")
_UNIT_VALUES = {**SMALL_UNITS, **BIG_UNITS}


def _digit(c: str) -> int:
    return int(c) if c.isdigit() and c.isascii() else DIGITS[c]


def _discounts(text: str) -> list[Percent]:
    """八五折 (85%), 九折 (90%), 三点一折 (31%), 半折, 对折; and 半成 (5%)."""
    found = []
    for m in _ZHE.finditer(text):
        if m.group().endswith("成"):
            value, form = Decimal(5), "成"
        elif m.group(1) is None:
            value, form = Decimal(50), "折"
        else:
            second = m.group(2) or m.group(3)
            value = Decimal(_digit(m.group(1)) * 10 + (_digit(second) if second else 0))
            form = "折"
            if value == 0:
                continue
        found.append(Percent(m.start(), m.end(), m.group(), value, form))
    return found


def _denominator(units: str) -> int:
    value = 1
    for c in units:
        if c in _UNIT_VALUES:
            value *= _UNIT_VALUES[c]
    return value


def _prefixed(text: str, numbers: dict[int, Number]) -> list[Percent]:
    """百分之五, 千分之2.4, 万分之三: the number after the marker, per 100/1000/10000."""
    found = []
    for m in _BARE_PER.finditer(text):
        if m.start() and text[m.start() - 1] in NUMERAL_CHARS:
            continue  # 五百分之二 is a fraction
        number = numbers.get(m.end())
        if number is not None:
            value = number.value * 100 / _denominator(m.group(1))
            found.append(Percent(m.start(), number.end, text[m.start():number.end], value, "百分之"))
    return found


def _suffixed(text: str, number: Number) -> Percent | None:
    """5.9%, 0.4个百分点, 七成, 七成六 after a number."""
    if m := _PERCENT_SIGN.match(text, number.end):
        form, value = "%", number.value
    elif m := _POINTS.match(text, number.end):
        form, value = "points", number.value
    elif (m := _CHENG.match(text, number.end)) and 0 < number.value <= 10:
        extra = 5 if m.group(1) else (_digit(m.group(2)) if m.group(2) else 0)
        form, value = "成", number.value * 10 + extra
    else:
        return None
    return Percent(number.start, m.end(), text[number.start:m.end()], value, form)


def find_percents(text: str, numbers: list[Number] | None = None) -> list[Percent]:
    """Every percent in a text, left to right (`numbers`: the text's numbers, when already found)."""
    numbers = find_numbers(text) if numbers is None else numbers
    found = _discounts(text) + _prefixed(text, {n.start: n for n in numbers})
    found += [p for n in numbers if (p := _suffixed(text, n)) is not None]
    found.sort(key=lambda p: (p.start, -p.end))
    kept: list[Percent] = []
    for p in found:
        if not kept or p.start >= kept[-1].end:
            kept.append(p)
    return kept
