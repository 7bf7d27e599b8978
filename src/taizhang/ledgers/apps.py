from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LedgersConfig(AppConfig):
    name = "taizhang.ledgers"
    label = "ledgers"
    verbose_name = _("Spreadsheets and bulletins")

    def ready(self) -> None:
        from taizhang.ledgers import history, permissions, registry  # noqa: F401  (registrations)

        history.connect_signals()
        registry.autodiscover()  # every app's columns.py registers its ledger kinds
