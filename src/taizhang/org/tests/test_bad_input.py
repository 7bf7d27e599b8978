"""The issue's bad-input list, each refused in the UI, the API and the admin alike, naming the field."""

import contextlib
import json

import pytest
from rest_framework.test import APIClient

from taizhang.core.roles import Role
from taizhang.org import services
from taizhang.org.models import Area, Membership, Unit

BOWTIE = {
    "type": "Polygon",
    "coordinates": [[[113.6, 34.7], [113.61, 34.71], [113.61, 34.7], [113.6, 34.71], [113.6, 34.7]]],
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


def cases(world):
    """(name, model, target pk or None for create, form data, field that must be named)."""
    a = world.unit_a
    return {
        "invalid division code": ("unit", None, {**UNIT, "division_code": "410102999X00"}, "division_code"),
        "division code of the wrong kind": ("unit", None, {**UNIT, "division_code": "410102101000"}, "division_code"),
        "duplicate code": ("unit", None, {**UNIT, "code": "UA"}, "code"),
        "cyclic parent": (
            "unit",
            a.pk,
            {**UNIT, "code": "UA", "name": "甲街道", "division_code": "410102001000", "parent": world.units["A1"].pk},
            "parent",
        ),
        "geometry that is not GeoJSON": (
            "area",
            None,
            {"code": "G1", "name": "网格", "kind": "grid", "responsible_unit": a.pk, "geometry": "[1, 2"},
            "geometry",
        ),
        "geometry of the wrong type": (
            "area",
            None,
            {
                "code": "G1",
                "name": "网格",
                "kind": "grid",
                "responsible_unit": a.pk,
                "geometry": '{"type":"Point","coordinates":[113.6,34.7]}',
            },
            "geometry",
        ),
        "self-intersecting geometry": (
            "area",
            None,
            {"code": "G1", "name": "网格", "kind": "grid", "responsible_unit": a.pk, "geometry": json.dumps(BOWTIE)},
            "geometry",
        ),
        "membership in an inactive unit": (
            "membership",
            None,
            {
                "user": world.users["outsider"].pk,
                "unit": world.data["closed"].pk,
                "role": Role.REPORTER,
                "is_active": "on",
            },
            "unit",
        ),
    }


CASE_NAMES = [
    "invalid division code",
    "division code of the wrong kind",
    "duplicate code",
    "cyclic parent",
    "geometry that is not GeoJSON",
    "geometry of the wrong type",
    "self-intersecting geometry",
    "membership in an inactive unit",
]
PATHS = {"unit": ("units", "unit"), "area": ("areas", "area"), "membership": ("memberships", "membership")}


@pytest.fixture
def closed_unit(world, audit):
    world.data["closed"] = services.unit_create(
        actor=world.admin, code="OLD", name="撤销单位", kind="other", is_active=False
    )
    return world.data["closed"]


def snapshot():
    return (
        list(Unit.objects.order_by("pk").values_list("pk", "version", "parent_id")),
        Area.objects.count(),
        Membership.objects.count(),
    )


@pytest.mark.parametrize("case", CASE_NAMES)
def test_refused_in_the_ui(as_admin, world, closed_unit, case):
    model, pk, data, field = cases(world)[case]
    plural = PATHS[model][0]
    if pk is not None:
        data = {**data, "version": str(Unit.objects.get(pk=pk).version)}
    url = f"/org/{plural}/{pk}/edit/" if pk else f"/org/{plural}/new/"
    before = snapshot()
    response = as_admin.post(url, data)
    assert response.status_code == 400
    assert f'data-testid="field-error-{field}"' in response.content.decode()
    assert snapshot() == before


@pytest.mark.parametrize("case", CASE_NAMES)
def test_refused_in_the_api(world, closed_unit, case):
    model, pk, data, field = cases(world)[case]
    plural = PATHS[model][0]
    payload = {k: v for k, v in data.items() if v != ""}
    payload["is_active"] = True
    if "parent" in data and data["parent"] == "":
        payload.pop("parent", None)
    if "geometry" in payload:
        with contextlib.suppress(json.JSONDecodeError):  # otherwise sent as a string: not GeoJSON
            payload["geometry"] = json.loads(payload["geometry"])
    client = APIClient()
    client.force_authenticate(world.admin)
    before = snapshot()
    url = f"/api/{plural}/{pk}/" if pk else f"/api/{plural}/"
    response = client.patch(url, payload, format="json") if pk else client.post(url, payload, format="json")
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] == "invalid"
    assert field in body["fields"], body
    assert snapshot() == before


@pytest.mark.parametrize("case", CASE_NAMES)
def test_refused_in_the_admin(as_admin, world, closed_unit, case):
    model, pk, data, field = cases(world)[case]
    if model == "area":
        data = {**data, "is_active": "on", "chief": "", "parent": ""}
    url = f"/admin/org/{PATHS[model][1]}/{pk}/change/" if pk else f"/admin/org/{PATHS[model][1]}/add/"
    before = snapshot()
    response = as_admin.post(url, data)
    assert response.status_code == 200  # the form again, with its errors
    errors = response.context["adminform"].form.errors
    assert field in errors or "__all__" in errors, errors
    assert snapshot() == before


def test_a_field_the_form_refuses_never_reaches_the_service(as_admin, world):
    """Text typed into a number field: the admin shows the form's own error, not a 500, and saves nothing."""
    before = snapshot()
    response = as_admin.post(
        "/admin/org/unit/add/", {"code": "NEWU", "name": "新单位", "kind": "department", "sort_order": "第一"}
    )
    assert response.status_code == 200
    assert "sort_order" in response.context["adminform"].form.errors
    assert snapshot() == before
