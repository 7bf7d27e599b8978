"""Admin for the workday calendar's override table, with a warning for years that have no holiday data."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponse

from taizhang.core import services, workdays
from taizhang.core.models import WorkdayOverride
from taizhang.org.admin import ServiceAdmin


@admin.register(WorkdayOverride)
class WorkdayOverrideAdmin(ServiceAdmin):
    list_display = ("date", "is_workday", "name", "voided_at")
    list_filter = ("is_workday",)
    date_hierarchy = "date"
    search_fields = ("name", "search_text")
    fields = ("date", "is_workday", "name", "version", "voided_at", "void_reason")
    create_service = staticmethod(services.workday_override_create)
    update_service = staticmethod(services.workday_override_update)
    update_arg = "override"

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        for warning in workdays.warnings_for():
            messages.warning(request, warning)
        return super().changelist_view(request, extra_context)
