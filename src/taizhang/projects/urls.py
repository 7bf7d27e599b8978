from django.urls import path

from taizhang.core.views import ledger_urls
from taizhang.projects import views

app_name = "projects"

urlpatterns = [
    path("", views.PlanList.as_view(), name="plan_list"),
    *ledger_urls(
        detail_view=views.ProjectDetail,
        create_view=views.ProjectCreate,
        edit_view=views.ProjectEdit,
        void_view=views.ProjectVoid,
        history_view=views.ProjectHistory,
    ),
    path("<int:pk>/stage/", views.StageChangeForm.as_view(), name="project_stage"),
    path("<int:pk>/plans/new/", views.PlanCreate.as_view(), name="plan_create"),
    path("<int:pk>/milestones/new/", views.MilestoneCreate.as_view(), name="milestone_create"),
    path("<int:pk>/milestones/schedule/", views.ScheduleBackwards.as_view(), name="milestone_schedule"),
    path("<int:pk>/procedures/new/", views.ProcedureCreate.as_view(), name="procedure_create"),
    path("plans/<int:pk>/edit/", views.PlanEdit.as_view(), name="plan_edit"),
    path("plans/<int:pk>/void/", views.PlanVoid.as_view(), name="plan_void"),
    path("milestones/<int:pk>/edit/", views.MilestoneEdit.as_view(), name="milestone_edit"),
    path("milestones/<int:pk>/done/", views.MilestoneDone.as_view(), name="milestone_done"),
    path("milestones/<int:pk>/void/", views.MilestoneVoid.as_view(), name="milestone_void"),
    path("procedures/<int:pk>/edit/", views.ProcedureEdit.as_view(), name="procedure_edit"),
    path("procedures/<int:pk>/void/", views.ProcedureVoid.as_view(), name="procedure_void"),
    path("reporting/", views.Reporting.as_view(), name="reporting"),
    path("reporting/<int:pk>/", views.ReportingRowView.as_view(), name="reporting_row"),
    path("review/", views.ReviewQueue.as_view(), name="review_queue"),
    path("lateness/", views.Lateness.as_view(), name="lateness"),
    path("reports/<int:pk>/", views.ReportDetail.as_view(), name="monthlyreport_detail"),
    path("reports/<int:pk>/history/", views.ReportHistory.as_view(), name="monthlyreport_history"),
    path("reports/<int:pk>/act/<slug:action>/", views.ReportAct.as_view(), name="report_act"),
    path("reports/<int:pk>/photos/", views.PhotoAdd.as_view(), name="photo_add"),
    path("photos/<int:pk>/", views.PhotoFile.as_view(), name="photo_file"),
    path("photos/<int:pk>/void/", views.PhotoVoid.as_view(), name="photo_void"),
    path("gantt/", views.Gantt.as_view(), name="gantt"),
    path("summary/", views.Summary.as_view(), name="summary"),
    *ledger_urls(
        list_view=views.CampaignList,
        detail_view=views.CampaignDetail,
        create_view=views.CampaignCreate,
        edit_view=views.CampaignEdit,
        void_view=views.CampaignVoid,
        history_view=views.CampaignHistory,
        prefix="campaigns/",
    ),
]
