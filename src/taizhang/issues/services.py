"""Every write to the issue ledger: registering, the workflow's transitions, evidence, reminders, configuration.

All transitions go through :func:`issue_transition`, which executes the table in ``workflow.py``: it locks
the issue, checks the version the caller saw (a stale one is a :class:`Conflict`), asks the table whether
this user may take this action now (if not, :class:`TransitionNotAllowed` lists what is allowed), applies
the action's effects, and writes one typed :class:`IssueEvent`. Notifications leave after commit.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from taizhang.core import audit, clock, geo, workdays
from taizhang.core import services as base
from taizhang.core.errors import Conflict, NotFound, ValidationFailed
from taizhang.core.images import inspect_image
from taizhang.core.permissions import ensure
from taizhang.core.roles import Role
from taizhang.core.services import service
from taizhang.issues import rules, workflow
from taizhang.issues.choices import (
    CoordinateSystem,
    EvidenceKind,
    PendingRequest,
    Status,
    VoidKind,
)
from taizhang.issues.language import stored_text
from taizhang.issues.models import (
    Evidence,
    Issue,
    IssueCategory,
    IssueCounter,
    IssueEvent,
    IssueSource,
    Open311Client,
    RoutingRule,
)
from taizhang.issues.routing import active_rules, route_issue
from taizhang.org import routing as org_routing

# An "after" photo taken further than this from the issue's point is flagged for the verifier. Phone GPS is good
# to some tens of metres in a street canyon; a few hundred metres is another block.
FAR_FROM_ISSUE_M = 300
MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024
ATTACHMENT_SUFFIXES = frozenset({"pdf", "doc", "docx", "xls", "xlsx", "jpg", "jpeg", "png", "webp", "heic", "txt"})
TRUSTED_ON_REGISTRATION = [
    "source",
    "category",
    "area",
    "responsible_unit",
    "routed_unit",
    "chief",
    "reported_by",
    "open311_client",
    "number",
    "year",
    "sequence",
    "longitude",  # computed here from a checked point; their check constraint would cost a query
    "latitude",
]
# Resolved where the event is written, in the site's language (see language.py).
AUTO_DISPATCH_NOTE = gettext_lazy("Dispatched automatically.")
ISSUE_UPDATE_FIELDS = ("title", "description", "category", "severity", "address", "found_at", "cooperating_units")


# --- registering ---------------------------------------------------------------------------------------


@service
def issue_register(
    *,
    actor: Any,
    category: IssueCategory,
    source: IssueSource,
    title: str = "",
    description: str = "",
    address: str = "",
    longitude: Any = None,
    latitude: Any = None,
    coordinate_system: str = CoordinateSystem.WGS84,
    found_at: dt.datetime | None = None,
    deadline: dt.datetime | dt.date | None = None,
    responsible_unit: Any = None,
    chief: Any = None,
    override_reason: str = "",
    cooperating_units: Iterable[Any] = (),
    photos: Iterable[Any] = (),
    open311_client: Open311Client | None = None,
    note: str = "",
) -> Issue:
    """Register an issue, numbered ``YYYY-NNNNNN`` without gaps within the year, routed to its unit.

    Guarantees: the point is stored in WGS-84 (GCJ-02 input converted, the reported point kept); the unit and
    chief come from the routing rules unless the caller may override them and gives a reason; the deadline is
    the category's time limit on the workday calendar unless set by hand; photos are checked before anything
    is saved (a bad photo stores nothing). Sources that allow it dispatch the issue at once. ``note`` goes on the
    registration's timeline entry, not on the issue (an Open311 caller's contact, seen by staff, never published).
    """
    ensure(actor, "issues.add_issue")
    errors: dict[str, list[str]] = {}
    title = (title or "").strip() or _title_from(description)
    if not title:
        errors["title"] = [_("Give a title or a description.")]
    if category.is_void or not category.is_active:
        errors["category"] = [_("The category %(name)s is no longer in use.") % {"name": category.name}]
    if source.is_void or not source.is_active:
        errors["source"] = [_("The source %(name)s is no longer in use.") % {"name": source.name}]
    point, reported = _point(longitude, latitude, coordinate_system, errors)
    if found_at is not None and found_at > clock.now():
        errors["found_at"] = [_("An issue cannot be found after it is registered.")]
    checked_photos = _check_photos(photos, errors)
    if errors:
        raise ValidationFailed(fields=errors)

    decision = route_issue(category, point)
    unit, unit_chief = _choose_unit(
        actor, decision, unit=responsible_unit, chief=chief, override_reason=override_reason, errors=errors
    )
    if deadline is not None:
        ensure(actor, "issues.route_issue")
    if errors:
        raise ValidationFailed(fields=errors)
    assert unit is not None  # _choose_unit reports a missing unit as an error

    now = clock.now()
    calendar = workdays.calendar()
    limit = rules.limit_of(category)
    due = _as_deadline(deadline, calendar) if deadline is not None else rules.deadline_for(limit, now, calendar)
    issue = Issue(
        year=timezone.localtime(now).year,
        title=title[:200],
        description=description,
        source=source,
        category=category,
        severity=category.severity,
        address=address[:200],
        longitude=_decimal(point[0]) if point else None,
        latitude=_decimal(point[1]) if point else None,
        reported_longitude=_decimal(reported[0]) if reported else None,
        reported_latitude=_decimal(reported[1]) if reported else None,
        reported_crs=coordinate_system,
        area=decision.area,
        routing_fallback=decision.fallback,
        routing_note=decision.note[:300],
        responsible_unit=unit,
        chief=unit_chief,
        routed_unit=decision.unit,
        override_reason=override_reason.strip()[:200] if unit != decision.unit else "",
        reported_by=actor,
        open311_client=open311_client,
        found_at=found_at,
        registered_at=now,
        deadline=due,
        deadline_explicit=deadline is not None,
        yellow_at=rules.yellow_from(limit, due, calendar),
        status=Status.REGISTERED,
    )
    _validate_new(issue)
    # The number last: its counter row stays locked until the registration commits, so everything that can be
    # done before taking it is done before (concurrent registrations queue only for the insert itself).
    issue.sequence = _next_sequence(issue.year)
    issue.number = f"{issue.year}-{issue.sequence:06d}"
    _insert_new(issue)
    cooperating = [u for u in cooperating_units if u.pk != unit.pk]
    if cooperating:
        issue.cooperating_units.set(cooperating)
    _event(
        issue,
        "register",
        actor,
        "",
        Status.REGISTERED,
        reason=note.strip(),
        data={
            "routing": decision.note,
            "fallback": decision.fallback,
            "area": decision.area.code if decision.area else None,
            "override": bool(issue.override_reason),
        },
    )
    for upload, facts in checked_photos:
        _save_evidence(issue, EvidenceKind.BEFORE, upload, facts=facts, actor=actor, note="")
    if source.auto_dispatch and open311_client is None:
        issue = _apply(issue, workflow.BY_ACTION["dispatch"], actor, {"note": AUTO_DISPATCH_NOTE})
    return issue


def _validate_new(issue: Issue) -> None:
    """Validate a new issue: its fields and ``clean()``, not what registration settles itself.

    Every related record was loaded and checked by the caller, the number comes from the locked counter (unique)
    and the point is complete or absent by construction (the check constraint): validating those again would
    re-read rows and build a query per constraint, the better part of a registration's time. The database still
    enforces the constraints (see :func:`_insert_new`).
    """
    try:
        issue.full_clean(exclude=TRUSTED_ON_REGISTRATION, validate_unique=False, validate_constraints=False)
    except DjangoValidationError as exc:
        raise ValidationFailed.from_django(exc) from exc


def _insert_new(issue: Issue) -> None:
    """Insert a validated issue. A constraint the database still refuses is reported like a validation error (the
    service's transaction rolls back, so no savepoint is needed around the insert)."""
    try:
        issue.save(force_insert=True)
    except IntegrityError as exc:
        raise ValidationFailed(_("This record clashes with another one: %(error)s") % {"error": exc}) from exc


def _choose_unit(
    actor: Any, decision: Any, *, unit: Any, chief: Any, override_reason: str, errors: dict[str, list[str]]
) -> tuple[Any, Any]:
    """The routed unit and chief, or those the caller chose (only the supervision office may, with a reason)."""
    chosen_unit, chosen_chief = decision.unit, decision.chief
    if unit is not None and unit.pk != getattr(decision.unit, "pk", None):
        ensure(actor, "issues.route_issue")
        if not override_reason.strip():
            errors["override_reason"] = [
                _("The routing rules give %(unit)s; say why this issue goes to %(other)s instead.")
                % {"unit": decision.unit, "other": unit}
            ]
        chosen_unit, chosen_chief = unit, chief
    elif chief is not None:
        ensure(actor, "issues.route_issue")
        chosen_chief = chief
    if chosen_unit is None:
        errors["responsible_unit"] = [_("No unit could be found for this issue, and no default unit is configured.")]
    elif chosen_chief is not None and chosen_chief.unit_id != chosen_unit.pk:
        errors["chief"] = [_("%(chief)s does not belong to %(unit)s.") % {"chief": chosen_chief, "unit": chosen_unit}]
    return chosen_unit, chosen_chief


def _title_from(description: str) -> str:
    first = (description or "").strip().splitlines()[0] if (description or "").strip() else ""
    return first[:40] + ("…" if len(first) > 40 else "")


def _decimal(value: float) -> Decimal:
    return Decimal(str(round(value, 6)))


def _point(
    longitude: Any, latitude: Any, crs: str, errors: dict[str, list[str]]
) -> tuple[tuple[float, float] | None, tuple[float, float] | None]:
    """(WGS-84 point, point as reported); both None without a location. Problems go into ``errors``."""
    blank = (None, "")
    if longitude in blank and latitude in blank:
        return None, None
    if longitude in blank or latitude in blank:
        errors["longitude" if longitude in blank else "latitude"] = [_("Give both longitude and latitude, or neither.")]
        return None, None
    if crs not in CoordinateSystem.values:
        errors["coordinate_system"] = [_("Unknown coordinate system %(crs)r.") % {"crs": crs}]
        return None, None
    try:
        lon, lat = org_routing.check_point(longitude, latitude)
    except org_routing.InvalidPoint as exc:
        errors["longitude"] = [str(exc)]
        return None, None
    if crs == CoordinateSystem.GCJ02:
        return geo.gcj02_to_wgs84(lon, lat), (lon, lat)
    return (lon, lat), (lon, lat)


def _as_deadline(value: dt.datetime | dt.date, calendar: workdays.WorkdayCalendar) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return value if timezone.is_aware(value) else timezone.make_aware(value)
    return calendar.close_of(value)


def _next_sequence(year: int) -> int:
    """The next number of ``year``. The counter row stays locked until the registration commits, so concurrent
    registrations queue here and a rolled-back one gives its number back: the sequence has no gaps."""
    number = _bump(year)
    if number is not None:
        return number
    try:
        with transaction.atomic():
            IssueCounter.objects.create(year=year, last=1)
            return 1
    except IntegrityError:  # another registration created the year's counter first
        number = _bump(year)
        assert number is not None  # the row exists: that is what the IntegrityError said
        return number


def _bump(year: int) -> int | None:
    """Raise the year's counter and read it back in one statement (UPDATE … RETURNING: PostgreSQL, SQLite ≥ 3.35)."""
    table = connection.ops.quote_name(IssueCounter._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET last = last + 1 WHERE year = %s RETURNING last", [year])  # noqa: S608
        row = cursor.fetchone()
    return int(row[0]) if row else None


# --- details -------------------------------------------------------------------------------------------


@service
def issue_update(*, actor: Any, issue: Issue, values: dict[str, Any], expected_version: int | None = None) -> Issue:
    """Correct an issue's details. A new category brings its time limit unless the deadline was set by hand."""
    ensure(actor, "issues.change_issue", issue)
    unknown = set(values) - set(ISSUE_UPDATE_FIELDS)
    if unknown:
        raise TypeError(f"unknown fields: {', '.join(sorted(unknown))}")
    if issue.is_void:
        raise ValidationFailed(_("The issue is voided."))
    stored = Issue.objects.select_for_update().filter(pk=issue.pk).values_list("version", flat=True).first()
    if expected_version is not None and stored != expected_version:
        raise Conflict
    values = dict(values)
    cooperating = values.pop("cooperating_units", None)
    category = values.get("category")
    if category is not None and category.pk != issue.category_id and not issue.deadline_explicit:
        calendar = workdays.calendar()
        limit = rules.limit_of(category)
        values["deadline"] = rules.deadline_for(limit, issue.registered_at, calendar)
        values["yellow_at"] = rules.yellow_from(limit, values["deadline"], calendar)
        values["severity"] = values.get("severity") or category.severity
    changed = base.change(issue, values)
    if cooperating is not None:
        wanted = {u.pk for u in cooperating if u.pk != issue.responsible_unit_id}
        if wanted != set(issue.cooperating_units.values_list("pk", flat=True)):
            issue.cooperating_units.set(wanted)
            if not changed:  # the version guards the cooperating units too
                issue.version += 1
                issue.save(update_fields=["version", "updated_at"])
            changed.append("cooperating_units")
    if changed:
        _event(issue, "update", actor, issue.status, issue.status, data={"fields": changed})
    return issue


# --- the workflow --------------------------------------------------------------------------------------


@service
def issue_transition(
    *,
    actor: Any,
    issue: Issue,
    action: str,
    expected_version: int | None = None,
    reason: str = "",
    note: str = "",
    measures: str = "",
    deadline: dt.datetime | dt.date | None = None,
    review_date: dt.date | None = None,
    unit: Any = None,
    chief: Any = None,
    void_kind: str = "",
) -> Issue:
    """Take a workflow action on an issue, as the transition table allows.

    Guarantees: of two people acting on the same version, one wins and the other gets a conflict; an action
    not allowed from this state or for this user changes nothing and says what is allowed; the verifier is
    never the person who asked for closure or uploaded the after photos; every action writes one event.
    """
    locked = Issue.objects.select_for_update().filter(pk=issue.pk).first()
    if locked is None:
        raise NotFound
    if expected_version is not None and locked.version != expected_version:
        raise Conflict
    transition = workflow.check(action, locked, actor)
    params = {
        "reason": (reason or "").strip(),
        "note": (note or "").strip(),
        "measures": (measures or "").strip(),
        "deadline": deadline,
        "review_date": review_date,
        "unit": unit,
        "chief": chief,
        "void_kind": void_kind,
    }
    missing = {
        name: [_("This is needed to %(action)s.") % {"action": str(transition.label).lower()}]
        for name in transition.required
        if params.get(name) in (None, "")
    }
    if missing:
        raise ValidationFailed(fields=missing)
    updated = _apply(locked, transition, actor, params)
    issue.refresh_from_db()
    return updated


@dataclass
class Step:
    """What an action's effect works on: it adds the issue's new field values and the event's details."""

    issue: Issue
    actor: Any
    params: dict[str, Any]
    values: dict[str, Any]
    data: dict[str, Any]
    now: dt.datetime


def _apply(issue: Issue, transition: workflow.Transition, actor: Any, params: dict[str, Any]) -> Issue:
    now = clock.now()
    before = issue.status
    values: dict[str, Any] = {}
    data: dict[str, Any] = {}
    effect = _EFFECTS.get(transition.action)
    if effect is not None:
        effect(Step(issue, actor, params, values, data, now))
    if transition.target is not None:
        values["status"] = transition.target
    if transition.counts:
        values[transition.counts] = getattr(issue, transition.counts) + 1
    if transition.action == "void":
        base.change(issue, {"void_kind": params["void_kind"]})
        base.void(issue, actor=actor, reason=params["reason"])
    else:
        base.change(issue, values)
    # The effects above said what was wrong in the caller's language; what is kept is in the site's.
    with stored_text():
        text = str(params.get("reason") or params.get("note") or params.get("measures") or "")
        _event(issue, transition.action, actor, before, issue.status, reason=text, data=data)
        _notify_after(issue, transition.action, actor, text)
    return issue


def _dispatch(step: Step) -> None:
    step.values["dispatched_at"] = step.now
    step.data["unit"] = step.issue.responsible_unit.name


def _acknowledge(step: Step) -> None:
    step.values["acknowledged_at"] = step.now


def _request_closure(step: Step) -> None:
    step.values.update(closure_requested_at=step.now, rectified_by=step.actor, measures=step.params["measures"])


def _verify_pass(step: Step) -> None:
    on_time = rules.closed_on_time(step.issue.closure_requested_at, step.issue.deadline)
    step.values.update(closed_at=step.now, verified_by=step.actor, closed_on_time=on_time)
    step.data["on_time"] = on_time


def _verify_fail(step: Step) -> None:
    step.values.update(verified_by=step.actor, closure_requested_at=None)
    step.data["rework"] = step.issue.rework_count + 1


def _request_extension(step: Step) -> None:
    wanted = _as_deadline(step.params["deadline"], workdays.calendar())
    if wanted <= step.issue.deadline or wanted <= step.now:
        current = timezone.localtime(step.issue.deadline).strftime("%Y-%m-%d %H:%M")
        raise ValidationFailed(
            fields={
                "deadline": [_("Ask for a date after the current deadline (%(deadline)s).") % {"deadline": current}]
            }
        )
    step.values.update(
        pending_request=PendingRequest.EXTENSION,
        requested_deadline=wanted,
        pending_reason=step.params["reason"][:500],
    )
    step.data["requested_deadline"] = wanted.isoformat()


def _grant_extension(step: Step) -> None:
    new_deadline = step.issue.requested_deadline
    assert new_deadline is not None  # the guard saw a pending extension request
    step.values.update(_deadline_values(step.issue, new_deadline, explicit=True))
    step.values.update(_clear_request())
    step.data.update(old_deadline=step.issue.deadline.isoformat(), deadline=new_deadline.isoformat())


def _refuse(step: Step) -> None:
    step.values.update(_clear_request())


def _request_shelve(step: Step) -> None:
    review = step.params["review_date"]
    if review <= timezone.localtime(step.now).date():
        raise ValidationFailed(fields={"review_date": [_("The review date must be in the future.")]})
    step.values.update(
        pending_request=PendingRequest.SHELVE, requested_review_date=review, pending_reason=step.params["reason"][:500]
    )
    step.data["review_date"] = review.isoformat()


def _approve_shelve(step: Step) -> None:
    review = step.issue.requested_review_date
    step.values.update(shelved_at=step.now, shelve_review_date=review, review_notified_at=None)
    step.values.update(_clear_request())
    step.data["review_date"] = review.isoformat() if review else None


def _resume(step: Step) -> None:
    if step.params.get("deadline") is not None:
        new_deadline = _as_deadline(step.params["deadline"], workdays.calendar())
        if new_deadline <= step.now:
            raise ValidationFailed(fields={"deadline": [_("The new deadline must be in the future.")]})
        step.values.update(_deadline_values(step.issue, new_deadline, explicit=True))
    else:
        step.values.update(_fresh_deadline(step.issue, step.now))
    step.values.update(shelve_review_date=None, review_notified_at=None)
    step.data["deadline"] = step.values["deadline"].isoformat()


def _reassign(step: Step) -> None:
    issue, unit, chief = step.issue, step.params["unit"], step.params.get("chief")
    if unit.pk == issue.responsible_unit_id:
        raise ValidationFailed(fields={"unit": [_("The issue is already with %(unit)s.") % {"unit": unit}]})
    if not unit.is_active or unit.is_void:
        raise ValidationFailed(fields={"unit": [_("%(unit)s is inactive.") % {"unit": unit}]})
    if chief is not None and chief.unit_id != unit.pk:
        raise ValidationFailed(
            fields={"chief": [_("%(chief)s does not belong to %(unit)s.") % {"chief": chief, "unit": unit}]}
        )
    step.data.update(from_unit=issue.responsible_unit.name, to_unit=unit.name)
    step.values.update(
        responsible_unit=unit,
        chief=chief,
        dispatched_at=step.now,
        acknowledged_at=None,
        override_reason=step.params["reason"][:200],
    )
    step.values.update(_clear_request())
    issue.cooperating_units.remove(unit)


def _reopen(step: Step) -> None:
    step.values.update(
        closed_at=None,
        closed_on_time=None,
        closure_requested_at=None,
        rectified_by=None,
        verified_by=None,
        dispatched_at=step.now,
        acknowledged_at=None,
    )
    step.values.update(_fresh_deadline(step.issue, step.now))
    step.data.update(recurrence=step.issue.recurrence_count + 1, deadline=step.values["deadline"].isoformat())


def _void(step: Step) -> None:
    if step.params["void_kind"] not in VoidKind.values:
        raise ValidationFailed(fields={"void_kind": [_("Choose why the issue is voided.")]})
    step.data["kind"] = step.params["void_kind"]


_EFFECTS = {
    "dispatch": _dispatch,
    "acknowledge": _acknowledge,
    "request_closure": _request_closure,
    "verify_pass": _verify_pass,
    "verify_fail": _verify_fail,
    "request_extension": _request_extension,
    "grant_extension": _grant_extension,
    "refuse_extension": _refuse,
    "request_shelve": _request_shelve,
    "approve_shelve": _approve_shelve,
    "refuse_shelve": _refuse,
    "resume": _resume,
    "reassign": _reassign,
    "reopen": _reopen,
    "void": _void,
}


def _clear_request() -> dict[str, Any]:
    return {
        "pending_request": PendingRequest.NONE,
        "requested_deadline": None,
        "requested_review_date": None,
        "pending_reason": "",
    }


def _deadline_values(issue: Issue, deadline: dt.datetime, *, explicit: bool) -> dict[str, Any]:
    yellow = rules.yellow_from(rules.limit_of(issue.category), deadline, workdays.calendar())
    return {
        "deadline": deadline,
        "deadline_explicit": explicit,
        "yellow_at": yellow,
        "yellow_notified_at": None,
        "overdue_notified_at": None,
    }


def _fresh_deadline(issue: Issue, start: dt.datetime) -> dict[str, Any]:
    calendar = workdays.calendar()
    deadline = rules.deadline_for(rules.limit_of(issue.category), start, calendar)
    return _deadline_values(issue, deadline, explicit=False)


def _event(
    issue: Issue,
    action: str,
    actor: Any,
    from_status: str,
    to_status: str,
    *,
    reason: str = "",
    data: dict[str, Any] | None = None,
) -> IssueEvent:
    ctx = audit.current()
    return IssueEvent.objects.create(
        issue=issue,
        action=action,
        from_status=from_status,
        to_status=to_status,
        actor=actor if getattr(actor, "pk", None) else None,
        at=clock.now(),
        source=ctx.source if ctx else "",
        reason=reason,
        data=data or {},
    )


# --- notifications -------------------------------------------------------------------------------------

_TO_UNIT = {
    "dispatch",
    "reassign",
    "reopen",
    "verify_fail",
    "grant_extension",
    "refuse_extension",
    "approve_shelve",
    "refuse_shelve",
}
_TO_OFFICE = {"send_back", "request_extension", "request_shelve"}
_TO_REPORTER = {"verify_pass"}


def _notify_after(issue: Issue, action: str, actor: Any, text: str) -> None:
    if action not in _TO_UNIT | _TO_OFFICE | _TO_REPORTER:
        return
    url = reverse("issues:issue_detail", args=[issue.pk])
    title = f"{workflow.event_label(action)}: {issue.number} {issue.title}"[:200]
    lines = [issue.title]
    if text:
        lines.append(text)
    if action in _TO_UNIT:
        lines.append(
            _("Deadline: %(deadline)s") % {"deadline": timezone.localtime(issue.deadline).strftime("%Y-%m-%d %H:%M")}
        )
    body = "\n".join(lines)
    unit_id, reporter_id = issue.responsible_unit_id, issue.reported_by_id or 0

    def send() -> None:
        from taizhang.notifications import services as notifications
        from taizhang.org.models import Unit, User

        if action in _TO_UNIT:
            unit = Unit.objects.get(pk=unit_id)
            notifications.notify_unit(actor=actor, unit=unit, title=title, body=body, url=url, kind=f"issue.{action}")
        elif action in _TO_OFFICE:
            notifications.notify(
                actor=actor,
                recipients=notifications.role_recipients(Role.SUPERVISOR),
                title=title,
                body=body,
                url=url,
                kind=f"issue.{action}",
            )
        else:
            notifications.notify(
                actor=actor,
                recipients=User.objects.filter(pk=reporter_id),
                title=title,
                body=body,
                url=url,
                kind=f"issue.{action}",
            )

    transaction.on_commit(send)


# --- evidence ------------------------------------------------------------------------------------------


def _check_photos(photos: Iterable[Any], errors: dict[str, list[str]]) -> list[tuple[Any, Any]]:
    checked = []
    for upload in photos:
        try:
            checked.append((upload, inspect_image(upload)))
        except DjangoValidationError as exc:
            errors.setdefault("photos", []).extend(exc.messages)
    return checked


@service
def evidence_add(*, actor: Any, issue: Issue, kind: str, file: Any, note: str = "") -> Evidence:
    """Attach a photo or document to an issue.

    Guarantees: "before" and "after" evidence are real images of acceptable size; their EXIF time and GPS are
    read, and an "after" photo taken far from the issue or before it was registered is flagged (photos
    without EXIF are accepted and flagged too). Nothing is stored for a file that is refused.
    """
    perm = {
        EvidenceKind.BEFORE: "issues.add_before_evidence",
        EvidenceKind.AFTER: "issues.add_after_evidence",
        EvidenceKind.ATTACHMENT: "issues.add_attachment",
    }.get(kind)  # type: ignore[call-overload]
    if perm is None:
        raise ValidationFailed(fields={"kind": [_("Unknown kind of evidence %(kind)r.") % {"kind": kind}]})
    ensure(actor, perm, issue)
    if issue.is_void or issue.status == Status.CLOSED:
        raise ValidationFailed(_("Evidence can only be added to an open issue."))
    if file is None:
        raise ValidationFailed(fields={"file": [_("Choose a file.")]})
    facts = None
    if kind in (EvidenceKind.BEFORE, EvidenceKind.AFTER):
        try:
            facts = inspect_image(file)
        except DjangoValidationError as exc:
            raise ValidationFailed(fields={"file": exc.messages}) from exc
    else:
        _check_attachment(file)
    return _save_evidence(issue, kind, file, facts=facts, actor=actor, note=note)


def _check_attachment(file: Any) -> None:
    name = getattr(file, "name", "") or ""
    suffix = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if suffix not in ATTACHMENT_SUFFIXES:
        raise ValidationFailed(
            fields={"file": [_("%(name)s: attach PDF, Word, Excel, text or image files.") % {"name": name or "?"}]}
        )
    size = getattr(file, "size", 0) or 0
    if size > MAX_ATTACHMENT_BYTES:
        raise ValidationFailed(
            fields={
                "file": [
                    _("%(name)s is %(mb).1f MB; attachments may be at most %(max)d MB.")
                    % {"name": name, "mb": size / 1024 / 1024, "max": MAX_ATTACHMENT_BYTES // 1024 // 1024}
                ]
            }
        )


def _save_evidence(issue: Issue, kind: str, file: Any, *, facts: Any, actor: Any, note: str) -> Evidence:
    now = clock.now()
    evidence = Evidence(
        issue=issue,
        kind=kind,
        file=file,
        original_name=(getattr(file, "name", "") or "file")[:200],
        content_type=(getattr(file, "content_type", "") or "")[:100],
        size=getattr(file, "size", 0) or 0,
        note=note[:200],
        uploaded_by=actor if getattr(actor, "pk", None) else None,
        uploaded_at=now,
    )
    if facts is not None:
        evidence.is_photo = True
        evidence.width, evidence.height = facts.width, facts.height
        evidence.taken_at = facts.taken_at
        evidence.no_exif = not (facts.has_exif_time and facts.has_gps)
        if facts.has_gps:
            evidence.longitude = _decimal(facts.longitude)
            evidence.latitude = _decimal(facts.latitude)
            if issue.point is not None:
                evidence.distance_m = round(geo.distance_m(*issue.point, facts.longitude, facts.latitude))
        if kind == EvidenceKind.AFTER:
            evidence.far_from_issue = evidence.distance_m is not None and evidence.distance_m > FAR_FROM_ISSUE_M
            evidence.taken_before_registration = facts.taken_at is not None and facts.taken_at < issue.registered_at
    base.validated_save(evidence)
    with stored_text():  # the flags in words, as the timeline keeps them
        flags = evidence.flags
    _event(
        issue,
        "evidence",
        actor,
        issue.status,
        issue.status,
        reason=note,
        data={"evidence": evidence.pk, "kind": kind, "name": evidence.original_name, "flags": flags},
    )
    return evidence


@service
def evidence_void(*, actor: Any, evidence: Evidence, reason: str) -> Evidence:
    """Withdraw evidence uploaded by mistake (by its uploader, or the supervision office); it stays on record."""
    issue = evidence.issue
    if evidence.uploaded_by_id != actor.pk:
        ensure(actor, "issues.change_issue", issue)
    if issue.status == Status.CLOSED:
        raise ValidationFailed(_("The issue is closed; its evidence is part of the record."))
    base.void(evidence, actor=actor, reason=reason)
    _event(issue, "evidence_void", actor, issue.status, issue.status, reason=reason, data={"evidence": evidence.pk})
    return evidence


# --- the deadline job ----------------------------------------------------------------------------------


@service
def issues_remind(*, actor: Any = None, now: dt.datetime | None = None, batch: int = 2000) -> dict[str, int]:
    """Flag issues whose light turned yellow or red since the last run, and tell their units once per light;
    flag shelved issues whose review date has come, and tell the supervision office.

    Run by the periodic job (``taizhang scheduler``, or ``taizhang issues_remind`` from cron). Each issue is
    flagged once per light (a new deadline clears the flags) and once per shelving; the unit gets one message
    per light listing its issues, not one per issue, and the office one message listing the reviews due.
    """
    now = now or clock.now()
    review = list(
        Issue.objects.live()
        .filter(
            status=Status.SHELVED,
            shelve_review_date__lte=timezone.localtime(now).date(),
            review_notified_at__isnull=True,
        )
        .order_by("shelve_review_date", "id")[:batch]
    )
    for issue in review:
        _flag(issue, "review_notified_at", "review_due", now, {"review_date": str(issue.shelve_review_date)})
    _remind_office(review)
    running = Issue.objects.live().clock_running()
    yellow = list(
        running.filter(deadline__gte=now, yellow_at__lte=now, yellow_notified_at__isnull=True)
        .select_related("responsible_unit")
        .order_by("deadline")[:batch]
    )
    red = list(
        running.filter(deadline__lt=now, overdue_notified_at__isnull=True)
        .select_related("responsible_unit")
        .order_by("deadline")[:batch]
    )
    for issue in yellow:
        _flag(issue, "yellow_notified_at", "yellow", now)
    for issue in red:
        _flag(issue, "overdue_notified_at", "overdue", now)
    _remind_units(yellow, gettext_lazy("%(n)d issues are due soon"), "issue.yellow")
    _remind_units(red, gettext_lazy("%(n)d issues are overdue"), "issue.overdue")
    return {"yellow": len(yellow), "overdue": len(red), "review": len(review)}


def _flag(issue: Issue, field: str, action: str, now: dt.datetime, data: dict[str, Any] | None = None) -> None:
    # A reminder flag is bookkeeping, not a change anyone edits against: it is saved (and historised)
    # without raising the version, so a reminder never turns a user's pending action into a conflict.
    setattr(issue, field, now)
    issue.save(update_fields=[field])
    _event(issue, action, None, issue.status, issue.status, data=data or {"deadline": issue.deadline.isoformat()})


@stored_text()
def _remind_office(issues: list[Issue]) -> None:
    """One message to the supervision office listing the shelved issues whose review date has come."""
    if not issues:
        return
    lines = [f"{i.number} {i.title}（{i.shelve_review_date:%Y-%m-%d}）" for i in issues[:20]]
    if len(issues) > 20:
        lines.append(_("… and %(n)d more") % {"n": len(issues) - 20})
    title = _("%(n)d shelved issues are due for review") % {"n": len(issues)}
    url = reverse("issues:issue_list") + "?review_due=true"

    def send() -> None:
        from taizhang.notifications import services as notifications

        notifications.notify(
            actor=None,
            recipients=notifications.role_recipients(Role.SUPERVISOR),
            title=title,
            body="\n".join(lines),
            url=url,
            kind="issue.review_due",
        )

    transaction.on_commit(send)


@stored_text()
def _remind_units(issues: list[Issue], title: Any, kind: str) -> None:
    """One message per unit listing its issues; ``title`` a lazy text with ``%(n)d``. The messages are composed
    here, in the site's language; only sending waits for the commit."""
    by_unit: dict[int, list[Issue]] = {}
    for issue in issues:
        by_unit.setdefault(issue.responsible_unit_id, []).append(issue)
    messages = []
    for group in by_unit.values():
        lines = [f"{i.number} {i.title}（{timezone.localtime(i.deadline):%m-%d %H:%M}）" for i in group[:20]]
        if len(group) > 20:
            lines.append(_("… and %(n)d more") % {"n": len(group) - 20})
        messages.append((group[0].responsible_unit, str(title) % {"n": len(group)}, "\n".join(lines)))
    if not messages:
        return
    url = reverse("issues:queue")

    def send() -> None:
        from taizhang.notifications import services as notifications

        for unit, text, body in messages:
            notifications.notify_unit(actor=None, unit=unit, title=text, body=body, url=url, kind=kind)

    transaction.on_commit(send)


# --- configuration -------------------------------------------------------------------------------------

SOURCE_FIELDS = ("code", "name", "auto_dispatch", "sort_order", "is_active")
CATEGORY_FIELDS = (
    "code",
    "name",
    "parent",
    "description",
    "time_limit",
    "time_unit",
    "yellow_lead",
    "severity",
    "open311",
    "sort_order",
    "is_active",
)
RULE_FIELDS = ("area", "category", "unit", "chief", "note", "is_active")
CLIENT_FIELDS = ("name", "user", "source", "coordinate_system", "is_active")


def _only(values: dict[str, Any], allowed: tuple[str, ...]) -> dict[str, Any]:
    unknown = set(values) - set(allowed)
    if unknown:
        raise TypeError(f"unknown fields: {', '.join(sorted(unknown))}")
    return values


@service
def source_create(*, actor: Any, **values: Any) -> IssueSource:
    """Add a source of issues (a channel such as 12345 or a patrol)."""
    ensure(actor, "issues.add_issuesource")
    return base.create(IssueSource, **_only(values, SOURCE_FIELDS))


@service
def source_update(
    *, actor: Any, source: IssueSource, values: dict[str, Any], expected_version: int | None = None
) -> IssueSource:
    ensure(actor, "issues.change_issuesource", source)
    base.change(source, _only(values, SOURCE_FIELDS), expected_version=expected_version)
    return source


@service
def source_void(*, actor: Any, source: IssueSource, reason: str) -> IssueSource:
    """Void a source entered by mistake; one with issues is refused (deactivate it instead)."""
    ensure(actor, "issues.void_issuesource", source)
    if source.issues.exists():
        raise ValidationFailed(_("%(name)s has issues; deactivate it instead.") % {"name": source.name})
    base.void(source, actor=actor, reason=reason)
    return source


@service
def category_create(*, actor: Any, **values: Any) -> IssueCategory:
    """Add a category with its time limit and yellow-light lead time."""
    ensure(actor, "issues.add_issuecategory")
    category = base.create(IssueCategory, **_only(values, CATEGORY_FIELDS))
    _open311_changed()
    return category


@service
def category_update(
    *, actor: Any, category: IssueCategory, values: dict[str, Any], expected_version: int | None = None
) -> IssueCategory:
    """Change a category. New time limits apply to issues registered afterwards; existing deadlines stand."""
    ensure(actor, "issues.change_issuecategory", category)
    base.change(category, _only(values, CATEGORY_FIELDS), expected_version=expected_version)
    _open311_changed()
    return category


@service
def category_void(*, actor: Any, category: IssueCategory, reason: str) -> IssueCategory:
    """Void a category entered by mistake; one with issues or live sub-categories is refused."""
    ensure(actor, "issues.void_issuecategory", category)
    if category.issues.exists() or category.children.live().exists():
        raise ValidationFailed(
            _("%(name)s has issues or sub-categories; deactivate it instead.") % {"name": category.name}
        )
    base.void(category, actor=actor, reason=reason)
    _open311_changed()
    return category


@service
def routing_rule_create(*, actor: Any, **values: Any) -> RoutingRule:
    """Add a rule sending issues of an area and/or category to a unit."""
    ensure(actor, "issues.add_routingrule")
    rule = base.create(RoutingRule, **_only(values, RULE_FIELDS))
    _rules_changed()
    return rule


@service
def routing_rule_update(
    *, actor: Any, rule: RoutingRule, values: dict[str, Any], expected_version: int | None = None
) -> RoutingRule:
    ensure(actor, "issues.change_routingrule", rule)
    base.change(rule, _only(values, RULE_FIELDS), expected_version=expected_version)
    _rules_changed()
    return rule


@service
def routing_rule_void(*, actor: Any, rule: RoutingRule, reason: str) -> RoutingRule:
    ensure(actor, "issues.void_routingrule", rule)
    base.void(rule, actor=actor, reason=reason)
    _rules_changed()
    return rule


def _rules_changed() -> None:
    # Now, for this process (a rolled-back change only costs a reload), and after commit, for every process.
    active_rules.invalidate()
    transaction.on_commit(active_rules.invalidate)


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@service
def open311_client_create(*, actor: Any, **values: Any) -> tuple[Open311Client, str]:
    """Register an Open311 client. Returns it with its API key, which is shown this once and stored hashed."""
    ensure(actor, "issues.add_open311client")
    _only(values, CLIENT_FIELDS)
    user = values.get("user")
    # A fresh copy: a user object in hand may carry a scope computed before its memberships changed.
    if user is not None and not type(user).objects.get(pk=user.pk).has_perm("issues.add_issue"):
        raise ValidationFailed(fields={"user": [_("%(user)s has no role that may register issues.") % {"user": user}]})
    key = secrets.token_urlsafe(24)
    client = base.create(Open311Client, key_prefix=key[:8], key_hash=hash_key(key), **values)
    _open311_changed()
    return client, key


@service
def open311_client_update(
    *, actor: Any, client: Open311Client, values: dict[str, Any], expected_version: int | None = None
) -> Open311Client:
    ensure(actor, "issues.change_open311client", client)
    base.change(client, _only(values, CLIENT_FIELDS), expected_version=expected_version)
    _open311_changed()
    return client


@service
def open311_client_new_key(*, actor: Any, client: Open311Client) -> str:
    """Replace a client's API key (the old one stops working at once). Returns the new key, shown once."""
    ensure(actor, "issues.change_open311client", client)
    key = secrets.token_urlsafe(24)
    base.change(client, {"key_prefix": key[:8], "key_hash": hash_key(key)})
    _open311_changed()
    return key


@service
def open311_client_void(*, actor: Any, client: Open311Client, reason: str) -> Open311Client:
    ensure(actor, "issues.void_open311client", client)
    base.void(client, actor=actor, reason=reason)
    _open311_changed()
    return client


def _open311_changed() -> None:
    from taizhang.issues import open311

    for memo in (open311.clients, open311.service_codes):
        memo.invalidate()
        transaction.on_commit(memo.invalidate)


# --- plain values, for spreadsheet imports --------------------------------------------------------------


@service
def issue_register_from_values(*, actor: Any, values: dict[str, Any]) -> Issue:
    """Register an issue from plain values (text as in a spreadsheet row), validated like the report form.

    Keys: title, description, category (code or name), source (code or name), address, longitude, latitude,
    coordinate_system, found_at, deadline (a date), responsible_unit (code or name), override_reason.
    Every problem of the row is reported at once, by field.
    """
    from taizhang.issues.forms import IssueValuesForm

    form = IssueValuesForm(data=values, user=actor)
    if not form.is_valid():
        raise ValidationFailed(fields={field: [str(m) for m in messages] for field, messages in form.errors.items()})
    return issue_register(actor=actor, **form.cleaned_data)
