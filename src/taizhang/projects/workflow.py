"""The monthly report's workflow as one transition table, read by the services, the pages, the API and docs.

    draft ──submit──▶ submitted ──approve──▶ approved (frozen)
      ▲                   │                      │
      └──── returned ◀─return (reason)          correct (reason) ─▶ a new revision, in draft

The reporters and head of the project's responsible unit submit; the supervision office approves or returns
with a reason. An approved month is frozen: changing it takes a correction, a new revision that goes through
the same review and replaces the approved figure only when it is approved itself. Each step writes one
:class:`~taizhang.projects.models.ReportEvent`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from taizhang.core.errors import TransitionNotAllowed
from taizhang.core.roles import Role
from taizhang.core.scoping import scope_for
from taizhang.projects.choices import ReportStatus

UNIT_WORKERS = frozenset({Role.UNIT_HEAD, Role.REPORTER, Role.SUPERVISOR, Role.ADMIN})
OFFICE = frozenset({Role.SUPERVISOR, Role.ADMIN})


@dataclass(frozen=True)
class Transition:
    action: str
    label: Any
    sources: frozenset[str]
    target: str
    roles: frozenset[str]
    needs_reason: bool = False
    style: str = "secondary"
    description: Any = ""

    def roles_label(self) -> str:
        names = {r.value: str(r.label) for r in Role}
        return ", ".join(names[r] for r in sorted(self.roles))


TRANSITIONS: tuple[Transition, ...] = (
    Transition(
        "submit",
        gettext_lazy("Submit"),
        frozenset({ReportStatus.DRAFT, ReportStatus.RETURNED}),
        ReportStatus.SUBMITTED,
        UNIT_WORKERS,
        style="primary",
        description=gettext_lazy("Send the month's figures to the supervision office for review."),
    ),
    Transition(
        "approve",
        gettext_lazy("Approve"),
        frozenset({ReportStatus.SUBMITTED}),
        ReportStatus.APPROVED,
        OFFICE,
        style="success",
        description=gettext_lazy("The figures count from now on and the month is frozen (审核通过)."),
    ),
    Transition(
        "return",
        gettext_lazy("Return"),
        frozenset({ReportStatus.SUBMITTED}),
        ReportStatus.RETURNED,
        OFFICE,
        needs_reason=True,
        style="danger",
        description=gettext_lazy("Send the report back to the unit with the reason (退回)."),
    ),
    Transition(
        "correct",
        gettext_lazy("Correct"),
        frozenset({ReportStatus.APPROVED}),
        ReportStatus.DRAFT,
        UNIT_WORKERS,
        needs_reason=True,
        description=gettext_lazy(
            "Open a new revision of an approved month; it needs approval before it replaces the figures."
        ),
    ),
)
BY_ACTION = {t.action: t for t in TRANSITIONS}
EDITABLE = frozenset({ReportStatus.DRAFT, ReportStatus.RETURNED})


def get(action: str) -> Transition:
    try:
        return BY_ACTION[action]
    except KeyError:
        raise TransitionNotAllowed(
            _("There is no action %(action)r. Actions: %(actions)s.")
            % {"action": action, "actions": ", ".join(BY_ACTION)}
        ) from None


def why_not(transition: Transition, report: Any, user: Any) -> str | None:
    """Why ``user`` may not take ``transition`` on ``report`` now, or None if they may."""
    if report.is_void:
        return _("The report is voided.")
    if not report.is_latest:
        return _("A later revision of this month exists.")
    if report.status not in transition.sources:
        return _("Not from the state %(state)s.") % {"state": report.get_status_display()}
    if not scope_for(user).has_role(*transition.roles, unit_id=report.project.responsible_unit_id):
        return _("Needs one of these roles: %(roles)s.") % {"roles": transition.roles_label()}
    return None


def allowed(report: Any, user: Any) -> list[Transition]:
    return [t for t in TRANSITIONS if why_not(t, report, user) is None]


def check(action: str, report: Any, user: Any) -> Transition:
    """The transition, or :class:`TransitionNotAllowed` saying why not and listing what is allowed."""
    transition = get(action)
    reason = why_not(transition, report, user)
    if reason is None:
        return transition
    permitted = allowed(report, user)
    listing = ", ".join(str(t.label) for t in permitted) or _("none")
    raise TransitionNotAllowed(
        _("%(action)s is not allowed: %(reason)s Allowed now for you: %(allowed)s.")
        % {"action": transition.label, "reason": reason, "allowed": listing},
        fields={"allowed": [t.action for t in permitted]},
    )


def markdown_table() -> str:
    """The table as docs/workflows/projects.md shows it (a test keeps the page and the code in step)."""
    from django.utils import translation

    with translation.override("en"):
        names = {s.value: str(s.label) for s in ReportStatus}
        lines = ["| from | action | who | needs | to |", "|---|---|---|---|---|"]
        order = [str(s) for s in ReportStatus]
        for t in TRANSITIONS:
            sources = ", ".join(names[s] for s in sorted(t.sources, key=order.index))
            needs = "reason" if t.needs_reason else "—"
            target = names[t.target] + (" (new revision)" if t.action == "correct" else "")
            lines.append(f"| {sources} | `{t.action}` {t.label} | {t.roles_label()} | {needs} | {target} |")
    return "\n".join(lines)
