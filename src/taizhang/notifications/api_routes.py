from taizhang.core.routers import api_router
from taizhang.notifications import api

api_router.register("notifications", api.NotificationViewSet, basename="notification")
