from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProjectsConfig(AppConfig):
    name = "taizhang.projects"
    label = "projects"
    verbose_name = _("Key projects")

    def ready(self) -> None:
        from taizhang.projects import api_routes, cards, demo, navigation, permissions  # noqa: F401  (registrations)
