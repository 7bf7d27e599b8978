"""Forms of the key-project ledger. They parse input; the services validate and save (the same rules for the
pages, the API and imports). Amounts stay text until the service reads them, so "12,500" and a typo get the
same answer everywhere, naming the field."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from taizhang.core.forms import LedgerForm
from taizhang.issues.widgets import FastSelect, FastSelectMultiple
from taizhang.org.selectors import leader_list, unit_directory
from taizhang.projects import selectors
from taizhang.projects.choices import Stage
from taizhang.projects.models import (
    ApprovalProcedure,
    Campaign,
    Milestone,
    MilestoneTemplate,
    Programme,
    ProgrammeCategory,
    Project,
    YearPlan,
)
from taizhang.projects.services import today


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%d")


def _style(form: forms.BaseForm) -> None:
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.CheckboxInput):
            widget.attrs.setdefault("class", "form-check-input")
        elif isinstance(widget, forms.Select | forms.SelectMultiple):
            widget.attrs.setdefault("class", "form-select")
        else:
            widget.attrs.setdefault("class", "form-control")


class MoneyField(forms.DecimalField):
    """An amount in 万元: "12,500" is read as 12500 (as the services read it); a numeric keypad on phones."""

    def to_python(self, value: Any) -> Any:
        if isinstance(value, str):
            value = value.replace(",", "").replace("，", "").replace(" ", "").strip()
        return super().to_python(value)

    def widget_attrs(self, widget: Any) -> dict[str, Any]:
        attrs = super().widget_attrs(widget)
        attrs.update({"inputmode": "decimal", "autocomplete": "off"})
        attrs.pop("step", None)
        return attrs


class _TextAmount(forms.TextInput):
    """Amounts are typed as text, so "12,500" reaches the field instead of being refused by the browser."""


class ProgrammeField(forms.MultipleChoiceField):
    """Programme memberships: "p<id>" (the programme, no category) or "c<id>" (one of its categories)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(required=False, widget=FastSelectMultiple, **kwargs)
        self.programmes: dict[int, Programme] = {}
        self.categories: dict[int, ProgrammeCategory] = {}

    def offer(self, programmes: Any) -> None:
        choices: list[tuple[str, str]] = []
        for programme in programmes:
            self.programmes[programme.pk] = programme
            choices.append((f"p{programme.pk}", programme.name))
            for category in programme.categories.all():
                self.categories[category.pk] = category
                choices.append((f"c{category.pk}", f"{programme.name} / {category.name}"))
        self.choices = choices

    def memberships(self, values: list[str]) -> list[tuple[Programme, ProgrammeCategory | None]]:
        chosen: dict[int, ProgrammeCategory | None] = {}
        for value in values:
            if value.startswith("c"):
                category = self.categories[int(value[1:])]
                if chosen.get(category.programme_id) is not None:
                    raise ValidationError(
                        _("Choose one category of %(programme)s.")
                        % {"programme": self.programmes[category.programme_id].name}
                    )
                chosen[category.programme_id] = category
            else:
                chosen.setdefault(int(value[1:]), None)
        return [(self.programmes[pk], category) for pk, category in chosen.items()]


class ProjectForm(LedgerForm):
    """A project's ledger fields. The stage is set when the project is added; later moves are dated stage
    changes (:class:`StageForm`)."""

    programmes = ProgrammeField(label=_("programmes"))
    field_order = [
        "code",
        "name",
        "owner",
        "category",
        "importance",
        "stage",
        "stage_since",
        "responsible_unit",
        "cooperating_units",
        "leader",
        "programmes",
    ]

    class Meta:
        model = Project
        fields = [
            "code",
            "name",
            "owner",
            "category",
            "importance",
            "stage",
            "stage_since",
            "responsible_unit",
            "cooperating_units",
            "leader",
            "total_investment",
            "planned_start",
            "planned_completion",
            "actual_start",
            "actual_completion",
            "address",
            "longitude",
            "latitude",
            "scale",
            "note",
        ]
        widgets = {
            "stage_since": DateInput,
            "planned_start": DateInput,
            "planned_completion": DateInput,
            "actual_start": DateInput,
            "actual_completion": DateInput,
            "responsible_unit": FastSelect,
            "cooperating_units": FastSelectMultiple,
            "scale": forms.Textarea(attrs={"rows": 3}),
            "note": forms.Textarea(attrs={"rows": 2}),
            "total_investment": _TextAmount,
        }
        field_classes = {"total_investment": MoneyField}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.limit_choices("category", selectors.category_choices(self.user))
        self.limit_choices("responsible_unit", unit_directory(self.user))
        self.limit_choices("cooperating_units", unit_directory(self.user))
        self.limit_choices("leader", leader_list(self.user))
        field = self.fields["programmes"]
        assert isinstance(field, ProgrammeField)
        field.offer(selectors.programme_choices(self.user))
        if self.instance.pk is not None:
            del self.fields["stage"]
            del self.fields["stage_since"]
            self.initial["cooperating_units"] = [u.pk for u in self.instance.cooperating_units.all()]
            self.initial["programmes"] = [
                f"c{link.category_id}" if link.category_id else f"p{link.programme_id}"
                for link in self.instance.programme_links.all()
            ]
        else:
            self.fields["stage"].initial = Stage.PREPARATORY

    def clean_programmes(self) -> list[tuple[Programme, ProgrammeCategory | None]]:
        field = self.fields["programmes"]
        assert isinstance(field, ProgrammeField)
        return field.memberships(self.cleaned_data.get("programmes") or [])


class PlanForm(LedgerForm):
    """A project's row in one year's ledger."""

    class Meta:
        model = YearPlan
        fields = [
            "year",
            "nature",
            "planned_investment",
            "completed_before",
            "plan_start",
            "plan_completion",
            "progress_goal",
        ]
        widgets = {
            "progress_goal": forms.Textarea(attrs={"rows": 3}),
            "planned_investment": _TextAmount,
            "completed_before": _TextAmount,
        }
        field_classes = {"planned_investment": MoneyField, "completed_before": MoneyField}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["completed_before"].required = False
        if self.instance.pk is not None:
            del self.fields["year"]
        else:
            self.fields["year"].initial = today().year

    def clean_completed_before(self) -> Decimal:
        return self.cleaned_data.get("completed_before") or Decimal(0)


class MilestoneForm(LedgerForm):
    class Meta:
        model = Milestone
        fields = ["name", "planned_on", "done_on", "sort_order", "note"]
        widgets = {"planned_on": DateInput, "done_on": DateInput}


class TemplateChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        steps = ", ".join(f"{s.name} T-{s.days_before}" for s in obj.steps.all() if s.voided_at is None)
        return f"{obj.name} ({steps})"


class ScheduleForm(forms.Form):
    """Reverse scheduling (倒排工期): a template's steps placed backwards from a target date."""

    template = TemplateChoiceField(queryset=MilestoneTemplate.objects.none(), label=_("template"))
    target = forms.DateField(label=_("target date"), widget=DateInput, help_text=_("The date the last step is due."))

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        templates = selectors.template_list(user)
        field = self.fields["template"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = templates
        _style(self)


class StageForm(forms.Form):
    stage = forms.ChoiceField(choices=Stage.choices, label=_("new stage"))
    date = forms.DateField(label=_("date"), widget=DateInput)
    note = forms.CharField(label=_("note"), max_length=200, required=False)

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["date"].initial = today()
        _style(self)


class ProcedureForm(LedgerForm):
    class Meta:
        model = ApprovalProcedure
        fields = ["name", "status", "permit_number", "date"]
        widgets = {"date": DateInput}


class CampaignForm(LedgerForm):
    class Meta:
        model = Campaign
        fields = ["name", "kind", "date", "place", "projects", "description"]
        widgets = {
            "date": DateInput,
            "projects": FastSelectMultiple,
            "description": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.limit_choices(
            "projects",
            selectors.project_list(self.user).select_related(None).order_by("code").only("pk", "code", "name"),
        )
        self.fields["projects"].label_from_instance = lambda p: f"{p.code} {p.name}".strip()  # type: ignore[attr-defined]
        if self.instance.pk is not None:
            self.initial["projects"] = list(self.instance.projects.values_list("pk", flat=True))


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("reason"), max_length=300, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, required: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reason"].required = required
        _style(self)


class PhotoForm(forms.Form):
    photo = forms.FileField(label=_("photo"), widget=forms.ClearableFileInput(attrs={"accept": "image/*"}))
    caption = forms.CharField(label=_("caption"), max_length=200, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _style(self)


def parse_period(text: str) -> tuple[int, int] | None:
    """ "2026-05" -> (2026, 5); None for anything else."""
    parts = text.strip().split("-")
    if len(parts) != 2 or not all(p.isdigit() for p in parts):
        return None
    year, month = int(parts[0]), int(parts[1])
    return (year, month) if 2000 <= year <= 2100 and 1 <= month <= 12 else None
