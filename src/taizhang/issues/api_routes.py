from taizhang.core.routers import api_router
from taizhang.issues import api

api_router.register("issues", api.IssueViewSet, basename="issue")
api_router.register("evidence", api.EvidenceViewSet, basename="evidence")
api_router.register("issue-categories", api.CategoryViewSet, basename="issue-category")
api_router.register("issue-sources", api.SourceViewSet, basename="issue-source")
api_router.register("issue-routing-rules", api.RoutingRuleViewSet, basename="issue-routing-rule")
api_router.register("open311-clients", api.Open311ClientViewSet, basename="open311-client")
api_router.add_view("issue-statistics/", api.StatisticsView.as_view(), name="issue-statistics")
