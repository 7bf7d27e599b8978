"""API lists come in pages: a count of what the caller may see, links to the next and previous pages, a
page size the caller may choose up to a limit, and the one error shape for a page that does not exist."""

import pytest
from rest_framework.test import APIClient

from taizhang.core.pagination import Pagination
from taizhang.org import services
from taizhang.org.models import Person


@pytest.fixture
def seven_people_in_a(world, audit):
    """Unit A's scope (A and A1) holds the world's two people and five more: seven for reporter_a."""
    for n in range(5):
        services.person_create(actor=world.admin, name=f"分页人员{n}", unit=world.unit_a)
    return world


def client_for(world, persona):
    client = APIClient()
    client.force_authenticate(world.users[persona])
    return client


def test_pages_cover_the_callers_records_once_each_and_count_only_those(seven_people_in_a):
    world = seven_people_in_a
    client = client_for(world, "reporter_a")
    seen, url, pages = [], "/api/people/?page_size=3", 0
    while url:
        body = client.get(url).json()
        assert body["count"] == 7  # reporter_a's scope, not the eight people of the district
        assert len(body["results"]) <= 3
        seen += [p["id"] for p in body["results"]]
        pages += 1
        url = body["next"]
    assert pages == 3
    assert len(seen) == len(set(seen)) == 7
    expected = Person.objects.live().filter(unit__in=[world.unit_a, world.units["A1"]]).values_list("pk", flat=True)
    assert set(seen) == set(expected)
    last = client.get("/api/people/?page_size=3&page=3").json()
    assert last["next"] is None and "page=2" in last["previous"]
    first = client.get("/api/people/?page_size=3").json()
    assert first["previous"] is None and "page=2" in first["next"]


def test_the_default_page_size_and_its_limit(seven_people_in_a, monkeypatch):
    world = seven_people_in_a
    client = client_for(world, "supervisor")
    assert Pagination.page_size == 50 and Pagination.max_page_size == 500
    monkeypatch.setattr(Pagination, "page_size", 2)
    monkeypatch.setattr(Pagination, "max_page_size", 4)
    assert len(client.get("/api/people/").json()["results"]) == 2
    body = client.get("/api/people/?page_size=1000").json()
    assert len(body["results"]) == 4 and body["count"] == 8


def test_a_page_past_the_end_is_not_found_in_the_one_error_shape(seven_people_in_a):
    response = client_for(seven_people_in_a, "reporter_a").get("/api/people/?page_size=3&page=4")
    assert response.status_code == 404
    body = response.json()
    assert set(body) == {"code", "message", "fields"} and body["code"] == "not_found"
