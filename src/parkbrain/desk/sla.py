"""The SLA clock: reminders to the department at fixed days after filing (default 7, 14, 21, 30).

Calendar days, counted from filing, while the request is open. `due_steps` is the pure rule:

>>> import datetime as dt
>>> filed = dt.datetime(2024, 3, 1, 9, 0, tzinfo=dt.UTC)
>>> due_steps(filed, filed + dt.timedelta(days=14, seconds=-1), (7, 14, 21, 30))
[7]
>>> due_steps(filed, filed + dt.timedelta(days=14), (7, 14, 21, 30))
[7, 14]
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from parkbrain.audit import SYSTEM, record
from parkbrain.desk.models import DeskReminder, DeskRequest
from parkbrain.desk.schemas import OPEN, ReminderPublic
from parkbrain.desk.service import DeskPolicy, thread_entry
from parkbrain.opdb.base import utcnow


def due_steps(filed_at: dt.datetime, now: dt.datetime, steps: Sequence[int]) -> list[int]:
    """The steps (days) whose time has come for a request filed at `filed_at`."""
    return [d for d in steps if filed_at + dt.timedelta(days=d) <= now]


def due_reminders(session: Session, *, now: dt.datetime | None = None, policy: DeskPolicy) -> list[ReminderPublic]:
    """Reminders due at `now` and not yet sent, oldest request first."""
    now = now or utcnow()
    if not policy.reminder_days:
        return []
    earliest = now - dt.timedelta(days=min(policy.reminder_days))
    requests = session.scalars(select(DeskRequest).where(
        DeskRequest.status.in_([s.value for s in OPEN]), DeskRequest.filed_at <= earliest).order_by(DeskRequest.id))
    requests = list(requests)
    sent = set(session.execute(select(DeskReminder.request_id, DeskReminder.step_days).where(
        DeskReminder.request_id.in_([r.id for r in requests]))).tuples()) if requests else set()
    return [ReminderPublic(request_id=r.id, step_days=d, department=r.department,
                           due_at=r.filed_at + dt.timedelta(days=d))
            for r in requests for d in due_steps(r.filed_at, now, policy.reminder_days) if (r.id, d) not in sent]


def send_reminders(session: Session, *, now: dt.datetime | None = None, policy: DeskPolicy) -> list[ReminderPublic]:
    """Record every due reminder once (a second run at the same time sends nothing) and note it in the thread."""
    now = now or utcnow()
    due = due_reminders(session, now=now, policy=policy)
    for reminder in due:
        session.add(DeskReminder(request_id=reminder.request_id, step_days=reminder.step_days,
                                 department=reminder.department, due_at=reminder.due_at, sent_at=now))
        request = session.get(DeskRequest, reminder.request_id)
        thread_entry(session, request, viewer=None, event="reminder", body=str(reminder.step_days), at=now)
        record(session, actor=SYSTEM, action="desk.remind", target=f"desk_request:{reminder.request_id}",
               detail={"step_days": reminder.step_days, "department": reminder.department}, at=now)
    session.flush()
    return due
