"""Admin pages. Saves go through the services (same validation, audited with source "admin");
nothing is deleted: records are voided with a reason from the app's pages."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import ValidationError
from django.db import transaction
from django.forms import ModelForm
from django.http import HttpRequest
from simple_history.admin import SimpleHistoryAdmin

from taizhang.core.errors import ValidationFailed
from taizhang.org import services
from taizhang.org.models import Area, Membership, Person, Unit, User


class ServiceAdmin(SimpleHistoryAdmin):
    """Admin whose saves call the app's services; validation errors come back on the form."""

    create_service: Any = None
    update_service: Any = None
    update_arg = ""
    readonly_fields = ("version", "voided_at", "void_reason")

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        form_class = super().get_form(request, obj, change=change, **kwargs)
        admin_self = self

        class ServiceForm(form_class):  # type: ignore[misc, valid-type]
            def _post_clean(self) -> None:
                # Run the service inside validation so that its errors land on the form, not in a 500; not when
                # a field is already invalid (the service would miss that argument).
                if self._errors:
                    return
                data = dict(self.cleaned_data)
                instance: Any = getattr(self, "instance")  # noqa: B009  (set by ModelForm.__init__)
                try:
                    if instance.pk is None:
                        self.instance = admin_self.create_service(actor=request.user, **data)
                    else:
                        fresh = type(instance).objects.get(pk=instance.pk)
                        admin_self.update_service(actor=request.user, **{admin_self.update_arg: fresh}, values=data)
                        self.instance = fresh
                except ValidationFailed as exc:
                    self._update_errors(
                        ValidationError(
                            {k if k in self.fields else "__all__": v for k, v in exc.fields.items()} or exc.message
                        )
                    )

        return form_class if self.create_service is None else ServiceForm

    def changeform_view(
        self, request: HttpRequest, object_id: str | None = None, form_url: str = "", extra_context: Any = None
    ) -> Any:
        # The service runs while the main form validates; if the page then comes back with errors (an inline
        # row, say), keep nothing of it: the user sees the form, not a half-saved record.
        with transaction.atomic():
            response = super().changeform_view(request, object_id, form_url, extra_context)
            context = getattr(response, "context_data", None) or {}
            if request.method == "POST" and context.get("errors"):
                transaction.set_rollback(True)
            return response

    def save_model(self, request: HttpRequest, obj: Any, form: ModelForm, change: bool) -> None:
        if self.create_service is None:
            raise ValidationError("read-only")
        # The service already saved in the form's validation step.

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)


@admin.register(Unit)
class UnitAdmin(ServiceAdmin):
    list_display = ("code", "name", "kind", "parent", "division_code", "is_active")
    list_filter = ("kind", "is_active")
    search_fields = ("code", "name", "search_text")
    fields = (
        "code",
        "name",
        "short_name",
        "kind",
        "parent",
        "division_code",
        "sort_order",
        "is_active",
        "version",
        "voided_at",
        "void_reason",
    )
    create_service = staticmethod(services.unit_create)
    update_service = staticmethod(services.unit_update)
    update_arg = "unit"


@admin.register(Person)
class PersonAdmin(ServiceAdmin):
    list_display = ("name", "title", "unit", "phone", "is_leader")
    list_filter = ("is_leader",)
    search_fields = ("name", "search_text")
    fields = (
        "name",
        "title",
        "unit",
        "phone",
        "user",
        "is_leader",
        "sort_order",
        "version",
        "voided_at",
        "void_reason",
    )
    create_service = staticmethod(services.person_create)
    update_service = staticmethod(services.person_update)
    update_arg = "person"


@admin.register(Membership)
class MembershipAdmin(ServiceAdmin):
    list_display = ("user", "unit", "role", "is_active")
    list_filter = ("role", "is_active")
    fields = ("user", "unit", "role", "is_active", "version", "voided_at", "void_reason")
    create_service = staticmethod(services.membership_create)
    update_service = staticmethod(services.membership_update)
    update_arg = "membership"


@admin.register(Area)
class AreaAdmin(ServiceAdmin):
    list_display = ("code", "name", "kind", "responsible_unit", "chief")
    list_filter = ("kind",)
    search_fields = ("code", "name", "search_text")
    fields = (
        "code",
        "name",
        "kind",
        "geometry",
        "responsible_unit",
        "chief",
        "parent",
        "is_active",
        "version",
        "voided_at",
        "void_reason",
    )
    create_service = staticmethod(services.area_create)
    update_service = staticmethod(services.area_update)
    update_arg = "area"


@admin.register(User)
class UserAdmin(DjangoUserAdmin, SimpleHistoryAdmin):
    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Any, form: ModelForm, change: bool) -> None:
        # Admin user edits (names, flags, password via the admin's own form) are audited through history.
        super().save_model(request, obj, form, change)
        messages.info(request, f"{obj} saved.")
