from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from taizhang.dashboard.cards import cards_for


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "dashboard/home.html", {"title": _("Home"), "cards": cards_for(request.user)})
