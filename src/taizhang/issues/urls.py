from django.urls import path

from taizhang.core.views import ledger_urls
from taizhang.issues import views

app_name = "issues"

urlpatterns = [
    path("new/", views.IssueCreate.as_view(), name="issue_create"),
    path("report/", views.RegisterPage.as_view(), name="report"),
    path("map/", views.IssueMap.as_view(), name="issue_map"),
    path("map/points/", views.IssueMapPoints.as_view(), name="issue_map_points"),
    path("units.json", views.UnitOptions.as_view(), name="unit_options"),
    path("queue/", views.WorkQueue.as_view(), name="queue"),
    path("verify/", views.VerificationQueue.as_view(), name="verification_queue"),
    path("statistics/", views.Statistics.as_view(), name="statistics"),
    path("<int:pk>/act/<slug:action>/", views.IssueAct.as_view(), name="issue_act"),
    path("<int:pk>/evidence/", views.EvidenceAdd.as_view(), name="evidence_add"),
    path("evidence/<int:pk>/file/", views.EvidenceFile.as_view(), name="evidence_file"),
    path("evidence/<int:pk>/void/", views.EvidenceVoid.as_view(), name="evidence_void"),
    *ledger_urls(
        list_view=views.IssueList,
        detail_view=views.IssueDetail,
        edit_view=views.IssueEdit,
        history_view=views.IssueHistory,
    ),
]
