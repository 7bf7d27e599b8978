from taizhang.core.routers import api_router
from taizhang.org import api

api_router.register("units", api.UnitViewSet, basename="unit")
api_router.register("people", api.PersonViewSet, basename="person")
api_router.register("memberships", api.MembershipViewSet, basename="membership")
api_router.register("areas", api.AreaViewSet, basename="area")
api_router.add_view("route/", api.RoutePointView.as_view(), name="route-point")
