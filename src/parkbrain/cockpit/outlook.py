"""Where an indicator will stand at the end of a period: what is reported so far plus a forecast of the rest."""

from __future__ import annotations

from dataclasses import dataclass, field

from parkbrain.cockpit.catalogue import Indicator
from parkbrain.cockpit.forecast import LEVEL, SEASON, forecast_series, trailing_run
from parkbrain.cockpit.periods import Period
from parkbrain.cockpit.values import Evaluator


@dataclass(frozen=True)
class Outlook:
    """An indicator's value at the end of a period: reported so far, expected, and the interval."""

    indicator: str
    subject: str
    period: Period
    frequency: str
    actual: float | None  # reported inside the period so far (a flow's sum, a stock's latest)
    through: Period | None  # the last reported step
    complete: bool
    mean: float | None
    lo: float | None
    hi: float | None
    model: str | None
    steps_ahead: int
    level: int = LEVEL
    path: list[dict] = field(default_factory=list)  # each step of the period: actual or forecast


def frequency_of(ind: Indicator) -> str:
    """The step of an indicator's series: its reported frequency, or a year for the panel."""
    return ind.frequency or "year"


def steps(ev: Evaluator, ind: Indicator, subject: str, first_year: int, last_year: int) -> list[tuple[Period, float | None]]:
    """The indicator's series step by step over whole years."""
    freq = frequency_of(ind)
    if freq == "month":
        return ev.monthly(ind.id, subject, first_year, last_year)
    if freq == "quarter":
        return ev.quarterly(ind.id, subject, first_year, last_year)
    return [(Period(y, 1, 12), ev.value(ind.id, subject, Period(y, 1, 12))) for y in range(first_year, last_year + 1)]


def _inside(step: Period, period: Period) -> bool:
    return step.year == period.year and period.first <= step.first and step.last <= period.last


def period_outlook(ev: Evaluator, indicator: str, subject: str, period: Period, *, first_year: int,
                   level: int = LEVEL, model: str = "auto_ets") -> Outlook | None:
    """The outlook of a flow or stock for a period; None for ratios or periods the series' steps do not tile."""
    ind = ev.catalogue[indicator]
    if ind.kind == "ratio":
        return None
    freq = frequency_of(ind)
    series = [(p, v) for p, v in steps(ev, ind, subject, first_year, period.year)
              if (p.year, p.last) <= (period.year, period.last)]
    aligned = any(p.year == period.year and p.first == period.first for p, _ in series)
    if not series or not aligned or series[-1][0].last != period.last:
        return None
    values = [v for _, v in series]
    known = [i for i, v in enumerate(values) if v is not None]
    if not known:
        return None
    last = known[-1]
    inside = [i for i, (p, _) in enumerate(series) if _inside(p, period)]
    reported = [values[i] for i in inside if i <= last and values[i] is not None]
    actual = (sum(reported) if ind.kind == "flow" else reported[-1]) if reported else None
    base = dict(indicator=indicator, subject=subject, period=period, frequency=freq, actual=actual,
                through=series[last][0], level=level)
    if last == len(series) - 1:
        value = ev.value(indicator, subject, period)
        path = [{"period": str(series[i][0]), "actual": values[i]} for i in inside]
        return Outlook(**base, complete=True, mean=value, lo=value, hi=value, model=None, steps_ahead=0, path=path)
    history = trailing_run(values[: last + 1])
    season = SEASON[freq]
    if len(history) < max(season, 1):
        return None
    fc = forecast_series(history, h=len(series) - 1 - last, season=season, level=level, model=model)
    ahead = {last + 1 + k: (fc.mean[k], fc.lo[k], fc.hi[k]) for k in range(len(fc.mean))}
    path = [{"period": str(series[i][0]), "actual": values[i] if i <= last else None,
             **({"mean": ahead[i][0], "lo": ahead[i][1], "hi": ahead[i][2]} if i in ahead else {})} for i in inside]
    ahead_inside = [ahead[i] for i in inside if i in ahead]
    if ind.kind == "flow":
        done = actual or 0.0
        mean, lo, hi = (done + sum(a[k] for a in ahead_inside) for k in range(3))
    else:
        mean, lo, hi = ahead[len(series) - 1]
    return Outlook(**base, complete=False, mean=mean, lo=lo, hi=hi, model=fc.model,
                   steps_ahead=len(series) - 1 - last, path=path)
