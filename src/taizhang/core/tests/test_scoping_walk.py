"""The scoping walk over every registered page and endpoint, and proof that it catches a leak."""

from __future__ import annotations

import sys
import types

import pytest
from django.urls import include, path

from taizhang.core import views as generic
from taizhang.core.testing.walk import endpoints, walk
from taizhang.org.models import Person


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
