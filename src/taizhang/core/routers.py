"""The API router every app registers its viewsets on (in its AppConfig.ready via ``api_routes``)."""

from __future__ import annotations

from typing import Any

from django.urls import path
from rest_framework.routers import DefaultRouter


class Router(DefaultRouter):
    include_root_view = True
    include_format_suffixes = False  # JSON only; one URL per resource

    def __init__(self) -> None:
        super().__init__()
        self.extra: list = []

    def get_urls(self) -> list:
        return [*self.extra, *super().get_urls()]

    def add_view(self, route: str, view: Any, name: str) -> None:
        self.extra.append(path(route, view, name=name))


api_router = Router()
