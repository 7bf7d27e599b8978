from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IssuesConfig(AppConfig):
    name = "taizhang.issues"
    label = "issues"
    verbose_name = _("Issue ledger")

    def ready(self) -> None:
        from taizhang.issues import api_routes, cards, demo, navigation, permissions  # noqa: F401  (registrations)
