"""The issue's bad-input list, each refused in the UI, the API and the admin alike, naming the field and the
reason, and writing nothing."""

import contextlib
import json

import pytest
from rest_framework.test import APIClient

from taizhang.core.roles import Role
from taizhang.org import services
from taizhang.org.models import Area, Membership, Unit
from taizhang.org.tests.world import SQUARE

BOWTIE = {
    "type": "Polygon",
    "coordinates": [[[113.6, 34.7], [113.61, 34.71], [113.61, 34.7], [113.6, 34.71], [113.6, 34.7]]],
}
# A road that runs east, turns back north-west and crosses its own first stretch.
CROSSING_ROAD = {
    "type": "LineString",
    "coordinates": [[113.60, 34.70], [113.62, 34.70], [113.62, 34.71], [113.61, 34.69]],
}
UNIT = {
    "code": "NEW",
    "name": "新单位",
    "short_name": "",
    "kind": "subdistrict",
    "division_code": "",
    "sort_order": "0",
    "is_active": "on",
    "parent": "",
}
UNIT_A = {**UNIT, "code": "UA", "name": "甲街道", "division_code": "410102001000"}


def area(a, **values):
    return {"code": "G1", "name": "网格", "kind": "grid", "responsible_unit": a.pk, **values}


def cases(world):
    """name -> (model, target pk or None for create, form data, field that must be named, reason it must give)."""
    a, data = world.unit_a, world.data
    return {
        "invalid division code": (
            "unit",
            None,
            {**UNIT, "division_code": "410102999X00"},
            "division_code",
            "exactly 12 digits",
        ),
        "division code of the wrong kind": (
            "unit",
            None,
            {**UNIT, "division_code": "410102101000"},
            "division_code",
            "township segment must lie in 001-099",
        ),
        "duplicate code": ("unit", None, {**UNIT, "code": "UA"}, "code", "already exists"),
        "cyclic parent": ("unit", a.pk, {**UNIT_A, "parent": world.units["A1"].pk}, "parent", "would make a cycle"),
        "cyclic parent two levels down": (
            "unit",
            a.pk,
            {**UNIT_A, "parent": data["grandchild"].pk},
            "parent",
            "would make a cycle",
        ),
        "geometry that is not GeoJSON": ("area", None, area(a, geometry="[1, 2"), "geometry", "JSON"),
        "geometry of the wrong type": (
            "area",
            None,
            area(a, geometry='{"type":"Point","coordinates":[113.6,34.7]}'),
            "geometry",
            "Geometry type Point is not allowed",
        ),
        "self-intersecting geometry": (
            "area",
            None,
            area(a, geometry=json.dumps(BOWTIE)),
            "geometry",
            "Self-intersection",
        ),
        "self-crossing road": (
            "area",
            None,
            area(a, kind="road", geometry=json.dumps(CROSSING_ROAD)),
            "geometry",
            "The line crosses itself",
        ),
        "duplicate area code": (
            "area",
            None,
            area(a, code=data["existing_area"].code, geometry=json.dumps(SQUARE)),
            "code",
            "already exists",
        ),
        "area within its own sub-area": (
            "area",
            data["existing_area"].pk,
            area(a, code="GA", name="甲网格", geometry=json.dumps(SQUARE), parent=data["sub_area"].pk),
            "parent",
            "would make a cycle",
        ),
        "membership in an inactive unit": (
            "membership",
            None,
            {"user": world.users["outsider"].pk, "unit": data["closed"].pk, "role": Role.REPORTER, "is_active": "on"},
            "unit",
            f"{data['closed'].name} is inactive",
        ),
        "membership in a voided unit": (
            "membership",
            None,
            {"user": world.users["outsider"].pk, "unit": data["voided"].pk, "role": Role.REPORTER, "is_active": "on"},
            "unit",
            f"{data['voided'].name} is voided",
        ),
    }


CASE_NAMES = [
    "invalid division code",
    "division code of the wrong kind",
    "duplicate code",
    "cyclic parent",
    "cyclic parent two levels down",
    "geometry that is not GeoJSON",
    "geometry of the wrong type",
    "self-intersecting geometry",
    "self-crossing road",
    "duplicate area code",
    "area within its own sub-area",
    "membership in an inactive unit",
    "membership in a voided unit",
]
PATHS = {"unit": ("units", "unit"), "area": ("areas", "area"), "membership": ("memberships", "membership")}
MODELS = {"unit": Unit, "area": Area, "membership": Membership}


@pytest.fixture
def bad_input_world(world, audit):
    admin = world.admin
    world.data["closed"] = services.unit_create(actor=admin, code="OLD", name="撤销单位", kind="other", is_active=False)
    voided = services.unit_create(actor=admin, code="GONE", name="误建单位", kind="other")
    world.data["voided"] = services.unit_void(actor=admin, unit=voided, reason="误建")
    world.data["grandchild"] = services.unit_create(
        actor=admin, code="UA1X", name="甲一社区网格站", kind="other", parent=world.units["A1"]
    )
    world.data["existing_area"] = services.area_create(
        actor=admin, code="GA", name="甲网格", kind="grid", geometry=SQUARE, responsible_unit=world.unit_a
    )
    world.data["sub_area"] = services.area_create(
        actor=admin,
        code="GA-1",
        name="甲网格一号",
        kind="grid",
        geometry=SQUARE,
        responsible_unit=world.unit_a,
        parent=world.data["existing_area"],
    )
    return world


def snapshot():
    return (
        list(Unit.objects.order_by("pk").values_list("pk", "version", "parent_id", "path")),
        list(Area.objects.order_by("pk").values_list("pk", "version")),
        Membership.objects.count(),
    )


def test_every_case_is_meant(bad_input_world):
    assert list(cases(bad_input_world)) == CASE_NAMES


@pytest.mark.parametrize("case", CASE_NAMES)
def test_refused_in_the_ui(as_admin, bad_input_world, case):
    model, pk, data, field, reason = cases(bad_input_world)[case]
    plural = PATHS[model][0]
    if pk is not None:
        data = {**data, "version": str(MODELS[model].objects.get(pk=pk).version)}
    url = f"/org/{plural}/{pk}/edit/" if pk else f"/org/{plural}/new/"
    before = snapshot()
    response = as_admin.post(url, data)
    assert response.status_code == 400
    assert f'data-testid="field-error-{field}"' in response.content.decode()
    messages = " ".join(response.context["form"].errors[field])
    assert reason in messages, messages
    assert snapshot() == before


@pytest.mark.parametrize("case", CASE_NAMES)
def test_refused_in_the_api(bad_input_world, case):
    model, pk, data, field, reason = cases(bad_input_world)[case]
    plural = PATHS[model][0]
    payload = {k: v for k, v in data.items() if v != ""}
    payload["is_active"] = True
    if "geometry" in payload:
        with contextlib.suppress(json.JSONDecodeError):  # otherwise sent as a string: not GeoJSON
            payload["geometry"] = json.loads(payload["geometry"])
    client = APIClient()
    client.force_authenticate(bad_input_world.admin)
    client.cookies["django_language"] = "en"
    before = snapshot()
    url = f"/api/{plural}/{pk}/" if pk else f"/api/{plural}/"
    response = client.patch(url, payload, format="json") if pk else client.post(url, payload, format="json")
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] == "invalid"
    assert field in body["fields"], body
    assert reason in " ".join(body["fields"][field]), body
    assert snapshot() == before


@pytest.mark.parametrize("case", CASE_NAMES)
def test_refused_in_the_admin(as_admin, bad_input_world, case):
    model, pk, data, field, reason = cases(bad_input_world)[case]
    if model == "area":
        data = {"is_active": "on", "chief": "", "parent": "", **data}
    url = f"/admin/org/{PATHS[model][1]}/{pk}/change/" if pk else f"/admin/org/{PATHS[model][1]}/add/"
    before = snapshot()
    response = as_admin.post(url, data)
    assert response.status_code == 200  # the form again, with its errors
    errors = response.context["adminform"].form.errors
    assert field in errors, errors
    assert reason in " ".join(errors[field]), errors
    assert snapshot() == before


def test_the_membership_form_offers_only_active_units_but_names_a_closed_one(as_admin, bad_input_world):
    page = as_admin.get("/org/memberships/new/")
    options = {str(choice.value) for choice, _label in page.context["form"].fields["unit"].widget.choices if choice}
    assert str(bad_input_world.unit_a.pk) in options
    assert str(bad_input_world.data["closed"].pk) not in options
    assert str(bad_input_world.data["voided"].pk) not in options


def test_a_membership_may_be_deactivated_in_an_inactive_unit(bad_input_world):
    """Closing a unit leaves its memberships; switching one off must still be possible."""
    admin, closed = bad_input_world.admin, bad_input_world.data["closed"]
    membership = services.membership_create(
        actor=admin, user=bad_input_world.users["outsider"], unit=closed, role=Role.REPORTER, is_active=False
    )
    assert not membership.is_active


def test_a_field_the_form_refuses_never_reaches_the_service(as_admin, world):
    """Text typed into a number field: the admin shows the form's own error, not a 500, and saves nothing."""
    before = snapshot()
    response = as_admin.post(
        "/admin/org/unit/add/", {"code": "NEWU", "name": "新单位", "kind": "department", "sort_order": "第一"}
    )
    assert response.status_code == 200
    assert "sort_order" in response.context["adminform"].form.errors
    assert snapshot() == before
