"""Who may change organisation data (django-rules). Visibility is decided by the selectors."""

import rules

from taizhang.core.permissions import has_unit_role, is_admin, is_district_writer
from taizhang.core.roles import Role

rules.add_perm("org.add_unit", is_district_writer)
rules.add_perm("org.change_unit", is_district_writer)
rules.add_perm("org.void_unit", is_admin)
rules.add_perm("org.add_person", is_district_writer | has_unit_role(Role.UNIT_HEAD))
rules.add_perm("org.change_person", is_district_writer | has_unit_role(Role.UNIT_HEAD))
rules.add_perm("org.void_person", is_district_writer | has_unit_role(Role.UNIT_HEAD))
rules.add_perm("org.add_membership", is_admin)
rules.add_perm("org.change_membership", is_admin)
rules.add_perm("org.void_membership", is_admin)
rules.add_perm("org.add_area", is_district_writer)
rules.add_perm("org.change_area", is_district_writer)
rules.add_perm("org.void_area", is_district_writer)
rules.add_perm("org.add_user", is_admin)
rules.add_perm("org.change_user", is_admin)
