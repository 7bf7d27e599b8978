"""The org API: scoped reads, writes through services, one error shape, token auth, routing a point."""

import pytest
from django.conf import settings
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from taizhang.org import routing, services
from taizhang.org.models import Person, Unit
from taizhang.org.tests.world import SQUARE, make_area


@pytest.fixture
def api(world):
    def client_for(persona):
        client = APIClient()
        client.force_authenticate(world.users[persona])
        return client

    return client_for


def assert_error_shape(response, status, code):
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"code", "message", "fields"}
    assert body["code"] == code
    assert body["message"]
    return body


def test_lists_are_scoped_and_counts_do_not_leak(api, world):
    body = api("reporter_a").get("/api/units/").json()
    assert body["count"] == 2
    assert {u["code"] for u in body["results"]} == {"UA", "UA1"}
    assert api("outsider").get("/api/units/").json()["count"] == 0
    assert api("leader").get("/api/units/").json()["count"] == Unit.objects.count()


def test_an_object_out_of_scope_is_404_with_the_error_shape(api, world):
    response = api("reporter_a").get(f"/api/units/{world.unit_b.pk}/")
    assert_error_shape(response, 404, "not_found")
    assert_error_shape(api("reporter_a").get("/api/units/999999/"), 404, "not_found")


def test_filters_and_pinyin_search_are_shared_with_the_pages(api, world):
    assert [u["code"] for u in api("supervisor").get("/api/units/", {"q": "yjd"}).json()["results"]] == ["UB"]
    kinds = {u["kind"] for u in api("supervisor").get("/api/units/", {"kind": "other"}).json()["results"]}
    assert kinds == {"other"}


def test_create_update_and_void_go_through_the_services(api, world):
    client = api("supervisor")
    created = client.post("/api/people/", {"name": "接口人员", "unit": world.unit_b.pk, "phone": "13900002222"})
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    person = Person.objects.get(pk=pk)
    assert person.history.first().history_source == "api"
    assert person.history.first().history_user == world.users["supervisor"]
    changed = client.patch(f"/api/people/{pk}/", {"title": "科长", "version": created.json()["version"]})
    assert changed.status_code == 200 and changed.json()["title"] == "科长"
    stale = client.patch(f"/api/people/{pk}/", {"title": "处长", "version": created.json()["version"]})
    assert_error_shape(stale, 409, "conflict")
    assert client.post(f"/api/people/{pk}/void/", {"reason": "重复"}).status_code == 204
    assert client.get(f"/api/people/{pk}/").status_code == 404


def test_validation_errors_name_the_fields(api, world):
    body = assert_error_shape(
        api("supervisor").post("/api/units/", {"code": "UA", "name": "新", "kind": "town", "division_code": "4101"}),
        400,
        "invalid",
    )
    assert set(body["fields"]) >= {"code", "division_code"}
    body = assert_error_shape(api("supervisor").post("/api/units/", {"name": "缺代码"}), 400, "invalid")
    assert set(body["fields"]) >= {"code", "kind"}
    body = assert_error_shape(api("supervisor").post(f"/api/people/{world.people['A'].pk}/void/", {}), 400, "invalid")
    assert "reason" in body["fields"]


def test_references_to_units_out_of_scope_are_refused(api, world, audit):
    from taizhang.core.roles import Role
    from taizhang.org import services

    head = services.user_create(actor=world.admin, username="head_a", password="a-Long-pass-2026")
    services.membership_create(actor=world.admin, user=head, unit=world.unit_a, role=Role.UNIT_HEAD)
    client = APIClient()
    client.force_authenticate(head)
    body = assert_error_shape(client.post("/api/people/", {"name": "越界", "unit": world.unit_b.pk}), 400, "invalid")
    assert "unit" in body["fields"]
    assert client.post("/api/people/", {"name": "本单位", "unit": world.unit_a.pk}).status_code == 201


def test_permission_denied_has_the_error_shape(api, world):
    assert_error_shape(
        api("reporter_a").post("/api/units/", {"code": "X", "name": "X", "kind": "other"}), 403, "permission_denied"
    )


def test_token_authentication_and_its_audit_trail(world):
    token = Token.objects.create(user=world.users["supervisor"])
    client = APIClient()
    assert_error_shape(client.get("/api/units/"), 401, "not_authenticated")
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert client.get("/api/units/").status_code == 200
    response = client.post(
        "/api/areas/",
        {"code": "T1", "name": "令牌网格", "kind": "grid", "geometry": SQUARE, "responsible_unit": world.unit_a.pk},
        format="json",
    )
    assert response.status_code == 201, response.content
    from taizhang.org.models import Area

    row = Area.objects.get(code="T1").history.first()
    assert (row.history_user, row.history_source) == (world.users["supervisor"], "api")


def test_obtaining_a_token_with_a_password(world):
    client = APIClient()
    response = client.post("/api/auth/token/", {"username": "supervisor", "password": "walk-the-scope-2026"})
    assert response.status_code == 200 and len(response.json()["token"]) == 40
    assert_error_shape(client.post("/api/auth/token/", {"username": "supervisor", "password": "nope"}), 400, "invalid")


@pytest.fixture
def api_en(api):
    def client_for(persona):
        client = api(persona)
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        return client

    return client_for


def test_route_a_point(api_en, world, audit, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        area = make_area(world, world.unit_b, "P")
    body = api_en("reporter_b").get("/api/route/", {"longitude": 113.605, "latitude": 34.705}).json()
    assert body["fallback"] is False and body["district_wide"] is False
    assert body["unit"]["code"] == "UB"
    assert body["chief_id"] == area.chief_id
    assert [a["code"] for a in body["areas"]] == [area.code]
    assert body["message"] == f"Routed to {area.name}."
    bad = api_en("reporter_b").get("/api/route/", {"longitude": 200, "latitude": "x"})
    bad = assert_error_shape(bad, 400, "invalid")
    assert set(bad["fields"]) == {"longitude", "latitude"}


def test_a_district_wide_user_routes_over_every_area_and_learns_the_default_unit(api_en, world, audit):
    default = services.unit_create(actor=world.admin, code="CGJ", name="城管局", kind="department")
    make_area(world, world.unit_b, "P")
    routing.invalidate()
    inside = api_en("supervisor").get("/api/route/", {"longitude": 113.605, "latitude": 34.705}).json()
    assert inside["district_wide"] is True and inside["unit"]["code"] == "UB"
    outside = api_en("supervisor").get("/api/route/", {"longitude": 120.0, "latitude": 30.0}).json()
    assert outside["fallback"] is True and outside["unit"]["id"] == default.pk and outside["areas"] == []
    assert "outside every responsibility area" in outside["message"]


def test_routing_gives_away_no_area_of_another_unit(api_en, world, audit):
    """reporter_a, whose map shows only unit A's areas, learns nothing of unit B's area under the point:
    the answer is the same as for a point outside every area, and names no area, unit or chief of B's."""
    services.unit_create(actor=world.admin, code="CGJ", name="城管局", kind="department")
    point = {"longitude": 113.605, "latitude": 34.705}
    nowhere = api_en("reporter_a").get("/api/route/", point).json()
    area = make_area(world, world.unit_b, "P")
    routing.invalidate()
    covered = api_en("reporter_a").get("/api/route/", point).json()
    assert covered == nowhere
    assert covered["unit"] is None and covered["chief_id"] is None and covered["areas"] == []
    assert covered["fallback"] is False and covered["district_wide"] is False
    assert "None of the responsibility areas you can see" in covered["message"]
    text = str(covered)
    assert area.code not in text and area.name not in text and str(area.pk) not in str(covered["areas"])
    assert api_en("outsider").get("/api/route/", point).json() == covered
    # Where unit A has an area of its own too, reporter_a gets that one only.
    own = make_area(world, world.unit_a, "Q")
    routing.invalidate()
    mine = api_en("reporter_a").get("/api/route/", point).json()
    assert [a["code"] for a in mine["areas"]] == [own.code]
    assert mine["unit"]["code"] == "UA" and mine["chief_id"] == own.chief_id


def test_a_chief_out_of_scope_is_not_named(api_en, world, audit):
    chief_in_b = services.person_create(actor=world.admin, name="乙网格长", unit=world.unit_b)
    area = services.area_create(
        actor=world.admin,
        code="AX",
        name="甲网格",
        kind="grid",
        geometry=SQUARE,
        responsible_unit=world.unit_a,
        chief=chief_in_b,
    )
    routing.invalidate()
    body = api_en("reporter_a").get("/api/route/", {"longitude": 113.605, "latitude": 34.705}).json()
    assert [a["code"] for a in body["areas"]] == [area.code]
    assert body["chief_id"] is None


def test_schema_and_docs_are_served_locally(as_reporter_a):
    schema = as_reporter_a.get("/api/schema/")
    assert schema.status_code == 200 and b"/api/units/" in schema.content
    docs = as_reporter_a.get("/api/docs/").content.decode()
    assert "swagger" in docs.lower()
    assert "cdn" not in docs.lower() and "https://" not in docs


def test_the_api_speaks_chinese_unless_asked_otherwise(api, world):
    client = api("reporter_a")
    assert client.get("/api/units/999999/").json()["message"] == "未找到。"
    assert client.get("/api/units/999999/", HTTP_ACCEPT_LANGUAGE="en").json()["message"] == "Not found."
