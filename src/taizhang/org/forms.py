from __future__ import annotations

import json
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from taizhang.core.forms import LedgerForm
from taizhang.org import selectors
from taizhang.org.models import Area, Membership, Person, Unit


class UnitForm(LedgerForm):
    class Meta:
        model = Unit
        fields = ["code", "name", "short_name", "kind", "parent", "division_code", "sort_order", "is_active"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.limit_choices("parent", selectors.unit_choices(self.user))


class PersonForm(LedgerForm):
    class Meta:
        model = Person
        fields = ["name", "title", "unit", "phone", "is_leader", "sort_order"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.limit_choices("unit", selectors.unit_choices(self.user))


class MembershipForm(LedgerForm):
    class Meta:
        model = Membership
        fields = ["user", "unit", "role", "is_active"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # An inactive or voided unit reaches the service, which names it and says why it cannot be used.
        self.limit_choices("unit", selectors.unit_references(self.user), offered=selectors.unit_choices(self.user))


class GeoJSONField(forms.CharField):
    widget = forms.Textarea(attrs={"rows": 6, "class": "form-control font-monospace"})

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, dict):
            return json.dumps(value, ensure_ascii=False)
        return value

    def to_python(self, value: Any) -> Any:
        if isinstance(value, dict):
            return value
        text = super().to_python(value)
        if not text:
            return None
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise forms.ValidationError(_("This is not valid JSON: %(error)s") % {"error": exc.msg}) from exc
        if isinstance(data, dict) and data.get("type") == "Feature":
            data = data.get("geometry")
        return data


class AreaForm(LedgerForm):
    geometry = GeoJSONField(label=_("geometry"), help_text=_("GeoJSON geometry in WGS-84 longitude/latitude."))

    class Meta:
        model = Area
        fields = ["code", "name", "kind", "responsible_unit", "chief", "parent", "geometry", "is_active"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.limit_choices("responsible_unit", selectors.unit_choices(self.user))
        self.limit_choices("chief", selectors.person_list(self.user))
        self.limit_choices("parent", selectors.area_list(self.user))
