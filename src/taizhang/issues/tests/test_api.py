"""The issue API: scoped reads, registration, one endpoint per workflow action, evidence, queues, statistics."""

from __future__ import annotations

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from taizhang.core import clock
from taizhang.issues.models import Issue
from taizhang.issues.sample_photos import photo
from taizhang.issues.tests.conftest import at
from taizhang.issues.tests.world import grid_of, point_in


@pytest.fixture
def api(world):
    def client_for(user):
        client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
        client.force_authenticate(user if not isinstance(user, str) else world.users[user])
        return client

    return client_for


def error(response, status, code):
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"code", "message", "fields"} and body["code"] == code
    return body


def test_lists_are_scoped_and_filtered_like_the_page(api, issue_a, issue_b):
    body = api("reporter_a").get("/api/issues/").json()
    assert body["count"] == 1 and body["results"][0]["number"] == issue_a.number
    assert body["results"][0]["allowed_actions"] == []  # lists stay cheap; the detail says what you may do
    assert api("supervisor").get("/api/issues/", {"unit": issue_b.responsible_unit_id}).json()["count"] == 1
    with clock.travel(at(2026, 10, 8, 9)):
        assert api("supervisor").get("/api/issues/", {"light": "red"}).json()["count"] == 2
    error(api("reporter_a").get(f"/api/issues/{issue_b.pk}/"), 404, "not_found")
    assert api("outsider").get("/api/issues/").json()["count"] == 0


def test_the_detail_says_what_the_caller_may_do(api, issue_a):
    body = api("reporter_a").get(f"/api/issues/{issue_a.pk}/").json()
    assert body["allowed_actions"] == ["send_back", "acknowledge", "request_extension"]
    assert body["light"]["colour"] == "green" and body["category_code"] == "sr-dump"
    assert body["status_label"] == "Dispatched"


def test_registering_through_the_api(api, world, audit, monday):
    lon, lat = point_in(grid_of(world, world.unit_a))
    payload = {
        "category": world.data["categories"]["dump"].pk,
        "source": world.data["sources"]["patrol"].pk,
        "description": "接口上报",
        "longitude": str(lon),
        "latitude": str(lat),
    }
    response = api("reporter_a").post("/api/issues/", payload, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["number"] == "2026-000001" and response.json()["responsible_unit"]["name"] == "甲街道"
    body = error(api("reporter_a").post("/api/issues/", {**payload, "category": 999}, format="json"), 400, "invalid")
    assert "category" in body["fields"]
    body = error(api("reporter_a").post("/api/issues/", {**payload, "latitude": None}, format="json"), 400, "invalid")
    assert "latitude" in body["fields"]
    error(api("outsider").post("/api/issues/", payload, format="json"), 403, "permission_denied")
    error(
        api("reporter_a").post("/api/issues/", {**payload, "deadline": "2026-10-30"}, format="json"),
        403,
        "permission_denied",
    )
    assert Issue.objects.count() == 1


def test_text_kept_in_the_ledger_is_in_the_sites_language_whatever_the_callers(
    api, world, audit, monday, django_capture_on_commit_callbacks
):
    """An English API caller is answered in English, but what the ledger keeps (routing note, timeline notes,
    the unit's messages) is written in the site's language, as every other reader of the record sees it."""
    grid = grid_of(world, world.unit_a)
    lon, lat = point_in(grid)
    payload = {
        "category": world.data["categories"]["dump"].pk,
        "source": world.data["sources"]["patrol"].pk,  # a patrol's issue is dispatched at once
        "description": "英文接口上报",
        "longitude": str(lon),
        "latitude": str(lat),
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = api("reporter_a").post("/api/issues/", payload, format="json")
    assert response.status_code == 201, response.content
    assert response["Content-Language"] == "en" and response.json()["status_label"] == "Dispatched"
    issue = Issue.objects.get()
    assert issue.routing_note == f"已分派至{grid.name}。"
    assert issue.events.get(action="register").data["routing"] == f"已分派至{grid.name}。"
    assert issue.events.get(action="dispatch").reason == "已自动派遣。"
    [message] = world.users["reporter_a"].notifications.filter(kind="issue.dispatch")
    assert message.title.startswith("派遣：") or message.title.startswith("派遣:")
    assert "整改时限：" in message.body
    # ... while what is said back to the caller stays in the caller's language
    office = api("supervisor")
    same = {"unit": world.unit_a.pk, "reason": "x"}  # refused by the service, in the middle of the transition
    body = error(office.post(f"/api/issues/{issue.pk}/reassign/", same, format="json"), 400, "invalid")
    assert body["fields"]["unit"] == ["The issue is already with 甲街道."]
    with django_capture_on_commit_callbacks(execute=True):
        response = office.post(
            f"/api/issues/{issue.pk}/reassign/", {"unit": world.unit_b.pk, "reason": "改派乙"}, format="json"
        )
    assert response.status_code == 200 and response.json()["status_label"] == "Dispatched"
    [message] = world.users["reporter_b"].notifications.filter(kind="issue.reassign")
    assert message.title.startswith("改派") and "改派乙" in message.body and "整改时限：" in message.body


def test_workflow_actions_are_endpoints(api, world, issue_a, inspectors):
    reporter = api("reporter_a")
    response = reporter.post(f"/api/issues/{issue_a.pk}/acknowledge/", {"version": issue_a.version}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "acknowledged"
    body = error(
        reporter.post(f"/api/issues/{issue_a.pk}/start/", {"version": issue_a.version}, format="json"), 409, "conflict"
    )
    assert "changed by someone else" in body["message"]
    body = error(
        reporter.post(f"/api/issues/{issue_a.pk}/verify-pass/", {}, format="json"), 409, "transition_not_allowed"
    )
    assert "Allowed now for you: Start rectifying" in body["message"]
    error(
        reporter.post(f"/api/issues/{issue_a.pk}/request-extension/", {"deadline": "someday"}, format="json"),
        400,
        "invalid",
    )
    response = reporter.post(
        f"/api/issues/{issue_a.pk}/request-extension/", {"deadline": "2026-10-20", "reason": "协调"}, format="json"
    )
    assert response.json()["pending_request"] == "extension"
    office = api("supervisor")
    error(
        office.post(f"/api/issues/{issue_a.pk}/reassign/", {"unit": 99999, "reason": "x"}, format="json"),
        400,
        "invalid",
    )
    response = office.post(
        f"/api/issues/{issue_a.pk}/reassign/",
        {"unit": world.unit_b.pk, "chief": world.people["B"].pk, "reason": "改派乙"},
        format="json",
    )
    assert response.status_code == 200 and response.json()["responsible_unit"]["name"] == "乙街道"
    assert response.json()["reassignment_count"] == 1
    error(office.post(f"/api/issues/{issue_a.pk}/void/", {"reason": "重复"}, format="json"), 400, "invalid")
    events = api("supervisor").get(f"/api/issues/{issue_a.pk}/events/").json()
    assert [e["action"] for e in events][-2:] == ["request_extension", "reassign"]
    assert events[-1]["actor"] == "supervisor" and events[-1]["source"] == "api"


def test_evidence_through_the_api(api, world, issue_a):
    reporter = api("reporter_a")
    response = reporter.post(
        f"/api/issues/{issue_a.pk}/evidence/",
        {"kind": "after", "file": photo("a.jpg", taken_at=at(2026, 9, 27), longitude=113.6, latitude=34.7)},
        format="multipart",
    )
    assert response.status_code == 201, response.content
    evidence = response.json()
    assert evidence["taken_before_registration"] and evidence["url"] == f"/issues/evidence/{evidence['id']}/file/"
    assert [e["id"] for e in reporter.get(f"/api/issues/{issue_a.pk}/evidence/").json()] == [evidence["id"]]
    assert reporter.get(f"/api/evidence/{evidence['id']}/").json()["kind"] == "after"
    error(api("reporter_b").get(f"/api/evidence/{evidence['id']}/"), 404, "not_found")
    error(reporter.post(f"/api/issues/{issue_a.pk}/evidence/", {"kind": "after"}, format="multipart"), 400, "invalid")
    assert reporter.post(f"/api/evidence/{evidence['id']}/void/", {"reason": "错"}, format="json").status_code == 204
    error(reporter.get(f"/api/evidence/{evidence['id']}/"), 404, "not_found")


def test_details_are_corrected_with_patch(api, world, issue_a):
    office = api("supervisor")
    response = office.patch(
        f"/api/issues/{issue_a.pk}/",
        {"title": "更正", "cooperating_units": [world.unit_b.pk], "version": issue_a.version},
        format="json",
    )
    assert response.status_code == 200 and response.json()["title"] == "更正"
    error(
        office.put(f"/api/issues/{issue_a.pk}/", {"title": "旧", "version": issue_a.version}, format="json"),
        409,
        "conflict",
    )
    error(office.patch(f"/api/issues/{issue_a.pk}/", {"title": "x", "version": "v2"}, format="json"), 400, "invalid")
    error(
        api("reporter_a").patch(f"/api/issues/{issue_a.pk}/", {"title": "x"}, format="json"), 403, "permission_denied"
    )


def test_queues_workflow_categories_and_sources(api, world, issue_a, inspectors):
    assert api("reporter_a").get("/api/issues/queue/").json()["count"] == 1
    assert api(inspectors[0]).get("/api/issues/verification-queue/").json()["count"] == 0
    table = api("reporter_a").get("/api/issues/workflow/").json()
    verify = next(step for step in table if step["action"] == "verify_pass")
    assert verify["from"] == ["closure_requested"] and verify["to"] == "closed" and "inspector" in verify["roles"]
    categories = api("outsider").get("/api/issue-categories/").json()
    assert {c["code"] for c in categories} == {"sr", "sr-dump", "dl-manhole"}
    assert {s["code"] for s in api("reporter_a").get("/api/issue-sources/").json()} == {"patrol", "hotline"}


def test_statistics_through_the_api(api, issue_a, issue_b):
    with clock.travel(at(2026, 10, 9, 9)):
        body = (
            api("supervisor")
            .get("/api/issue-statistics/", {"by": "unit", "start": "2026-09-01", "end": "2026-10-09"})
            .json()
        )
    assert {r["name"]: r["overdue_now"] for r in body["rows"]} == {"甲街道": 1, "乙街道": 1}
    assert body["total"]["received"] == 2 and body["total"]["rate"] == "0.0000"
    with clock.travel(at(2026, 10, 9, 9)):
        weekly = (
            api("reporter_a")
            .get("/api/issue-statistics/", {"by": "week", "start": "2026-09-01", "end": "2026-10-09"})
            .json()
        )
    assert weekly["rows"][0]["key"].startswith("2026-09-28") and weekly["total"]["received"] == 1
    error(api("supervisor").get("/api/issue-statistics/", {"start": "2026-10-09", "end": "2026-09-01"}), 400, "invalid")
    error(api("supervisor").get("/api/issue-statistics/", {"start": "2020-01-01", "end": "2026-09-01"}), 400, "invalid")
    error(api("supervisor").get("/api/issue-statistics/"), 400, "invalid")


def test_token_calls_are_audited_as_api(world, issue_a):
    token = Token.objects.create(user=world.users["reporter_a"])
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    response = client.post(f"/api/issues/{issue_a.pk}/acknowledge/", {}, format="json")
    assert response.status_code == 200
    row = Issue.objects.get(pk=issue_a.pk).history.first()
    assert row.history_source == "api" and row.history_user == world.users["reporter_a"]


def test_the_schema_describes_the_issue_endpoints(api, world):
    schema = api("supervisor").get("/api/schema/", HTTP_ACCEPT="application/json").content.decode()
    for path in ("/api/issues/{id}/acknowledge/", "/api/issues/{id}/verify-fail/", "/api/issue-statistics/"):
        assert path in schema


def test_routing_rules_are_kept_by_the_office_through_the_api(api, world, audit, monday):
    office = api("supervisor")
    grid = grid_of(world, world.unit_a)
    category = world.data["categories"]["manhole"]
    created = office.post(
        "/api/issue-routing-rules/",
        {"area": grid.pk, "category": category.pk, "unit": world.unit_b.pk, "note": "井盖归乙"},
        format="json",
    )
    assert created.status_code == 201, created.content
    rule = created.json()
    assert (rule["area_name"], rule["category_name"], rule["unit_name"]) == (grid.name, "井盖缺失", "乙街道")
    # The rule routes at once (the services tell every worker), and its history says who made it, from where.
    lon, lat = point_in(grid)
    issue = office.post(
        "/api/issues/",
        {
            "category": category.pk,
            "source": world.data["sources"]["patrol"].pk,
            "title": "井盖",
            "longitude": lon,
            "latitude": lat,
        },
        format="json",
    ).json()
    assert issue["responsible_unit"]["name"] == "乙街道"
    from taizhang.issues.models import RoutingRule

    row = RoutingRule.objects.get(pk=rule["id"]).history.first()
    assert row.history_source == "api" and row.history_user == world.users["supervisor"]

    changed = office.patch(
        f"/api/issue-routing-rules/{rule['id']}/", {"note": "改", "version": rule["version"]}, format="json"
    )
    assert changed.status_code == 200 and changed.json()["version"] == rule["version"] + 1
    error(
        office.patch(
            f"/api/issue-routing-rules/{rule['id']}/", {"note": "旧", "version": rule["version"]}, format="json"
        ),
        409,
        "conflict",
    )
    twice = office.post(
        "/api/issue-routing-rules/", {"area": grid.pk, "category": category.pk, "unit": world.unit_a.pk}, format="json"
    )
    assert "already exists" in str(error(twice, 400, "invalid")["fields"])
    everything = error(
        office.post("/api/issue-routing-rules/", {"unit": world.unit_a.pk}, format="json"), 400, "invalid"
    )
    assert "Name an area, a category, or both" in f"{everything['message']} {everything['fields']}"

    # Units read the rules that send issues to them; only the office changes them; out of scope is not found.
    assert [r["id"] for r in api("reporter_b").get("/api/issue-routing-rules/").json()["results"]] == [rule["id"]]
    assert api("reporter_a").get("/api/issue-routing-rules/").json()["count"] == 0
    error(api("reporter_a").get(f"/api/issue-routing-rules/{rule['id']}/"), 404, "not_found")
    error(
        api("reporter_b").patch(f"/api/issue-routing-rules/{rule['id']}/", {"note": "x"}, format="json"),
        403,
        "permission_denied",
    )
    error(
        api("reporter_b").post(f"/api/issue-routing-rules/{rule['id']}/void/", {"reason": "x"}, format="json"),
        403,
        "permission_denied",
    )
    assert (
        office.post(f"/api/issue-routing-rules/{rule['id']}/void/", {"reason": "划错"}, format="json").status_code
        == 204
    )
    assert office.get("/api/issue-routing-rules/").json()["count"] == 0


def test_open311_clients_are_kept_by_administrators_through_the_api(api, world, audit):
    from taizhang.core.roles import Role
    from taizhang.issues.models import Open311Client
    from taizhang.org import services as org_services

    hotline = org_services.user_create(actor=world.admin, username="hotline_api", password="walk-the-scope-2026")
    org_services.membership_create(actor=world.admin, user=hotline, unit=world.unit_b, role=Role.REPORTER)
    admin = api(world.admin)
    form = {
        "name": "12345",
        "user": hotline.pk,
        "source": world.data["sources"]["hotline"].pk,
        "coordinate_system": "gcj02",
    }
    error(api("supervisor").post("/api/open311-clients/", form, format="json"), 403, "permission_denied")
    created = admin.post("/api/open311-clients/", form, format="json")
    assert created.status_code == 201, created.content
    body = created.json()
    key = body["api_key"]
    assert body["key_prefix"] == key[:8] and body["user_name"] == "hotline_api" and body["coordinate_system"] == "gcj02"
    assert "api_key" not in admin.get(f"/api/open311-clients/{body['id']}/").json()  # shown once
    client = Open311Client.objects.get(pk=body["id"])
    assert client.key_hash != key and client.history.first().history_source == "api"
    assert APIClient().get("/open311/v2/services.json", {"api_key": key}).status_code == 200

    renewed = admin.post(f"/api/open311-clients/{body['id']}/new-key/").json()
    assert renewed["api_key"] != key and renewed["key_prefix"] == renewed["api_key"][:8]
    assert APIClient().get("/open311/v2/services.json", {"api_key": key}).status_code == 403  # the old key is dead
    assert (
        admin.patch(f"/api/open311-clients/{body['id']}/", {"is_active": False}, format="json").json()["is_active"]
        is False
    )
    nobody = org_services.user_create(actor=world.admin, username="no_role_api", password="walk-the-scope-2026")
    refused = admin.post("/api/open311-clients/", {**form, "name": "x", "user": nobody.pk}, format="json")
    assert "no role that may register" in str(error(refused, 400, "invalid")["fields"]["user"])

    # The unit whose account it acts as sees it; other units do not; only administrators change it.
    assert api("reporter_b").get("/api/open311-clients/").json()["count"] == 1
    assert api("reporter_a").get("/api/open311-clients/").json()["count"] == 0
    error(api("reporter_a").get(f"/api/open311-clients/{body['id']}/"), 404, "not_found")
    error(api("supervisor").post(f"/api/open311-clients/{body['id']}/new-key/"), 403, "permission_denied")
    assert admin.post(f"/api/open311-clients/{body['id']}/void/", {"reason": "停用"}, format="json").status_code == 204
    assert admin.get("/api/open311-clients/").json()["count"] == 0
