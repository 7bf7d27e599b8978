"""Open311 GeoReport v2 under /open311/v2/ (authenticated by API key, not by login)."""

from django.urls import path

from taizhang.issues import open311

app_name = "open311"

urlpatterns = [
    path("services.json", open311.ServiceList.as_view(), name="services"),
    path("requests.json", open311.RequestList.as_view(), name="requests"),
    path("requests/<str:service_request_id>.json", open311.RequestDetail.as_view(), name="request"),
]
