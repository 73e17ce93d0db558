"""Who a policy push notifies: plain functions over results (the database is parkbrain.notify's).

An enterprise policy notifies each eligible enterprise; a talent policy notifies each eligible
talent's employer (a talent without an employer in the register is counted, not notified).
Each (policy, version, subject) is notified once: pushing the same version again sends nothing
new; a new version of the policy notifies again.

>>> import pyarrow as pa
>>> results = pa.table({"subject_id": ["A", "B", "C"], "policy": ["p"] * 3, "version": ["2024-01-01"] * 3,
...                     "status": ["eligible", "unknown", "eligible"], "amount": [10.0, None, 5.0]})
>>> notices = push_notices(results, "p", subject="enterprise")
>>> [(n.subject_id, n.uscc, n.amount) for n in notices]
[('A', 'A', 10.0), ('C', 'C', 5.0)]
>>> plan = plan_push(notices, sent={("p", "2024-01-01", "A")})
>>> [n.subject_id for n in plan.new], plan.already, plan.without_recipient
(['C'], 1, 0)
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc

from parkbrain.policies.vocabulary import Subject

Key = tuple[str, str, str]  # policy, version, subject_id


@dataclass(frozen=True)
class Notice:
    """One subject to tell of one policy version; `uscc` is the enterprise told (None: nobody to tell)."""

    policy: str
    version: str
    subject_id: str
    subject_kind: Subject
    subject_name: str
    uscc: str | None
    amount: float | None

    @property
    def key(self) -> Key:
        """What makes a notice unique: policy, version, subject."""
        return self.policy, self.version, self.subject_id


def push_notices(results: pa.Table, policy_id: str, *, subject: Subject,
                 subjects: pa.Table | None = None) -> list[Notice]:
    """The notices a push of `policy_id` sends: one per eligible subject in `results`.

    `subjects` (subject_id, name, employer_uscc) names the subjects and gives each talent's
    employer; without it an enterprise is named by its code and a talent has nobody to tell.
    """
    chosen = pc.and_(pc.equal(results["policy"].cast(pa.string()), policy_id),
                     pc.equal(results["status"].cast(pa.string()), "eligible"))
    rows = results.filter(chosen).select(["subject_id", "version", "amount"])
    names, employers = _directory(subjects, rows["subject_id"])
    out = []
    for sid, version, amount in zip(*(rows[c].to_pylist() for c in ("subject_id", "version", "amount")), strict=True):
        uscc = sid if subject == "enterprise" else employers.get(sid)
        out.append(Notice(policy_id, str(version), sid, subject, names.get(sid) or sid, uscc or None, amount))
    return out


def _directory(subjects: pa.Table | None, ids: pa.ChunkedArray) -> tuple[dict[str, str], dict[str, str]]:
    """Names and employers of the given subjects only (a park may have a million)."""
    if subjects is None or not len(ids):
        return {}, {}
    some = subjects.filter(pc.is_in(subjects["subject_id"], value_set=ids.combine_chunks().cast(pa.string())))
    sids = some["subject_id"].to_pylist()
    return dict(zip(sids, some["name"].to_pylist(), strict=True)), \
        dict(zip(sids, some["employer_uscc"].to_pylist(), strict=True))


@dataclass(frozen=True)
class PushPlan:
    """What a push would do: the notices not sent before, how many were, how many have nobody to tell."""

    new: list[Notice]
    already: int
    without_recipient: int


def plan_push(notices: Iterable[Notice], sent: Collection[Key]) -> PushPlan:
    """Split the notices into those to send and those sent before (by policy, version and subject)."""
    new, already, nobody = [], 0, 0
    for notice in notices:
        if notice.uscc is None:
            nobody += 1
        elif notice.key in sent:
            already += 1
        else:
            new.append(notice)
    return PushPlan(new, already, nobody)
