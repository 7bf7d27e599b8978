from django.urls import path

from taizhang.core.views import ledger_urls
from taizhang.org import views

app_name = "org"

urlpatterns = [
    *ledger_urls(
        prefix="units/",
        list_view=views.UnitList,
        detail_view=views.UnitDetail,
        create_view=views.UnitCreate,
        edit_view=views.UnitEdit,
        void_view=views.UnitVoid,
        history_view=views.UnitHistory,
    ),
    *ledger_urls(
        prefix="people/",
        list_view=views.PersonList,
        detail_view=views.PersonDetail,
        create_view=views.PersonCreate,
        edit_view=views.PersonEdit,
        void_view=views.PersonVoid,
        history_view=views.PersonHistory,
    ),
    *ledger_urls(
        prefix="memberships/",
        list_view=views.MembershipList,
        detail_view=views.MembershipDetail,
        create_view=views.MembershipCreate,
        edit_view=views.MembershipEdit,
        void_view=views.MembershipVoid,
        history_view=views.MembershipHistory,
    ),
    path("areas/map/", views.AreaMap.as_view(), name="area_map"),
    path("areas/map/geojson/", views.AreaGeoJSON.as_view(), name="area_geojson"),
    *ledger_urls(
        prefix="areas/",
        list_view=views.AreaList,
        detail_view=views.AreaDetail,
        create_view=views.AreaCreate,
        edit_view=views.AreaEdit,
        void_view=views.AreaVoid,
        history_view=views.AreaHistory,
    ),
]
