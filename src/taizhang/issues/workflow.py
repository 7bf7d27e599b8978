"""The issue workflow as one transition table, read by the services, the pages, the API and the docs.

Each :class:`Transition` says from which states an action may be taken, by whom, under which guard, what it
asks for, and which state follows (``None``: the state does not change, e.g. an extension request).

Who: ``unit_roles`` are roles held in the issue's responsible unit (or a unit above it); district-wide roles
(supervisor, admin) count everywhere. ``anywhere_roles`` are roles that count in whichever unit they are held:
inspectors verify and reopen issues district-wide (see docs/workflows/issues.md, "Scope").
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from taizhang.core.errors import TransitionNotAllowed
from taizhang.core.roles import Role
from taizhang.core.scoping import scope_for
from taizhang.issues.choices import PendingRequest, Status

UNIT_WORKERS = frozenset({Role.UNIT_HEAD, Role.REPORTER, Role.ADMIN})
OFFICE = frozenset({Role.SUPERVISOR, Role.ADMIN})
ACTIVE = frozenset({Status.DISPATCHED, Status.ACKNOWLEDGED, Status.RECTIFYING})

Guard = Callable[[Any, Any], str | None]  # (issue, user) -> why not, or None


@dataclass(frozen=True)
class Transition:
    action: str
    label: Any
    sources: frozenset[str]
    target: str | None
    unit_roles: frozenset[str]
    anywhere_roles: frozenset[str] = frozenset()
    guard: Guard | None = None
    params: tuple[str, ...] = ()  # reason, deadline, unit, chief, review_date, measures, note, void_kind
    required: tuple[str, ...] = ()
    style: str = "secondary"
    description: Any = ""
    counts: str = ""  # the counter the action raises

    def roles_label(self) -> str:
        names = {r.value: str(r.label) for r in Role}
        return listed(names[r] for r in sorted(self.unit_roles | self.anywhere_roles))


def listed(items: Iterable[str]) -> str:
    """Items as a list reads in the active language: "a, b" in English, "a、b" in Chinese."""
    return pgettext("list separator", ", ").join(items)


# --- guards --------------------------------------------------------------------------------------------


def _no_pending(issue: Any, user: Any) -> str | None:
    """No extension or shelving request is waiting for a decision."""
    if issue.pending_request:
        return _("A request (%(kind)s) is waiting for a decision.") % {"kind": issue.get_pending_request_display()}
    return None


def _pending(kind: str) -> Guard:
    def guard(issue: Any, user: Any) -> str | None:
        if issue.pending_request != kind:
            return _("There is no such request to decide.")
        return None

    guard.__doc__ = f"A request ({kind}) is waiting for this decision."
    return guard


def _not_the_rectifier(issue: Any, user: Any) -> str | None:
    """The verifier neither asked for closure nor uploaded the after photos."""
    from taizhang.issues.models import Evidence

    if issue.rectified_by_id == user.pk:
        return _("You asked to close this issue; someone else must verify it.")
    if Evidence.objects.live().filter(issue=issue, kind="after", uploaded_by=user).exists():
        return _("You uploaded the rectification photos; someone else must verify them.")
    return None


def _after_photo_since_last_check(issue: Any, user: Any) -> str | None:
    """An 'after' photo, added since the last failed verification if there was one."""
    from taizhang.issues.models import Evidence

    photos = Evidence.objects.live().filter(issue=issue, kind="after")
    last_failure = issue.events.filter(action="verify_fail").order_by("-id").values_list("id", flat=True).first()
    if last_failure is not None:
        # Events are numbered in the order things happened: only photos added after the failed check count.
        added = issue.events.filter(action="evidence", id__gt=last_failure).values_list("data__evidence", flat=True)
        photos = photos.filter(pk__in=[pk for pk in added if pk is not None])
    if not photos.exists():
        if last_failure is not None:
            return _("Attach a new 'after' photo of the rework before asking to close again.")
        return _("Attach at least one 'after' photo before asking to close.")
    return None


# --- the table -----------------------------------------------------------------------------------------

TRANSITIONS: tuple[Transition, ...] = (
    Transition(
        "dispatch",
        gettext_lazy("Dispatch"),
        frozenset({Status.REGISTERED}),
        Status.DISPATCHED,
        OFFICE,
        style="primary",
        description=gettext_lazy("Send the issue to its responsible unit (automatic for sources that allow it)."),
    ),
    Transition(
        "send_back",
        gettext_lazy("Send back"),
        frozenset({Status.DISPATCHED}),
        Status.REGISTERED,
        UNIT_WORKERS,
        params=("reason",),
        required=("reason",),
        description=gettext_lazy("Not this unit's matter: return it to the supervision office for reassignment."),
    ),
    Transition(
        "acknowledge",
        gettext_lazy("Acknowledge"),
        frozenset({Status.DISPATCHED}),
        Status.ACKNOWLEDGED,
        UNIT_WORKERS,
        style="primary",
        description=gettext_lazy("The unit accepts the issue (签收)."),
    ),
    Transition(
        "start",
        gettext_lazy("Start rectifying"),
        frozenset({Status.ACKNOWLEDGED}),
        Status.RECTIFYING,
        UNIT_WORKERS,
        params=("note",),
        style="primary",
        description=gettext_lazy("Work on the issue begins."),
    ),
    Transition(
        "request_closure",
        gettext_lazy("Ask to close"),
        frozenset({Status.RECTIFYING}),
        Status.CLOSURE_REQUESTED,
        UNIT_WORKERS,
        guard=_after_photo_since_last_check,
        params=("measures",),
        required=("measures",),
        style="primary",
        description=gettext_lazy("Rectified: describe the measures; needs an 'after' photo (申请销号)."),
    ),
    Transition(
        "verify_pass",
        gettext_lazy("Verify: pass"),
        frozenset({Status.CLOSURE_REQUESTED}),
        Status.CLOSED,
        OFFICE,
        anywhere_roles=frozenset({Role.INSPECTOR}),
        guard=_not_the_rectifier,
        params=("note",),
        style="success",
        description=gettext_lazy("Someone other than the rectifier checks the site and closes the issue (销号)."),
    ),
    Transition(
        "verify_fail",
        gettext_lazy("Verify: fail"),
        frozenset({Status.CLOSURE_REQUESTED}),
        Status.RECTIFYING,
        OFFICE,
        anywhere_roles=frozenset({Role.INSPECTOR}),
        guard=_not_the_rectifier,
        params=("reason",),
        required=("reason",),
        style="danger",
        counts="rework_count",
        description=gettext_lazy("Not rectified: back to the unit for rework (返工), which is counted."),
    ),
    Transition(
        "request_extension",
        gettext_lazy("Ask for more time"),
        ACTIVE,
        None,
        UNIT_WORKERS,
        guard=_no_pending,
        params=("deadline", "reason"),
        required=("deadline", "reason"),
        description=gettext_lazy("Ask the supervision office for a later deadline (延期申请)."),
    ),
    Transition(
        "grant_extension",
        gettext_lazy("Grant the extension"),
        ACTIVE,
        None,
        OFFICE,
        guard=_pending(PendingRequest.EXTENSION),
        params=("note",),
        style="primary",
        counts="extension_count",
        description=gettext_lazy("The requested deadline becomes the deadline; extensions are counted."),
    ),
    Transition(
        "refuse_extension",
        gettext_lazy("Refuse the extension"),
        ACTIVE,
        None,
        OFFICE,
        guard=_pending(PendingRequest.EXTENSION),
        params=("reason",),
        required=("reason",),
        style="danger",
        description=gettext_lazy("The deadline stays."),
    ),
    Transition(
        "request_shelve",
        gettext_lazy("Ask to shelve"),
        frozenset({Status.ACKNOWLEDGED, Status.RECTIFYING}),
        None,
        UNIT_WORKERS,
        guard=_no_pending,
        params=("review_date", "reason"),
        required=("review_date", "reason"),
        description=gettext_lazy("Cannot be fixed for now (挂账): ask to shelve it until a review date."),
    ),
    Transition(
        "approve_shelve",
        gettext_lazy("Approve shelving"),
        frozenset({Status.ACKNOWLEDGED, Status.RECTIFYING}),
        Status.SHELVED,
        OFFICE,
        guard=_pending(PendingRequest.SHELVE),
        params=("note",),
        description=gettext_lazy("The clock stops until the review date; shelved issues leave the on-time rate."),
    ),
    Transition(
        "refuse_shelve",
        gettext_lazy("Refuse shelving"),
        frozenset({Status.ACKNOWLEDGED, Status.RECTIFYING}),
        None,
        OFFICE,
        guard=_pending(PendingRequest.SHELVE),
        params=("reason",),
        required=("reason",),
        style="danger",
        description=gettext_lazy("The unit carries on."),
    ),
    Transition(
        "resume",
        gettext_lazy("Resume"),
        frozenset({Status.SHELVED}),
        Status.RECTIFYING,
        OFFICE | {Role.UNIT_HEAD},
        params=("deadline", "note"),
        style="primary",
        description=gettext_lazy("Take a shelved issue up again, with a fresh deadline from today."),
    ),
    Transition(
        "reassign",
        gettext_lazy("Reassign"),
        frozenset({Status.REGISTERED, *ACTIVE}),
        Status.DISPATCHED,
        OFFICE,
        params=("unit", "chief", "reason"),
        required=("unit", "reason"),
        counts="reassignment_count",
        description=gettext_lazy("Give the issue to another unit (改派); reassignments are counted."),
    ),
    Transition(
        "reopen",
        gettext_lazy("Reopen (recurrence)"),
        frozenset({Status.CLOSED}),
        Status.DISPATCHED,
        OFFICE,
        anywhere_roles=frozenset({Role.INSPECTOR}),
        params=("reason",),
        required=("reason",),
        style="danger",
        counts="recurrence_count",
        description=gettext_lazy("The problem came back (反弹): the unit gets it again with a fresh deadline."),
    ),
    Transition(
        "void",
        gettext_lazy("Void"),
        frozenset({Status.REGISTERED, *ACTIVE, Status.CLOSURE_REQUESTED, Status.SHELVED}),
        None,
        OFFICE,
        params=("void_kind", "reason"),
        required=("void_kind", "reason"),
        style="danger",
        description=gettext_lazy("A duplicate or not a valid issue: voided with a reason, kept in the record."),
    ),
)

BY_ACTION: dict[str, Transition] = {t.action: t for t in TRANSITIONS}

# Events that are not transitions but still belong on the timeline.
OTHER_EVENTS: dict[str, Any] = {
    "register": gettext_lazy("Registered"),
    "update": gettext_lazy("Details changed"),
    "evidence": gettext_lazy("Evidence added"),
    "evidence_void": gettext_lazy("Evidence withdrawn"),
    "yellow": gettext_lazy("Reminder: deadline near"),
    "overdue": gettext_lazy("Flagged overdue"),
    "review_due": gettext_lazy("Shelving review date reached"),
}


def event_label(action: str) -> str:
    transition = BY_ACTION.get(action)
    if transition is not None:
        return str(transition.label)
    return str(OTHER_EVENTS.get(action, action))


def get(action: str) -> Transition:
    try:
        return BY_ACTION[action]
    except KeyError:
        raise TransitionNotAllowed(
            _("There is no action %(action)r. Actions: %(actions)s.")
            % {"action": action, "actions": ", ".join(BY_ACTION)}
        ) from None


def holds_role(transition: Transition, issue: Any, user: Any) -> bool:
    scope = scope_for(user)
    if scope.has_role(*transition.unit_roles, unit_id=issue.responsible_unit_id):
        return True
    return bool(transition.anywhere_roles and scope.roles & transition.anywhere_roles)


def why_not(transition: Transition, issue: Any, user: Any) -> str | None:
    """Why ``user`` may not take ``transition`` on ``issue`` now, or None if they may."""
    if issue.is_void:
        return _("The issue is voided.")
    if issue.status not in transition.sources:
        return _("Not from the state %(state)s.") % {"state": issue.get_status_display()}
    if not holds_role(transition, issue, user):
        return _("Needs one of these roles: %(roles)s.") % {"roles": transition.roles_label()}
    if transition.guard is not None:
        return transition.guard(issue, user)
    return None


def allowed(issue: Any, user: Any) -> list[Transition]:
    """The actions ``user`` may take on ``issue`` now, in table order."""
    return [t for t in TRANSITIONS if why_not(t, issue, user) is None]


def check(action: str, issue: Any, user: Any) -> Transition:
    """The transition, or :class:`TransitionNotAllowed` saying why not and listing what is allowed."""
    transition = get(action)
    reason = why_not(transition, issue, user)
    if reason is None:
        return transition
    permitted = [str(t.label) for t in allowed(issue, user)]
    listing = listed(permitted) if permitted else _("none")
    raise TransitionNotAllowed(
        _("%(action)s is not allowed: %(reason)s Allowed now for you: %(allowed)s.")
        % {"action": transition.label, "reason": reason, "allowed": listing},
        fields={"allowed": [t.action for t in allowed(issue, user)]},
    )


@dataclass(frozen=True)
class Step:
    """A row of the table for the docs: one (state, action) pair."""

    state: str
    transition: Transition
    extra: dict[str, Any] = field(default_factory=dict)


def table_rows() -> list[Step]:
    order = [str(s) for s in Status]
    rows = [Step(state, t) for t in TRANSITIONS for state in sorted(t.sources, key=order.index)]
    return sorted(rows, key=lambda s: (order.index(s.state), TRANSITIONS.index(s.transition)))


def markdown_table() -> str:
    """The table as docs/workflows/issues.md shows it (a test keeps the page and the code in step)."""
    from django.utils import translation

    with translation.override("en"):
        names = {s.value: str(s.label) for s in Status}
        lines = [
            "| from | action | who | needs | guard | to |",
            "|---|---|---|---|---|---|",
        ]
        for t in TRANSITIONS:
            order = [str(s) for s in Status]
            sources = ", ".join(names[s] for s in sorted(t.sources, key=order.index))
            who = t.roles_label() + (" (inspectors district-wide)" if t.anywhere_roles else "")
            needs = ", ".join(f"{p}{'' if p in t.required else '?'}" for p in t.params) or "—"
            guard = (t.guard.__doc__ or t.guard.__name__).strip().splitlines()[0] if t.guard else "—"
            target = names[t.target] if t.target else "(voided)" if t.action == "void" else "(unchanged)"
            counts = f"; counts `{t.counts}`" if t.counts else ""
            lines.append(f"| {sources} | `{t.action}` {t.label}{counts} | {who} | {needs} | {guard} | {target} |")
    return "\n".join(lines)
