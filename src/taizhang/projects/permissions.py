"""Who may do what in the key-project ledger (django-rules). Visibility is the selectors' business; the
report workflow's actions are decided by the transition table in ``workflow.py``.

The supervision office (supervisors, admins) keeps the ledger itself: projects, plans, campaigns and the
configuration. A project's responsible unit (its head and reporters) reports each month, keeps the
project's milestones and adds site photos.
"""

from __future__ import annotations

import rules

from taizhang.core.permissions import has_unit_role, is_district_writer
from taizhang.core.roles import Role

unit_worker = has_unit_role(Role.UNIT_HEAD, Role.REPORTER)

for model in ("project", "yearplan", "campaign", "approvalprocedure", "stagechange"):
    for verb in ("add", "change", "void"):
        rules.add_perm(f"projects.{verb}_{model}", is_district_writer)
for model in ("projectcategory", "programme", "programmecategory", "lightthreshold", "milestonetemplate"):
    for verb in ("add", "change", "void"):
        rules.add_perm(f"projects.{verb}_{model}", is_district_writer)
# Reports and milestones: the project's unit, or the office. The object is the project.
rules.add_perm("projects.report_project", is_district_writer | unit_worker)
rules.add_perm("projects.plan_milestones", is_district_writer | unit_worker)
rules.add_perm("projects.review_report", is_district_writer)
rules.add_perm("projects.view_summary", rules.is_authenticated)
