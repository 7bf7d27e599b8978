"""Admin for the issue ledger's configuration (through the services) and read-only access to issues."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from taizhang.issues import services
from taizhang.issues.models import IssueCategory, IssueSource, Open311Client, RoutingRule
from taizhang.org.admin import ServiceAdmin

LEDGER_FIELDS = ("version", "voided_at", "void_reason")


@admin.register(IssueSource)
class IssueSourceAdmin(ServiceAdmin):
    list_display = ("code", "name", "auto_dispatch", "sort_order", "is_active")
    list_filter = ("auto_dispatch", "is_active")
    fields = (*services.SOURCE_FIELDS, *LEDGER_FIELDS)
    create_service = staticmethod(services.source_create)
    update_service = staticmethod(services.source_update)
    update_arg = "source"


@admin.register(IssueCategory)
class IssueCategoryAdmin(ServiceAdmin):
    list_display = ("code", "name", "parent", "time_limit", "time_unit", "yellow_lead", "severity", "is_active")
    list_filter = ("time_unit", "severity", "is_active", "open311")
    search_fields = ("code", "name", "search_text")
    fields = (*services.CATEGORY_FIELDS, *LEDGER_FIELDS)
    create_service = staticmethod(services.category_create)
    update_service = staticmethod(services.category_update)
    update_arg = "category"


@admin.register(RoutingRule)
class RoutingRuleAdmin(ServiceAdmin):
    list_display = ("__str__", "category", "area", "unit", "chief", "is_active")
    list_filter = ("is_active",)
    autocomplete_fields = ()
    fields = (*services.RULE_FIELDS, *LEDGER_FIELDS)
    create_service = staticmethod(services.routing_rule_create)
    update_service = staticmethod(services.routing_rule_update)
    update_arg = "rule"


@admin.register(Open311Client)
class Open311ClientAdmin(ServiceAdmin):
    list_display = ("name", "key_prefix", "user", "source", "coordinate_system", "is_active")
    fields = (*services.CLIENT_FIELDS, "key_prefix", *LEDGER_FIELDS)
    readonly_fields = ("key_prefix", *LEDGER_FIELDS)  # type: ignore[assignment]
    update_service = staticmethod(services.open311_client_update)
    update_arg = "client"
    actions = ["new_key"]

    @staticmethod
    def create_service(**values: Any) -> Open311Client:
        client, key = services.open311_client_create(**values)
        # The key is shown once, in response_add, and never stored in clear.
        client._new_key = key
        return client

    def response_add(self, request: HttpRequest, obj: Any, post_url_continue: str | None = None) -> HttpResponse:
        key = getattr(obj, "_new_key", None)
        if key:
            messages.warning(
                request,
                _("API key for %(client)s (shown only now, store it safely): %(key)s") % {"client": obj, "key": key},
            )
        return super().response_add(request, obj, post_url_continue)

    @admin.action(description=_("Issue a new API key"))
    def new_key(self, request: HttpRequest, queryset: Any) -> None:
        for client in queryset:
            key = services.open311_client_new_key(actor=request.user, client=client)
            messages.warning(
                request, _("New API key for %(client)s (shown only now): %(key)s") % {"client": client, "key": key}
            )
