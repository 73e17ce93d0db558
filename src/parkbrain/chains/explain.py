"""Reasons in words: a reason code and its figures, written in Chinese or English from the catalogue.

>>> explain({"code": "few", "params": {"enterprises": 2, "min": 3}}, "zh")
'仅2家企业，少于3家'
>>> explain({"code": "low_share", "params": {"basis": "enterprises", "share": 0.05, "benchmark_share": 0.2,
...     "lq": 0.25, "threshold": 0.6}}, "en")
'5.0% of the chain by enterprises here against 20.0% in the benchmark: location quotient 0.25 (below 0.6)'
"""

from __future__ import annotations

from parkbrain import numbers
from parkbrain.i18n import translate

FRACTIONS = ("share", "benchmark_share", "rd_rate", "growth_rate")
PERCENTS = ("growth", "benchmark_growth")


def t(key: str, lang: str, **params: object) -> str:
    """A message of the chains catalogue (keys without their ``chains.`` prefix)."""
    return translate(f"chains.{key}", lang, **params)


def _links(value: list[dict], lang: str) -> str:
    names = [v["en"] if lang == "en" else v["zh"] for v in value]
    return (", " if lang == "en" else "、").join(names)


def format_param(key: str, value: object, lang: str) -> str:
    """One figure of a reason, written for people."""
    if value is None:
        return numbers.MISSING
    if key in FRACTIONS:
        return f"{numbers.fixed(float(value) * 100, 1, trim=False)}%"
    if key in PERCENTS:
        return f"{numbers.fixed(float(value), 1, trim=False)}%"
    if key in ("lq", "threshold"):
        return numbers.fixed(float(value), 2)
    if key == "hhi":
        return numbers.grouped(float(value))
    if key == "revenue":
        return numbers.money(float(value), lang)
    if key == "basis":
        return t(f"basis.{value}", lang)
    if key == "tier":
        return translate(f"web.tier.{value}", lang)
    if key == "links":
        return _links(value, lang)  # type: ignore[arg-type]
    return str(value)


def explain(reason: dict, lang: str) -> str:
    """A reason as a sentence in `lang`."""
    params = {k: format_param(k, v, lang) for k, v in reason.get("params", {}).items()}
    return t(f"reason.{reason['code']}", lang, **params)


def with_texts(reasons: list[dict], lang: str) -> list[dict]:
    """The reasons with their sentence added under `text`."""
    return [r | {"text": explain(r, lang)} for r in reasons]
