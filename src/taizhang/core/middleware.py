"""Request middleware: every request runs in an audit context; every page needs a login."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth.middleware import LoginRequiredMiddleware as DjangoLoginRequired
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.middleware.locale import LocaleMiddleware as DjangoLocaleMiddleware
from django.utils import translation

from taizhang.core.audit import Source, audit_context

# These answer with their own authentication (token, API key) and error shape instead of a login redirect.
SELF_AUTHENTICATING_PREFIXES = ("/api/", "/open311/")


def source_for(path: str) -> Source:
    if path.startswith("/admin/"):
        return Source.ADMIN
    if path.startswith("/api/"):
        return Source.API
    if path.startswith("/open311/"):
        return Source.OPEN311
    return Source.WEB


class AuditContextMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with audit_context(getattr(request, "user", None), source_for(request.path)):
            return self.get_response(request)


class LoginRequiredMiddleware(DjangoLoginRequired):
    def process_view(
        self, request: HttpRequest, view_func: Callable[..., Any], view_args: Any, view_kwargs: Any
    ) -> HttpResponseBase | None:
        if request.path.startswith(SELF_AUTHENTICATING_PREFIXES) or request.path.startswith(settings.STATIC_URL):
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)


class LocaleMiddleware(DjangoLocaleMiddleware):
    """Pages are in zh-Hans unless the user chose otherwise (language switch cookie).

    A browser's Accept-Language is ignored on pages on purpose: offices share machines with English-language
    browsers, and the working language of the district is Chinese. API clients are programs that say what they
    want, so the API honours Accept-Language.
    """

    def process_request(self, request: HttpRequest) -> None:
        if request.path.startswith(SELF_AUTHENTICATING_PREFIXES):
            super().process_request(request)
            return
        language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if not language or not translation.check_for_language(language):
            language = settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
