from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.authtoken.views import obtain_auth_token

from taizhang.core.routers import api_router
from taizhang.web import views as web_views

admin.site.site_header = "taizhang 台账"
admin.site.site_title = "taizhang"

urlpatterns = [
    path("", include("taizhang.dashboard.urls")),
    path("login/", web_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/", web_views.PasswordChangeView.as_view(), name="password_change"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("", include("taizhang.core.urls")),
    path("org/", include("taizhang.org.urls")),
    path("projects/", include("taizhang.projects.urls")),
    path("issues/", include("taizhang.issues.urls")),
    path("notifications/", include("taizhang.notifications.urls")),
    path("open311/v2/", include("taizhang.issues.open311_urls")),
    path("ledgers/", include("taizhang.ledgers.urls")),
    path("admin/", admin.site.urls),
    path("api/", include(api_router.urls)),
    path("api/auth/token/", obtain_auth_token, name="api_token"),
    path("api/schema/", SpectacularAPIView.as_view(), name="api_schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api_schema"), name="api_docs"),
]
urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT) if settings.DEBUG else []
