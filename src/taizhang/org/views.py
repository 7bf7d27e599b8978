"""Pages for units, people, memberships and areas, declared on the generic ledger pages; the map page."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.decorators.gzip import gzip_page

from taizhang.core import views as generic
from taizhang.core.tables import Column
from taizhang.org import columns, filtersets, forms, selectors, services
from taizhang.org.models import Area, Membership, Person, Unit

# --- units ---------------------------------------------------------------------------------------------


class UnitList(generic.ListPage):
    model = Unit
    selector = selectors.unit_list
    filterset_class = filtersets.UnitFilterSet
    add_perm = "org.add_unit"
    default_sort = "sort_order"
    spreadsheet = columns.UNITS
    columns = (
        Column("code", _("code")),
        Column("name", _("name"), link=True),
        Column("short_name", _("short name"), default=False),
        Column("kind", _("kind")),
        Column("parent.name", _("parent unit"), sort="parent__name"),
        Column("division_code", _("division code")),
        Column("people_count", _("people"), kind="number", total="people_count"),
        Column("is_active", _("active"), kind="bool"),
    )

    def totals(self, qs: Any, columns: list[Column]) -> dict[str, Any] | None:
        # people_count is an annotation; a plain count of the filtered units' people is what we want.
        if not any(c.total for c in columns):
            return None
        return {"people_count": Person.objects.live().filter(unit__in=qs.values("pk")).count()}


class UnitDetail(generic.DetailPage):
    model = Unit
    getter = selectors.unit_get
    template_name = "org/unit_detail.html"
    change_perm = "org.change_unit"
    void_perm = "org.void_unit"
    fields = ("code", "name", "short_name", "kind", "parent", "division_code", "sort_order", "is_active")

    def get_context(self, obj: Any) -> dict[str, Any]:
        context = super().get_context(obj)
        user = self.request.user
        context["children"] = selectors.unit_list(user).filter(parent=obj)
        context["people"] = selectors.person_list(user).filter(unit=obj)
        context["areas"] = selectors.area_list(user).filter(responsible_unit=obj)
        return context


class UnitHistory(generic.HistoryPage):
    model = Unit
    getter = selectors.unit_get


class UnitCreate(generic.FormPage):
    model = Unit
    form_class = forms.UnitForm
    create_service = services.unit_create
    perm = "org.add_unit"


class UnitEdit(generic.FormPage):
    model = Unit
    form_class = forms.UnitForm
    getter = selectors.unit_get
    update_service = services.unit_update
    update_arg = "unit"
    perm = "org.change_unit"


class UnitVoid(generic.VoidPage):
    model = Unit
    getter = selectors.unit_get
    void_service = services.unit_void
    void_arg = "unit"
    perm = "org.void_unit"


# --- people --------------------------------------------------------------------------------------------


class PersonList(generic.ListPage):
    model = Person
    selector = selectors.person_list
    filterset_class = filtersets.PersonFilterSet
    add_perm = "org.add_person"
    default_sort = "unit__sort_order"
    spreadsheet = columns.PEOPLE
    columns = (
        Column("name", _("name"), link=True),
        Column("title", _("title")),
        Column("unit.name", _("unit"), sort="unit__name"),
        Column("phone", _("phone"), sort=None),
        Column("is_leader", _("district leader"), kind="bool"),
        Column("user.username", _("user account"), sort=None, default=False),
    )


class PersonDetail(generic.DetailPage):
    model = Person
    getter = selectors.person_get
    change_perm = "org.change_person"
    void_perm = "org.void_person"
    fields = ("name", "title", "unit", "phone", "is_leader", "user", "sort_order")


class PersonHistory(generic.HistoryPage):
    model = Person
    getter = selectors.person_get


class PersonCreate(generic.FormPage):
    model = Person
    form_class = forms.PersonForm
    create_service = services.person_create
    perm = "org.add_person"


class PersonEdit(generic.FormPage):
    model = Person
    form_class = forms.PersonForm
    getter = selectors.person_get
    update_service = services.person_update
    update_arg = "person"
    perm = "org.change_person"


class PersonVoid(generic.VoidPage):
    model = Person
    getter = selectors.person_get
    void_service = services.person_void
    void_arg = "person"
    perm = "org.void_person"


# --- memberships ---------------------------------------------------------------------------------------


class MembershipList(generic.ListPage):
    model = Membership
    selector = selectors.membership_list
    filterset_class = filtersets.MembershipFilterSet
    add_perm = "org.add_membership"
    default_sort = "unit__sort_order"
    columns = (
        Column("user", _("user"), link=True, sort="user__username"),
        Column("unit.name", _("unit"), sort="unit__name"),
        Column("role", _("role")),
        Column("is_active", _("active"), kind="bool"),
    )


class MembershipDetail(generic.DetailPage):
    model = Membership
    getter = selectors.membership_get
    change_perm = "org.change_membership"
    void_perm = "org.void_membership"
    fields = ("user", "unit", "role", "is_active")


class MembershipHistory(generic.HistoryPage):
    model = Membership
    getter = selectors.membership_get


class MembershipCreate(generic.FormPage):
    model = Membership
    form_class = forms.MembershipForm
    create_service = services.membership_create
    perm = "org.add_membership"


class MembershipEdit(generic.FormPage):
    model = Membership
    form_class = forms.MembershipForm
    getter = selectors.membership_get
    update_service = services.membership_update
    update_arg = "membership"
    perm = "org.change_membership"


class MembershipVoid(generic.VoidPage):
    model = Membership
    getter = selectors.membership_get
    void_service = services.membership_void
    void_arg = "membership"
    perm = "org.void_membership"


# --- areas ---------------------------------------------------------------------------------------------


class AreaList(generic.ListPage):
    model = Area
    selector = selectors.area_list
    filterset_class = filtersets.AreaFilterSet
    add_perm = "org.add_area"
    default_sort = "code"
    extra_actions = ((_("Map"), "org:area_map"),)
    columns = (
        Column("code", _("code")),
        Column("name", _("name"), link=True),
        Column("kind", _("kind")),
        Column("responsible_unit.name", _("responsible unit"), sort="responsible_unit__name"),
        Column("chief.name", _("chief"), sort="chief__name"),
        Column("chief.phone", _("phone"), sort=None, default=False),
        Column("parent.name", _("within"), sort="parent__name", default=False),
    )


class AreaDetail(generic.DetailPage):
    model = Area
    getter = selectors.area_get
    template_name = "org/area_detail.html"
    change_perm = "org.change_area"
    void_perm = "org.void_area"
    fields = ("code", "name", "kind", "responsible_unit", "chief", "chief.phone", "parent", "is_active")

    def get_context(self, obj: Any) -> dict[str, Any]:
        context = super().get_context(obj)
        context["feature"] = {
            "type": "FeatureCollection",
            "features": [
                {"type": "Feature", "geometry": obj.geometry, "properties": {"name": obj.name, "kind": obj.kind}}
            ],
        }
        context["map_settings"] = map_settings()
        return context


class AreaHistory(generic.HistoryPage):
    model = Area
    getter = selectors.area_get


class AreaCreate(generic.FormPage):
    model = Area
    form_class = forms.AreaForm
    create_service = services.area_create
    perm = "org.add_area"


class AreaEdit(generic.FormPage):
    model = Area
    form_class = forms.AreaForm
    getter = selectors.area_get
    update_service = services.area_update
    update_arg = "area"
    perm = "org.change_area"


class AreaVoid(generic.VoidPage):
    model = Area
    getter = selectors.area_get
    void_service = services.area_void
    void_arg = "area"
    perm = "org.void_area"


def map_settings() -> dict[str, str]:
    return {
        "tile_url": str(settings.TAIZHANG["MAP_TILE_URL"]),
        "tile_attribution": str(settings.TAIZHANG["MAP_TILE_ATTRIBUTION"]),
    }


class AreaMap(View):
    """All areas in scope drawn with Leaflet; the GeoJSON comes from this app, tiles only if configured."""

    def get(self, request: HttpRequest) -> HttpResponse:
        return render(
            request,
            "org/area_map.html",
            {
                "title": _("Map of responsibility areas"),
                "geojson_url": "geojson/",
                "map_settings": map_settings(),
            },
        )


@method_decorator(gzip_page, name="dispatch")  # a district's areas are megabytes of coordinates; no secret in them
class AreaGeoJSON(View):
    def get(self, request: HttpRequest) -> HttpResponse:
        kind = request.GET.get("kind")
        filters = {"kind": kind} if kind else {}
        data = selectors.area_geojson(request.user, **filters)
        return JsonResponse(data, json_dumps_params={"ensure_ascii": False})
