"""The cockpit's precomputed state per warehouse state: aggregates, reported figures, targets, forecasts.

Caching: the heavy work (one panel aggregate query, the reported figures, the targets, the
flagged enterprises of a year, forecasts, finished boards) is done once per *warehouse
state* and kept beside the warehouse object (weakly: it goes when the warehouse goes). The
state is recognised by a fingerprint: the row counts of the tables the cockpit reads, the
import log (every import adds a row with its time) and the warehouse's meta notes. Any
import, demo build, append or delete changes it, and the next request rebuilds. A write
that changes values in place without going through the import service or changing a count
is not seen: call `invalidate(warehouse)` after one.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable
from typing import Any

from parkbrain.cockpit.alerts import Rules, load_rules
from parkbrain.cockpit.catalogue import Catalogue, load_catalogue
from parkbrain.cockpit.enterprise_alerts import flagged
from parkbrain.cockpit.outlook import Outlook, period_outlook
from parkbrain.cockpit.panel import Aggregates, panel_aggregates, panel_years
from parkbrain.cockpit.periods import Period
from parkbrain.cockpit.ratings import RatingSpec, load_ratings
from parkbrain.cockpit.reported import ReportedStore, load_reported
from parkbrain.cockpit.targets import Target, all_targets
from parkbrain.cockpit.values import Evaluator
from parkbrain.warehouse.base import Warehouse
from parkbrain.warehouse.state import table_state

WATCHED = ("enterprises", "enterprise_years", "indicator_values", "targets", "facts", "imports", "meta")
_CACHE: weakref.WeakKeyDictionary[Warehouse, CockpitState] = weakref.WeakKeyDictionary()
_LOCK = threading.Lock()


def fingerprint(warehouse: Warehouse) -> tuple:
    """What identifies the warehouse's state for the cockpit: row counts, the import log, the meta notes."""
    return table_state(warehouse, WATCHED)


class CockpitState:
    """Everything the cockpit computes once per warehouse state."""

    def __init__(self, warehouse: Warehouse, catalogue: Catalogue, rules: Rules, ratings: dict[str, RatingSpec],
                 key: tuple, *, panel: Aggregates | None = None, reported: ReportedStore | None = None,
                 targets: list[Target] | None = None) -> None:
        self.warehouse, self.catalogue, self.rules, self.ratings, self.key = warehouse, catalogue, rules, ratings, key
        self.panel = panel if panel is not None else panel_aggregates(warehouse, catalogue)
        self.reported = reported if reported is not None else load_reported(warehouse, catalogue)
        self.evaluator = Evaluator(catalogue, self.panel, self.reported)
        self.targets: list[Target] = targets if targets is not None else all_targets(warehouse, catalogue)
        self.years = panel_years(self.panel)
        self._memo: dict[tuple, Any] = {}
        self._lock = threading.Lock()

    def memo(self, key: tuple, build: Callable[[], Any]) -> Any:
        """A value computed once for this state (boards, forecasts, flagged enterprises)."""
        if key not in self._memo:
            value = build()
            with self._lock:
                self._memo.setdefault(key, value)
        return self._memo[key]

    def as_of(self, month: Period) -> CockpitState:
        """The state as it stood when `month`'s figures were the latest: later months and panel years unseen."""
        def build() -> CockpitState:
            panel = {k: v for k, v in self.panel.items() if k[2] < month.year or (k[2] == month.year and month.last == 12)}
            return CockpitState(self.warehouse, self.catalogue, self.rules, self.ratings, (*self.key, str(month)),
                                panel=panel, reported=self.reported.until(month), targets=self.targets)
        return self.memo(("as_of", month), build)

    def flagged(self, year: int):
        """The enterprises flagged by the enterprise rules in a year (arrow table)."""
        return self.memo(("flagged", year), lambda: flagged(self.warehouse, self.rules, year))

    def first_year(self) -> int:
        """The first year any reported month or panel year has (the start of forecast histories)."""
        years = [p.year for periods in self.reported.values.values() for p in periods] + self.years
        return min(years) if years else 2000

    def outlook(self, indicator: str, subject: str, period: Period) -> Outlook | None:
        """The indicator's outlook at the end of a period (forecast once per state)."""
        return self.memo(("outlook", indicator, subject, period),
                         lambda: period_outlook(self.evaluator, indicator, subject, period, first_year=self.first_year()))

    def park_district(self, park: str) -> str | None:
        """The district a park lies in (as the register places its enterprises)."""
        def build() -> dict[str, str]:
            firms = self.warehouse.table("enterprises")
            pairs = firms.filter(firms.park.notnull()).select("park", "district").distinct()
            return {r["park"]: r["district"] for r in self.warehouse.to_pylist(pairs)}
        return self.memo(("park_districts",), build).get(park)

    def latest_month(self, subject: str) -> Period | None:
        """The last month any monthly indicator reports for a subject."""
        months = [p for (ind, s), periods in self.reported.values.items() if s == subject
                  and self.catalogue[ind].frequency == "month" for p in periods if p.kind == "month"]
        return max(months) if months else None


def cockpit_state(warehouse: Warehouse, *, catalogue: Catalogue | None = None, rules: Rules | None = None,
                  ratings: dict[str, RatingSpec] | None = None) -> CockpitState:
    """The warehouse's cockpit state: the cached one while the fingerprint holds, else a new one."""
    key = fingerprint(warehouse)
    cached = _CACHE.get(warehouse)
    if cached is not None and cached.key == key and catalogue in (None, cached.catalogue):
        return cached
    state = CockpitState(warehouse, catalogue or load_catalogue(), rules or load_rules(),
                         ratings or load_ratings(), key)
    with _LOCK:
        _CACHE[warehouse] = state
    return state


def invalidate(warehouse: Warehouse) -> None:
    """Forget the warehouse's cockpit state (after a write the fingerprint cannot see)."""
    with _LOCK:
        _CACHE.pop(warehouse, None)
