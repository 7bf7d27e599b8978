from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrgConfig(AppConfig):
    name = "taizhang.org"
    label = "org"
    verbose_name = _("Units and people")

    def ready(self) -> None:
        from taizhang.org import api_routes, cards, demo, navigation, permissions  # noqa: F401  (registrations)
