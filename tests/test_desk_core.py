"""The desk's core: routing rules as data, attachments, the request's life, scoping, SLA reminders, statistics."""

from __future__ import annotations

import datetime as dt
import io
import threading
import time
import zipfile

import openpyxl
import pytest
from sqlalchemy import func, select

from parkbrain.audit import verify
from parkbrain.audit.models import AuditEntry
from parkbrain.desk import actions, service, sla, stats
from parkbrain.desk.attachments import DOCX, XLSX, check_attachment, sniff
from parkbrain.desk.errors import Conflict, Invalid, NotAllowed, NotFound, TooLarge, UnsupportedType
from parkbrain.desk.models import DeskAttachment, DeskMessage, DeskReminder, DeskRequest
from parkbrain.desk.routing import RoutingError, load_routing, parse_routing
from parkbrain.desk.schemas import RequestCreate
from parkbrain.desk.views import request_detail
from parkbrain.opdb.engine import Batched

T0 = dt.datetime(2024, 3, 1, 1, 0, tzinfo=dt.UTC)
RULES = load_routing()
POLICY = service.DeskPolicy(max_bytes=2048, max_files=2, reminder_days=(7, 14, 21, 30), due_days=30)
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj <<>> endobj\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 30
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 30


def xlsx() -> bytes:
    book = openpyxl.Workbook()
    book.active["A1"] = "用地需求"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def zipped(*names: str) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name in names:
            archive.writestr(name, "<x/>")
    return out.getvalue()


@pytest.fixture
def desk(ops, make_accounts, principal_of):
    people = make_accounts(ops)
    return ops, {key: principal_of(ops, a.username) for key, a in people.items()}


def file(park, who, category="land_space", at=T0, files=(), title="扩产需要厂房"):
    with park.db.write() as session:
        return service.file_request(session, viewer=who, enterprise_name="杭州甲公司", files=files, policy=POLICY,
                                    rules=RULES, ip="10.0.0.1", now=at,
                                    data=RequestCreate(category=category, title=title, description="需要2000平方米厂房")).id


def act(park, who, request_id, at=T0, **action):
    from pydantic import TypeAdapter

    from parkbrain.desk.schemas import DeskAction

    with park.db.write() as session:
        return actions.apply_action(session, viewer=who, request_id=request_id, rules=RULES, ip="10.0.0.2", now=at,
                                    action=TypeAdapter(DeskAction).validate_python(action)).status


def count(park, model) -> int:
    with park.db.read() as session:
        return session.scalar(select(func.count()).select_from(model))


# ---- routing and attachments -----------------------------------------------------------------

def test_every_category_goes_to_a_listed_department_and_the_rules_cite_the_seed():
    assert RULES.route("land_space") == "planning_construction" and RULES.route("nonsense") == "enterprise_service"
    assert {c.department for c in RULES.categories.values()} <= set(RULES.departments)
    assert "8590" in RULES.source and RULES.reference == {"problems_solved": 73, "key_issue": 43,
                                                          "hard_individual_issue": 9, "hard_common_issue": 21,
                                                          "coordination_meetings": 16}


@pytest.mark.parametrize(("data", "message"), [
    ({"departments": [{"id": "a", "zh": "甲", "en": "A"}], "default_department": "a",
      "categories": [{"id": "x", "zh": "乙", "en": "X", "department": "b"}]}, "not a department"),
    ({"departments": [{"id": "a", "zh": "甲", "en": "A"}, {"id": "a", "zh": "甲", "en": "A"}],
      "default_department": "a", "categories": []}, "twice"),
    ({"departments": [{"id": "a", "zh": "甲"}], "default_department": "a", "categories": []}, "lacks en"),
    ({"departments": [{"id": "a", "zh": "甲", "en": "A"}], "default_department": "z",
      "categories": [{"id": "x", "zh": "乙", "en": "X", "department": "a"}]}, "default_department"),
])
def test_inconsistent_routing_files_are_refused(data, message):
    with pytest.raises(RoutingError, match=message):
        parse_routing(data)


@pytest.mark.parametrize(("name", "data", "kind"), [
    ("申请.pdf", PDF, "application/pdf"), ("现场.PNG", PNG, "image/png"), ("照片.jpeg", JPEG, "image/jpeg"),
    ("需求表.xlsx", xlsx(), XLSX), ("说明.docx", zipped("[Content_Types].xml", "word/document.xml"), DOCX),
])
def test_accepted_types_are_recognised_by_their_content(name, data, kind):
    checked = check_attachment(name, data, max_bytes=1 << 20)
    assert (checked.media_type, checked.filename) == (kind, name)


@pytest.mark.parametrize(("name", "data", "error"), [
    ("setup.exe", b"MZ\x90\x00" + b"\x00" * 40, UnsupportedType),
    ("伪装.pdf", b"MZ\x90\x00" + b"\x00" * 40, UnsupportedType),   # an executable named .pdf
    ("图片.pdf", PNG, UnsupportedType),                           # content and name disagree
    ("a.zip", zipped("x.txt"), UnsupportedType),
    ("宏.docx", zipped("x.txt", "word/document.xml"), UnsupportedType),  # no [Content_Types].xml
    ("page.html", b"<html><script>alert(1)</script>", UnsupportedType),
    ("空.pdf", b"", Invalid),
    ("大.pdf", PDF + b"0" * 5000, TooLarge),
])
def test_other_files_are_refused(name, data, error):
    with pytest.raises(error):
        check_attachment(name, data, max_bytes=2048)
    assert sniff(b"") is None


def test_a_path_in_a_file_name_is_dropped():
    assert check_attachment("C:\\Users\\x\\..\\申请.pdf", PDF, max_bytes=4096).filename == "申请.pdf"


# ---- filing, scoping, the request's life -----------------------------------------------------

def test_filing_routes_stores_attaches_and_audits(desk):
    park, who = desk
    request_id = file(park, who["enterprise"], files=[("申请.pdf", PDF), ("现场.png", PNG)])
    with park.db.read() as session:
        row = session.get(DeskRequest, request_id)
        assert (row.uscc, row.department, row.status) == (who["enterprise"].uscc, "planning_construction", "submitted")
        assert [a.filename for a in row.attachments] == ["申请.pdf", "现场.png"]
        assert [m.event for m in row.messages] == ["filed"]
        entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "desk.file"))
        assert entry.actor == "firm_a" and entry.target == f"desk_request:{request_id}" and entry.ip == "10.0.0.1"
        assert verify(session).ok


def filed_together(park, filings: list[service.Filing]) -> tuple[list[int], dict]:
    """File from several threads while a first write holds the group open, so that the filings queue
    and are then written as one batch; the sizes of the batches `file_requests` got, and each outcome."""
    held, release, sizes, outcomes = threading.Event(), threading.Event(), [], {}

    def counted(session, items):
        sizes.append(len(items))
        return service.file_requests(session, items)

    def hold(session):
        held.set()
        release.wait(10)

    def file_one(k: int) -> None:
        try:
            outcomes[k] = park.db.write_grouped(Batched(counted, filings[k]))
        except Exception as exc:  # noqa: BLE001 - the test looks at it
            outcomes[k] = exc

    first = threading.Thread(target=park.db.write_grouped, args=(hold,))
    first.start()
    assert held.wait(10)
    threads = [threading.Thread(target=file_one, args=(k,)) for k in range(len(filings))]
    for t in threads:
        t.start()
    deadline = time.monotonic() + 10
    while len(park.db._groups._waiting) < len(filings) and time.monotonic() < deadline:
        time.sleep(0.01)
    release.set()
    for t in [first, *threads]:
        t.join(10)
    return sizes, outcomes


def filing(who, title: str, category: str = "finance", files=()) -> service.Filing:
    return service.Filing(who, "杭州甲公司", RequestCreate(category=category, title=title, description="需要协调解决的问题"),
                          POLICY, RULES, "10.0.0.9", files=files, now=T0)


def test_filings_arriving_together_are_written_in_one_batch(desk):
    park, who = desk
    firms = [who["enterprise"], who["enterprise_b"], who["enterprise"]]
    sizes, outcomes = filed_together(park, [filing(firms[0], "第一件", files=[("申请.pdf", PDF)]),
                                            filing(firms[1], "第二件", "talent"), filing(firms[2], "第三件")])
    assert sizes == [3]
    titles = {outcomes[k].title: outcomes[k] for k in range(3)}
    assert set(titles) == {"第一件", "第二件", "第三件"}
    assert titles["第二件"].uscc == firms[1].uscc and titles["第二件"].department == "talent"
    assert [a.filename for a in titles["第一件"].attachments] == ["申请.pdf"] and titles["第三件"].attachments == []
    with park.db.read() as session:
        for title, filed in titles.items():
            row = session.get(DeskRequest, filed.id)
            assert (row.title, row.uscc) == (title, filed.uscc)
            assert [m.event for m in row.messages] == ["filed"] and filed.messages[0].id == row.messages[0].id
            assert [a.sha256 for a in row.attachments] == [a.sha256 for a in filed.attachments]
        audited = dict(session.execute(select(AuditEntry.target, AuditEntry.actor)
                                       .where(AuditEntry.action == "desk.file")).all())
        assert audited == {f"desk_request:{f.id}": ("firm_b" if f.uscc == firms[1].uscc else "firm_a")
                           for f in titles.values()}
        assert verify(session).ok


def test_a_refused_filing_in_a_batch_leaves_the_others_filed(desk):
    park, who = desk
    sizes, outcomes = filed_together(park, [filing(who["enterprise"], "好的一件"),
                                            filing(who["enterprise"], "未知类别", category="no_such"),
                                            filing(who["enterprise_b"], "另一件")])
    assert sizes[0] == 3 and sorted(sizes[1:]) == [1, 1, 1]  # the batch failed, then each alone
    assert isinstance(outcomes[1], Invalid)
    assert {outcomes[0].title, outcomes[2].title} == {"好的一件", "另一件"}
    assert count(park, DeskRequest) == count(park, DeskMessage) == 2
    with park.db.read() as session:
        assert session.scalar(select(func.count()).where(AuditEntry.action == "desk.file")) == 2
        assert verify(session).ok


@pytest.mark.parametrize(("category", "files", "error"), [
    ("no_such", (), Invalid), ("finance", [("a.exe", b"MZ" + b"0" * 10)], UnsupportedType),
    ("finance", [("a.pdf", PDF)] * 3, TooLarge), ("finance", [("a.pdf", PDF), ("b.pdf", PDF + b"0" * 4096)], TooLarge),
])
def test_a_refused_filing_stores_nothing(desk, category, files, error):
    park, who = desk
    with pytest.raises(error):
        file(park, who["enterprise"], category=category, files=files)
    assert count(park, DeskRequest) == count(park, DeskAttachment) == count(park, DeskMessage) == 0
    with park.db.read() as session:
        assert session.scalar(select(func.count()).where(AuditEntry.action == "desk.file")) == 0


@pytest.mark.parametrize("role", ["officer", "leader", "expert", "admin"])
def test_only_enterprises_file(desk, role):
    park, who = desk
    with pytest.raises(NotAllowed):
        file(park, who[role])


def test_an_enterprise_sees_only_its_own_requests(desk):
    park, who = desk
    mine, theirs = file(park, who["enterprise"]), file(park, who["enterprise_b"])
    with park.db.read() as session:
        assert service.get_request(session, mine, who["enterprise"]).id == mine
        with pytest.raises(NotFound) as hidden:
            service.get_request(session, theirs, who["enterprise"])
        with pytest.raises(NotFound) as absent:
            service.get_request(session, 999, who["enterprise"])
        assert hidden.value.status == absent.value.status == 404  # the same answer: existence is not revealed
        assert [r.id for r in service.list_requests(session, who["enterprise"])[0]] == [mine]
        assert sorted(r.id for r in service.list_requests(session, who["analyst"])[0]) == [mine, theirs]
        with pytest.raises(NotAllowed):
            service.list_requests(session, who["expert"])


def test_list_pages_carry_the_count_of_all_matching_requests(desk):
    """Five own requests and one of another enterprise, in pages of two: 2, 2, 1 rows, then none past the
    end; every page (the empty one too) says 5, and a filter the requests do not match says 0."""
    park, who = desk
    mine = [file(park, who["enterprise"], title=f"诉求第{i}件") for i in range(5)]
    file(park, who["enterprise_b"])
    with park.db.query() as connection:
        pages = [service.list_requests(connection, who["enterprise"], page=p, per_page=2) for p in (1, 2, 3, 4)]
        none = service.list_requests(connection, who["enterprise"], where=service.RequestFilter(status="closed"))
        everyone = service.list_requests(connection, who["analyst"], page=9, per_page=1)
    assert [[r.id for r in rows] for rows, _ in pages] == [mine[4:2:-1], mine[2:0:-1], mine[:1], []]
    assert [total for _, total in pages] == [5, 5, 5, 5]
    assert none == ([], 0)
    assert everyone == ([], 6)


def test_accept_reply_resolve_confirm(desk):
    park, who = desk
    rid = file(park, who["enterprise"])
    day = dt.timedelta(days=1)
    assert act(park, who["officer"], rid, T0 + day, action="accept", classification="key_issue") == "accepted"
    assert act(park, who["enterprise"], rid, T0 + day, action="reply", text="补充：需要双回路供电") == "accepted"
    assert act(park, who["officer"], rid, T0 + 3 * day, action="resolve", text="已协调标准厂房") == "resolved"
    assert act(park, who["enterprise"], rid, T0 + 4 * day, action="confirm", rating=4, comment="满意") == "closed"
    with park.db.read() as session:
        row = session.get(DeskRequest, rid)
        assert (row.classification, row.rating, row.resolved_at, row.closed_at) == ("key_issue", 4, T0 + 3 * day,
                                                                                   T0 + 4 * day)
        assert [m.event for m in row.messages] == ["filed", "accept", "message", "resolve", "confirm"]
        detail = request_detail(service.RequestThread.of(row), viewer=who["enterprise"], rules=RULES, policy=POLICY,
                                lang="zh", now=T0)
        assert detail.allowed_actions == [] and detail.days_open == 3.0
        actions_audited = session.scalars(select(AuditEntry.action).where(AuditEntry.action.like("desk.%"))
                                          .order_by(AuditEntry.seq)).all()
    assert actions_audited == ["desk.file", "desk.accept", "desk.reply", "desk.resolve", "desk.confirm"]
    with pytest.raises(Conflict):  # closed: nothing more
        act(park, who["officer"], rid, action="reply", text="还有问题吗？")


def test_reopen_sends_the_request_back(desk):
    park, who = desk
    rid = file(park, who["enterprise"])
    act(park, who["officer"], rid, action="accept")
    act(park, who["officer"], rid, action="resolve", text="已办")
    assert act(park, who["enterprise"], rid, action="reopen", text="问题没有解决") == "accepted"
    with park.db.read() as session:
        assert session.get(DeskRequest, rid).resolved_at is None


@pytest.mark.parametrize(("who", "action", "error"), [
    ("enterprise", {"action": "accept"}, NotAllowed),                       # not the enterprise's to do
    ("enterprise", {"action": "confirm", "rating": 5}, Conflict),            # not resolved yet
    ("officer", {"action": "resolve", "text": "x"}, Conflict),               # not accepted yet
    ("officer", {"action": "confirm", "rating": 5}, NotAllowed),             # the enterprise's to do
    ("officer_finance", {"action": "accept"}, NotAllowed),                   # another department's request
    ("analyst", {"action": "reply", "text": "x"}, NotAllowed),               # read-only
    ("enterprise_b", {"action": "reply", "text": "x"}, NotFound),            # another enterprise's request
    ("officer", {"action": "reassign", "department": "planning_construction"}, Invalid),  # already there
    ("officer", {"action": "escalate"}, Invalid),                            # which meeting?
    ("officer", {"action": "escalate", "meeting_id": 42}, Invalid),
])
def test_refused_actions_change_nothing(desk, who, action, error):
    park, people = desk
    rid = file(park, people["enterprise"])
    with pytest.raises(error):
        act(park, people[who], rid, **action)
    with park.db.read() as session:
        assert session.get(DeskRequest, rid).status == "submitted"
        assert session.scalar(select(func.count()).select_from(DeskMessage)) == 1


def test_another_departments_officer_may_reply_and_the_coordinators_may_act(desk):
    park, who = desk
    rid = file(park, who["enterprise"])  # to planning_construction
    assert act(park, who["officer_finance"], rid, action="reply", text="已转告规划建设局") == "submitted"
    assert act(park, who["officer"], rid, action="accept") == "accepted"  # enterprise_service coordinates


def test_reassign_and_escalate_to_a_coordination_meeting(desk):
    park, who = desk
    first, second = file(park, who["enterprise"]), file(park, who["enterprise_b"], category="finance")
    assert act(park, who["officer"], first, action="reassign", department="finance") == "submitted"
    act(park, who["officer_finance"], first, action="accept")
    held = dt.date(2024, 3, 20)
    assert act(park, who["officer_finance"], first, action="escalate", meeting_title="要素保障协调会",
               held_on=held.isoformat()) == "escalated"
    with park.db.read() as session:
        meeting_id = session.get(DeskRequest, first).meeting_id
    act(park, who["officer_finance"], second, action="escalate", meeting_id=meeting_id)
    with park.db.read() as session:
        rows = [session.get(DeskRequest, i) for i in (first, second)]
        assert [(r.department, r.meeting_id, r.meeting.held_on) for r in rows] == [("finance", meeting_id, held)] * 2
    assert act(park, who["officer_finance"], first, action="resolve", text="协调会议定") == "resolved"


# ---- the SLA clock and statistics ------------------------------------------------------------

def test_reminders_fall_due_at_each_step_and_are_sent_once(desk):
    park, who = desk
    rid = file(park, who["enterprise"])
    done = file(park, who["enterprise"], title="已办结的诉求")
    act(park, who["officer"], done, T0 + dt.timedelta(days=1), action="accept")
    act(park, who["officer"], done, T0 + dt.timedelta(days=2), action="resolve", text="已办")

    def send(days: float) -> list[tuple[int, int]]:
        with park.db.write() as session:
            sent = sla.send_reminders(session, now=T0 + dt.timedelta(days=days), policy=POLICY)
        return [(r.request_id, r.step_days) for r in sent]

    assert send(6.99) == []
    assert send(7) == [(rid, 7)]
    assert send(7) == [] and send(13) == []          # idempotent
    assert send(22) == [(rid, 14), (rid, 21)]        # a missed run catches up, once
    with park.db.read() as session:
        assert sla.due_reminders(session, now=T0 + dt.timedelta(days=31), policy=POLICY)[0].step_days == 30
        row = session.get(DeskRequest, rid)
        assert [m.body for m in row.messages if m.event == "reminder"] == ["7", "14", "21"]
        assert session.scalar(select(func.count()).select_from(DeskReminder)) == 3
        assert session.scalar(select(func.count()).where(AuditEntry.action == "desk.remind")) == 3


def test_overdue_requests_are_those_open_past_the_due_day(desk):
    park, who = desk
    late, fresh = file(park, who["enterprise"]), file(park, who["enterprise"], at=T0 + dt.timedelta(days=5))
    with park.db.read() as session:
        now = T0 + dt.timedelta(days=30, seconds=1)
        assert [r.id for r in service.overdue_requests(session, now=now, policy=POLICY)] == [late]
        assert fresh not in [r.id for r in service.overdue_requests(session, now=now, policy=POLICY)]


def test_statistics_by_hand(desk):
    park, who = desk
    day = dt.timedelta(days=1)
    ent, off, fin = who["enterprise"], who["officer"], who["officer_finance"]
    a, b = file(park, ent, "finance"), file(park, ent, "finance")
    c, d, e = file(park, ent, "land_space"), file(park, ent, "talent"), file(park, ent, "land_space")
    act(park, fin, a, action="accept", classification="key_issue")
    act(park, fin, a, T0 + 2 * day, action="resolve", text="ok")
    act(park, ent, a, T0 + 3 * day, action="confirm", rating=4)
    act(park, fin, b, action="accept", classification="hard_common_issue")
    act(park, fin, b, T0 + 6 * day, action="resolve", text="ok")
    act(park, off, c, action="accept", classification="key_issue")
    act(park, off, c, action="escalate", meeting_title="协调会", held_on="2024-03-05")
    act(park, off, d, action="accept")
    act(park, off, d, T0 + 10 * day, action="resolve", text="ok")
    act(park, ent, d, T0 + 11 * day, action="confirm", rating=5)
    with park.db.read() as session:
        got = stats.desk_statistics(session, rules=RULES, policy=POLICY, now=T0 + 31 * day)
    assert (got.total, got.resolved, got.open, got.overdue, got.meetings) == (5, 3, 2, 2, 1)
    assert got.resolved_rate == 60.0 and got.median_days_to_resolve == 6.0 and got.average_rating == 4.5
    assert got.by_classification == {"key_issue": 2, "hard_individual_issue": 0, "hard_common_issue": 1,
                                     "unclassified": 2}
    by_department = {g.id: (g.total, g.resolved, g.resolved_rate, g.median_days_to_resolve) for g in got.by_department}
    assert by_department == {"finance": (2, 2, 100.0, 4.0), "talent": (1, 1, 100.0, 10.0),
                             "planning_construction": (2, 0, 0.0, None)}
    assert [g.id for g in got.by_category] == ["finance", "talent", "land_space"] or \
        {g.id for g in got.by_category} == {"finance", "talent", "land_space"}
    with park.db.read() as session:
        later = stats.desk_statistics(session, rules=RULES, policy=POLICY, since=dt.date(2024, 3, 2))
    assert later.total == 0 and later.resolved_rate is None
    assert e
