from django.urls import path

from taizhang.core.views import ledger_urls
from taizhang.ledgers import views

app_name = "ledgers"

urlpatterns = [
    *ledger_urls(prefix="imports/", list_view=views.ImportBatchList, history_view=views.ImportHistory),
    path("imports/new/", views.ImportCreate.as_view(), name="importbatch_create"),
    path("imports/<int:pk>/", views.ImportDetail.as_view(), name="importbatch_detail"),
    path("imports/<int:pk>/progress/", views.ImportProgress.as_view(), name="importbatch_progress"),
    path("imports/<int:pk>/commit/", views.ImportCommit.as_view(), name="importbatch_commit"),
    path("imports/<int:pk>/cancel/", views.ImportCancel.as_view(), name="importbatch_cancel"),
    path("imports/<int:pk>/annotated/", views.ImportAnnotated.as_view(), name="importbatch_annotated"),
    path("imports/<int:pk>/original/", views.ImportOriginal.as_view(), name="importbatch_original"),
    path("templates/<slug:kind>.xlsx", views.TemplateDownload.as_view(), name="template"),
    path("bulletins/", views.BulletinPage.as_view(), name="bulletins"),
]
