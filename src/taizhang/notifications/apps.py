import datetime as dt

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "taizhang.notifications"
    label = "notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        from taizhang.notifications import api_routes, navigation, permissions, scheduler  # noqa: F401  (registrations)

        def outbox() -> object:
            from taizhang.notifications.tasks import send_deliveries

            return send_deliveries

        def prune() -> object:
            from taizhang.notifications.tasks import prune_task_results

            return prune_task_results

        # The outbox is sent as soon as a message is committed and retries are deferred jobs; the sweep catches
        # whatever a stopped queue or a crashed worker left behind.
        scheduler.register("notifications.send", outbox, scheduler.minutes_from_env("TAIZHANG_OUTBOX_EVERY_MINUTES", 5))
        scheduler.register("tasks.prune", prune, dt.timedelta(days=1))
