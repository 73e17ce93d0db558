"""The 政策计算器 pages and their JSON twins: thin shells over parkbrain.policies and parkbrain.notify.

An enterprise user sees its own policies (/policies/mine): status, amount, why (each condition),
what it lacks, and a what-if; park staff open any enterprise's (/policies/enterprise/{uscc},
audited) and the policy pages: figures per policy (/policies), a policy's eligible and unknown
subjects (/policies/{id}), the 免申即享 list (/policies/automatic) and the Excel export
(/policies/export.xlsx, audited). Officers push a policy to the enterprises it fits (POST
/policies/{id}/push, once per version, audited); enterprises read their notifications at
/notifications. Talent policies are evaluated for every talent: an enterprise sees those of its
own talents, and a push of a talent policy notifies the talent's employer. Every page reads one
evaluation of the park, kept until the warehouse changes (parkbrain.policies.results.evaluated).
"""

from __future__ import annotations

import io
import math
import re
from typing import Annotated, Literal
from urllib.parse import quote

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from parkbrain.accounts.roles import Permission, Role
from parkbrain.accounts.sessions import Principal
from parkbrain.audit import record
from parkbrain.i18n import translate
from parkbrain.notify import mark_read, notifications_of, notified_count, push_policy, unread_count
from parkbrain.policies.checked import CheckedVersion
from parkbrain.policies.export import export_workbook, grant_rows, missing_of, subject_rows
from parkbrain.policies.results import (
    WHAT_IF_FIELDS,
    ChangeableField,
    Evaluated,
    WhatIfInvalid,
    changeable_fields,
    check_changes,
    current_figures,
    evaluated,
    home_catalogue,
    what_if,
)
from parkbrain.policies.vocabulary import subject_fields
from parkbrain.web.api import audit_read
from parkbrain.web.language import request_language
from parkbrain.web.models import (
    AutomaticGrant,
    AutomaticGrants,
    ChangeableFieldOut,
    EnterprisePolicies,
    MarkedRead,
    NoticeList,
    PolicyCondition,
    PolicyConditionText,
    PolicyDetail,
    PolicyNotice,
    PolicyOverview,
    PolicyResult,
    PolicySubject,
    PolicySummaryOut,
    PushResult,
    TalentPolicies,
    WhatIfChange,
    WhatIfIn,
    WhatIfOut,
)
from parkbrain.web.params import UsccPath
from parkbrain.web.render import is_demo, is_partial, page_context, render_page
from parkbrain.web.security import client_ip, require

router = APIRouter()
Staff = Annotated[Principal, Depends(require(Permission.PARK_READ))]
Pusher = Annotated[Principal, Depends(require(Permission.PARK_EDIT))]
Reader = Annotated[Principal, Depends(require(Permission.ENTERPRISES_READ))]
PolicyId = Annotated[str, Path(pattern=r"^[a-z][a-z0-9_]*$", max_length=64, description="Policy id, e.g. high_tech_enterprise")]
Page = Annotated[int, Query(ge=1, le=100_000)]
PerPage = Annotated[int, Query(ge=1, le=200)]
Sort = Annotated[Literal["-amount", "amount", "subject_id", "name"], Query(description="'-' first: descending")]
Listed = Annotated[Literal["listed", "eligible", "unknown"], Query(description="listed: eligible and unknown")]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_NAME = re.compile(r"^(?P<name>[A-Za-z_][A-Za-z0-9_]*)(\[(?P<year>\d{4})\])?$")


def p_(lang: str):
    """`p(key, **params)`: a message of the policies catalogue in one language."""
    def p(key: str, **params: object) -> str:
        """The policies message for a key."""
        return translate(f"policies.{key}", lang, **params)
    return p


def _evaluation(request: Request) -> Evaluated:
    """The park's evaluation (kept while the warehouse and the home's policy files stay the same)."""
    park = request.app.state.park
    catalogue, signature = home_catalogue(park.settings.home)
    return evaluated(park.warehouse, catalogue, catalogue_key=signature)


def _finite(x: float | None) -> float | None:
    return x if x is None or math.isfinite(x) else None


def _policy_name(cv: CheckedVersion, lang: str) -> str:
    return cv.policy.name_en if lang == "en" and cv.policy.name_en else cv.policy.name


def field_label(name: str, lang: str, subject: str = "enterprise") -> str:
    """A figure's name as people say it (the template's Chinese name when the catalogue has none)."""
    key = f"policies.field.{name}"
    text = translate(key, lang)
    if text != key:
        return text
    found = subject_fields(subject).get(name)  # type: ignore[arg-type]
    return found.label if found else name


def _missing_label(name: str, cv: CheckedVersion, lang: str) -> str:
    """A missing input in words: a figure with its year, or a declared input's text (to its first clause)."""
    match = _NAME.match(name)
    base, year = (match["name"], match["year"]) if match else (name, None)
    if base in cv.version.inputs:
        return re.split(r"[（(；;]", cv.version.inputs[base].text)[0]
    label = field_label(base, lang, cv.policy.subject)
    return p_(lang)("missing_year", label=label, year=year) if year else label


def _result(row: dict, ev: Evaluated, lang: str) -> PolicyResult:
    cv = ev.catalogue.checked[(row["policy"], row["version"])]
    missing = list(dict.fromkeys([m for c in row["conditions"] for m in c["missing"]] + list(row["amount_missing"])))
    conditions = [PolicyCondition(id=c["id"], text=c.get("text") or c["id"], passed=c["passed"],
                                  value=_finite(c["value"]), threshold=_finite(c["threshold"]),
                                  percent=bool(c.get("percent")), gap=_finite(c["gap"]), gap_text=c.get("gap_text"),
                                  missing=list(c["missing"]),
                                  missing_labels=[_missing_label(m, cv, lang) for m in c["missing"]])
                  for c in row["conditions"]]
    return PolicyResult(policy=row["policy"], name=_policy_name(cv, lang), version=row["version"], mode=cv.policy.mode,
                        example=cv.policy.example, benefit=cv.version.benefit.kind, benefit_text=cv.version.benefit.text,
                        source=cv.version.source.document, status=row["status"], amount=_finite(row["amount"]),
                        missing=missing, missing_labels=[_missing_label(m, cv, lang) for m in missing],
                        conditions=conditions)


def _not_found(request: Request, principal: Principal, uscc: str) -> HTTPException:
    """404: naming the code to park staff; to an enterprise the same bare answer as for a code that does not exist."""
    lang = request_language(request)
    if principal.role is Role.ENTERPRISE:
        return HTTPException(404, detail=translate("web.error.http_404", lang))
    return HTTPException(404, detail=translate("web.error.enterprise_not_found", lang, uscc=uscc))


def _enterprise_name(request: Request, ev: Evaluated, principal: Principal, uscc: str) -> str:
    """The enterprise's name, if the viewer may see it: its own enterprise, or any for park staff."""
    if principal.role is Role.ENTERPRISE and uscc != principal.uscc:
        raise _not_found(request, principal, uscc)
    name = ev.name_of(uscc)
    if name is None:
        raise _not_found(request, principal, uscc)
    return name


def _notices(request: Request, uscc: str, limit: int = 200) -> tuple[list[PolicyNotice], int]:
    with request.app.state.park.db.read() as session:
        rows = notifications_of(session, uscc, limit=limit)
        unread = unread_count(session, uscc)
    return [PolicyNotice(id=n.id, policy=n.policy, version=n.version, policy_name=n.policy_name, mode=n.mode,
                         subject_id=n.subject_id, subject_kind=n.subject_kind, subject_name=n.subject_name,
                         amount=n.amount, pushed_at=n.pushed_at, read=n.read_at is not None) for n in rows], unread


def _fields(request: Request, ev: Evaluated, uscc: str) -> tuple[dict[str, ChangeableField], dict[str, object]]:
    """What the what-if may change, and each one's value now (the evaluated year's figure, an input's default)."""
    fields = changeable_fields(ev.catalogue, ev.period.as_of)
    now: dict[str, object] = dict(current_figures(request.app.state.park.warehouse, uscc, ev.period.year))
    for v in ev.in_force.values():
        if v.policy.subject == "enterprise":
            for name, spec in v.version.inputs.items():
                now.setdefault(name, spec.default)
    return fields, now


def _fields_out(fields: dict[str, ChangeableField], now: dict[str, object], lang: str) -> list[ChangeableFieldOut]:
    shown = [n for n in WHAT_IF_FIELDS if n in fields] + [n for n, f in fields.items() if f.kind == "input"]
    return [ChangeableFieldOut(name=n, kind=fields[n].kind, type=fields[n].type,
                               label=field_label(n, lang) if fields[n].kind == "field" else fields[n].label,
                               unit=fields[n].unit, current=now.get(n)) for n in shown]


def build_enterprise(request: Request, uscc: str, principal: Principal) -> EnterprisePolicies:
    """One enterprise's 政策计算器 (its own for an enterprise user; any for park staff, audited)."""
    ev, lang = _evaluation(request), request_language(request)
    name = _enterprise_name(request, ev, principal, uscc)
    audit_read(request, principal, "policies.read", f"enterprise:{uscc}", {})
    employed = ev.talents_of(uscc)
    explained = ev.explained_each([uscc, *(t["subject_id"] for t in employed)], lang)
    results = [_result(r, ev, lang) for r in explained[uscc]]
    talents = [TalentPolicies(talent_id=t["subject_id"], name=t["name"],
                              results=[_result(r, ev, lang) for r in explained[t["subject_id"]]])
               for t in employed]
    notices, unread = _notices(request, uscc)
    fields, now = _fields(request, ev, uscc)
    eligible = [r for r in results if r.status == "eligible"]
    return EnterprisePolicies(
        demo=is_demo(request.app.state.park), uscc=uscc, name=name, year=ev.period.year, as_of=ev.period.as_of,
        eligible=len(eligible), unknown=sum(r.status == "unknown" for r in results),
        total_amount=sum(r.amount or 0.0 for r in eligible), results=results, talents=talents,
        notifications=notices, unread=unread, fields=_fields_out(fields, now, lang))


def _own_uscc(request: Request, principal: Principal) -> str:
    if principal.role is not Role.ENTERPRISE or not principal.uscc:
        raise HTTPException(404, detail=p_(request_language(request))("not_an_enterprise"))
    return principal.uscc


# ---- what-if -----------------------------------------------------------------------------------

def _invalid(request: Request, exc: WhatIfInvalid, fields: dict[str, ChangeableField]) -> str:
    """The refusal in words, naming the field."""
    lang = request_language(request)
    field = fields.get(exc.field)
    label = (field_label(exc.field, lang) if field.kind == "field" else field.label) if field else exc.field
    return p_(lang)(f"what_if.invalid.{exc.problem}", field=exc.field, label=label, **exc.params)


def _same(value: object, now: object) -> bool:
    if isinstance(value, bool) or isinstance(now, bool) or now is None:
        return value == now
    return abs(float(value) - float(now)) <= 1e-9 * max(1.0, abs(float(now)))  # type: ignore[arg-type]


def run_what_if(request: Request, ev: Evaluated, uscc: str, name: str, values: dict, add: dict) -> WhatIfOut:
    """Evaluate the enterprise with the changes (the enterprise policies only; nothing is saved)."""
    lang = request_language(request)
    before_rows = ev.rows_of(uscc)
    if values or add:
        chosen = [p for p, v in ev.in_force.items() if v.policy.subject == "enterprise"]
        try:
            outcome = what_if(request.app.state.park.warehouse, ev.catalogue, uscc, values=values, add=add,
                              year=ev.period.year, as_of=ev.period.as_of, lang=lang, select=chosen, before=before_rows)
        except KeyError as exc:  # a change the evaluation refuses (e.g. an input no policy in force declares)
            raise HTTPException(422, detail=str(exc.args[0] if exc.args else exc)) from None
        before, after, changed = outcome.before, outcome.after, outcome.changed()
    else:
        before = after = ev.explained(uscc, lang)
        changed = []
    return WhatIfOut(
        uscc=uscc, name=name, year=ev.period.year, values=values, add=add,
        before=[_result(r, ev, lang) for r in before], after=[_result(r, ev, lang) for r in after],
        changed=[WhatIfChange(policy=a["policy"], name=_policy_name(ev.catalogue.checked[(a["policy"], a["version"])], lang),
                              before_status=b["status"], after_status=a["status"], before_amount=_finite(b["amount"]),
                              after_amount=_finite(a["amount"]), flipped=b["status"] != a["status"])
                 for b, a in changed])


def _form_changes(request: Request, fields: dict[str, ChangeableField], now: dict[str, object]) -> dict:
    """The form's changes: the fields filled in with a value other than the current one."""
    raw = {n: v for n in fields if (v := request.query_params.get(n)) is not None and v.strip()}
    values, _ = check_changes(fields, values=raw, current=now)  # type: ignore[arg-type]
    return {k: v for k, v in values.items() if not _same(v, now.get(k))}


# ---- JSON twins: the enterprise side -----------------------------------------------------------

@router.get("/api/policies/mine", response_model=EnterprisePolicies, tags=["policies"])
def mine_json(request: Request, principal: Reader) -> EnterprisePolicies:
    """The logged-in enterprise's 政策计算器: every policy in force with status, amount, each condition
    (value against threshold, the gap), what is missing; its talents'; its notifications. Twin of `/policies/mine`."""
    return build_enterprise(request, _own_uscc(request, principal), principal)


@router.get("/api/policies/enterprise/{uscc}", response_model=EnterprisePolicies, tags=["policies"])
def enterprise_json(request: Request, uscc: UsccPath, principal: Reader) -> EnterprisePolicies:
    """One enterprise's 政策计算器 (an enterprise user: its own only). Twin of `/policies/enterprise/{uscc}`."""
    return build_enterprise(request, uscc, principal)


@router.post("/api/policies/enterprise/{uscc}/what-if", response_model=WhatIfOut, tags=["policies"])
def what_if_json(request: Request, uscc: UsccPath, body: WhatIfIn, principal: Reader) -> WhatIfOut | JSONResponse:
    """What if the enterprise's figures or inputs were different: its policies before and after, and those
    that flip. `values` sets (`rd_expense`: 350 万元), `add` moves (`revenue`: +1000); nothing is saved.
    Twin of `/policies/enterprise/{uscc}/what-if`."""
    ev = _evaluation(request)
    name = _enterprise_name(request, ev, principal, uscc)
    fields, now = _fields(request, ev, uscc)
    try:
        values, add = check_changes(fields, values=body.values, add=body.add, current=now)  # type: ignore[arg-type]
    except WhatIfInvalid as exc:
        part = "values" if exc.field in body.values else "add"
        problem = {"type": "value_error", "loc": ["body", part, exc.field], "msg": _invalid(request, exc, fields)}
        return JSONResponse({"detail": [problem]}, status_code=422)
    audit_read(request, principal, "policies.what_if", f"enterprise:{uscc}", {"values": values, "add": add})
    return run_what_if(request, ev, uscc, name, values, add)


# ---- JSON twins: the officers' side ------------------------------------------------------------

def _summary(ev: Evaluated, cv: CheckedVersion, counts: dict, lang: str) -> PolicySummaryOut:
    c = counts.get(cv.id, {})
    return PolicySummaryOut(id=cv.id, name=_policy_name(cv, lang), subject=cv.policy.subject, mode=cv.policy.mode,
                            benefit=cv.version.benefit.kind, benefit_text=cv.version.benefit.text,
                            example=cv.policy.example, version=cv.version.key, source=cv.version.source.document,
                            article=cv.version.source.article, subjects=c.get("subjects", 0),
                            eligible=c.get("eligible", 0), ineligible=c.get("ineligible", 0),
                            unknown=c.get("unknown", 0), total_amount=_finite(c.get("total_amount", 0.0)))


def _summaries(ev: Evaluated, lang: str) -> list[PolicySummaryOut]:
    counts = {r["policy"]: r for r in ev.summary.to_pylist()}
    return [_summary(ev, cv, counts, lang) for cv in ev.in_force.values()]


def build_overview(request: Request) -> PolicyOverview:
    """Every policy in force with its figures over the park."""
    ev, lang = _evaluation(request), request_language(request)
    policies = _summaries(ev, lang)
    automatic = [s for s in policies if s.mode == "automatic"]
    return PolicyOverview(demo=is_demo(request.app.state.park), year=ev.period.year, as_of=ev.period.as_of,
                          policies=policies, automatic_granted=sum(s.eligible for s in automatic),
                          automatic_amount=sum(s.total_amount or 0.0 for s in automatic),
                          errors=[str(e) for e in ev.catalogue.errors])


def _in_force(request: Request, ev: Evaluated, policy_id: str) -> CheckedVersion:
    cv = ev.in_force.get(policy_id)
    if cv is None:
        raise HTTPException(404, detail=p_(request_language(request))("unknown_policy", policy=policy_id,
                                                                      date=ev.period.as_of.isoformat()))
    return cv


def _pages(total: int, per_page: int) -> int:
    return max(1, -(-total // per_page))


def build_detail(request: Request, principal: Principal, policy_id: str, status: str, sort: str, page: int,
                 per_page: int) -> PolicyDetail:
    """One policy, its conditions and its eligible and unknown subjects (a page, audited)."""
    ev, lang = _evaluation(request), request_language(request)
    cv = _in_force(request, ev, policy_id)
    counts = {r["policy"]: r for r in ev.summary.to_pylist()}
    rows = subject_rows(ev, policy_id, statuses=("eligible", "unknown") if status == "listed" else (status,), sort=sort)
    shown = rows.slice((page - 1) * per_page, per_page).to_pylist()
    missing = missing_of(ev, [r["row"] for r in shown])
    with request.app.state.park.db.read() as session:
        notified = notified_count(session, policy_id, cv.version.key)
    audit_read(request, principal, "policies.subjects", f"policy:{policy_id}",
               {"status": status, "sort": sort, "page": page})
    return PolicyDetail(
        demo=is_demo(request.app.state.park), year=ev.period.year, as_of=ev.period.as_of,
        policy=_summary(ev, cv, counts, lang),
        conditions=[PolicyConditionText(id=c.id, text=c.text, article=c.article) for c in cv.version.conditions],
        notified=notified, status=status, sort=sort, total=rows.num_rows, page=page, per_page=per_page,
        pages=_pages(rows.num_rows, per_page),
        items=[PolicySubject(subject_id=r["subject_id"], kind=r["kind"], name=r["name"], employer_uscc=r["employer_uscc"],
                             status=r["status"], amount=_finite(r["amount"]), missing=m,
                             missing_labels=[_missing_label(x, cv, lang) for x in m])
               for r, m in zip(shown, missing, strict=True)])


def build_automatic(request: Request, principal: Principal, policy: str | None, page: int,
                    per_page: int) -> AutomaticGrants:
    """The 免申即享 list (of one automatic policy, or all), a page at a time (audited)."""
    ev, lang = _evaluation(request), request_language(request)
    automatic = [s for s in _summaries(ev, lang) if s.mode == "automatic"]
    if policy is not None and policy not in {s.id for s in automatic}:
        raise HTTPException(404, detail=p_(lang)("unknown_automatic", policy=policy))
    rows = grant_rows(ev, policy)
    shown = rows.slice((page - 1) * per_page, per_page).to_pylist()
    names = {s.id: s.name for s in automatic}
    audit_read(request, principal, "policies.automatic", f"policy:{policy or '*'}", {"page": page})
    return AutomaticGrants(
        demo=is_demo(request.app.state.park), year=ev.period.year, policies=automatic, policy=policy,
        total=rows.num_rows, page=page, per_page=per_page, pages=_pages(rows.num_rows, per_page),
        items=[AutomaticGrant(policy=r["policy"], policy_name=names.get(r["policy"], r["policy"]),
                              subject_id=r["subject_id"], kind=r["kind"], name=r["name"],
                              employer_uscc=r["employer_uscc"], amount=_finite(r["amount"])) for r in shown])


def do_push(request: Request, officer: Principal, policy_id: str) -> PushResult:
    """Notify every enterprise the policy fits, once per version (audited in the same transaction)."""
    ev = _evaluation(request)
    cv = _in_force(request, ev, policy_id)
    done = push_policy(request.app.state.park.db, ev.results, cv.policy, actor=officer.actor(client_ip(request)),
                       subjects=ev.subjects)
    return PushResult(policy=done.policy, version=done.version, eligible=done.eligible,
                      notified_new=done.notified_new, already_notified=done.already_notified,
                      without_recipient=done.without_recipient)


@router.get("/api/policies", response_model=PolicyOverview, tags=["policies"])
def overview_json(request: Request, _: Staff) -> PolicyOverview:
    """Every policy in force: subjects evaluated, eligible, unknown, total amount (万元). Twin of `/policies`."""
    return build_overview(request)


@router.get("/api/policies/automatic", response_model=AutomaticGrants, tags=["policies"])
def automatic_json(request: Request, principal: Staff,
                   policy: Annotated[str | None, Query(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)] = None,
                   page: Page = 1, per_page: PerPage = 50) -> AutomaticGrants:
    """The 免申即享 list: every enterprise or talent granted without applying, with amounts. Twin of
    `/policies/automatic`."""
    return build_automatic(request, principal, policy, page, per_page)


@router.get("/api/policies/{policy_id}", response_model=PolicyDetail, tags=["policies"])
def detail_json(request: Request, policy_id: PolicyId, principal: Staff, status: Listed = "listed",
                sort: Sort = "-amount", page: Page = 1, per_page: PerPage = 50) -> PolicyDetail:
    """One policy: its conditions, and its eligible and unknown subjects with amounts and what they lack,
    a page at a time. Twin of `/policies/{policy_id}`."""
    return build_detail(request, principal, policy_id, status, sort, page, per_page)


@router.post("/api/policies/{policy_id}/push", response_model=PushResult, tags=["policies"])
def push_json(request: Request, policy_id: PolicyId, officer: Pusher) -> PushResult:
    """Notify every enterprise the policy fits (a talent policy: the talent's employer), once per policy
    version: how many were notified now and how many had been before. Audited."""
    return do_push(request, officer, policy_id)


# ---- notifications -----------------------------------------------------------------------------

@router.get("/api/notifications", response_model=NoticeList, tags=["policies"])
def notifications_json(request: Request, principal: Reader) -> NoticeList:
    """The logged-in enterprise's policy notifications, newest first (park staff receive none).
    Twin of `/notifications`."""
    if principal.role is not Role.ENTERPRISE or not principal.uscc:
        return NoticeList(items=[], unread=0)
    items, unread = _notices(request, principal.uscc)
    return NoticeList(items=items, unread=unread)


def _mark_read(request: Request, principal: Principal) -> int:
    if principal.role is not Role.ENTERPRISE or not principal.uscc:
        return 0
    with request.app.state.park.db.write() as session:
        marked = mark_read(session, principal.uscc)
        if marked:
            record(session, actor=principal.actor(client_ip(request)), action="notifications.read",
                   target=f"enterprise:{principal.uscc}", detail={"marked": marked})
    return marked


@router.post("/api/notifications/read", response_model=MarkedRead, tags=["policies"])
def read_json(request: Request, principal: Reader) -> MarkedRead:
    """Mark all of the enterprise's notifications read."""
    return MarkedRead(marked=_mark_read(request, principal))


# ---- pages -------------------------------------------------------------------------------------

def _ctx(request: Request, **extra: object) -> dict:
    ctx = page_context(request, active="policies", **extra)
    ctx["p"] = p_(ctx["lang"])
    ctx["field_label"] = lambda name: field_label(name, ctx["lang"])
    return ctx


@router.get("/policies", response_class=HTMLResponse, include_in_schema=False)
def overview_page(request: Request, _: Staff) -> HTMLResponse:
    """Every policy in force with its figures; export and push."""
    return render_page(request, "policies/overview.html", _ctx(request, ov=build_overview(request), section="overview"))


@router.get("/policies/mine", response_class=HTMLResponse, include_in_schema=False)
def mine_page(request: Request, principal: Reader) -> Response:
    """The logged-in enterprise's 政策计算器 (park staff go to the policy overview)."""
    if principal.role is not Role.ENTERPRISE:
        return RedirectResponse("/policies" if principal.can(Permission.PARK_READ) else "/", status_code=303)
    return _enterprise_page(request, _own_uscc(request, principal), principal)


def _enterprise_page(request: Request, uscc: str, principal: Principal) -> HTMLResponse:
    model = build_enterprise(request, uscc, principal)
    ctx = _ctx(request, ent=model, own=principal.role is Role.ENTERPRISE, form={}, error=None, wi=None)
    return render_page(request, "policies/enterprise.html", ctx)


@router.get("/policies/automatic", response_class=HTMLResponse, include_in_schema=False)
def automatic_page(request: Request, principal: Staff,
                   policy: Annotated[str | None, Query(pattern=r"^([a-z][a-z0-9_]*)?$", max_length=64)] = None,
                   page: Page = 1) -> HTMLResponse:
    """The 免申即享 list."""
    model = build_automatic(request, principal, policy or None, page, 50)
    return render_page(request, "policies/automatic.html", _ctx(request, ag=model, section="automatic"))


@router.get("/policies/export.xlsx", include_in_schema=False, response_class=Response)
def export_xlsx(request: Request, principal: Staff,
                policy: Annotated[list[str] | None, Query(description="Policy ids (default: all in force)")] = None) -> Response:
    """The Excel workbook: a summary sheet and one sheet per policy (those named, else all); audited."""
    ev = _evaluation(request)
    policy = list(dict.fromkeys(policy or []))
    for pid in policy:
        _in_force(request, ev, pid)
    buffer = io.BytesIO()
    counts = export_workbook(ev, buffer, policy)
    with request.app.state.park.db.write() as session:
        record(session, actor=principal.actor(client_ip(request)), action="policies.export", target="policies",
               detail={"policies": sorted(counts), "rows": sum(counts.values())})
    name = f"政策计算器-{ev.period.year}" + (f"-{policy[0]}" if policy and len(policy) == 1 else "") + ".xlsx"
    return Response(buffer.getvalue(), media_type=XLSX,
                    headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(name, safe='')}"})


@router.get("/policies/enterprise/{uscc}", response_class=HTMLResponse, include_in_schema=False)
def enterprise_page(request: Request, uscc: UsccPath, principal: Reader) -> HTMLResponse:
    """One enterprise's 政策计算器 (an enterprise user: its own only)."""
    return _enterprise_page(request, uscc, principal)


@router.get("/policies/enterprise/{uscc}/what-if", response_class=HTMLResponse, include_in_schema=False)
def what_if_page(request: Request, uscc: UsccPath, principal: Reader) -> HTMLResponse:
    """The what-if form and its answer, before beside after (HTMX asks for the answer only); a bad
    value is refused with 422 naming the field, and nothing is evaluated."""
    ev = _evaluation(request)
    name = _enterprise_name(request, ev, principal, uscc)
    fields, now = _fields(request, ev, uscc)
    ctx = _ctx(request, uscc=uscc, name=name, year=ev.period.year, wi=None, error=None,
               fields=_fields_out(fields, now, request_language(request)),
               form={k: v for k, v in request.query_params.items() if k in fields})
    status = 200
    try:
        values = _form_changes(request, fields, now)
        audit_read(request, principal, "policies.what_if", f"enterprise:{uscc}", {"values": values})
        ctx["wi"] = run_what_if(request, ev, uscc, name, values, {})
    except WhatIfInvalid as exc:
        ctx["error"], status = _invalid(request, exc, fields), 422
    except HTTPException as exc:
        ctx["error"], status = str(exc.detail), exc.status_code
    template = "policies/_what_if.html" if is_partial(request) else "policies/what_if.html"
    return render_page(request, template, ctx, status_code=status)


@router.get("/policies/{policy_id}", response_class=HTMLResponse, include_in_schema=False)
def detail_page(request: Request, policy_id: PolicyId, principal: Staff, status: Listed = "listed",
                sort: Sort = "-amount", page: Page = 1,
                pushed: Annotated[int | None, Query(ge=0, le=10**9)] = None,
                already: Annotated[int | None, Query(ge=0, le=10**9)] = None) -> HTMLResponse:
    """One policy: conditions, eligible and unknown subjects (sortable, paged), export and push."""
    model = build_detail(request, principal, policy_id, status, sort, page, 50)
    ctx = _ctx(request, pd=model, pushed=pushed, already=already, section="overview")
    return render_page(request, "policies/detail.html", ctx)


@router.post("/policies/{policy_id}/push", include_in_schema=False)
def push_form(request: Request, policy_id: PolicyId, officer: Pusher) -> RedirectResponse:
    """The officer's 推送 button: push, then back to the policy with what it did."""
    done = do_push(request, officer, policy_id)
    return RedirectResponse(f"/policies/{policy_id}?pushed={done.notified_new}&already={done.already_notified}",
                            status_code=303)


@router.get("/notifications", response_class=HTMLResponse, include_in_schema=False)
def notifications_page(request: Request, principal: Reader) -> HTMLResponse:
    """The enterprise's policy notifications, unread ones marked."""
    model = notifications_json(request, principal)
    return render_page(request, "policies/notifications.html", _ctx(request, nl=model))


@router.post("/notifications/read", include_in_schema=False)
def read_form(request: Request, principal: Reader) -> RedirectResponse:
    """Mark all read, then back to the notifications."""
    _mark_read(request, principal)
    return RedirectResponse("/notifications", status_code=303)
