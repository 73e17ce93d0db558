"""The desk as one park's web shell and command line use it: each call one short transaction.

`DeskWork(park, viewer, lang=..., ip=...)` bundles what every desk operation needs (the park's
database, routing rules, limits, the viewer) so that the routes stay thin.
"""

from __future__ import annotations

import time

from parkbrain.accounts.sessions import Principal
from parkbrain.desk import actions, service, stats, views
from parkbrain.desk.attachments import ACCEPTED
from parkbrain.desk.models import DeskRequest
from parkbrain.desk.routing import load_routing
from parkbrain.desk.schemas import (
    CategoryChoice,
    Choice,
    DeskAction,
    DeskStatistics,
    RequestCreate,
    RequestDetail,
    RequestPage,
    Routing,
)
from parkbrain.opdb.engine import Batched

NAME_TTL = 300.0  # seconds an enterprise's name is remembered (a rename shows on filings after that)
_NAMES: dict[tuple[int, str], tuple[float, str | None]] = {}


def enterprise_name(park, viewer: Principal) -> str:
    """The filing enterprise's name from the warehouse (remembered a while), else the account's display name."""
    key, now = (id(park), viewer.uscc or ""), time.monotonic()
    cached = _NAMES.get(key)
    if cached is None or cached[0] < now:
        table = park.warehouse.table("enterprises")
        rows = park.warehouse.to_pylist(table.filter(table.uscc == viewer.uscc).select("name").limit(1))
        cached = _NAMES[key] = (now + NAME_TTL, rows[0]["name"] if rows else None)
    return cached[1] or viewer.display_name


class DeskWork:
    """The desk operations of one viewer, in one language, from one address."""

    def __init__(self, park, viewer: Principal, *, lang: str = "zh", ip: str = "-") -> None:
        self.park, self.viewer, self.lang, self.ip = park, viewer, lang, ip
        self.db, self.rules = park.db, load_routing()
        self.policy = service.DeskPolicy.from_settings(park.settings)

    def page(self, where: service.RequestFilter, *, page: int = 1, per_page: int = 50) -> RequestPage:
        """One page of the requests the viewer may see."""
        with self.db.query() as connection:
            rows, total = service.list_requests(connection, self.viewer, where=where, page=page, per_page=per_page)
        return views.request_page(rows, total, page=page, per_page=per_page, rules=self.rules, policy=self.policy,
                                  lang=self.lang)

    def detail(self, request_id: int) -> RequestDetail:
        """One request with its thread."""
        with self.db.query() as connection:
            thread = service.read_thread(connection, request_id, self.viewer)
        return self._show(thread)

    def _show(self, thread: service.RequestThread) -> RequestDetail:
        return views.request_detail(thread, viewer=self.viewer, rules=self.rules, policy=self.policy, lang=self.lang)

    def file(self, data: RequestCreate, files: list[tuple[str, bytes]]) -> int:
        """File a request; its number."""
        return self._file(data, files).id

    def _file(self, data: RequestCreate, files: list[tuple[str, bytes]]) -> DeskRequest:
        filing = service.Filing(self.viewer, enterprise_name(self.park, self.viewer), data, self.policy, self.rules,
                                self.ip, files)
        # Filings arriving together are written together: a few statements, one commit, one disk flush.
        return self.db.write_grouped(Batched(service.file_requests, filing))

    def file_and_show(self, data: RequestCreate) -> RequestDetail:
        """File a request and show it (from what was just written: no second read)."""
        return self._show(service.RequestThread.of(self._file(data, [])))

    def act(self, request_id: int, action: DeskAction) -> None:
        """Take an action on a request."""
        self.db.write_grouped(lambda session: actions.apply_action(
            session, viewer=self.viewer, request_id=request_id, action=action, rules=self.rules, ip=self.ip))

    def attach(self, request_id: int, files: list[tuple[str, bytes]]) -> None:
        """Attach files to a request."""
        self.db.write_grouped(lambda session: service.add_attachments(
            session, viewer=self.viewer, request_id=request_id, files=files, policy=self.policy, ip=self.ip))

    def attachment(self, request_id: int, attachment_id: int) -> tuple[bytes, str, str]:
        """An attachment's content, type and file name."""
        with self.db.read() as session:
            found = service.get_attachment(session, request_id, attachment_id, self.viewer)
            return found.content, found.media_type, found.filename

    def statistics(self) -> DeskStatistics:
        """The desk's figures."""
        with self.db.read() as session:
            return stats.desk_statistics(session, rules=self.rules, policy=self.policy, lang=self.lang)

    def routing(self) -> Routing:
        """The categories, departments and limits a new request is filed with."""
        rules, lang = self.rules, self.lang
        return Routing(
            version=rules.version, source=rules.source,
            categories=[CategoryChoice(id=c.id, label=c.label(lang), department=c.department or "",
                                       department_label=rules.department_label(c.department or "", lang))
                        for c in rules.categories.values()],
            departments=[Choice(id=d.id, label=d.label(lang)) for d in rules.departments.values()],
            attachment_types=sorted(ACCEPTED), attachment_max_bytes=self.policy.max_bytes,
            attachment_max_files=self.policy.max_files)
