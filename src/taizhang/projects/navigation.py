"""The key-project ledger's menu."""

from django.utils.translation import gettext_lazy as _

from taizhang.web.navigation import Menu, MenuItem, register

register(
    Menu(
        key="projects",
        label=_("Key projects"),
        icon="building-skyscraper",
        order=10,
        items=(
            MenuItem(_("Project ledger"), "projects:plan_list"),
            MenuItem(
                _("Monthly reporting"), "projects:reporting", roles=("unit_head", "reporter", "supervisor", "admin")
            ),
            MenuItem(_("Review queue"), "projects:review_queue", perm="projects.review_report"),
            MenuItem(_("Late and missing reports"), "projects:lateness"),
            MenuItem(_("Battle map"), "projects:gantt"),
            MenuItem(_("District summary"), "projects:summary"),
            MenuItem(_("Campaigns"), "projects:campaign_list"),
        ),
    )
)
