"""The in-app notification list: newest first, unread marked, one click to open and mark read."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views import View

from taizhang.core.errors import NotFound
from taizhang.notifications import selectors, services
from taizhang.notifications.models import Notification


class NotificationList(View):
    def get(self, request: HttpRequest) -> HttpResponse:
        qs = selectors.notification_list(request.user)
        if request.GET.get("unread"):
            qs = qs.filter(read_at__isnull=True)
        page = Paginator(qs, 30).get_page(request.GET.get("page"))
        return render(
            request,
            "notifications/list.html",
            {
                "title": _("Notifications"),
                "page": page,
                "unread_only": bool(request.GET.get("unread")),
                "unread": selectors.unread_count(request.user),
            },
        )

    def post(self, request: HttpRequest) -> HttpResponse:
        count = services.notification_read_all(actor=request.user)
        messages.success(request, _("%(n)d notifications marked read.") % {"n": count})
        return HttpResponseRedirect(request.path)


class NotificationOpen(View):
    """Mark a notification read and follow its link."""

    http_method_names = ["post"]
    walk_model = Notification

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        try:
            note = selectors.notification_get(request.user, pk)
        except NotFound as exc:
            raise Http404 from exc
        services.notification_read(actor=request.user, notification=note)
        safe = note.url and url_has_allowed_host_and_scheme(note.url, allowed_hosts=None)
        return HttpResponseRedirect(note.url if safe else reverse("notifications:notification_list"))
