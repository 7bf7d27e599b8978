"""The demo district: built by the command, idempotent, every printed login works, the map routes points."""

import pytest
from django.core.management import call_command
from django.test import Client
from rest_framework.test import APIClient
from shapely.geometry import Point, shape

from taizhang.core.demo import DEMO_PASSWORD
from taizhang.org import routing
from taizhang.org.demo import DEMO_USERS, demo_logins
from taizhang.org.models import Area, Person, Unit, User


@pytest.fixture
def demo(db):
    call_command("demo", "--quiet-logins", "--steps", "org")
    routing.invalidate()


def test_the_demo_district_has_what_the_issue_asks_for(demo):
    kinds = set(Unit.objects.values_list("kind", flat=True))
    assert {"department", "subdistrict", "town", "township", "committee"} <= kinds
    assert Unit.objects.filter(kind="department").count() >= 40
    assert Unit.objects.filter(kind="subdistrict").count() == 14
    assert Person.objects.filter(is_leader=True).count() >= 8
    assert Area.objects.filter(kind="grid").count() > 100
    assert Area.objects.filter(kind="road").count() > 20
    roles = {role for _u, role, _unit in demo_logins()}
    assert len(roles) == 6  # admin, supervisor, leader, unit head, reporter, inspector
    for unit in Unit.objects.exclude(division_code=""):
        unit.full_clean()


@pytest.mark.django_db(transaction=True)  # --reset flushes, which PostgreSQL refuses inside a transaction
def test_the_demo_command_is_idempotent_and_reset_rebuilds(demo, capsys):
    counts = (Unit.objects.count(), Person.objects.count(), Area.objects.count())
    call_command("demo", "--steps", "org")
    assert (Unit.objects.count(), Person.objects.count(), Area.objects.count()) == counts
    out = capsys.readouterr().out
    assert DEMO_PASSWORD in out
    for username, *_ in DEMO_USERS:
        assert username in out
    call_command("demo", "--reset", "--quiet-logins", "--steps", "org")
    assert (Unit.objects.count(), Person.objects.count(), Area.objects.count()) == counts


def test_every_printed_login_works_and_lands_on_home(demo):
    for username, _role, _unit in demo_logins():
        client = Client()
        response = client.post("/login/", {"username": username, "password": DEMO_PASSWORD})
        assert response.status_code == 302, username
        home = client.get("/")
        assert home.status_code == 200
        assert 'data-testid="card-scope"' in home.content.decode()


def test_each_role_sees_what_it_should(demo):
    """Every demo role: which units, people and areas it reads, and which writes it may make."""

    def api(username):
        client = APIClient()
        client.force_authenticate(User.objects.get(username=username))
        return client

    def counts(username):
        client = api(username)
        return tuple(client.get(f"/api/{kind}/?page_size=1").json()["count"] for kind in ("units", "people", "areas"))

    def subtree(code):
        path = Unit.objects.get(code=code).path
        return (
            Unit.objects.live().filter(path__startswith=path).count(),
            Person.objects.live().filter(unit__path__startswith=path).count(),
            Area.objects.live().filter(responsible_unit__path__startswith=path).count(),
        )

    everything = (Unit.objects.live().count(), Person.objects.live().count(), Area.objects.live().count())
    for username in ("admin", "supervisor", "leader"):
        assert counts(username) == everything, username
    huaihe = subtree("HHL")
    assert huaihe[0] == 4 and huaihe[2] > 0  # the sub-district office, its communities and its grids
    for username in ("head_huaihe", "reporter_huaihe"):
        assert counts(username) == huaihe, username
    assert counts("inspector_wang") == counts("reporter_cgj") == subtree("CGJ")
    assert subtree("CGJ")[0] == 1

    hhl, cgj = Unit.objects.get(code="HHL"), Unit.objects.get(code="CGJ")
    newcomer = User.objects.get(username="reporter_dxl")

    def may(username, own=hhl):
        """What the user may write in ``own`` (a unit it reads), by the API's answer to one attempt of each kind."""
        client = api(username)
        answers = {
            "person": client.post("/api/people/", {"name": f"{username}新人", "unit": own.pk}),
            "unit": client.post("/api/units/", {"code": f"N-{username}", "name": f"{username}新单位", "kind": "other"}),
            "membership": client.post("/api/memberships/", {"user": newcomer.pk, "unit": own.pk, "role": "reporter"}),
        }
        return {action: response.status_code for action, response in answers.items()}

    assert may("admin") == {"person": 201, "unit": 201, "membership": 201}
    assert may("supervisor") == {"person": 201, "unit": 201, "membership": 403}
    assert may("leader") == {"person": 403, "unit": 403, "membership": 403}
    assert may("head_huaihe") == {"person": 201, "unit": 403, "membership": 403}
    assert may("reporter_huaihe") == {"person": 403, "unit": 403, "membership": 403}
    assert may("inspector_wang", own=cgj) == {"person": 403, "unit": 403, "membership": 403}
    # A unit head names people in its own units only: another unit is not one it can name.
    other = api("head_huaihe").post("/api/people/", {"name": "越界", "unit": cgj.pk})
    assert other.status_code == 400 and "unit" in other.json()["fields"]
    # Only the system administrator reaches the admin site.
    for username, status in (("admin", 200), ("supervisor", 302), ("head_huaihe", 302), ("inspector_wang", 302)):
        client = Client()
        client.force_login(User.objects.get(username=username))
        assert client.get("/admin/").status_code == status, username


def test_routing_on_the_demo_district_map(demo):
    """Every sampled grid's inner point routes to that grid; roads win near their line; outside falls back."""
    grids = list(Area.objects.filter(kind="grid").order_by("code")[::25])
    assert len(grids) >= 10
    for grid in grids:
        p = shape(grid.geometry).representative_point()
        route = routing.route_point(p.x, p.y, tolerance_m=0)
        assert grid.code in [h.code for h in route.hits]
    for road in Area.objects.filter(kind="road").order_by("code")[:10]:
        p = shape(road.geometry).interpolate(0.5, normalized=True)
        route = routing.route_point(p.x, p.y)
        assert route.primary.code == road.code
        assert route.unit_id == road.responsible_unit_id
    outside = routing.route_point(113.80, 34.90)
    assert outside.fallback and outside.unit_id == Unit.objects.get(code="CGJ").pk
    assert not any(Point(113.80, 34.90).within(shape(a.geometry)) for a in Area.objects.filter(kind="community"))


def test_the_demo_names_its_steps_when_asked_for_an_unknown_one(db):
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="Unknown demo step"):
        call_command("demo", "--steps", "org,nonsense")
