"""Every read of the issue ledger that a user sees. The first argument is always the acting user.

Scope (docs/workflows/issues.md): district-wide roles see every issue. Everyone else sees the issues of
their units (responsible or cooperating, sub-units included), plus the issues they registered themselves
(an inspector follows what they reported anywhere). Inspectors also see, district-wide, every issue waiting
for verification and every issue they verified: verification is theirs wherever the issue is.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import connections
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Sum, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import TruncWeek
from django.utils import timezone

from taizhang.core import clock
from taizhang.core.roles import Role
from taizhang.core.scoping import get_in_scope, scope_for
from taizhang.issues import rules
from taizhang.issues.choices import CLOCK_RUNNING, Status
from taizhang.issues.models import (
    Evidence,
    Issue,
    IssueCategory,
    IssueEvent,
    IssueSource,
    Open311Client,
    RoutingRule,
)

LIST_RELATED = ("category", "source", "responsible_unit", "area", "chief")


def _visible(user: Any, qs: QuerySet[Issue]) -> QuerySet[Issue]:
    """The issues of ``qs`` the user may see (see the module's docstring).

    Each way of seeing an issue is its own index-friendly condition, OR-ed in one WHERE clause so that the
    database combines index scans (a bitmap OR) instead of scanning the ledger: the cooperating units' issues
    are looked up first, through the scope, and passed as a list of ids.
    """
    scope = scope_for(user)
    if scope.district_read:
        return qs
    if not user.is_authenticated or scope.is_empty:
        return qs.filter(reported_by=user.pk) if user.is_authenticated else qs.none()
    through = Issue.cooperating_units.through.objects.all()
    cooperating = list(scope.filter(through, "unit").values_list("issue_id", flat=True))
    visible = scope.filter(qs, "responsible_unit") | qs.filter(reported_by=user.pk)
    if cooperating:
        visible |= qs.filter(pk__in=cooperating)
    if Role.INSPECTOR in scope.roles:
        visible |= qs.filter(status=Status.CLOSURE_REQUESTED) | qs.filter(verified_by=user.pk)
    return visible


def issue_list(user: Any) -> QuerySet[Issue]:
    return _visible(user, Issue.objects.live().select_related(*LIST_RELATED))


def issue_get(user: Any, pk: int) -> Issue:
    qs = _visible(
        user, Issue.objects.live().select_related(*LIST_RELATED, "reported_by", "rectified_by", "verified_by")
    )
    return get_in_scope(qs.prefetch_related("cooperating_units"), pk=pk)


def issue_timeline(user: Any, issue: Issue) -> QuerySet[IssueEvent]:
    """The events of an issue the user has already been shown (``issue`` comes from :func:`issue_get`)."""
    return issue.events.select_related("actor").order_by("at", "id")


def evidence_of(user: Any, issue: Issue) -> QuerySet[Evidence]:
    return issue.evidence.live().select_related("uploaded_by").order_by("uploaded_at", "id")


def evidence_get(user: Any, pk: int) -> Evidence:
    """One piece of evidence, if its issue is visible to the user."""
    visible = _visible(user, Issue.objects.live()).values("pk")
    return get_in_scope(Evidence.objects.live().select_related("issue").filter(issue__in=visible), pk=pk)


def category_choices(user: Any) -> QuerySet[IssueCategory]:
    """Categories anyone signed in may pick: the district's configuration, not anyone's records."""
    if not user.is_authenticated:
        return IssueCategory.objects.none()
    return IssueCategory.objects.live().filter(is_active=True).select_related("parent").order_by("sort_order", "code")


def source_choices(user: Any) -> QuerySet[IssueSource]:
    if not user.is_authenticated:
        return IssueSource.objects.none()
    return IssueSource.objects.live().filter(is_active=True)


def category_tree(user: Any) -> list[tuple[IssueCategory, list[IssueCategory]]]:
    """Top-level categories with their children, for the category picker."""
    categories = list(category_choices(user))
    children: dict[int | None, list[IssueCategory]] = {}
    for c in categories:
        children.setdefault(c.parent_id, []).append(c)
    return [(top, children.get(top.pk, [])) for top in children.get(None, [])]


# --- queues --------------------------------------------------------------------------------------------


def work_queue(user: Any, unit_ids: list[int] | None = None) -> QuerySet[Issue]:
    """What the user's units must act on: to acknowledge, to rectify, waiting for a decision; overdue first.

    Only units where the user works (unit head, reporter) count; ``unit_ids`` narrows to some of them.
    """
    scope = scope_for(user)
    mine = [uid for uid, roles in scope.unit_roles.items() if roles & {Role.UNIT_HEAD, Role.REPORTER}]
    if unit_ids is not None:
        mine = [uid for uid in mine if uid in set(unit_ids)]
    qs = (
        Issue.objects.live()
        .filter(responsible_unit_id__in=mine, status__in=[Status.DISPATCHED, Status.ACKNOWLEDGED, Status.RECTIFYING])
        .select_related(*LIST_RELATED)
    )
    # Overdue first, then by deadline: since every overdue deadline lies before every other, that is the order
    # of the deadlines (which an index can give).
    return qs.order_by("deadline", "id")


def queue_units(user: Any) -> list[Any]:
    from taizhang.org.models import Unit

    scope = scope_for(user)
    ids = [uid for uid, roles in scope.unit_roles.items() if roles & {Role.UNIT_HEAD, Role.REPORTER}]
    return list(Unit.objects.filter(pk__in=ids, voided_at__isnull=True).order_by("path"))


def verification_queue(user: Any) -> QuerySet[Issue]:
    """Issues waiting for verification that the user may verify: inspectors district-wide, the office all,
    others none. Issues the user asked to close are left out (someone else must verify them)."""
    scope = scope_for(user)
    qs = Issue.objects.live().filter(status=Status.CLOSURE_REQUESTED).select_related(*LIST_RELATED, "rectified_by")
    if not (scope.district_write or Role.INSPECTOR in scope.roles):
        return qs.none()
    own_photos = Evidence.objects.live().filter(issue=OuterRef("pk"), kind="after", uploaded_by=user.pk)
    return (
        qs.exclude(rectified_by=user.pk)
        .alias(own=Exists(own_photos))
        .filter(own=False)
        .order_by("closure_requested_at", "id")
    )


def routing_rule_list(user: Any) -> QuerySet[RoutingRule]:
    """Routing rules that send issues to the units the user sees (every rule for district-wide roles); voided
    rules stay out. Changing them is for the supervision office (the services check)."""
    qs = RoutingRule.objects.live().select_related("area", "category", "unit", "chief")
    return scope_for(user).filter(qs, *RoutingRule.scope_fields).order_by("category__code", "area__code", "id")


def open311_client_list(user: Any) -> QuerySet[Open311Client]:
    """Open311 clients: every one for district-wide roles; for a unit, those that register issues as one of its
    people (the hotline account of the petitions bureau, say). Only administrators change them."""
    from taizhang.org.models import Membership

    qs = Open311Client.objects.live().select_related("user", "source").order_by("name")
    scope = scope_for(user)
    if scope.district_read:
        return qs
    members = scope.filter(Membership.objects.live(), *Membership.scope_fields).values("user_id")
    return qs.filter(user__in=members)


def open311_requests(client: Open311Client | None) -> QuerySet[Issue]:
    """What an Open311 client may read: the requests it posted, voided ones included (reported as closed). Without
    a client (no api_key), what the public may read: every request that came in through Open311, none of the
    ledger's own findings."""
    qs = Issue.objects.filter(open311_client__isnull=False) if client is None else client.issues.all()
    return qs.select_related("category", "responsible_unit")


# --- statistics ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    start: dt.datetime
    end: dt.datetime

    @classmethod
    def of_dates(cls, first: dt.date, last: dt.date) -> Period:
        tz = timezone.get_default_timezone()
        start = timezone.make_aware(dt.datetime.combine(first, dt.time.min), tz)
        end = timezone.make_aware(dt.datetime.combine(last + dt.timedelta(days=1), dt.time.min), tz)
        return cls(start, end)


def _finish(row: dict[str, Any]) -> dict[str, Any]:
    row["rate"] = rules.on_time_rate(row["due_closed_on_time"], row["due"], row["due_shelved"])
    return row


GROUP_KEYS = {"unit": "responsible_unit_id", "category": "category_id", "area": "area_id", "source": "source_id"}
FIGURES = (
    "received",
    "closed",
    "due",
    "due_closed_on_time",
    "due_shelved",
    "overdue",
    "overdue_now",
    "rework",
    "recurrences",
)
# What the queries count: the figures but overdue, which is worked out from them (see _parts).
COUNTED = (*(f for f in FIGURES if f != "overdue"), "due_awaiting_verification")


@dataclass(frozen=True)
class _Part:
    """One family of figures: the issues it counts, the date that places an issue in the period (and in its
    week), that date's range (``start`` None: whatever the period), and the aggregates, a count first.
    ``per_key``: worth counting key by key (see :func:`_grouped_figures`)."""

    rows: QuerySet[Issue]
    date_field: str
    start: dt.datetime | None
    end: dt.datetime
    figures: dict[str, Any]
    per_key: bool = True

    def in_range(self) -> QuerySet[Issue]:
        bounds = {f"{self.date_field}__lt": self.end}
        if self.start is not None:
            bounds[f"{self.date_field}__gte"] = self.start
        return self.rows.filter(**bounds)


def _parts(qs: QuerySet[Issue], by: str, period: Period, now: dt.datetime) -> list[_Part]:
    """Received (with reworks and recurrences) by registration, closed by closing; due, closed on time, shelved
    and overdue by deadline (the deadlines of the period that have passed); overdue now from the running issues
    (every one whatever the period; by week, those due in the period, in the week of their deadline).

    Overdue (in the period): of the issues due, those that missed their deadline — still running after it,
    closed late, or waiting for verification of a closure asked for after it (:func:`rules.closed_on_time`).
    Shelved issues are not overdue (the clock stopped, as they leave the rate), nor is a closure asked for in
    time and not yet verified. See docs/workflows/issues.md. Every issue due is running, closed (on time or not),
    shelved or waiting for verification, so overdue is what remains of due once the others are taken away
    (:func:`_grouped_figures`): a fourth filtered count over the year's deadlines cost a fifth of the page.
    """
    due_end = min(period.end, now)
    return [
        _Part(
            qs,
            "registered_at",
            period.start,
            period.end,
            {"received": Count("*"), "rework": Sum("rework_count"), "recurrences": Sum("recurrence_count")},
        ),
        _Part(qs, "closed_at", period.start, period.end, {"closed": Count("*")}),
        _Part(
            qs,
            "deadline",
            period.start,
            due_end,
            {
                "due": Count("*"),
                # counted over a column of the index (never null): COUNT(*) cannot be filtered in Django
                "due_closed_on_time": Count("deadline", filter=Q(status=Status.CLOSED, closed_on_time=True)),
                "due_shelved": Count("deadline", filter=Q(status=Status.SHELVED)),
            },
        ),
        _Part(
            # closures asked for in time, not verified yet (a few thousand in a city: their own small read)
            qs.filter(status=Status.CLOSURE_REQUESTED, closure_requested_at__lte=F("deadline")),
            "deadline",
            period.start,
            due_end,
            {"due_awaiting_verification": Count("*")},
            per_key=False,
        ),
        _Part(
            qs.filter(status__in=CLOCK_RUNNING),
            "deadline",
            period.start if by == "week" else None,
            due_end if by == "week" else now,
            {"overdue_now": Count("*")},
            # the running issues are a few percent of the ledger, read once from their own index and grouped
            per_key=False,
        ),
    ]


def _grouped_figures(
    qs: QuerySet[Issue], by: str, period: Period, now: dt.datetime, *, district: bool, keys: list[int] | None
) -> dict[Any, dict[str, Any]]:
    """Each figure from the one index that holds it (see :func:`_parts`), grouped. Every one of those indexes also
    holds what the figures are grouped by, so PostgreSQL counts from the index alone (an index-only scan) instead
    of reading the ledger's rows; one query over all rows relevant to the period read ten times as much.

    By week, each figure falls in the week of its own date: received in the week of registration, closed in the
    week of closing, due, overdue (and overdue now) in the week of the deadline.

    The district's figures by week, unit, area and category are counted key by key on PostgreSQL
    (:func:`_per_week`, :func:`_per_key`): one range of an index per week, or per key of an index that leads with
    it, instead of working out or hashing every issue's group; a unit's own figures are few and grouped as they
    come. ``keys``: only these groups (a unit's areas).
    """
    slots = {name: slot for slot, name in enumerate(COUNTED)}
    counted: dict[Any, list[int]] = {}  # (lists: 10,000 areas × 4 parts of dictionaries cost 40 ms)
    for part in _parts(qs, by, period, now):
        per_key = district and part.per_key and part.start is not None and _per_key_supported(qs)
        if per_key and by == "week":
            rows = _per_week(part)
        elif per_key and by in KEYED:
            rows = _per_key(part, by, keys)
        else:
            key = TruncWeek(part.date_field) if by == "week" else F(GROUP_KEYS[by])
            in_range = part.in_range() if keys is None else part.in_range().filter(**{f"{GROUP_KEYS[by]}__in": keys})
            rows = list(in_range.annotate(group=key).values_list("group").annotate(**part.figures).order_by())
        positions = [slots[name] for name in part.figures]
        for group, *values in rows:
            into = counted.get(group)
            if into is None:
                into = counted[group] = [0] * len(COUNTED)
            for position, value in zip(positions, values, strict=True):
                into[position] = value or 0
    groups: dict[Any, dict[str, Any]] = {}
    for group, values in counted.items():
        figures = dict(zip(COUNTED, values, strict=True))
        in_time = figures.pop("due_awaiting_verification")  # see _parts
        figures["overdue"] = figures["due"] - figures["due_closed_on_time"] - figures["due_shelved"] - in_time
        groups[group] = figures
    return groups


def _per_key_supported(qs: QuerySet[Issue]) -> bool:
    """Counting key by key needs LATERAL joins and arrays: PostgreSQL."""
    return connections[qs.db].vendor == "postgresql"


def weeks_of(start: dt.datetime, end: dt.datetime) -> list[tuple[dt.datetime, dt.datetime, dt.datetime]]:
    """The weeks that meet [``start``, ``end``), Monday to Monday in the current time zone as ``TruncWeek`` cuts
    them: each as (its Monday at midnight, the part of [start, end) that falls in it)."""
    if start >= end:
        return []
    zone = timezone.get_current_timezone()

    def midnight(day: dt.date) -> dt.datetime:
        return timezone.make_aware(dt.datetime.combine(day, dt.time.min), zone)

    first = timezone.localtime(start, zone).date()
    monday = first - dt.timedelta(days=first.weekday())
    weeks = []
    while (week := midnight(monday)) < end:
        monday += dt.timedelta(days=7)
        weeks.append((week, max(week, start), min(midnight(monday), end)))
    return weeks


def _per_week(part: _Part) -> list[tuple[Any, ...]]:
    """A part's figures week by week: for each week, one range of the date's index. Working out each issue's week
    in the time zone (``DATE_TRUNC`` of the local time) and hashing it took twice as long as reading the issues."""
    assert part.start is not None
    weeks = weeks_of(part.start, part.end)
    if not weeks:
        return []
    date = part.date_field
    rows = part.rows.filter(**{f"{date}__gte": RawSQL("k.lo", ()), f"{date}__lt": RawSQL("k.hi", ())})
    keys = "unnest(%s::timestamptz[], %s::timestamptz[], %s::int[]) AS k(lo, hi, key)"
    bounds = ([lo for _monday, lo, _hi in weeks], [hi for _monday, _lo, hi in weeks], list(range(len(weeks))))
    return [(weeks[key][0], *figures) for key, *figures in _lateral(part, rows, keys, bounds)]


# The groups that have indexes leading with them (migrations 0007, 0008), so can be counted key by key.
KEYED = frozenset({"unit", "area", "category"})


def _key_model(by: str) -> Any:
    from taizhang.org.models import Area, Unit

    return {"unit": Unit, "area": Area, "category": IssueCategory}[by]


def _per_key(part: _Part, by: str, keys: list[int] | None) -> list[tuple[Any, ...]]:
    """A part's figures key by key (every unit, area or category, or the ``keys`` given): for each, one range of the
    index that leads with it. Hashing the 600,000 issues of a year by their group took as
    long as reading them (by unit and category), longer for 10,000 areas."""
    rows = part.in_range().filter(**{GROUP_KEYS[by]: RawSQL("k.key", ())})
    if keys is not None:
        return _lateral(part, rows, "unnest(%s::bigint[]) AS k(key)", (keys,))
    table = connections[part.rows.db].ops.quote_name(_key_model(by)._meta.db_table)
    return _lateral(part, rows, f"(SELECT id AS key FROM {table}) AS k", ())  # noqa: S608  (a quoted table name)


def _lateral(part: _Part, rows: QuerySet[Issue], keys: str, keys_params: tuple[Any, ...]) -> list[tuple[Any, ...]]:
    """The part's aggregates over ``rows`` (which refer to the key's columns as ``k.…``) for each row of ``keys``
    (SQL naming its rows ``k``, with a column ``key``), keys with no issue left out, as GROUP BY leaves them out:
    (key, the part's figures in order)."""
    quote = connections[part.rows.db].ops.quote_name
    # a constant is left out of GROUP BY, so this is one row of aggregates (per key, once joined laterally)
    sql, params = rows.annotate(one=Value(1)).values("one").annotate(**part.figures).order_by().query.sql_with_params()
    names = list(part.figures)
    columns = ", ".join(f"f.{quote(name)}" for name in names)
    # identifiers quoted, Django's own SQL, values passed as parameters
    query = f"SELECT k.key, {columns} FROM {keys} CROSS JOIN LATERAL ({sql}) AS f WHERE f.{quote(names[0])} > 0"  # noqa: S608
    with connections[part.rows.db].cursor() as cursor:
        cursor.execute(query, (*keys_params, *params))
        return cursor.fetchall()


def areas_of(unit: Any) -> list[int]:
    """The areas ``unit`` and its sub-units are responsible for (voided ones too: their issues still count)."""
    from taizhang.org.models import Area

    return list(Area.objects.filter(responsible_unit__path__startswith=unit.path).values_list("pk", flat=True))


def statistics(user: Any, period: Period, by: str, *, area_unit: Any = None) -> list[dict[str, Any]]:
    """Figures of the issues the user may see, grouped ``by`` unit, category, area, source or week.

    Received, closed and due (deadline in the period and passed) count the issues of the period, overdue those of
    the issues due that missed their deadline; overdue now counts every issue whose deadline has passed while it is
    open (by week: of those due in the period); reworks and recurrences are those of the issues received.
    ``area_unit`` (by area): only the areas that unit and its sub-units are responsible for.
    """
    now = clock.now()
    qs = issue_list(user).select_related(None).order_by()
    keys = areas_of(area_unit) if by == "area" and area_unit is not None else None
    if keys == []:
        return []
    groups = _grouped_figures(qs, by, period, now, district=scope_for(user).district_read, keys=keys)
    if by == "week":
        return [
            _finish({**groups[week], "key": week, "name": timezone.localtime(week).date().isoformat()})
            for week in sorted(groups)
        ]
    if by == "unit":
        return _by_top_unit(user, [{"responsible_unit_id": k, **figures} for k, figures in groups.items()])
    from taizhang.org.models import Area

    model: Any = {"category": IssueCategory, "area": Area, "source": IssueSource}[by]
    named = model.objects.all() if len(groups) > 500 else model.objects.filter(pk__in=[k for k in groups if k])
    names = {pk: name for pk, name in named.values_list("pk", "name").order_by() if pk in groups}
    rows = [_finish({**groups[k], "key": k, "name": name}) for k, name in names.items()]
    return sorted(rows, key=lambda r: (r["name"], r["key"]))


def _by_top_unit(user: Any, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Roll the units' figures up to the highest unit the user may see: sub-districts and departments for the
    office (a community's issues count for its sub-district), the user's own unit for everyone else."""
    from taizhang.org.models import Unit

    scope = scope_for(user)
    ids = {r["responsible_unit_id"] for r in rows}
    # the district's 2,000 units: reading their paths costs less than sending the list of their ids
    units = Unit.objects.all() if len(ids) > 500 else Unit.objects.filter(pk__in=ids)
    paths = {pk: path for pk, path in units.values_list("pk", "path") if pk in ids}
    top_of: dict[int, int] = {}
    for unit_id, path in paths.items():
        chain = [int(p) for p in path.strip("/").split("/") if p] or [unit_id]
        top_of[unit_id] = next((uid for uid in chain if scope.can_read_unit(uid)), unit_id)
    names = {u.pk: u for u in Unit.objects.filter(pk__in=set(top_of.values())).only("id", "name", "sort_order", "code")}
    merged: dict[int, dict[str, Any]] = {}
    for row in rows:
        top = top_of.get(row["responsible_unit_id"], row["responsible_unit_id"])
        into = merged.setdefault(top, dict.fromkeys(FIGURES, 0))
        for field in FIGURES:
            into[field] += row[field] or 0
    ordered = sorted(merged.items(), key=lambda item: (names[item[0]].sort_order, names[item[0]].code))
    return [_finish({**figures, "key": uid, "name": names[uid].name}) for uid, figures in ordered]


def totals(rows: list[dict[str, Any]]) -> dict[str, Any]:
    total = {f: sum(r[f] or 0 for r in rows) for f in FIGURES}
    return _finish(total)


def light_counts(user: Any, qs: QuerySet[Issue] | None = None) -> dict[str, int]:
    """How many open issues are green, yellow, red now (among ``qs`` or all the user sees)."""
    now = clock.now()
    base = (qs if qs is not None else issue_list(user)).order_by().select_related(None)
    counts = base.filter(status__in=CLOCK_RUNNING).aggregate(
        # COUNT over a column of the running issues' index (never null), so the index alone answers
        red=Count("deadline", filter=Q(deadline__lt=now)),
        yellow=Count("deadline", filter=Q(deadline__gte=now, yellow_at__lte=now)),
        green=Count("deadline", filter=Q(yellow_at__gt=now)),
    )
    return {k: v or 0 for k, v in counts.items()}


def map_points(user: Any, qs: QuerySet[Issue], limit: int = 5000) -> list[dict[str, Any]]:
    """Issues with a point, lightest possible rows, for the clustered map."""
    now = clock.now()
    rows = (
        qs.filter(longitude__isnull=False)
        .order_by("-registered_at")
        .values("pk", "number", "title", "longitude", "latitude", "status", "deadline", "yellow_at")[:limit]
    )
    points = []
    for r in rows:
        light = ""
        if r["status"] in CLOCK_RUNNING:
            light = "red" if r["deadline"] < now else "yellow" if r["yellow_at"] <= now else "green"
        points.append(
            {
                "id": r["pk"],
                "number": r["number"],
                "title": r["title"],
                "lon": float(r["longitude"] or 0),
                "lat": float(r["latitude"] or 0),
                "status": r["status"],
                "light": light,
            }
        )
    return points
