from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "taizhang.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from taizhang.core import api_routes, audit, cards, navigation, permissions  # noqa: F401  (registrations)

        audit.connect_signals()
