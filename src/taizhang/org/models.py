"""Units, people, memberships and responsibility areas."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from taizhang.core.audit import history_records
from taizhang.core.models import LedgerModel, LedgerQuerySet
from taizhang.core.roles import Role
from taizhang.org.choices import AreaKind, UnitKind
from taizhang.org.validators import validate_division_code, validate_geometry, validate_phone


class User(AbstractUser):
    """A login. What a user may see and do comes from memberships, not from Django groups."""

    history = history_records(excluded_fields=["password", "last_login"])

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        full = f"{self.last_name}{self.first_name}".strip()
        return f"{full} ({self.username})" if full else self.username


class Unit(LedgerModel):
    """An organisation of the district: a department, a sub-district office, a town, a committee…"""

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100, unique=True)
    short_name = models.CharField(_("short name"), max_length=50, blank=True)
    kind = models.CharField(_("kind"), max_length=16, choices=UnitKind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    division_code = models.CharField(
        _("division code"),
        max_length=12,
        blank=True,
        help_text=_("12-digit statistical division code, for sub-district offices, towns and townships."),
    )
    sort_order = models.PositiveIntegerField(_("sort order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)
    # Materialised path of primary keys, "/3/17/": a unit's subtree is path__startswith.
    path = models.CharField(max_length=255, editable=False, db_index=True, default="")

    history = history_records(excluded_fields=["search_text", "path"])
    search_fields = ("name", "short_name", "code")
    scope_fields = ("id",)

    class Meta:
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        ordering = ["sort_order", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["division_code"],
                condition=~models.Q(division_code=""),
                name="org_unit_division_code_unique",
                violation_error_message=_("Another unit already has this division code."),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def display_name(self) -> str:
        return self.short_name or self.name

    def clean(self) -> None:
        errors: dict[str, list[Any]] = {}
        if self.division_code:
            try:
                validate_division_code(self.division_code, self.kind)
            except ValidationError as exc:
                errors.setdefault("division_code", []).extend(exc.messages)
        if self.parent_id is not None:
            if self.pk is not None and self.parent_id == self.pk:
                errors.setdefault("parent", []).append(gettext("A unit cannot be its own parent."))
            elif self.pk is not None and _chain_reaches(self, self.parent):
                errors.setdefault("parent", []).append(
                    gettext("This parent would make a cycle: %(parent)s is below this unit.") % {"parent": self.parent}
                )
        if errors:
            raise ValidationError(errors)


class PersonQuerySet(LedgerQuerySet):
    def leaders(self) -> PersonQuerySet:
        return self.filter(is_leader=True)


class Person(LedgerModel):
    """A named person: a district leader, a unit's staff member, a road or grid chief."""

    name = models.CharField(_("name"), max_length=50)
    title = models.CharField(_("title"), max_length=100, blank=True)
    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="people")
    phone = models.CharField(_("phone"), max_length=32, blank=True, validators=[validate_phone])
    user = models.OneToOneField(
        User,
        verbose_name=_("user account"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="person",
    )
    is_leader = models.BooleanField(_("district leader"), default=False)
    sort_order = models.PositiveIntegerField(_("sort order"), default=0)

    objects = PersonQuerySet.as_manager()  # type: ignore[misc]
    history = history_records(excluded_fields=["search_text"])
    search_fields = ("name", "title")
    scope_fields = ("unit",)

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        ordering = ["sort_order", "name"]

    def __str__(self) -> str:
        return f"{self.name}（{self.title}）" if self.title else self.name


class Membership(LedgerModel):
    """A user's role in a unit. Roles below district level reach the unit and its sub-units."""

    user = models.ForeignKey(User, verbose_name=_("user"), on_delete=models.PROTECT, related_name="memberships")
    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="memberships")
    role = models.CharField(_("role"), max_length=16, choices=Role.choices)
    is_active = models.BooleanField(_("active"), default=True)

    history = history_records(excluded_fields=["search_text"])
    search_fields = ("user.username", "user.last_name", "user.first_name", "unit.name")
    scope_fields = ("unit",)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering = ["unit__sort_order", "role"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "unit", "role"],
                condition=models.Q(voided_at__isnull=True),
                name="org_membership_unique_live",
                violation_error_message=_("This user already holds this role in this unit."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.unit} · {self.get_role_display()}"

    def clean(self) -> None:
        if self.unit_id is None:
            return
        if self.unit.is_void:
            message = gettext("%(unit)s is voided; memberships can only be given in live units.")
            raise ValidationError({"unit": message % {"unit": self.unit}})
        if self.is_active and not self.unit.is_active:
            raise ValidationError(
                {
                    "unit": gettext("%(unit)s is inactive; memberships can only be given in active units.")
                    % {"unit": self.unit}
                }
            )


class Area(LedgerModel):
    """A responsibility area: a grid cell or community (polygon) or a road segment (line), with its chief."""

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=16, choices=AreaKind.choices)
    geometry = models.JSONField(_("geometry"), help_text=_("GeoJSON geometry in WGS-84 longitude/latitude."))
    responsible_unit = models.ForeignKey(
        Unit, verbose_name=_("responsible unit"), on_delete=models.PROTECT, related_name="areas"
    )
    chief = models.ForeignKey(
        Person,
        verbose_name=_("chief"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="areas",
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("within"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        help_text=_("A grid cell's community, for example."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    history = history_records(excluded_fields=["search_text"])
    search_fields = ("name", "code")
    scope_fields = ("responsible_unit",)

    class Meta:
        verbose_name = _("responsibility area")
        verbose_name_plural = _("responsibility areas")
        ordering = ["kind", "code"]
        indexes = [models.Index(fields=["responsible_unit", "kind"])]

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"

    def clean(self) -> None:
        errors: dict[str, list[Any]] = {}
        allowed = ("LineString", "MultiLineString") if self.kind == AreaKind.ROAD else ("Polygon", "MultiPolygon")
        try:
            validate_geometry(self.geometry, allowed)
        except ValidationError as exc:
            errors.setdefault("geometry", []).extend(exc.messages)
        if self.chief is not None and self.chief.is_void:
            errors.setdefault("chief", []).append(gettext("The chief's record is voided."))
        if self.parent_id is not None and self.pk is not None:
            if self.parent_id == self.pk:
                errors.setdefault("parent", []).append(gettext("An area cannot lie within itself."))
            elif _chain_reaches(self, self.parent):
                errors.setdefault("parent", []).append(
                    gettext("This would make a cycle: %(parent)s lies within this area.") % {"parent": self.parent}
                )
        if errors:
            raise ValidationError(errors)


def _chain_reaches(record: Any, start: Any) -> bool:
    """Whether walking up ``parent`` from ``start`` reaches ``record`` (or a cycle already in the data)."""
    seen: set[int] = set()
    current = start
    while current is not None:
        if current.pk == record.pk or current.pk in seen:
            return True
        seen.add(current.pk)
        current = current.parent
    return False
