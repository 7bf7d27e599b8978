from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LedgersConfig(AppConfig):
    name = "taizhang.ledgers"
    label = "ledgers"
    verbose_name = _("Spreadsheets and bulletins")

    def ready(self) -> None:
        from taizhang.ledgers import (  # noqa: F401  (registrations)
            api_routes,
            bulletins,
            cards,
            demo,
            history,
            navigation,
            permissions,
            registry,
        )

        history.connect_signals()
        registry.autodiscover()  # every app's columns.py registers its ledger kinds
        bulletins.autodiscover()  # every app's bulletins.py registers its notices
