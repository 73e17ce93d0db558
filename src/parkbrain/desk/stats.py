"""Desk statistics for the cockpit: resolved rate and median days to resolve, overall and by group.

`summarise` is the pure rule over plain rows (resolved: resolved or confirmed by the enterprise):

>>> import datetime as dt
>>> t = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
>>> rows = [{"status": "closed", "filed_at": t, "resolved_at": t + dt.timedelta(days=4)},
...         {"status": "resolved", "filed_at": t, "resolved_at": t + dt.timedelta(days=10)},
...         {"status": "accepted", "filed_at": t, "resolved_at": None}]
>>> summarise(rows)
{'total': 3, 'resolved': 2, 'resolved_rate': 66.66666666666666, 'median_days_to_resolve': 7.0}
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from parkbrain.desk.models import DeskRequest
from parkbrain.desk.routing import RoutingRules
from parkbrain.desk.schemas import DONE, OPEN, Classification, DeskStatistics, GroupFigures
from parkbrain.desk.service import DeskPolicy
from parkbrain.opdb.base import utcnow

_DONE = {s.value for s in DONE}
_OPEN = {s.value for s in OPEN}
COLUMNS = ("department", "category", "classification", "status", "filed_at", "resolved_at", "rating", "meeting_id")


def summarise(rows: list[dict]) -> dict:
    """Total, resolved, resolved rate (percent) and median days from filing to resolution."""
    done = [r for r in rows if r["status"] in _DONE and r["resolved_at"] is not None]
    days = [(r["resolved_at"] - r["filed_at"]).total_seconds() / 86400 for r in done]
    return {"total": len(rows), "resolved": len(done),
            "resolved_rate": len(done) / len(rows) * 100 if rows else None,
            "median_days_to_resolve": statistics.median(days) if days else None}


def _groups(rows: list[dict], key: str, ids: Iterable[str], label) -> list[GroupFigures]:
    """Figures per value of `key`, in the order of `ids` and then any other value met."""
    order = list(ids) + sorted({r[key] for r in rows} - set(ids))
    return [GroupFigures(id=value, label=label(value), **summarise([r for r in rows if r[key] == value]))
            for value in order if any(r[key] == value for r in rows)]


def desk_statistics(session: Session, *, rules: RoutingRules, policy: DeskPolicy, lang: str = "zh",
                    since: dt.date | None = None, until: dt.date | None = None,
                    now: dt.datetime | None = None) -> DeskStatistics:
    """The desk's figures over requests filed from `since` to `until` (inclusive, UTC dates)."""
    now = now or utcnow()
    query = select(*(getattr(DeskRequest, c) for c in COLUMNS))
    if since:
        query = query.where(DeskRequest.filed_at >= dt.datetime.combine(since, dt.time(), dt.UTC))
    if until:
        query = query.where(DeskRequest.filed_at < dt.datetime.combine(until + dt.timedelta(days=1), dt.time(), dt.UTC))
    rows = [dict(zip(COLUMNS, row, strict=True)) for row in session.execute(query)]
    overall = summarise(rows)
    ratings = [r["rating"] for r in rows if r["rating"] is not None]
    classes = {c.value: sum(r["classification"] == c.value for r in rows) for c in Classification}
    return DeskStatistics(
        since=since, until=until, **overall,
        open=sum(r["status"] in _OPEN for r in rows),
        overdue=sum(r["status"] in _OPEN and policy.due_at(r["filed_at"]) < now for r in rows),
        by_department=_groups(rows, "department", rules.departments, lambda d: rules.department_label(d, lang)),
        by_category=_groups(rows, "category", rules.categories, lambda c: rules.category_label(c, lang)),
        by_classification=classes | {"unclassified": sum(r["classification"] is None for r in rows)},
        meetings=len({r["meeting_id"] for r in rows if r["meeting_id"] is not None}),
        average_rating=statistics.fmean(ratings) if ratings else None)
