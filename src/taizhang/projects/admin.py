"""Admin for the key-project ledger's configuration and projects. Every save goes through the services (same
validation as the pages, audited with source "admin"); nothing is deleted. Thresholds and templates are dated
or reused configuration: they are added, not edited (a new threshold row takes effect from its date)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from taizhang.org.admin import ServiceAdmin
from taizhang.projects import services
from taizhang.projects.models import (
    LightThreshold,
    MilestoneTemplate,
    MilestoneTemplateStep,
    Programme,
    ProgrammeCategory,
    Project,
    ProjectCategory,
)

LEDGER_FIELDS = ("version", "voided_at", "void_reason")


class ProjectServiceAdmin(ServiceAdmin):
    """A service admin that shows rows without a change service read-only."""

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and self.update_service is None:
            return False
        return super().has_change_permission(request, obj)


@admin.register(ProjectCategory)
class ProjectCategoryAdmin(ProjectServiceAdmin):
    list_display = ("code", "name", "sort_order", "is_active")
    list_filter = ("is_active",)
    search_fields = ("code", "name", "search_text")
    fields = ("code", "name", "sort_order", "is_active", *LEDGER_FIELDS)
    create_service = staticmethod(services.category_create)
    update_service = staticmethod(services.category_change)
    update_arg = "category"

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        # A new category is active; it is switched off later.
        return self.fields if obj is not None else ("code", "name", "sort_order")


class ProgrammeCategoryInline(admin.TabularInline):
    """The programme's own categories: new ones are added here (through the service); existing ones stay."""

    model = ProgrammeCategory
    fields = ("code", "name", "sort_order")
    extra = 1
    can_delete = False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # existing rows are shown read-only; new rows can still be added

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return bool(request.user.has_perm("projects.add_programmecategory"))

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return True


@admin.register(Programme)
class ProgrammeAdmin(ProjectServiceAdmin):
    list_display = ("code", "name", "sort_order")
    search_fields = ("code", "name", "search_text")
    fields = ("code", "name", "description", "sort_order", *LEDGER_FIELDS)
    inlines = (ProgrammeCategoryInline,)
    create_service = staticmethod(services.programme_create)
    update_service = staticmethod(services.programme_change)
    update_arg = "programme"

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return self.fields if obj is not None else ("code", "name", "description")

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        if formset.model is not ProgrammeCategory:  # pragma: no cover - the only inline
            super().save_formset(request, form, formset, change)
            return
        programme = form.instance
        made = []
        for row in formset.forms:
            if row.instance.pk is not None or not row.has_changed():
                continue
            data = row.cleaned_data
            made.append(
                services.programme_category_create(
                    actor=request.user,
                    programme=programme,
                    code=data["code"],
                    name=data["name"],
                    sort_order=data.get("sort_order") or 0,
                )
            )
        # What the admin's change message reads (as formset.save() would have set).
        formset.new_objects, formset.changed_objects, formset.deleted_objects = made, [], []


@admin.register(LightThreshold)
class LightThresholdAdmin(ProjectServiceAdmin):
    list_display = ("effective_from", "yellow_above", "red_above", "due_soon_days", "note", "voided_at")
    fields = ("effective_from", "yellow_above", "red_above", "due_soon_days", "note", *LEDGER_FIELDS)
    create_service = staticmethod(services.threshold_create)


class StepsField(forms.CharField):
    """Template steps as text, one per line: "name, days before the target" (0 is the target date)."""

    widget = forms.Textarea(attrs={"rows": 8})

    def to_python(self, value: Any) -> list[tuple[str, int]]:  # type: ignore[override]
        text = super().to_python(value) or ""
        steps: list[tuple[str, int]] = []
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            name, sep, days = line.replace("，", ",").rpartition(",")
            try:
                days_before = int(days.strip()) if sep else -1
            except ValueError:
                days_before = -1
            if not name.strip() or not 0 <= days_before <= 3650:
                raise ValidationError(
                    gettext('Line %(n)s: write "step name, days before the target" (0 to 3650 days).') % {"n": number}
                )
            steps.append((name.strip()[:100], days_before))
        return steps


class MilestoneTemplateForm(forms.ModelForm):
    steps = StepsField(
        label=_("steps"), help_text=_('One step per line: "name, days before the target date", e.g. "开工, 0".')
    )

    class Meta:
        model = MilestoneTemplate
        fields = ("name", "description")


class TemplateStepInline(admin.TabularInline):
    model = MilestoneTemplateStep
    fields = ("name", "days_before", "sort_order")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(MilestoneTemplate)
class MilestoneTemplateAdmin(ProjectServiceAdmin):
    form = MilestoneTemplateForm
    list_display = ("name", "description")
    search_fields = ("name", "search_text")
    create_service = staticmethod(services.template_create)

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return ("name", "description", "steps") if obj is None else ("name", "description", *LEDGER_FIELDS)

    def get_inlines(self, request: HttpRequest, obj: Any = None) -> Any:
        return (TemplateStepInline,) if obj is not None else ()


@admin.register(Project)
class ProjectAdmin(ProjectServiceAdmin):
    """Projects: added and changed through the services. The stage moves by a dated stage change on the
    project's page, so it is read-only here once the project exists."""

    list_display = ("code", "name", "category", "importance", "stage", "responsible_unit", "total_investment")
    list_filter = ("category", "importance", "stage")
    search_fields = ("code", "name", "search_text")
    list_select_related = ("category", "responsible_unit")
    fields = (*services.PROJECT_FIELDS, "cooperating_units", *LEDGER_FIELDS)
    filter_horizontal = ("cooperating_units",)
    create_service = staticmethod(services.project_create)
    update_service = staticmethod(services.project_change)
    update_arg = "project"

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return LEDGER_FIELDS
        return ("stage", "stage_since", *LEDGER_FIELDS)
