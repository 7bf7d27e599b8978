"""The scoping walk over every registered page and endpoint, and proof that it catches a leak."""

from __future__ import annotations

import sys
import types

import pytest
from django.urls import include, path
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from taizhang.core import views as generic
from taizhang.core.testing.walk import endpoints, walk
from taizhang.org import routing, selectors
from taizhang.org.api import RoutePointView, UnitViewSet
from taizhang.org.models import Person, Unit


def test_every_url_and_endpoint_is_scoped(world):
    findings = walk(world)
    assert not findings, "\n".join(str(f) for f in findings)


def test_the_walk_covers_every_named_url(world):
    names = {ep.name for ep in endpoints()}
    for expected in (
        "org:unit_list",
        "org:unit_detail",
        "org:person_edit",
        "org:area_history",
        "unit-detail",
        "person-list",
        "area-void",
        "route-point",
        "dashboard:home",
        "org:area_geojson",
    ):
        assert expected in names


class UnscopedPersonList(generic.ListPage):
    model = Person
    selector = staticmethod(lambda user: Person.objects.all())


class UnscopedPersonDetail(generic.DetailPage):
    model = Person
    getter = staticmethod(lambda user, pk: Person.objects.get(pk=pk))


@pytest.fixture
def leaky_urlconf():
    org_patterns = (
        [
            path("people/", UnscopedPersonList.as_view(), name="person_list"),
            path("people/<int:pk>/", UnscopedPersonDetail.as_view(), name="person_detail"),
        ],
        "leaky",
    )
    module = types.ModuleType("taizhang_leaky_urls")
    module.urlpatterns = [path("leaky/", include(org_patterns)), path("", include("taizhang.urls"))]
    sys.modules[module.__name__] = module
    yield module.__name__
    del sys.modules[module.__name__]


def test_a_deliberately_unscoped_view_is_caught(world, leaky_urlconf, settings):
    settings.ROOT_URLCONF = leaky_urlconf
    findings = walk(world, urlconf=leaky_urlconf)
    leaky = [f for f in findings if "/leaky/" in f.url]
    problems = {(f.persona, f.url.rsplit("/", 2)[0].endswith("people")) for f in leaky}
    assert any("response changed" in f.problem for f in leaky), findings
    assert any("must be 404" in f.problem for f in leaky), findings
    assert problems


class ListOnlyLeakyUnitPage(generic.ListPage):
    """Every unit on the list page; there is no detail page to give it away."""

    model = Unit
    selector = staticmethod(lambda user: Unit.objects.live())


class ListOnlyLeakyUnitViewSet(UnitViewSet):
    """The API's list reads every unit; its detail (``get_object``) is still scoped."""

    def list(self, request: Request, *args, **kwargs) -> Response:
        return Response(self.get_serializer(Unit.objects.live(), many=True).data)


class LeakyRouteView(RoutePointView):
    """Routing as it once was: every area under the point, whoever asks."""

    def get(self, request: Request) -> Response:
        route = routing.route_point(request.query_params["longitude"], request.query_params["latitude"])
        return Response({"unit_id": route.unit_id, "areas": [[h.area_id, h.code, h.name] for h in route.hits]})


@pytest.fixture
def list_leak_urlconf():
    router = SimpleRouter()
    router.register("units", ListOnlyLeakyUnitViewSet, basename="leaky-unit")
    leaky = (
        [
            path("units/", ListOnlyLeakyUnitPage.as_view(), name="unit_list"),
            path("route/", LeakyRouteView.as_view(), name="route"),
            path("api/", include(router.urls)),
        ],
        "leaky",
    )
    module = types.ModuleType("taizhang_list_leak_urls")
    module.urlpatterns = [path("leaky/", include(leaky)), path("", include("taizhang.urls"))]
    sys.modules[module.__name__] = module
    yield module.__name__
    del sys.modules[module.__name__]


def test_a_leak_on_a_list_alone_is_caught(world, list_leak_urlconf, settings):
    """Unit B's records include a new sub-unit, so a unit list that shows other units' units changes."""
    settings.ROOT_URLCONF = list_leak_urlconf
    findings = walk(world, urlconf=list_leak_urlconf)
    leaky = {(f.url, f.persona) for f in findings if "/leaky/" in f.url and "response changed" in f.problem}
    for url in ("/leaky/units/", "/leaky/api/units/", "/leaky/route/?longitude=113.605&latitude=34.705"):
        assert {(url, "reporter_a"), (url, "outsider")} <= leaky, findings
    # The scoped detail of the same viewset is not a finding: the walk pins the leak on the list.
    assert not [f for f in findings if "/leaky/api/units/" in f.url and f.url != "/leaky/api/units/"], findings


class QueryOnlyView(RoutePointView):
    """An endpoint that needs a parameter the walk cannot guess, and declares none."""

    walk_query = None  # type: ignore[assignment]

    def get(self, request: Request) -> Response:
        if "ward" not in request.query_params:
            return Response({"code": "invalid", "message": "?", "fields": {"ward": ["required"]}}, status=400)
        return Response({})


class UnitPageListingEveryPerson(generic.DetailPage):
    """A unit's page that lists the people of every unit: only reporter_a's own record shows it."""

    model = Unit
    template_name = "org/unit_detail.html"
    getter = staticmethod(selectors.unit_get)
    fields = ("code", "name")

    def get_context(self, obj):
        return {**super().get_context(obj), "people": Person.objects.live()}


@pytest.fixture
def blind_spot_urlconf():
    leaky = (
        [
            path("ward/", QueryOnlyView.as_view(), name="ward"),
            path("units/<int:pk>/", UnitPageListingEveryPerson.as_view(), name="unit_detail"),
        ],
        "leaky",
    )
    module = types.ModuleType("taizhang_blind_spot_urls")
    module.urlpatterns = [path("leaky/", include(leaky)), path("", include("taizhang.urls"))]
    sys.modules[module.__name__] = module
    yield module.__name__
    del sys.modules[module.__name__]


def test_a_page_that_only_answers_bad_request_and_a_leak_on_ones_own_record_are_findings(
    world, blind_spot_urlconf, settings
):
    settings.ROOT_URLCONF = blind_spot_urlconf
    findings = walk(world, urlconf=blind_spot_urlconf)
    leaky = [f for f in findings if "/leaky/" in f.url]
    assert any(f.url == "/leaky/ward/" and f.problem.startswith("answers 400 (ward)") for f in leaky), findings
    own_unit = Unit.objects.get(code__startswith="WALKA", parent=world.unit_a)
    own_page = f"/leaky/units/{own_unit.pk}/"
    assert any(
        f.url == own_page and f.persona == "reporter_a" and "own record's page changed" in f.problem for f in leaky
    ), findings
