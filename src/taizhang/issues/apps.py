from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IssuesConfig(AppConfig):
    name = "taizhang.issues"
    label = "issues"
    verbose_name = _("Issue ledger")

    def ready(self) -> None:
        from taizhang.issues import api_routes, cards, demo, navigation, permissions  # noqa: F401  (registrations)
        from taizhang.notifications import scheduler

        def remind() -> object:
            from taizhang.issues.tasks import remind_deadlines

            return remind_deadlines

        # Yellow and red lights, and shelved issues whose review date has come (docs/workflows/issues.md).
        scheduler.register("issues.remind", remind, scheduler.minutes_from_env("TAIZHANG_REMIND_EVERY_MINUTES", 15))
