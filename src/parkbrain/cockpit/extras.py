"""What other capabilities add to the cockpit where they exist: chain strength and service-desk figures.

Both are optional: when the capability is missing or fails, the cockpit hides the panel (and
the failure goes to the log, never to the page).
"""

from __future__ import annotations

import calendar
import datetime as dt
import logging
from urllib.parse import urlencode

from parkbrain.cockpit.periods import Period
from parkbrain.warehouse.base import Warehouse

log = logging.getLogger(__name__)


def chain_strength(warehouse: Warehouse, district: str, year: int) -> list[dict] | None:
    """Per chain of the district: enterprises, revenue and links by status (strong, normal, weak, missing)."""
    try:
        from parkbrain.chains.catalogue import load_catalogue
        from parkbrain.chains.diagnosis import diagnose
        from parkbrain.chains.targets import load_targets
    except ImportError:
        return None
    try:
        diagnosis = diagnose(warehouse, load_catalogue(), load_targets(), district=district, year=year)
    except Exception as exc:  # noqa: BLE001 - another capability's failure must not take the cockpit down
        log.warning("chain diagnosis failed for %s %s (%s); the cockpit hides chain strength", district, year, exc)
        return None
    out = []
    for chain in diagnosis["chains"]:
        statuses = [link["status"] for link in chain["links"]]
        out.append({"id": chain["id"], "zh": chain["zh"], "en": chain["en"], "enterprises": chain["enterprises"],
                    "revenue": chain["revenue"], "links": len(statuses),
                    **{s: statuses.count(s) for s in ("strong", "normal", "weak", "missing")},
                    "href": "/chains?" + urlencode({"chain": chain["id"], "district": district, "year": year})})
    return out


def desk_summary(park: object, period: Period, lang: str = "zh") -> dict | None:
    """The service desk's figures over the period's days (parkbrain.desk), or None without a desk."""
    db = getattr(park, "db", None)
    if db is None:
        return None
    try:
        from parkbrain.desk.routing import load_routing
        from parkbrain.desk.service import DeskPolicy
        from parkbrain.desk.stats import desk_statistics
    except ImportError:
        return None
    since = dt.date(period.year, period.first, 1)
    until = dt.date(period.year, period.last, calendar.monthrange(period.year, period.last)[1])
    try:
        with db.read() as session:
            stats = desk_statistics(session, rules=load_routing(), policy=DeskPolicy.from_settings(park.settings),
                                    lang=lang, since=since, until=until)
    except Exception as exc:  # noqa: BLE001 - as above
        log.warning("desk statistics failed (%s); the cockpit hides the desk panel", exc)
        return None
    return stats.model_dump(mode="json")
