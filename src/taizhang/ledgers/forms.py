"""Forms of the spreadsheet pages: upload a file to import, ask for a bulletin."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from taizhang.ledgers import bulletins, conf, registry
from taizhang.ledgers import values as v
from taizhang.ledgers.reading import mb

ACCEPT = ",".join(
    [
        ".xlsx",
        ".xls",
        ".csv",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.ms-excel",
        "text/csv",
    ]
)


def _period_field(required: bool) -> forms.CharField:
    return forms.CharField(
        label=_("Period"),
        required=required,
        max_length=10,
        help_text=_("YYYY-MM, for example 2026-05."),
        widget=forms.TextInput(attrs={"placeholder": "YYYY-MM", "inputmode": "numeric", "class": "form-control"}),
    )


def _clean_period(value: str) -> str:
    if not value:
        return ""
    try:
        year, month = v.parse_period(value)
    except v.ValueProblem as problem:
        raise forms.ValidationError(problem.message) from problem
    return f"{year:04d}-{month:02d}"


class ImportForm(forms.Form):
    kind = forms.ChoiceField(label=_("Ledger"), widget=forms.Select(attrs={"class": "form-select"}))
    file = forms.FileField(
        label=_("Spreadsheet"),
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT, "class": "form-control"}),
    )
    sheet = forms.CharField(
        label=_("Sheet"),
        required=False,
        max_length=100,
        help_text=_("Leave empty: the sheet whose header fits the ledger is found."),
        widget=forms.TextInput(attrs={"class": "form-control"}),
    )
    period = _period_field(required=False)
    unit: forms.ModelChoiceField = forms.ModelChoiceField(
        label=_("For unit"),
        queryset=None,
        required=False,
        help_text=_("The unit this import belongs to; it decides who can see it."),
        widget=forms.Select(attrs={"class": "form-select"}),
    )

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from taizhang.org.selectors import unit_choices

        self.user = user
        kinds = registry.importable_by(user)
        cast(forms.ChoiceField, self.fields["kind"]).choices = [(k.name, k.label) for k in kinds]
        units = unit_choices(user)
        if units.count() <= 1:
            del self.fields["unit"]  # the import belongs to the user's one unit
        else:
            self.fields["unit"].queryset = units  # type: ignore[attr-defined]
            home = user.memberships.live().filter(is_active=True).order_by("pk").values_list("unit", flat=True).first()
            self.fields["unit"].initial = home
        self.fields["period"].help_text = _("YYYY-MM. Leave empty to take it from the sheet's title or header.")
        self.fields["file"].help_text = _(".xlsx, .xls or .csv (UTF-8 or GB18030), up to %(limit)s.") % {
            "limit": mb(conf.max_upload_bytes())
        }

    def clean_period(self) -> str:
        return _clean_period(self.cleaned_data.get("period", ""))


class BulletinForm(forms.Form):
    kind = forms.ChoiceField(label=_("Bulletin"), widget=forms.Select(attrs={"class": "form-select"}))
    period = _period_field(required=True)

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["kind"]).choices = [(k.name, k.label) for k in bulletins.available_to(user)]
        today = timezone.localdate()
        self.fields["period"].initial = f"{today.year:04d}-{today.month:02d}"

    def clean_period(self) -> str:
        return _clean_period(self.cleaned_data["period"])
