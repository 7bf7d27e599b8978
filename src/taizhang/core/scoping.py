"""Unit scoping: which records a user may see, computed once per request from the user's memberships.

A user with a district-wide role (admin, supervisor, leader) reads everything. Anyone else reads the records
of the units they are a member of and of those units' sub-units. Selectors apply :meth:`Scope.filter`; an
object outside the scope is reported as not found, so a user learns nothing about records they may not see.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Model, Q, QuerySet

from taizhang.core.errors import NotFound, PermissionDenied
from taizhang.core.roles import DISTRICT_READ_ROLES, DISTRICT_WRITE_ROLES, Role

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from taizhang.org.models import User

M = TypeVar("M", bound=Model)

_CACHE_ATTR = "_taizhang_scope"


@dataclass(frozen=True)
class Scope:
    user_id: int | None
    roles: frozenset[str] = frozenset()
    district_read: bool = False
    district_write: bool = False
    # unit id -> roles the user holds there (directly or through a parent unit's membership)
    unit_roles: dict[int, frozenset[str]] = field(default_factory=dict)

    @property
    def unit_ids(self) -> frozenset[int]:
        return frozenset(self.unit_roles)

    @property
    def is_empty(self) -> bool:
        return not self.district_read and not self.unit_roles

    def can_read_unit(self, unit_id: int | None) -> bool:
        return self.district_read or (unit_id is not None and unit_id in self.unit_roles)

    def roles_in(self, unit_id: int | None) -> frozenset[str]:
        """Roles that apply to a record of ``unit_id``, counting district-wide roles everywhere."""
        district = frozenset(r for r in self.roles if r in DISTRICT_READ_ROLES)
        if unit_id is None:
            return district
        return district | self.unit_roles.get(unit_id, frozenset())

    def has_role(self, *roles: str, unit_id: int | None = None) -> bool:
        return bool(self.roles_in(unit_id) & set(roles))

    def filter(self, queryset: QuerySet[M], *unit_fields: str) -> QuerySet[M]:
        """Restrict ``queryset`` to records whose unit (any of ``unit_fields``) is in scope."""
        if self.district_read:
            return queryset
        if not self.unit_roles or not unit_fields:
            return queryset.none()
        condition = Q()
        for name in unit_fields:
            condition |= Q(**{f"{name}__in": self.unit_ids})
        return queryset.filter(condition).distinct() if len(unit_fields) > 1 else queryset.filter(condition)


def scope_for(user: User | AnonymousUser | None) -> Scope:
    if user is None or not user.is_authenticated:
        return Scope(user_id=None)
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is not None:
        return cached
    scope = _compute_scope(user)
    setattr(user, _CACHE_ATTR, scope)
    return scope


def forget_scope(user: Any) -> None:
    if hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)


def _compute_scope(user: User) -> Scope:
    from taizhang.org.models import Membership, Unit

    if not user.is_active:
        return Scope(user_id=user.pk)
    memberships = list(
        Membership.objects.live()
        .filter(user=user, is_active=True, unit__is_active=True, unit__voided_at__isnull=True)
        .values_list("role", "unit_id", "unit__path")
    )
    roles = {role for role, _unit, _path in memberships}
    if user.is_superuser:
        roles.add(Role.ADMIN)
    district_read = bool(roles & DISTRICT_READ_ROLES)
    district_write = bool(roles & DISTRICT_WRITE_ROLES)
    unit_roles: dict[int, set[str]] = {}
    local = [(role, path) for role, _unit, path in memberships if role not in DISTRICT_READ_ROLES]
    if local:
        paths = {path for _role, path in local}
        condition = Q()
        for path in paths:
            condition |= Q(path__startswith=path)
        for unit_id, unit_path in Unit.objects.filter(condition).values_list("id", "path"):
            for role, path in local:
                if unit_path.startswith(path):
                    unit_roles.setdefault(unit_id, set()).add(role)
    return Scope(
        user_id=user.pk,
        roles=frozenset(roles),
        district_read=district_read,
        district_write=district_write,
        unit_roles={uid: frozenset(r) for uid, r in unit_roles.items()},
    )


def get_in_scope(queryset: QuerySet[M], **lookup: Any) -> M:
    """Fetch one object from an already scoped queryset; missing and out-of-scope both raise NotFound."""
    try:
        return queryset.get(**lookup)
    except (ObjectDoesNotExist, ValueError, TypeError) as exc:
        raise NotFound from exc


def require_role(user: User, *roles: str, unit_id: int | None = None) -> Scope:
    """Services re-check: the acting user must hold one of ``roles`` for the record's unit."""
    scope = scope_for(user)
    if not scope.has_role(*roles, unit_id=unit_id):
        raise PermissionDenied
    return scope
