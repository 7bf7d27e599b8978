"""Admin: group robots (saved through the services), the delivery log (read-only, with a resend action) and the
periodic jobs (read-only, with "run at the next check")."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from taizhang.core import clock
from taizhang.notifications import services
from taizhang.notifications.models import Delivery, DeliveryStatus, PeriodicJob, Robot
from taizhang.org.admin import ServiceAdmin


@admin.register(Robot)
class RobotAdmin(ServiceAdmin):
    list_display = ("name", "unit", "kind", "is_active")
    list_filter = ("kind", "is_active")
    search_fields = ("name", "search_text")
    fields = ("unit", "kind", "name", "url", "secret", "is_active", "version", "voided_at", "void_reason")
    create_service = staticmethod(services.robot_create)
    update_service = staticmethod(services.robot_update)
    update_arg = "robot"


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ("created_at", "channel", "address", "title", "status", "attempts", "next_attempt_at")
    list_filter = ("status", "channel")
    search_fields = ("address", "title", "last_error")
    readonly_fields = [f.name for f in Delivery._meta.fields]
    actions = ["resend"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.action(description=_("Send again now"))
    def resend(self, request: HttpRequest, queryset: QuerySet[Delivery]) -> None:
        # A dead or failed delivery gets a fresh round of attempts; what was sent stays sent.
        revived = queryset.exclude(status=DeliveryStatus.SENT).update(
            status=DeliveryStatus.PENDING, attempts=0, next_attempt_at=None
        )
        counts = services.send_due(ids=list(queryset.values_list("pk", flat=True)))
        messages.info(request, _("%(n)d queued again; sent: %(sent)d.") % {"n": revived, "sent": counts["sent"]})


@admin.register(PeriodicJob)
class PeriodicJobAdmin(admin.ModelAdmin):
    list_display = ("name", "every", "last_run_at", "next_run_at", "runs", "last_error")
    readonly_fields = [f.name for f in PeriodicJob._meta.fields]
    actions = ["run_soon"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.action(description=_("Run at the scheduler's next check"))
    def run_soon(self, request: HttpRequest, queryset: QuerySet[PeriodicJob]) -> None:
        count = queryset.update(next_run_at=clock.now())
        messages.info(request, _("%(n)d jobs will run within a minute.") % {"n": count})
