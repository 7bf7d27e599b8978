"""Forms of the issue ledger. They parse input; the services validate and save (the same rules for every path)."""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from taizhang.core.forms import LedgerForm
from taizhang.issues import selectors
from taizhang.issues.choices import CoordinateSystem, EvidenceKind, VoidKind
from taizhang.issues.models import Issue, IssueCategory, IssueSource
from taizhang.issues.widgets import FastSelect, FastSelectMultiple, RemoteSelect
from taizhang.issues.workflow import Transition
from taizhang.org.selectors import person_list, unit_choices, unit_directory


class DateInput(forms.DateInput):
    input_type = "date"


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultiplePhotoField(forms.FileField):
    """Several photos in one input; each is checked by the service (image, size, EXIF)."""

    widget = MultipleFileInput

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        files = data if isinstance(data, list | tuple) else [data] if data else []
        if self.required and not files:
            raise ValidationError(self.error_messages["required"], code="required")
        return [super(MultiplePhotoField, self).clean(f, initial) for f in files]


class CategoryChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: IssueCategory) -> str:
        return f"{obj.parent.name} / {obj.name}" if obj.parent_id else obj.name  # type: ignore[union-attr]


def _style(form: forms.Form) -> None:
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.CheckboxInput):
            widget.attrs.setdefault("class", "form-check-input")
        elif isinstance(widget, forms.Select | forms.SelectMultiple):
            widget.attrs.setdefault("class", "form-select")
        else:
            widget.attrs.setdefault("class", "form-control")


class ReportForm(forms.Form):
    """Report an issue from a phone: photos, where, what. The unit is found by the routing rules."""

    category = CategoryChoiceField(queryset=IssueCategory.objects.none(), label=_("category"))
    title = forms.CharField(label=pgettext_lazy("issues", "title"), max_length=200, required=False)
    description = forms.CharField(label=_("description"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    address = forms.CharField(label=_("address"), max_length=200, required=False)
    longitude = forms.DecimalField(label=_("longitude"), required=False, max_digits=10, decimal_places=6)
    latitude = forms.DecimalField(label=_("latitude"), required=False, max_digits=10, decimal_places=6)
    coordinate_system = forms.ChoiceField(
        label=_("coordinate system"), choices=CoordinateSystem.choices, initial=CoordinateSystem.WGS84
    )
    source = forms.ModelChoiceField(queryset=IssueSource.objects.none(), label=_("source"))
    photos = MultiplePhotoField(
        label=_("photos"),
        required=False,
        widget=MultipleFileInput(attrs={"accept": "image/*", "capture": "environment"}),
    )

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        categories = selectors.category_choices(user)
        self.fields["category"].queryset = categories.filter(Q(children__isnull=True)).distinct()  # type: ignore[attr-defined]
        self.fields["source"].queryset = selectors.source_choices(user)  # type: ignore[attr-defined]
        patrol = selectors.source_choices(user).filter(code="patrol").first()
        if patrol is not None:
            self.fields["source"].initial = patrol.pk
        _style(self)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not (data.get("title") or "").strip() and not (data.get("description") or "").strip():
            self.add_error("description", _("Say what the problem is: a title or a description."))
        return data

    def service_values(self) -> dict[str, Any]:
        return dict(self.cleaned_data)


class IssueForm(ReportForm):
    """The supervision office's full registration: it may set the unit, deadline and cooperating units."""

    found_at = forms.DateTimeField(
        label=_("found at"), required=False, widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    responsible_unit = forms.ModelChoiceField(
        widget=FastSelect,
        queryset=IssueCategory.objects.none(),
        label=_("responsible unit"),
        required=False,
        help_text=_("Leave empty to route by area and category."),
    )
    override_reason = forms.CharField(label=_("reason for overriding the routing"), max_length=200, required=False)
    deadline = forms.DateField(
        label=_("deadline"), required=False, widget=DateInput, help_text=_("Leave empty for the category's time limit.")
    )
    cooperating_units = forms.ModelMultipleChoiceField(
        queryset=IssueCategory.objects.none(),
        label=_("cooperating units"),
        required=False,
        widget=FastSelectMultiple,
    )

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, user=user, **kwargs)
        self.fields["responsible_unit"].queryset = unit_directory(user)  # type: ignore[attr-defined]
        self.fields["cooperating_units"].queryset = unit_directory(user)  # type: ignore[attr-defined]
        self.fields["photos"].widget.attrs.pop("capture", None)


class IssueEditForm(LedgerForm):
    cooperating_units = forms.ModelMultipleChoiceField(
        queryset=IssueCategory.objects.none(),
        label=_("cooperating units"),
        required=False,
        widget=FastSelectMultiple,
    )

    class Meta:
        model = Issue
        fields = ["title", "description", "category", "severity", "address", "found_at", "cooperating_units"]
        widgets = {
            "found_at": forms.DateTimeInput(attrs={"type": "datetime-local"}),
            "description": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.limit_choices("category", selectors.category_choices(self.user))
        self.limit_choices("cooperating_units", unit_directory(self.user))
        if self.instance.pk is not None:
            self.initial["cooperating_units"] = list(self.instance.cooperating_units.values_list("pk", flat=True))


class TransitionForm(forms.Form):
    """The fields one workflow action asks for (from the transition table's ``params``)."""

    version = forms.IntegerField(widget=forms.HiddenInput)

    FIELDS: dict[str, Any] = {
        "reason": lambda: forms.CharField(label=_("reason"), widget=forms.Textarea(attrs={"rows": 2}), max_length=500),
        "note": lambda: forms.CharField(
            label=pgettext_lazy("issues", "note"), widget=forms.Textarea(attrs={"rows": 2}), max_length=500
        ),
        "measures": lambda: forms.CharField(
            label=_("rectification measures"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
        ),
        "deadline": lambda: forms.DateField(label=_("new deadline"), widget=DateInput),
        "review_date": lambda: forms.DateField(label=_("review date"), widget=DateInput),
        "unit": lambda: forms.ModelChoiceField(
            queryset=IssueCategory.objects.none(), label=_("new responsible unit"), widget=FastSelect
        ),
        "chief": lambda: forms.ModelChoiceField(
            queryset=IssueCategory.objects.none(), label=_("chief"), widget=FastSelect
        ),
        "void_kind": lambda: forms.ChoiceField(choices=VoidKind.choices, label=_("why")),
    }

    def __init__(self, *args: Any, transition: Transition, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.transition = transition
        for name in transition.params:
            field = self.FIELDS[name]()
            field.required = name in transition.required
            self.fields[name] = field
        if "unit" in self.fields:
            self.fields["unit"].queryset = unit_directory(user)  # type: ignore[attr-defined]
        if "chief" in self.fields:
            self.fields["chief"].queryset = person_list(user)  # type: ignore[attr-defined]
        _style(self)

    def clean_deadline(self) -> dt.date | None:
        value = self.cleaned_data.get("deadline")
        if value is not None and value < timezone.localdate():
            raise ValidationError(_("Choose a date from today on."))
        return value

    def service_values(self) -> dict[str, Any]:
        return {k: v for k, v in self.cleaned_data.items() if k != "version" and v not in (None, "")}


class EvidenceForm(forms.Form):
    kind = forms.ChoiceField(choices=EvidenceKind.choices, label=_("kind"))
    file = forms.FileField(
        label=_("file"), widget=forms.ClearableFileInput(attrs={"accept": "image/*,.pdf,.doc,.docx,.xls,.xlsx"})
    )
    note = forms.CharField(label=pgettext_lazy("issues", "note"), max_length=200, required=False)

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _style(self)


# How the statistics table can be ordered: the figure, largest first (the rate lowest first). "name" is the
# grouping's own order (units as the district lists them, the others by name).
STATISTICS_ORDERS = (
    ("name", pgettext_lazy("statistics order", "Name")),
    ("overdue", _("Most overdue")),
    ("overdue_now", _("Most overdue now")),
    ("received", _("Most received")),
    ("closed", _("Most closed")),
    ("rate", _("Lowest on-time closure rate")),
)


class StatisticsForm(forms.Form):
    start = forms.DateField(label=_("from"), widget=DateInput)
    end = forms.DateField(label=_("to"), widget=DateInput)
    sort = forms.ChoiceField(label=_("order"), choices=STATISTICS_ORDERS, required=False)
    # by area: the areas a unit (and its sub-units) is responsible for; thousands of units, loaded as one types
    unit: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=_("areas of"), queryset=None, required=False, widget=RemoteSelect("issues:unit_options")
    )

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["unit"]).queryset = unit_choices(user)
        _style(self)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        if start and end and start > end:
            raise ValidationError(_("The start is after the end."))
        if start and end and (end - start).days > 3 * 366:
            raise ValidationError(_("Choose at most three years."))
        return data


class IssueValuesForm(forms.Form):
    """Plain values (text from a spreadsheet row, a script) parsed the way the report form parses them."""

    title = forms.CharField(max_length=200, required=False)
    description = forms.CharField(required=False)
    category = forms.CharField(max_length=50)
    source = forms.CharField(max_length=50)
    address = forms.CharField(max_length=200, required=False)
    longitude = forms.DecimalField(max_digits=10, decimal_places=6, required=False)
    latitude = forms.DecimalField(max_digits=10, decimal_places=6, required=False)
    coordinate_system = forms.ChoiceField(choices=CoordinateSystem.choices, required=False)
    found_at = forms.DateTimeField(required=False)
    deadline = forms.DateField(required=False)
    responsible_unit = forms.CharField(max_length=100, required=False)
    override_reason = forms.CharField(max_length=200, required=False)

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_category(self) -> IssueCategory:
        text = self.cleaned_data["category"].strip()
        found = selectors.category_choices(self.user).filter(Q(code=text) | Q(name=text)).first()
        if found is None:
            raise ValidationError(_("No category %(text)r (give its code or name).") % {"text": text})
        return found

    def clean_source(self) -> IssueSource:
        text = self.cleaned_data["source"].strip()
        found = selectors.source_choices(self.user).filter(Q(code=text) | Q(name=text)).first()
        if found is None:
            raise ValidationError(_("No source %(text)r (give its code or name).") % {"text": text})
        return found

    def clean_responsible_unit(self) -> Any:
        text = (self.cleaned_data.get("responsible_unit") or "").strip()
        if not text:
            return None
        found = unit_directory(self.user).filter(Q(code=text) | Q(name=text) | Q(short_name=text)).first()
        if found is None:
            raise ValidationError(_("No unit %(text)r (give its code, name or short name).") % {"text": text})
        return found

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("coordinate_system"):
            data["coordinate_system"] = CoordinateSystem.WGS84
        for key in ("title", "description", "address", "override_reason"):
            data[key] = (data.get(key) or "").strip()
        return data
