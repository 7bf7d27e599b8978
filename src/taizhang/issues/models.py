"""The issue ledger: issues, their evidence and timeline, and the configuration they are routed and timed by."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from simple_history.manager import HistoryDescriptor

from taizhang.core import clock
from taizhang.core.audit import history_records
from taizhang.core.models import LedgerModel
from taizhang.issues.choices import (
    CLOCK_RUNNING,
    CoordinateSystem,
    EvidenceKind,
    PendingRequest,
    Severity,
    Status,
    TimeUnit,
    VoidKind,
)

# --- configuration -------------------------------------------------------------------------------------


class IssueSource(LedgerModel):
    """Where issues come from: inspection tours, patrols, checklist checks, hotline 12345, superiors, citizens."""

    code = models.SlugField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=50, unique=True)
    auto_dispatch = models.BooleanField(
        _("dispatch automatically"),
        default=True,
        help_text=_(
            "Issues from this source go straight to the routed unit; otherwise the supervision office "
            "reviews and dispatches them."
        ),
    )
    sort_order = models.PositiveIntegerField(_("sort order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    history = history_records(excluded_fields=["search_text"])
    search_fields = ("name", "code")

    class Meta:
        verbose_name = _("issue source")
        verbose_name_plural = _("issue sources")
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return self.name


class IssueCategory(LedgerModel):
    """A node of the category tree, with the time limit and yellow-light lead time of its issues."""

    code = models.SlugField(
        _("code"), max_length=32, unique=True, help_text=_("Also the Open311 service code of the category.")
    )
    name = models.CharField(_("name"), max_length=50)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent category"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    description = models.TextField(_("description"), blank=True)
    time_limit = models.PositiveIntegerField(
        _("time limit"),
        default=5,
        validators=[MaxValueValidator(999)],
        help_text=_("How long the responsible unit has, from registration, in the unit below."),
    )
    time_unit = models.CharField(_("time unit"), max_length=16, choices=TimeUnit.choices, default=TimeUnit.WORKDAYS)
    yellow_lead = models.PositiveIntegerField(
        _("yellow-light lead time"),
        default=1,
        validators=[MaxValueValidator(999)],
        help_text=_("The light turns yellow this long before the deadline (same unit as the time limit)."),
    )
    severity = models.CharField(_("severity"), max_length=16, choices=Severity.choices, default=Severity.GENERAL)
    open311 = models.BooleanField(_("offered to Open311 clients"), default=True)
    sort_order = models.PositiveIntegerField(_("sort order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    history = history_records(excluded_fields=["search_text"])
    search_fields = ("name", "code")

    class Meta:
        verbose_name = _("issue category")
        verbose_name_plural = _("issue categories")
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        names = [c.name for c in self.ancestors()]
        return " / ".join([*reversed(names), self.name])

    def ancestors(self) -> list[IssueCategory]:
        chain: list[IssueCategory] = []
        seen = {self.pk}
        current = self.parent
        while current is not None and current.pk not in seen:
            chain.append(current)
            seen.add(current.pk)
            current = current.parent
        return chain

    def _below_itself(self) -> bool:
        parent = self.parent
        return parent is not None and (parent.pk == self.pk or any(a.pk == self.pk for a in parent.ancestors()))

    @property
    def time_limit_label(self) -> str:
        return f"{self.time_limit} {self.get_time_unit_display()}"

    def clean(self) -> None:
        errors: dict[str, list[Any]] = {}
        if self.time_limit and self.yellow_lead >= self.time_limit:
            errors.setdefault("yellow_lead", []).append(
                gettext("The yellow light must come on before the deadline: use less than the time limit (%(limit)s).")
                % {"limit": self.time_limit}
            )
        if self.parent_id is not None and self.pk is not None and self._below_itself():
            errors.setdefault("parent", []).append(gettext("A category cannot lie below itself."))
        if errors:
            raise ValidationError(errors)


class RoutingRule(LedgerModel):
    """Area × category → responsible unit: "illegal street vending on 大学路 goes to the enforcement bureau".

    A rule with no area applies district-wide; a rule with no category applies to every category. A rule on
    a category also covers its sub-categories, and a rule on an area covers the areas within it. The most
    specific rule wins (area and category, then area, then category); without a rule the area's own unit is
    responsible.
    """

    area = models.ForeignKey(
        "org.Area",
        verbose_name=_("area"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    category = models.ForeignKey(
        IssueCategory,
        verbose_name=_("category"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="routing_rules",
    )
    unit = models.ForeignKey("org.Unit", verbose_name=_("responsible unit"), on_delete=models.PROTECT, related_name="+")
    chief = models.ForeignKey(
        "org.Person",
        verbose_name=_("chief"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    note = models.CharField(pgettext_lazy("issues", "note"), max_length=200, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    history = history_records(excluded_fields=["search_text"])
    search_fields = ("note",)
    scope_fields = ("unit",)

    class Meta:
        verbose_name = _("routing rule")
        verbose_name_plural = _("routing rules")
        ordering = ["category__code", "area__code"]
        # One live rule per (area, category); "any" is NULL, and NULLs never clash in a plain unique index, so
        # each combination of blanks gets its own partial index (portable to SQLite and PostgreSQL).
        constraints = [
            models.UniqueConstraint(
                fields=["area", "category"],
                condition=models.Q(voided_at__isnull=True, area__isnull=False, category__isnull=False),
                name="issues_routingrule_unique_live",
                violation_error_message=_("A rule for this area and category already exists."),
            ),
            models.UniqueConstraint(
                fields=["category"],
                condition=models.Q(voided_at__isnull=True, area__isnull=True),
                name="issues_routingrule_unique_category",
                violation_error_message=_("A district-wide rule for this category already exists."),
            ),
            models.UniqueConstraint(
                fields=["area"],
                condition=models.Q(voided_at__isnull=True, category__isnull=True),
                name="issues_routingrule_unique_area",
                violation_error_message=_("A rule for every category of this area already exists."),
            ),
        ]

    def __str__(self) -> str:
        area = self.area.name if self.area_id else gettext("any area")  # type: ignore[union-attr]
        category = self.category.name if self.category_id else gettext("any category")  # type: ignore[union-attr]
        return f"{area} × {category} → {self.unit}"

    def clean(self) -> None:
        if self.area_id is None and self.category_id is None:
            raise ValidationError(
                gettext("Name an area, a category, or both: a rule for everything is the default unit.")
            )
        if self.chief_id is not None and self.unit_id is not None and self.chief.unit_id != self.unit_id:  # type: ignore[union-attr]
            raise ValidationError({"chief": gettext("The chief must belong to the responsible unit.")})


class Open311Client(LedgerModel):
    """A system that feeds the ledger through Open311 (a citizen app, the 12345 hotline), with its API key.

    The key is shown once when the client is created; only its hash is stored. Issues the client posts are
    registered as ``user`` (whose roles must allow registering) with the client's source.
    """

    name = models.CharField(_("name"), max_length=100, unique=True)
    key_prefix = models.CharField(_("key prefix"), max_length=8, unique=True, editable=False)
    key_hash = models.CharField(max_length=64, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("acts as"),
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("The account the client's reports are registered as; it needs a role that may register issues."),
    )
    source = models.ForeignKey(IssueSource, verbose_name=_("source"), on_delete=models.PROTECT, related_name="+")
    coordinate_system = models.CharField(
        _("coordinate system"),
        max_length=8,
        choices=CoordinateSystem.choices,
        default=CoordinateSystem.WGS84,
        help_text=_("Open311 expects WGS-84; choose GCJ-02 for clients that send map-app coordinates."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    history = history_records(excluded_fields=["search_text", "key_hash"])
    search_fields = ("name",)

    class Meta:
        verbose_name = _("Open311 client")
        verbose_name_plural = _("Open311 clients")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class IssueCounter(models.Model):
    """The last issue number of a year. Its row is locked while an issue is registered, so numbers never skip."""

    year = models.PositiveIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"


# --- the ledger ----------------------------------------------------------------------------------------


def _statistics_indexes(field: str, prefix: str) -> list[models.Index]:
    """The three live-issue indexes led by ``field`` that the statistics grouped by it count key by key: issues
    received (registered), closed and due (deadline) in a period, each holding what those counts read."""
    live = models.Q(voided_at__isnull=True)
    return [
        models.Index(
            fields=[field, "registered_at"],
            include=["rework_count", "recurrence_count"],
            condition=live,
            name=f"issues_{prefix}_registered",
        ),
        models.Index(
            fields=[field, "closed_at"],
            condition=models.Q(voided_at__isnull=True, closed_at__isnull=False),
            name=f"issues_{prefix}_closed",
        ),
        models.Index(
            fields=[field, "deadline"],
            include=["status", "closed_on_time"],
            condition=live,
            name=f"issues_{prefix}_deadline",
        ),
    ]


class _HistoryDescriptorOnce(HistoryDescriptor):
    """``issue.history`` with its manager class built once. simple-history builds a new class on every access
    (``from_queryset``, which inspects every method of the queryset: 80 µs), and it reads ``issue.history`` to
    write each history row — 2% of an Open311 registration's CPU. The class never changes."""

    def __get__(self, instance: Any, owner: Any) -> Any:
        manager = self.__dict__.get("_manager")
        if manager is None:
            manager = self._manager = self.manager_class.from_queryset(self.queryset_class)
        return manager(self.model, instance)


def issue_history(**kwargs: Any) -> Any:
    """The project's history records (``history_records``), minus one query on every new issue.

    simple-history snapshots the cooperating units with each history row, which reads them back (a join, and
    most of the Python time of registering). A new issue has none yet: they can only be added once its row
    exists, and adding them writes a history row of its own with the snapshot. So the row of the creation
    ("+") skips the read; every later row keeps its snapshot. And ``issue.history`` builds its manager class
    once (:class:`_HistoryDescriptorOnce`).
    """
    records = history_records(**kwargs)

    class SkipEmptySnapshot(type(records)):  # type: ignore[misc]
        def create_historical_record_m2ms(self, history_instance: Any, instance: Any) -> None:
            if history_instance.history_type == "+":
                return
            super().create_historical_record_m2ms(history_instance, instance)

        def finalize(self, sender: Any, **kwargs: Any) -> None:
            super().finalize(sender, **kwargs)
            descriptor = sender.__dict__.get(self.manager_name)
            if self.cls is sender and type(descriptor) is HistoryDescriptor:
                descriptor.__class__ = _HistoryDescriptorOnce

    records.__class__ = SkipEmptySnapshot
    return records


class IssueQuerySet(models.QuerySet["Issue"]):
    def live(self) -> IssueQuerySet:
        return self.filter(voided_at__isnull=True)

    def clock_running(self) -> IssueQuerySet:
        return self.filter(status__in=CLOCK_RUNNING)

    def light(self, colour: str, now: dt.datetime | None = None) -> IssueQuerySet:
        """Issues whose light is ``colour`` now: red past the deadline, yellow within the lead time."""
        now = now or clock.now()
        running = self.clock_running()
        if colour == "red":
            return running.filter(deadline__lt=now)
        if colour == "yellow":
            return running.filter(deadline__gte=now, yellow_at__lte=now)
        if colour == "green":
            return running.filter(yellow_at__gt=now)
        return self.none()

    def overdue(self, now: dt.datetime | None = None) -> IssueQuerySet:
        return self.light("red", now)


class Issue(LedgerModel):
    """A problem found in the district, driven from registration to closing (销号)."""

    year = models.PositiveIntegerField(_("year"), editable=False)
    sequence = models.PositiveIntegerField(_("sequence"), editable=False)
    number = models.CharField(_("number"), max_length=16, unique=True, editable=False)
    # Contexts keep out other catalogues' words for the same English: org's "title" is a job title (职务),
    # ledgers' "note" a caption (说明文字), admin's "content type" Django's (内容类型).
    title = models.CharField(pgettext_lazy("issues", "title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    source = models.ForeignKey(IssueSource, verbose_name=_("source"), on_delete=models.PROTECT, related_name="issues")
    category = models.ForeignKey(
        IssueCategory, verbose_name=_("category"), on_delete=models.PROTECT, related_name="issues"
    )
    severity = models.CharField(_("severity"), max_length=16, choices=Severity.choices, default=Severity.GENERAL)

    # Where: the reported point is kept as reported; longitude/latitude are WGS-84, used for routing and maps.
    address = models.CharField(_("address"), max_length=200, blank=True)
    longitude = models.DecimalField(_("longitude"), null=True, blank=True, max_digits=10, decimal_places=6)
    latitude = models.DecimalField(_("latitude"), null=True, blank=True, max_digits=10, decimal_places=6)
    reported_longitude = models.DecimalField(
        _("reported longitude"), null=True, blank=True, max_digits=10, decimal_places=6
    )
    reported_latitude = models.DecimalField(
        _("reported latitude"), null=True, blank=True, max_digits=10, decimal_places=6
    )
    reported_crs = models.CharField(
        _("reported coordinate system"), max_length=8, choices=CoordinateSystem.choices, default=CoordinateSystem.WGS84
    )
    area = models.ForeignKey(
        "org.Area", verbose_name=_("area"), null=True, blank=True, on_delete=models.PROTECT, related_name="issues"
    )
    routing_fallback = models.BooleanField(
        _("outside every area"),
        default=False,
        help_text=_("No responsibility area contains the point (or there is none): the default unit received it."),
    )
    routing_note = models.CharField(_("routing"), max_length=300, blank=True)

    # Who
    responsible_unit = models.ForeignKey(
        "org.Unit", verbose_name=_("responsible unit"), on_delete=models.PROTECT, related_name="issues"
    )
    chief = models.ForeignKey(
        "org.Person", verbose_name=_("chief"), null=True, blank=True, on_delete=models.PROTECT, related_name="issues"
    )
    routed_unit = models.ForeignKey(
        "org.Unit",
        verbose_name=_("unit found by the routing rules"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    override_reason = models.CharField(_("reason for overriding the routing"), max_length=200, blank=True)
    cooperating_units = models.ManyToManyField(
        "org.Unit", verbose_name=_("cooperating units"), blank=True, related_name="cooperating_issues"
    )
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("registered by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    rectified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("closure requested by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("verified by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    open311_client = models.ForeignKey(
        Open311Client,
        verbose_name=_("Open311 client"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="issues",
    )

    # When
    found_at = models.DateTimeField(_("found at"), null=True, blank=True)
    registered_at = models.DateTimeField(_("registered at"), editable=False)
    deadline = models.DateTimeField(_("deadline"))
    deadline_explicit = models.BooleanField(_("deadline set by hand"), default=False)
    yellow_at = models.DateTimeField(_("yellow from"))
    dispatched_at = models.DateTimeField(_("dispatched at"), null=True, blank=True)
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    closure_requested_at = models.DateTimeField(_("closure requested at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_on_time = models.BooleanField(_("closed on time"), null=True, blank=True)
    shelved_at = models.DateTimeField(_("shelved at"), null=True, blank=True)
    shelve_review_date = models.DateField(_("shelved until"), null=True, blank=True)
    yellow_notified_at = models.DateTimeField(_("yellow reminder sent"), null=True, blank=True, editable=False)
    overdue_notified_at = models.DateTimeField(_("overdue reminder sent"), null=True, blank=True, editable=False)
    review_notified_at = models.DateTimeField(_("review-date reminder sent"), null=True, blank=True, editable=False)

    # Where it stands
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.REGISTERED)
    pending_request = models.CharField(
        _("pending request"), max_length=16, choices=PendingRequest.choices, default=PendingRequest.NONE, blank=True
    )
    requested_deadline = models.DateTimeField(_("requested deadline"), null=True, blank=True)
    requested_review_date = models.DateField(_("requested review date"), null=True, blank=True)
    pending_reason = models.CharField(_("reason of the request"), max_length=500, blank=True)
    measures = models.TextField(_("rectification measures"), blank=True)
    void_kind = models.CharField(_("void kind"), max_length=16, choices=VoidKind.choices, blank=True)

    rework_count = models.PositiveIntegerField(_("reworks"), default=0)
    extension_count = models.PositiveIntegerField(_("extensions"), default=0)
    reassignment_count = models.PositiveIntegerField(_("reassignments"), default=0)
    recurrence_count = models.PositiveIntegerField(_("recurrences"), default=0)

    objects = IssueQuerySet.as_manager()  # type: ignore[assignment, misc]
    # search_text is kept in history too: the snapshot of the cooperating units would otherwise re-read it.
    history = issue_history(m2m_fields=[cooperating_units])
    search_fields = ("number", "title", "address")
    scope_fields = ("responsible_unit", "cooperating_units")

    class Meta:
        verbose_name = _("issue")
        verbose_name_plural = _("issues")
        ordering = ["-registered_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["year", "sequence"], name="issues_issue_year_sequence_unique"),
            models.CheckConstraint(
                condition=(models.Q(longitude__isnull=True) & models.Q(latitude__isnull=True))
                | (models.Q(longitude__isnull=False) & models.Q(latitude__isnull=False)),
                name="issues_issue_point_complete",
            ),
        ]
        # The date indexes cover the live issues and also hold what the statistics group and count by, so that
        # PostgreSQL answers a year's figures from the indexes alone (INCLUDE is ignored on SQLite).
        indexes = [
            models.Index(fields=["responsible_unit", "status", "deadline"], name="issues_unit_status_deadline"),
            # The issues whose clock has stopped (awaiting verification, closed, shelved). Issues whose clock runs
            # are in issues_running below; one index over both let the planner combine them badly (a work queue
            # of 20 units AND-ed with every running issue of the district).
            models.Index(
                fields=["status", "deadline"],
                include=["id"],
                condition=models.Q(voided_at__isnull=True, status__in=sorted(set(Status.values) - CLOCK_RUNNING)),
                name="issues_stopped",
            ),
            models.Index(
                fields=["registered_at"],
                include=["responsible_unit", "category", "area", "source", "rework_count", "recurrence_count"],
                condition=models.Q(voided_at__isnull=True),
                name="issues_live_registered",
            ),
            models.Index(
                fields=["closed_at"],
                include=["responsible_unit", "category", "area", "source"],
                condition=models.Q(voided_at__isnull=True, closed_at__isnull=False),
                name="issues_live_closed",
            ),
            models.Index(
                fields=["deadline"],
                include=["responsible_unit", "category", "area", "source", "status", "closed_on_time"],
                condition=models.Q(voided_at__isnull=True),
                name="issues_live_deadline",
            ),
            # The same figures led by the unit: the district's statistics by unit count unit by unit, each one
            # range of these, instead of hashing every issue of the period by its unit (see selectors).
            *_statistics_indexes("responsible_unit", "unit"),
            # The issues whose clock runs (a few percent of the ledger): lights, overdue counts and lists (capped
            # counts read the ids), work queues, reminders.
            models.Index(
                fields=["responsible_unit", "status", "deadline"],
                include=["yellow_at", "category", "area", "source", "id"],
                condition=models.Q(voided_at__isnull=True, status__in=sorted(CLOCK_RUNNING)),
                name="issues_running",
            ),
            # The same led by the area and by the category: the district's statistics by area and by category count
            # area by area, category by category (10,000 areas hashed took a third longer than these ranges). The
            # registration ones also serve the list's area and category filters (live issues, newest first).
            *_statistics_indexes("area", "area"),
            *_statistics_indexes("category", "category"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def point(self) -> tuple[float, float] | None:
        if self.longitude is None or self.latitude is None:
            return None
        return float(self.longitude), float(self.latitude)

    @property
    def light(self) -> Any:
        from taizhang.issues.rules import light_of

        return light_of(self, clock.now())

    @property
    def is_open(self) -> bool:
        return self.status not in (Status.CLOSED, Status.SHELVED) and not self.is_void

    def clean(self) -> None:
        errors: dict[str, list[Any]] = {}
        if self.deadline and self.registered_at and self.deadline <= self.registered_at:
            errors.setdefault("deadline", []).append(gettext("The deadline must be after the registration."))
        if self.found_at and self.registered_at and self.found_at > self.registered_at:
            errors.setdefault("found_at", []).append(gettext("An issue cannot be found after it is registered."))
        if self.chief_id is not None and self.chief.is_void:  # type: ignore[union-attr]
            errors.setdefault("chief", []).append(gettext("The chief's record is voided."))
        if errors:
            raise ValidationError(errors)


def evidence_path(instance: Evidence, filename: str) -> str:
    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    now = clock.now()
    return f"issues/{now:%Y/%m}/{instance.issue_id}-{instance.kind}-{now:%d%H%M%S%f}.{suffix[:8]}"


class Evidence(LedgerModel):
    """A photo or document attached to an issue, with what its EXIF says about when and where it was taken."""

    issue = models.ForeignKey(Issue, verbose_name=_("issue"), on_delete=models.PROTECT, related_name="evidence")
    kind = models.CharField(_("kind"), max_length=16, choices=EvidenceKind.choices)
    file = models.FileField(_("file"), upload_to=evidence_path, max_length=200)
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(pgettext_lazy("issues", "content type"), max_length=100, blank=True)
    size = models.PositiveIntegerField(_("size"), default=0)
    is_photo = models.BooleanField(_("photo"), default=False)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    taken_at = models.DateTimeField(_("taken at (EXIF)"), null=True, blank=True)
    longitude = models.DecimalField(
        _("longitude (EXIF)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
        max_digits=10,
        decimal_places=6,
    )
    latitude = models.DecimalField(
        _("latitude (EXIF)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
        max_digits=10,
        decimal_places=6,
    )
    distance_m = models.PositiveIntegerField(_("distance from the issue (m)"), null=True, blank=True)
    no_exif = models.BooleanField(_("no EXIF time or position"), default=False)
    far_from_issue = models.BooleanField(_("taken far from the issue"), default=False)
    taken_before_registration = models.BooleanField(_("taken before the issue was registered"), default=False)
    note = models.CharField(pgettext_lazy("issues", "note"), max_length=200, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), null=True, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded at"))

    history = history_records(excluded_fields=["search_text"])
    search_fields = ("original_name", "note")
    scope_fields = ("issue__responsible_unit", "issue__cooperating_units")

    class Meta:
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")
        ordering = ["uploaded_at", "id"]
        indexes = [models.Index(fields=["issue", "kind"], name="issues_evidence_issue_kind")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.original_name}"

    @property
    def flags(self) -> list[str]:
        """What a verifier should look at twice, in words."""
        out = []
        if self.far_from_issue:
            out.append(gettext("taken %(m)s m from the issue") % {"m": self.distance_m})
        if self.taken_before_registration:
            out.append(gettext("taken before the issue was registered"))
        if self.no_exif and self.is_photo:
            out.append(gettext("no EXIF time or position"))
        return out


class IssueEvent(models.Model):
    """One step of an issue's life, typed by its workflow action: who did what, when, from which state to which."""

    issue = models.ForeignKey(Issue, verbose_name=_("issue"), on_delete=models.PROTECT, related_name="events")
    action = models.CharField(_("action"), max_length=32)
    from_status = models.CharField(_("from"), max_length=20, choices=Status.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=20, choices=Status.choices, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    at = models.DateTimeField(_("at"))
    source = models.CharField(_("source"), max_length=16, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    data = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        verbose_name = _("issue event")
        verbose_name_plural = _("issue events")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["issue", "at"], name="issues_event_issue_at")]

    def __str__(self) -> str:
        return f"{self.issue_id} {self.action} {self.at:%Y-%m-%d %H:%M}"

    @property
    def label(self) -> str:
        from taizhang.issues.workflow import event_label

        return event_label(self.action)
