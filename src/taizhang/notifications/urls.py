from django.urls import path

from taizhang.notifications import views

app_name = "notifications"

urlpatterns = [
    path("", views.NotificationList.as_view(), name="notification_list"),
    path("<int:pk>/open/", views.NotificationOpen.as_view(), name="notification_open"),
]
