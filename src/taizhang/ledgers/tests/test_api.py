"""The imports API: upload, read the check, import, cancel; scoped, one error shape, same services as pages."""

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from taizhang.ledgers.models import ImportBatch, ImportStatus
from taizhang.ledgers.tests.conftest import check
from taizhang.ledgers.tests.files import BAD_INPUTS, upload, xlsx_bytes
from taizhang.org.models import Person

GOOD = xlsx_bytes([["姓名", "所在单位"], ["张三", "甲街道"]])
BAD = xlsx_bytes([["姓名", "所在单位"], ["张三", "丙街道"]])


@pytest.fixture
def api(world):
    def client_for(user):
        client = APIClient()
        client.force_authenticate(user)
        return client

    return client_for


def error(response, status, code):
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"code", "message", "fields"} and body["code"] == code
    return body


def test_upload_check_and_import(api, head_a, django_capture_on_commit_callbacks):
    client = api(head_a)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/api/imports/", {"kind": "people", "file": upload(GOOD)}, format="multipart")
    assert response.status_code == 201
    batch_id = response.json()["id"]
    body = client.get(f"/api/imports/{batch_id}/").json()
    assert (body["status"], body["created"], body["errors"]) == ("ready", 1, 0)
    rows = client.get(f"/api/imports/{batch_id}/rows/").json()
    assert rows["count"] == 1 and rows["results"][0]["outcome"] == "create"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/api/imports/{batch_id}/commit/")
    assert response.status_code == 202
    assert ImportBatch.objects.get(pk=batch_id).status == ImportStatus.COMMITTED
    assert Person.objects.filter(name="张三").exists()


def test_problems_in_the_api_have_row_column_value_and_message(api, head_a):
    batch = check(head_a, BAD)
    rows = api(head_a).get(f"/api/imports/{batch.pk}/rows/", {"outcome": "skip"}).json()["results"]
    problem = rows[0]["problems"][0]
    assert problem["row"] == 2 and problem["column"] == "所在单位" and problem["value"] == "丙街道"
    assert problem["severity"] == "error" and problem["message"]
    response = api(head_a).post(f"/api/imports/{batch.pk}/commit/")
    error(response, 409, "transition_not_allowed")


def test_token_clients_can_cancel(head_a, world):
    batch = check(head_a, GOOD)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=head_a).key}")
    assert client.post(f"/api/imports/{batch.pk}/cancel/").json()["status"] == "cancelled"
    assert batch.history.first().history_source == "api"


def test_batches_of_other_units_are_not_found(api, head_a, world):
    batch = check(head_a, GOOD)
    outsider = api(world.users["reporter_b"])
    assert outsider.get("/api/imports/").json()["count"] == 0
    error(outsider.get(f"/api/imports/{batch.pk}/"), 404, "not_found")
    error(outsider.post(f"/api/imports/{batch.pk}/commit/"), 404, "not_found")


def test_bad_uploads_get_the_error_shape(api, head_a):
    client = api(head_a)
    body = error(
        client.post("/api/imports/", {"kind": "weather", "file": upload(GOOD)}, format="multipart"), 400, "invalid"
    )
    assert "kind" in body["fields"]
    body = error(client.post("/api/imports/", {"kind": "people"}, format="multipart"), 400, "invalid")
    assert "file" in body["fields"]
    body = error(
        client.post("/api/imports/", {"kind": "units", "file": upload(GOOD)}, format="multipart"),
        403,
        "permission_denied",
    )


@pytest.mark.parametrize("bad", BAD_INPUTS, ids=[b.id for b in BAD_INPUTS])
def test_bad_files_get_a_clear_answer_and_write_nothing(api, head_a, settings, django_capture_on_commit_callbacks, bad):
    settings.TAIZHANG = {**settings.TAIZHANG, **bad.settings}
    client = api(head_a)
    client.credentials(HTTP_ACCEPT_LANGUAGE="en")  # assertions read the English messages
    before = (Person.objects.count(), Person.history.count())
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/api/imports/", {"kind": "people", "file": upload(bad.data()), **bad.fields}, format="multipart"
        )
    if bad.on_form:
        body = error(response, 400, "invalid")
        assert any(bad.message in m for m in body["fields"]["file"]) or bad.message in body["message"]
        assert not ImportBatch.objects.exists()
    else:
        assert response.status_code == 201
        body = client.get(f"/api/imports/{response.json()['id']}/").json()
        if bad.blocked:
            assert body["status"] == "ready" and body["errors"] >= 1
            assert any(bad.message in p["message"] for p in body["problems"])
            with django_capture_on_commit_callbacks(execute=True):
                refused = client.post(f"/api/imports/{body['id']}/commit/")
            assert refused.status_code == 409 and set(refused.json()) == {"code", "message", "fields"}  # a conflict
        else:
            assert body["status"] == "failed" and bad.message in body["message"]
        assert ImportBatch.objects.get().status != ImportStatus.COMMITTED
    assert (Person.objects.count(), Person.history.count()) == before
