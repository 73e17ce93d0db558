"""Figures written the way Chinese statistical reports write them, and their English twins.

Money comes in 万元 (10,000 CNY), as the enterprise template stores it. Reports switch to
亿元 from one 亿 up (``2184.8亿元``), keep 万元 below (``3.8万元``), count people in 万人 from
ten thousand up (``3.8万人``) and write growth as ``同比增长5.9%``. Rounding is half-up on
the decimal value, as people round by hand (Python's ``round`` rounds half to even).

>>> money_zh(21848000)
'2184.8亿元'
>>> money_en(21848000)
'218.48 bn CNY'
>>> growth_zh(-3.2)
'同比下降3.2%'
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

MISSING = "—"
WAN = 10_000  # 万
YI_IN_WAN = 10_000  # one 亿 is 10,000 万


def fixed(value: float, digits: int = 1, *, trim: bool = True) -> str:
    """A number rounded half-up to `digits` decimals; `trim` drops a trailing ``.0``.

    >>> fixed(2184.85), fixed(2.0), fixed(2.0, trim=False), fixed(-0.04)
    ('2184.9', '2', '2.0', '0')
    """
    quantum = Decimal(1).scaleb(-digits)
    rounded = Decimal(repr(float(value))).quantize(quantum, rounding=ROUND_HALF_UP)
    if rounded == 0:
        rounded = abs(rounded)  # no "-0"
    text = f"{rounded:f}"
    if trim and "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def grouped(value: float) -> str:
    """An integer count with thousands separators, rounded half-up.

    >>> grouped(1234), grouped(1234567.5)
    ('1,234', '1,234,568')
    """
    return f"{int(Decimal(repr(float(value))).quantize(Decimal(1), rounding=ROUND_HALF_UP)):,}"


def money_zh(wan: float | None, digits: int = 1) -> str:
    """An amount given in 万元, in 亿元 from one 亿 up, else in 万元.

    >>> money_zh(21848000), money_zh(38000), money_zh(9999.96), money_zh(3.8), money_zh(None)
    ('2184.8亿元', '3.8亿元', '1亿元', '3.8万元', '—')
    >>> money_zh(-12500)
    '-1.3亿元'
    """
    if wan is None:
        return MISSING
    if abs(wan) >= YI_IN_WAN or abs(float(fixed(wan, digits))) >= YI_IN_WAN:
        return f"{fixed(wan / YI_IN_WAN, digits)}亿元"
    return f"{fixed(wan, digits)}万元"


def money_en(wan: float | None) -> str:
    """An amount given in 万元, in CNY: billions (bn), millions (m) or plain.

    >>> money_en(21848000), money_en(38000), money_en(3.8), money_en(150)
    ('218.48 bn CNY', '380.00 m CNY', '38,000 CNY', '1.50 m CNY')
    """
    if wan is None:
        return MISSING
    cny = wan * WAN
    if abs(cny) >= 1e9:
        return f"{fixed(cny / 1e9, 2, trim=False)} bn CNY"
    if abs(cny) >= 1e6:
        return f"{fixed(cny / 1e6, 2, trim=False)} m CNY"
    return f"{grouped(cny)} CNY"


def people_zh(n: float | None) -> str:
    """A head count: ``3.8万人`` from ten thousand up, else ``1,234人``.

    >>> people_zh(38123), people_zh(1234), people_zh(None)
    ('3.8万人', '1,234人', '—')
    """
    if n is None:
        return MISSING
    if abs(n) >= WAN:
        return f"{fixed(n / WAN, 1)}万人"
    return f"{grouped(n)}人"


def people_en(n: float | None) -> str:
    """A head count in English.

    >>> people_en(38123), people_en(1)
    ('38,123 people', '1 person')
    """
    if n is None:
        return MISSING
    return "1 person" if n == 1 else f"{grouped(n)} people"


def count_zh(n: float | None, unit: str = "家") -> str:
    """A count with separators and its measure word: ``1,234家``, ``56项``.

    >>> count_zh(1234), count_zh(56, "项"), count_zh(0)
    ('1,234家', '56项', '0家')
    """
    return MISSING if n is None else f"{grouped(n)}{unit}"


def count_en(n: float | None) -> str:
    """A count with separators; the English label carries the noun.

    >>> count_en(1234)
    '1,234'
    """
    return MISSING if n is None else grouped(n)


def percent(value: float | None, digits: int = 1) -> str:
    """A percentage already multiplied by 100, with `digits` decimals kept.

    >>> percent(3.25), percent(10), percent(None)
    ('3.3%', '10.0%', '—')
    """
    return MISSING if value is None else f"{fixed(value, digits, trim=False)}%"


def _change(change: float | None, flat: str, up: str, down: str) -> str:
    """A change shown to one decimal in the wording for up, down or flat (flat when it rounds to 0)."""
    if change is None:
        return MISSING
    shown = fixed(abs(change), 1, trim=False)
    if float(shown) == 0:
        return flat
    return (up if change > 0 else down).format(shown)


def growth_zh(pct: float | None) -> str:
    """Year-on-year growth in percent: ``同比增长5.9%``, ``同比下降3.2%``, ``与上年持平``.

    >>> growth_zh(5.94), growth_zh(-3.2), growth_zh(0.04), growth_zh(None)
    ('同比增长5.9%', '同比下降3.2%', '与上年持平', '—')
    """
    return _change(pct, "与上年持平", "同比增长{}%", "同比下降{}%")


def growth_en(pct: float | None) -> str:
    """Year-on-year growth in percent: ``+5.9% YoY``, ``-3.2% YoY``, ``flat YoY``.

    >>> growth_en(5.94), growth_en(-3.2), growth_en(-0.01)
    ('+5.9% YoY', '-3.2% YoY', 'flat YoY')
    """
    return _change(pct, "flat YoY", "+{}% YoY", "-{}% YoY")


def points_zh(pp: float | None) -> str:
    """Change of a ratio in percentage points: ``比上年提高0.3个百分点``.

    >>> points_zh(0.26), points_zh(-1.0), points_zh(0.01)
    ('比上年提高0.3个百分点', '比上年下降1.0个百分点', '与上年持平')
    """
    return _change(pp, "与上年持平", "比上年提高{}个百分点", "比上年下降{}个百分点")


def points_en(pp: float | None) -> str:
    """Change of a ratio in percentage points: ``+0.3 pp YoY``.

    >>> points_en(0.26), points_en(-1.0), points_en(0.0)
    ('+0.3 pp YoY', '-1.0 pp YoY', 'flat YoY')
    """
    return _change(pp, "flat YoY", "+{} pp YoY", "-{} pp YoY")


def direction(change: float | None) -> str:
    """``up``, ``down`` or ``flat`` as the change reads once shown to one decimal (``""`` if unknown).

    >>> direction(5.9), direction(-0.04), direction(-0.05), direction(None)
    ('up', 'flat', 'down', '')
    """
    if change is None:
        return ""
    if float(fixed(abs(change), 1)) == 0:
        return "flat"
    return "up" if change > 0 else "down"


def money(wan: float | None, lang: str = "zh") -> str:
    """`money_zh` or `money_en` by language."""
    return money_en(wan) if lang == "en" else money_zh(wan)


def people(n: float | None, lang: str = "zh") -> str:
    """`people_zh` or `people_en` by language."""
    return people_en(n) if lang == "en" else people_zh(n)


def count(n: float | None, lang: str = "zh", unit: str = "家") -> str:
    """`count_zh` (with its measure word) or `count_en` by language."""
    return count_en(n) if lang == "en" else count_zh(n, unit)


def growth(pct: float | None, lang: str = "zh") -> str:
    """`growth_zh` or `growth_en` by language."""
    return growth_en(pct) if lang == "en" else growth_zh(pct)


def points(pp: float | None, lang: str = "zh") -> str:
    """`points_zh` or `points_en` by language."""
    return points_en(pp) if lang == "en" else points_zh(pp)
