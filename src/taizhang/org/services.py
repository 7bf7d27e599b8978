"""Every write to units, people, memberships, areas and users."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.db.models import Value
from django.db.models.functions import Concat, Substr
from django.utils.translation import gettext as _

from taizhang.core import services as base
from taizhang.core.errors import ValidationFailed
from taizhang.core.permissions import ensure
from taizhang.core.scoping import forget_scope
from taizhang.core.services import service
from taizhang.org import routing
from taizhang.org.models import Area, Membership, Person, Unit, User

UNIT_FIELDS = ("code", "name", "short_name", "kind", "parent", "division_code", "sort_order", "is_active")
PERSON_FIELDS = ("name", "title", "unit", "phone", "user", "is_leader", "sort_order")
MEMBERSHIP_FIELDS = ("user", "unit", "role", "is_active")
AREA_FIELDS = ("code", "name", "kind", "geometry", "responsible_unit", "chief", "parent", "is_active")


def _only(values: dict[str, Any], allowed: tuple[str, ...]) -> dict[str, Any]:
    unknown = set(values) - set(allowed)
    if unknown:
        raise TypeError(f"unknown fields: {', '.join(sorted(unknown))}")
    return values


# --- units ---------------------------------------------------------------------------------------------


@service
def unit_create(*, actor: User, **values: Any) -> Unit:
    """Create a unit and place it in the tree. Division code, parent and uniqueness are validated."""
    ensure(actor, "org.add_unit")
    unit = base.create(Unit, **_only(values, UNIT_FIELDS))
    _set_path(unit)
    return unit


@service
def unit_update(*, actor: User, unit: Unit, values: dict[str, Any], expected_version: int | None = None) -> Unit:
    """Change a unit. Moving it under a new parent moves its whole subtree; cycles are refused."""
    ensure(actor, "org.change_unit", unit)
    old_path = unit.path
    changed = base.change(unit, _only(values, UNIT_FIELDS), expected_version=expected_version)
    if "parent" in changed:
        _set_path(unit)
        _move_subtree(old_path, unit.path)
    return unit


@service
def unit_void(*, actor: User, unit: Unit, reason: str) -> Unit:
    """Void a unit entered by mistake. A unit that still has live members, people or sub-units is refused."""
    ensure(actor, "org.void_unit", unit)
    blockers = []
    if unit.children.live().exists():
        blockers.append(_("it has sub-units"))
    if unit.people.live().exists():
        blockers.append(_("it has people"))
    if unit.memberships.live().exists():
        blockers.append(_("it has memberships"))
    if unit.areas.live().exists():
        blockers.append(_("it is responsible for areas"))
    if blockers:
        raise ValidationFailed(
            _("%(unit)s cannot be voided: %(why)s. Deactivate it instead, or move those first.")
            % {"unit": unit, "why": "; ".join(blockers)}
        )
    base.void(unit, actor=actor, reason=reason)
    return unit


def _set_path(unit: Unit) -> None:
    parent_path = unit.parent.path if unit.parent is not None else "/"
    unit.path = f"{parent_path}{unit.pk}/"
    Unit.objects.filter(pk=unit.pk).update(path=unit.path)


def _move_subtree(old_path: str, new_path: str) -> None:
    Unit.objects.filter(path__startswith=old_path).exclude(path=old_path).exclude(path=new_path).update(
        path=Concat(Value(new_path), Substr("path", len(old_path) + 1))
    )


# --- people --------------------------------------------------------------------------------------------


@service
def person_create(*, actor: User, **values: Any) -> Person:
    """Add a person to a unit. District leaders are people with ``is_leader``."""
    _only(values, PERSON_FIELDS)
    ensure(actor, "org.add_person")
    person = Person(**values)
    ensure(actor, "org.change_person", person)
    return base.validated_save(person)


@service
def person_update(
    *, actor: User, person: Person, values: dict[str, Any], expected_version: int | None = None
) -> Person:
    """Change a person; moving them to another unit needs the right to edit people there too."""
    ensure(actor, "org.change_person", person)
    base.change(person, _only(values, PERSON_FIELDS), expected_version=expected_version)
    ensure(actor, "org.change_person", person)
    return person


@service
def person_void(*, actor: User, person: Person, reason: str) -> Person:
    """Void a person entered by mistake; a person who is an area's chief must be replaced there first."""
    ensure(actor, "org.void_person", person)
    if person.areas.live().exists():
        raise ValidationFailed(
            _("%(person)s is the chief of an area; appoint another chief first.") % {"person": person}
        )
    base.void(person, actor=actor, reason=reason)
    return person


# --- users and memberships -----------------------------------------------------------------------------


@service
def user_create(
    *,
    actor: User | None,
    username: str,
    password: str,
    first_name: str = "",
    last_name: str = "",
    email: str = "",
    is_superuser: bool = False,
) -> User:
    """Create a login; the password must pass the configured validators."""
    if actor is not None:
        ensure(actor, "org.add_user")
    user = User(
        username=username,
        first_name=first_name,
        last_name=last_name,
        email=email,
        is_superuser=is_superuser,
        is_staff=is_superuser,
    )
    try:
        validate_password(password, user)
    except DjangoValidationError as exc:
        raise ValidationFailed(fields={"password": exc.messages}) from exc
    user.set_password(password)
    return base.validated_save(user, exclude=["password"])


@service
def user_set_password(*, actor: User, user: User, password: str) -> User:
    """Set a password after validating it; users may set their own, admins anyone's."""
    if actor.pk != user.pk:
        ensure(actor, "org.change_user", user)
    try:
        validate_password(password, user)
    except DjangoValidationError as exc:
        raise ValidationFailed(fields={"password": exc.messages}) from exc
    user.set_password(password)
    user.save(update_fields=["password"])
    return user


@service
def membership_create(*, actor: User, user: User, unit: Unit, role: str, is_active: bool = True) -> Membership:
    """Give ``user`` a role in ``unit``. Inactive units cannot receive members."""
    ensure(actor, "org.add_membership")
    membership = base.create(Membership, user=user, unit=unit, role=role, is_active=is_active)
    transaction.on_commit(lambda: forget_scope(user))
    return membership


@service
def membership_update(
    *, actor: User, membership: Membership, values: dict[str, Any], expected_version: int | None = None
) -> Membership:
    ensure(actor, "org.change_membership", membership)
    base.change(membership, _only(values, MEMBERSHIP_FIELDS), expected_version=expected_version)
    return membership


@service
def membership_void(*, actor: User, membership: Membership, reason: str) -> Membership:
    ensure(actor, "org.void_membership", membership)
    base.void(membership, actor=actor, reason=reason)
    return membership


# --- areas ---------------------------------------------------------------------------------------------


@service
def area_create(*, actor: User, **values: Any) -> Area:
    """Add a responsibility area; its GeoJSON must be valid and of the right type for its kind."""
    ensure(actor, "org.add_area")
    area = base.create(Area, **_only(values, AREA_FIELDS))
    transaction.on_commit(routing.invalidate)
    return area


@service
def area_update(*, actor: User, area: Area, values: dict[str, Any], expected_version: int | None = None) -> Area:
    ensure(actor, "org.change_area", area)
    if base.change(area, _only(values, AREA_FIELDS), expected_version=expected_version):
        transaction.on_commit(routing.invalidate)
    return area


@service
def area_void(*, actor: User, area: Area, reason: str) -> Area:
    ensure(actor, "org.void_area", area)
    base.void(area, actor=actor, reason=reason)
    transaction.on_commit(routing.invalidate)
    return area
