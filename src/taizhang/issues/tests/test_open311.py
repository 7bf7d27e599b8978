"""Open311 GeoReport v2 at /open311/v2/: services, posting and reading requests, API keys, error lists."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request

import pytest
from django.test import Client

from taizhang.core import geo
from taizhang.core.roles import Role
from taizhang.issues import services
from taizhang.issues.models import Issue
from taizhang.issues.tests.world import grid_of, make_issue_in, point_in
from taizhang.org import services as org_services


def make_client(world, name="12345热线", **values):
    user = org_services.user_create(
        actor=world.admin, username=f"open311_{len(name)}_{name[-2:]}", password="walk-the-scope-2026"
    )
    org_services.membership_create(actor=world.admin, user=user, unit=world.units["SUP"], role=Role.REPORTER)
    return services.open311_client_create(
        actor=world.admin, name=name, user=user, source=world.data["sources"]["hotline"], **values
    )


@pytest.fixture
def open311(world, audit):
    client, key = make_client(world)
    return client, key, Client(HTTP_ACCEPT_LANGUAGE="en")


def errors(response, status):
    assert response.status_code == status, response.content
    body = response.json()
    assert isinstance(body, list) and all(set(e) == {"code", "description"} for e in body)
    assert all(e["code"] == status for e in body)
    return [e["description"] for e in body]


def test_services_come_from_the_categories(open311, world):
    _client, key, http = open311
    body = http.get("/open311/v2/services.json", {"api_key": key}).json()
    assert {s["service_code"] for s in body} == {"sr", "sr-dump", "dl-manhole"}
    dump = next(s for s in body if s["service_code"] == "sr-dump")
    assert dump == {
        "service_code": "sr-dump",
        "service_name": "乱堆乱放",
        "description": "",
        "metadata": False,
        "type": "realtime",
        "keywords": "",
        "group": "市容环境",
    }


def test_a_request_is_posted_read_back_and_tracked(open311, world, monday):
    client, key, http = open311
    lon, lat = point_in(grid_of(world, world.unit_a))
    response = http.post(
        "/open311/v2/requests.json",
        {
            "api_key": key,
            "service_code": "sr-dump",
            "lat": lat,
            "long": lon,
            "description": "垃圾堆放",
            "first_name": "明",
            "last_name": "王",
            "phone": "13800000000",
            "media_url": "https://example.org/p.jpg",
        },
    )
    assert response.status_code == 201
    [created] = response.json()
    assert created["service_request_id"] == "2026-000001" and created["account_id"] is None
    issue = Issue.objects.get()
    assert issue.open311_client == client and issue.reported_by == client.user and issue.status == "registered"
    # The caller's contact and photo link are for staff: on the registration's timeline entry, not the issue.
    assert issue.description == "垃圾堆放"
    register = issue.events.get(action="register")
    # kept in the site's language, though this client asked for English (and is answered in it)
    assert register.reason == "联系方式：王明 13800000000\n照片：https://example.org/p.jpg"
    assert created["service_notice"].startswith("Registered as 2026-000001")
    assert issue.history.first().history_source == "open311"
    [one] = http.get("/open311/v2/requests/2026-000001.json", {"api_key": key}).json()
    assert one["status"] == "open" and one["status_notes"] == "Registered" and one["agency_responsible"] == ""
    assert one["lat"] == lat and one["long"] == lon and one["requested_datetime"] == "2026-09-28T09:00:00+08:00"
    issue = services.issue_transition(actor=world.users["supervisor"], issue=issue, action="dispatch")
    [one] = http.get("/open311/v2/requests.json", {"api_key": key, "service_request_id": "2026-000001"}).json()
    assert one["agency_responsible"] == "甲街道" and one["expected_datetime"] == "2026-09-30T17:30:00+08:00"
    services.issue_transition(
        actor=world.users["supervisor"], issue=issue, action="void", void_kind="duplicate", reason="重复"
    )
    [one] = http.get("/open311/v2/requests/2026-000001.json", {"api_key": key}).json()
    assert one["status"] == "closed" and one["status_notes"] == "Voided: 重复"
    [public] = http.get("/open311/v2/requests/2026-000001.json").json()  # no key: the public view
    assert public["status"] == "closed" and public["status_notes"] == "Closed without action: Duplicate."
    assert public["description"] == "垃圾堆放" and "13800000000" not in json.dumps(public, ensure_ascii=False)


def test_a_gcj02_client_has_its_points_converted(world, audit, monday):
    _client, key = make_client(world, "地图App", coordinate_system="gcj02")
    grid = grid_of(world, world.unit_a)
    gcj = geo.wgs84_to_gcj02(113.6095, 34.705)
    response = Client().post(
        "/open311/v2/requests.json",
        {"api_key": key, "service_code": "sr-dump", "lat": gcj[1], "long": gcj[0], "description": "x"},
    )
    assert response.status_code == 201
    assert Issue.objects.get().area == grid


def test_listing_filters_by_date_status_and_code_and_sees_only_its_own(open311, world, monday):
    _client, key, http = open311
    other_client, other_key = make_client(world, "另一平台")
    for code, k in (("sr-dump", key), ("dl-manhole", key), ("sr-dump", other_key)):
        assert (
            http.post(
                "/open311/v2/requests.json",
                {"api_key": k, "service_code": code, "address_string": "某路", "description": "d"},
            ).status_code
            == 201
        )
    listing = http.get("/open311/v2/requests.json", {"api_key": key}).json()
    assert [r["service_request_id"] for r in listing] == ["2026-000002", "2026-000001"]
    assert len(http.get("/open311/v2/requests.json", {"api_key": key, "service_code": "dl-manhole"}).json()) == 1
    assert http.get("/open311/v2/requests.json", {"api_key": key, "status": "closed"}).json() == []
    assert len(http.get("/open311/v2/requests.json", {"api_key": key, "status": "open"}).json()) == 2
    assert len(http.get("/open311/v2/requests.json", {"api_key": key, "status": "open,closed"}).json()) == 2
    window = {"api_key": key, "start_date": "2026-09-29T00:00:00+08:00", "end_date": "2026-10-01T00:00:00+08:00"}
    assert http.get("/open311/v2/requests.json", window).json() == []
    naive = {"api_key": key, "start_date": "2026-09-28T00:00:00", "end_date": "2026-09-29T00:00:00"}
    assert len(http.get("/open311/v2/requests.json", naive).json()) == 2
    assert errors(http.get("/open311/v2/requests/2026-000003.json", {"api_key": key}), 404) == [
        "No request 2026-000003."
    ]
    assert other_client.issues.count() == 1


@pytest.mark.parametrize(
    ("form", "expected"),
    [
        ({"description": "d", "lat": "34.7", "long": "113.6"}, ["service_code is required."]),
        (
            {"service_code": "nope", "description": "d", "lat": "34.7", "long": "113.6"},
            ["service_code nope is not a service of this endpoint."],
        ),
        ({"service_code": "sr-dump", "description": "d"}, ["A location is required: lat and long, or address_string."]),
        ({"service_code": "sr-dump", "description": "d", "lat": "34.7"}, ["Give both lat and long."]),
        (
            {"service_code": "sr-dump", "description": "d", "lat": "north", "long": "113"},
            ["lat and long must be decimal degrees."],
        ),
        (
            {"service_code": "sr-dump", "description": "d", "lat": "95", "long": "113"},
            ["lat must lie within ±90 and long within ±180 degrees."],
        ),
        ({"service_code": "sr-dump", "address_string": "某路"}, ["description is required."]),
        (
            {"service_code": "sr-dump", "address_string": "某路", "description": "x" * 4001},
            ["description is longer than 4000 characters."],
        ),
        (
            {
                "service_code": "sr-dump",
                "address_string": "某路",
                "description": "d",
                "media_url": "file:///etc/passwd",
            },
            ["media_url must be an http(s) URL."],
        ),
        (
            {},
            [
                "service_code is required.",
                "A location is required: lat and long, or address_string.",
                "description is required.",
            ],
        ),
    ],
)
def test_malformed_requests_get_an_error_list_and_store_nothing(open311, form, expected):
    _client, key, http = open311
    assert errors(http.post("/open311/v2/requests.json", {"api_key": key, **form}), 400) == expected
    assert not Issue.objects.exists()


def test_what_the_ledger_refuses_is_a_400_too(open311, world, monday, settings):
    _client, key, http = open311
    settings.TAIZHANG = {**settings.TAIZHANG, "DEFAULT_ROUTING_UNIT": "NOPE"}
    response = http.post(
        "/open311/v2/requests.json",
        {"api_key": key, "service_code": "sr-dump", "address_string": "某路", "description": "d"},
    )
    assert errors(response, 400) == [
        "responsible_unit: No unit could be found for this issue, and no default unit is configured."
    ]
    assert not Issue.objects.exists()


def test_reading_needs_no_key_and_shows_the_public_only_what_came_in_through_open311(open311, world, monday):
    """GeoReport v2: only POST requires an api_key. Without one, GET shows the requests posted by any client, with
    public notes; the ledger's own findings (patrols, inspections) are not published."""
    _client, key, http = open311
    _other, other_key = make_client(world, "另一平台")
    for k in (key, other_key):
        form = {"api_key": k, "service_code": "sr-dump", "address_string": "某路", "description": "市民"}
        assert http.post("/open311/v2/requests.json", form).status_code == 201
    patrol = make_issue_in(world, world.unit_a, "巡查")
    assert [s["service_code"] for s in http.get("/open311/v2/services.json").json()] == [
        s["service_code"] for s in http.get("/open311/v2/services.json", {"api_key": key}).json()
    ]
    public = http.get("/open311/v2/requests.json").json()
    assert [r["service_request_id"] for r in public] == ["2026-000002", "2026-000001"]
    assert patrol.number not in {r["service_request_id"] for r in public}
    assert errors(http.get(f"/open311/v2/requests/{patrol.number}.json"), 404)
    assert http.get("/open311/v2/requests.json", {"service_request_id": patrol.number}).json() == []
    assert [r["service_request_id"] for r in http.get("/open311/v2/requests.json", {"api_key": key}).json()] == [
        "2026-000001"
    ]


def test_api_keys_are_checked(open311, world):
    client, key, http = open311
    assert errors(http.post("/open311/v2/requests.json", {"service_code": "sr-dump"}), 403) == ["api_key is required."]
    assert errors(http.get("/open311/v2/services.json", {"api_key": key[:8] + "x" * 24}), 403) == [
        "api_key is not valid."
    ]  # a key that is given must be right, even where none is needed
    services.open311_client_update(actor=world.admin, client=client, values={"is_active": False})
    assert errors(http.get("/open311/v2/services.json", {"api_key": key}), 403) == ["api_key is not valid."]
    services.open311_client_update(actor=world.admin, client=client, values={"is_active": True})
    client.user.is_active = False
    client.user.save(update_fields=["is_active"])
    assert errors(http.get("/open311/v2/services.json", {"api_key": key}), 403) == [
        "The account behind this api_key is disabled."
    ]


def test_bad_parameters_and_methods(open311):
    _client, key, http = open311
    assert errors(http.get("/open311/v2/requests.json", {"api_key": key, "status": "pending"}), 400)
    assert errors(http.get("/open311/v2/requests.json", {"api_key": key, "start_date": "last week"}), 400)
    swapped = {"api_key": key, "start_date": "2026-10-01T00:00:00Z", "end_date": "2026-09-01T00:00:00Z"}
    assert errors(http.get("/open311/v2/requests.json", swapped), 400) == ["start_date is after end_date."]
    assert errors(http.delete("/open311/v2/requests.json"), 405)
    assert http.get("/open311/v2/requests.xml").status_code == 404


@pytest.mark.django_db(transaction=True)
def test_an_open311_client_flow_against_the_running_server(live_server, world):
    """List the services, post a request, read it back: as a citizen app would, over HTTP."""
    from taizhang.core.audit import Source, audit_context

    with audit_context(world.admin, Source.SYSTEM):
        _client, key = make_client(world)
        lon, lat = point_in(grid_of(world, world.unit_a))
    base = f"{live_server.url}/open311/v2"

    def call(path: str, data: dict | None = None) -> tuple[int, object]:
        if data is None:
            request = urllib.request.Request(f"{base}/{path}?{urllib.parse.urlencode({'api_key': key})}")  # noqa: S310
        else:
            request = urllib.request.Request(  # noqa: S310
                f"{base}/{path}", data=urllib.parse.urlencode({"api_key": key, **data}).encode()
            )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310  (the local live server)
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read())

    status, services_ = call("services.json")
    assert status == 200 and "sr-dump" in {s["service_code"] for s in services_}
    status, created = call(
        "requests.json", {"service_code": "sr-dump", "lat": lat, "long": lon, "description": "市民来电：垃圾堆放"}
    )
    assert status == 201
    request_id = created[0]["service_request_id"]
    status, read = call(f"requests/{request_id}.json")
    assert status == 200 and read[0]["description"] == "市民来电：垃圾堆放" and read[0]["status"] == "open"
    status, problems = call("requests.json", {"service_code": "sr-dump", "description": "no place"})
    assert status == 400 and problems[0]["code"] == 400
    assert Issue.objects.count() == 1
