"""The key-project ledger's endpoints on the one API router."""

from taizhang.core.routers import api_router
from taizhang.projects import api

api_router.register("projects", api.ProjectViewSet, basename="project")
api_router.register("project-plans", api.PlanViewSet, basename="project-plan")
api_router.register("project-reports", api.ReportViewSet, basename="project-report")
api_router.register("project-photos", api.PhotoViewSet, basename="project-photo")
api_router.register("project-milestones", api.MilestoneViewSet, basename="project-milestone")
api_router.register("project-procedures", api.ProcedureViewSet, basename="project-procedure")
api_router.register("project-campaigns", api.CampaignViewSet, basename="project-campaign")
api_router.register("project-categories", api.CategoryViewSet, basename="project-category")
api_router.register("project-programmes", api.ProgrammeViewSet, basename="project-programme")
api_router.register("project-thresholds", api.ThresholdViewSet, basename="project-threshold")
api_router.register("project-templates", api.TemplateViewSet, basename="project-template")
api_router.add_view("project-summary/", api.SummaryView.as_view(), name="project-summary")
api_router.add_view("project-reporting/", api.ReportingView.as_view(), name="project-reporting")
api_router.add_view("project-late/", api.LateView.as_view(), name="project-late")
