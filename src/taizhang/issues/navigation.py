from django.utils.translation import gettext_lazy as _

from taizhang.web.navigation import Menu, MenuItem, register

register(
    Menu(
        key="issues",
        label=_("Issues"),
        icon="alert-triangle",
        order=20,
        items=(
            MenuItem(_("Issue ledger"), "issues:issue_list"),
            MenuItem(_("Work queue"), "issues:queue", roles=("unit_head", "reporter")),
            MenuItem(_("Verification queue"), "issues:verification_queue", roles=("inspector", "supervisor", "admin")),
            MenuItem(_("Report an issue"), "issues:report", perm="issues.add_issue"),
            MenuItem(_("Map of issues"), "issues:issue_map"),
            MenuItem(_("Statistics"), "issues:statistics"),
        ),
    )
)
