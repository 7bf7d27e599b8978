"""Form base for ledger records: field widgets from the model, validation left to the services."""

from __future__ import annotations

from typing import Any

from django import forms


class LedgerForm(forms.ModelForm):
    """A ModelForm that does not touch its instance.

    The service validates (``full_clean``) and saves, so the rules are the same for forms, API, import and
    admin. The form only parses input; a hidden ``version`` field detects edits that crossed.
    """

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        self.user = user
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None and hasattr(self.instance, "version"):
            self.fields["version"].initial = self.instance.version
        else:
            del self.fields["version"]
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                widget.attrs.setdefault("class", "form-check-input")
            elif isinstance(widget, forms.Select | forms.SelectMultiple):
                widget.attrs.setdefault("class", "form-select")
            else:
                widget.attrs.setdefault("class", "form-control")

    def limit_choices(self, name: str, queryset: Any, *, offered: Any = None) -> None:
        """Accept only ``queryset`` (e.g. the units in the user's scope) in a choice field.

        With ``offered`` the list shows only those (the active units, say) while the field still accepts the
        whole ``queryset``, so that a stale or crafted choice reaches the service and is refused with its reason.
        """
        field = self.fields[name]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = queryset
        if offered is not None:
            field.widget.choices = forms.ModelChoiceField(queryset=offered, empty_label=field.empty_label).choices

    def _post_clean(self) -> None:
        # Model validation runs once, in the service, against the real record.
        pass
