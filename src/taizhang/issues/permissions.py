"""Who may do what to issues (django-rules). Visibility is the selectors' business; workflow actions are
decided by the transition table in ``workflow.py``, which the services consult."""

from __future__ import annotations

from typing import Any

import rules

from taizhang.core.permissions import has_unit_role, is_admin, is_district_writer
from taizhang.core.roles import Role
from taizhang.core.scoping import scope_for

REGISTERING_ROLES = frozenset({Role.ADMIN, Role.SUPERVISOR, Role.INSPECTOR, Role.UNIT_HEAD, Role.REPORTER})


@rules.predicate
def may_register(user: Any) -> bool:
    """Anyone who works for a unit may register an issue they find, wherever it is."""
    return bool(scope_for(user).roles & REGISTERING_ROLES)


@rules.predicate
def is_inspector(user: Any) -> bool:
    return Role.INSPECTOR in scope_for(user).roles


@rules.predicate
def registered_it(user: Any, issue: Any = None) -> bool:
    return issue is not None and issue.reported_by_id == user.pk


unit_worker = has_unit_role(Role.UNIT_HEAD, Role.REPORTER)

rules.add_perm("issues.add_issue", may_register)
# Choosing the unit against the routing rules, or a deadline by hand, is the supervision office's call.
rules.add_perm("issues.route_issue", is_district_writer)
rules.add_perm("issues.change_issue", is_district_writer)
# Before photos: whoever found it or checks it; after photos: the unit that fixed it.
rules.add_perm("issues.add_before_evidence", is_district_writer | is_inspector | registered_it | unit_worker)
rules.add_perm("issues.add_after_evidence", is_district_writer | unit_worker)
rules.add_perm("issues.add_attachment", is_district_writer | is_inspector | registered_it | unit_worker)
rules.add_perm("issues.view_statistics", rules.is_authenticated)
# District-wide configuration.
for model in ("issuesource", "issuecategory", "routingrule"):
    for verb in ("add", "change", "void"):
        rules.add_perm(f"issues.{verb}_{model}", is_district_writer)
for verb in ("add", "change", "void"):
    rules.add_perm(f"issues.{verb}_open311client", is_admin)
