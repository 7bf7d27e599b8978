"""Pages of the issue ledger: the list and its map, the issue with its photos and timeline, the work and
verification queues, the phone report page, and the statistics."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Q, QuerySet
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    HttpResponseRedirect,
    JsonResponse,
)
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext, pgettext_lazy
from django.views import View

from taizhang.core import clock
from taizhang.core import views as generic
from taizhang.core.errors import DomainError, NotFound, PermissionDenied
from taizhang.core.tables import Column, format_value
from taizhang.issues import filtersets, forms, selectors, services, workflow
from taizhang.issues.choices import EvidenceKind, Light, Status
from taizhang.issues.columns import ISSUES
from taizhang.issues.models import Evidence, Issue
from taizhang.org.views import map_settings

COLUMNS = (
    Column("number", gettext_lazy("number"), link=True),
    Column("title", pgettext_lazy("issues", "title"), link=True, sort=None),
    Column("light", gettext_lazy("light"), kind="light", sort="deadline"),
    Column("status", gettext_lazy("status")),
    Column("category.name", gettext_lazy("category"), sort="category__name"),
    Column("responsible_unit.name", gettext_lazy("responsible unit"), sort="responsible_unit__name"),
    Column("deadline", gettext_lazy("deadline"), kind="datetime"),
    Column("registered_at", gettext_lazy("registered at"), kind="datetime"),
    Column("source.name", gettext_lazy("source"), sort="source__name", default=False),
    Column("area.name", gettext_lazy("area"), sort="area__name", default=False),
    Column("address", gettext_lazy("address"), sort=None, default=False),
    Column("rework_count", gettext_lazy("reworks"), kind="number", total="rework_count", default=False),
    Column("extension_count", gettext_lazy("extensions"), kind="number", total="extension_count", default=False),
    Column("recurrence_count", gettext_lazy("recurrences"), kind="number", total="recurrence_count", default=False),
)


class IssueViewMixin:
    """Domain errors on these pages: out of scope is a 404; not yours to do is a 403 page."""

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        try:
            return super().dispatch(request, *args, **kwargs)  # type: ignore[misc]
        except NotFound as exc:
            raise Http404(exc.message) from exc
        except PermissionDenied:
            return render(request, "403.html", status=403)


class IssueList(generic.ListPage):
    model = Issue
    selector = selectors.issue_list
    filterset_class = filtersets.IssueFilterSet
    columns = COLUMNS
    default_sort = "-registered_at"
    template_name = "issues/issue_list.html"
    search_placeholder = gettext_lazy("Number, title, address (pinyin too)")
    extra_actions = (
        (gettext_lazy("Map"), "issues:issue_map"),
        (gettext_lazy("Statistics"), "issues:statistics"),
    )
    add_perm = "issues.route_issue"  # the office's full form; everyone else reports on the phone page
    paginator_class = generic.CappedPaginator  # a city's ledger holds millions of issues
    spreadsheet = ISSUES  # Export menu: the filtered list as .xlsx (office layout) or .csv

    def get_context(self) -> dict[str, Any]:
        context = super().get_context()
        context["report_url"] = reverse("issues:report") if self.request.user.has_perm("issues.add_issue") else None
        return context


class WorkQueue(generic.ListPage):
    """A unit's work: to acknowledge, to rectify, overdue first."""

    model = Issue
    selector = selectors.work_queue
    columns = COLUMNS
    template_name = "issues/queue.html"
    title = gettext_lazy("Work queue")
    searchable = False
    paginate_by = 100

    @classmethod
    def preference_key(cls) -> str:
        return "issues:queue"

    def base_queryset(self) -> QuerySet[Any]:
        unit = self.request.GET.get("unit")
        ids = [int(unit)] if unit and unit.isdigit() else None
        return selectors.work_queue(self.request.user, ids)

    def get_context(self) -> dict[str, Any]:
        context = super().get_context()
        queue = selectors.work_queue(self.request.user)
        context["units"] = selectors.queue_units(self.request.user)
        context["current_unit"] = self.request.GET.get("unit", "")
        context["counts"] = queue.order_by().aggregate(
            dispatched=Count("deadline", filter=Q(status="dispatched")),
            working=Count("deadline", filter=Q(status__in=["acknowledged", "rectifying"])),
            overdue=Count("deadline", filter=Q(deadline__lt=clock.now())),
        )
        return context


class VerificationQueue(generic.ListPage):
    model = Issue
    selector = selectors.verification_queue
    columns = (
        *COLUMNS[:2],
        Column("responsible_unit.name", gettext_lazy("responsible unit"), sort=None),
        Column("closure_requested_at", gettext_lazy("closure requested at"), kind="datetime", sort=None),
        Column("rectified_by", gettext_lazy("closure requested by"), sort=None),
        Column("rework_count", gettext_lazy("reworks"), kind="number", sort=None),
    )
    title = gettext_lazy("Verification queue")
    template_name = "issues/issue_list.html"
    searchable = False

    @classmethod
    def preference_key(cls) -> str:
        return "issues:verify"


class IssueDetail(generic.DetailPage):
    model = Issue
    getter = selectors.issue_get
    template_name = "issues/issue_detail.html"
    change_perm = "issues.change_issue"
    fields = ()

    def get_context(self, obj: Issue) -> dict[str, Any]:
        context = super().get_context(obj)
        user = self.request.user
        evidence = list(selectors.evidence_of(user, obj))
        allowed = workflow.allowed(obj, user)
        context.update(
            light=obj.light,
            timeline=list(selectors.issue_timeline(user, obj)),
            before=[e for e in evidence if e.kind == EvidenceKind.BEFORE],
            after=[e for e in evidence if e.kind == EvidenceKind.AFTER],
            attachments=[e for e in evidence if e.kind == EvidenceKind.ATTACHMENT],
            actions=[
                {
                    "transition": t,
                    "form": forms.TransitionForm(transition=t, user=user, initial={"version": obj.version})
                    if t.params
                    else None,
                    "url": reverse("issues:issue_act", args=[obj.pk, t.action]),
                }
                for t in allowed
            ],
            evidence_kinds=[
                (kind, label)
                for kind, label in EvidenceKind.choices
                if user.has_perm(f"issues.add_{'attachment' if kind == 'attachment' else kind + '_evidence'}", obj)
            ]
            if obj.status != Status.CLOSED and not obj.is_void
            else [],
            evidence_form=forms.EvidenceForm(),
            cooperating=list(obj.cooperating_units.all()),
            map_settings=map_settings(),
            point={"lon": obj.point[0], "lat": obj.point[1]} if obj.point else None,
            pending_label=obj.get_pending_request_display() if obj.pending_request else "",
        )
        return context


class IssueHistory(generic.HistoryPage):
    model = Issue
    getter = selectors.issue_get


class IssueEdit(generic.FormPage):
    model = Issue
    form_class = forms.IssueEditForm
    getter = selectors.issue_get
    update_service = services.issue_update
    update_arg = "issue"
    perm = "issues.change_issue"


class RegisterPage(IssueViewMixin, View):
    """Register an issue: the phone page (``report``) or the office's full form (``create``)."""

    form_class: type[forms.ReportForm] = forms.ReportForm
    template_name = "issues/report.html"
    title: Any = gettext_lazy("Report an issue")

    def check(self) -> None:
        if not self.request.user.has_perm("issues.add_issue"):
            raise PermissionDenied

    def render_form(self, form: forms.ReportForm, status: int = 200) -> HttpResponse:
        return render(
            self.request,
            self.template_name,
            {
                "title": self.title,
                "form": form,
                "categories": selectors.category_tree(self.request.user),
                "office": isinstance(form, forms.IssueForm),
            },
            status=status,
        )

    def get(self, request: HttpRequest) -> HttpResponse:
        self.check()
        return self.render_form(self.form_class(user=request.user))

    def post(self, request: HttpRequest) -> HttpResponse:
        self.check()
        form = self.form_class(request.POST, request.FILES, user=request.user)
        if not form.is_valid():
            return self.render_form(form, status=400)
        try:
            issue = services.issue_register(actor=request.user, **form.service_values())
        except DomainError as exc:
            generic.apply_errors(form, exc)
            return self.render_form(form, status=exc.status if exc.status in (403, 409) else 400)
        messages.success(
            request,
            _("Registered %(number)s. %(routing)s Responsible: %(unit)s.")
            % {"number": issue.number, "routing": issue.routing_note, "unit": issue.responsible_unit},
        )
        return HttpResponseRedirect(reverse("issues:issue_detail", args=[issue.pk]))


class IssueCreate(RegisterPage):
    form_class = forms.IssueForm
    title = gettext_lazy("New issue")

    def check(self) -> None:
        if not self.request.user.has_perm("issues.route_issue"):
            raise PermissionDenied


class IssueAct(IssueViewMixin, View):
    """One workflow action on one issue: GET shows its form, POST takes it."""

    model = Issue
    walk_kwargs = {"action": "acknowledge"}

    def get_issue(self, pk: int) -> Issue:
        return selectors.issue_get(self.request.user, pk)

    def render_form(
        self, issue: Issue, transition: workflow.Transition, form: Any, status: int = 200, error: str = ""
    ) -> HttpResponse:
        return render(
            self.request,
            "issues/act.html",
            {
                "title": f"{transition.label} · {issue.number}",
                "issue": issue,
                "transition": transition,
                "form": form,
                "error": error,
                "allowed": workflow.allowed(issue, self.request.user),
            },
            status=status,
        )

    def get(self, request: HttpRequest, pk: int, action: str) -> HttpResponse:
        issue = self.get_issue(pk)
        transition = workflow.BY_ACTION.get(action)
        if transition is None:
            raise Http404
        try:
            workflow.check(action, issue, request.user)
        except DomainError as exc:
            return self.render_form(issue, transition, None, status=exc.status, error=exc.message)
        form = forms.TransitionForm(transition=transition, user=request.user, initial={"version": issue.version})
        return self.render_form(issue, transition, form)

    def post(self, request: HttpRequest, pk: int, action: str) -> HttpResponse:
        issue = self.get_issue(pk)
        transition = workflow.BY_ACTION.get(action)
        if transition is None:
            raise Http404
        form = forms.TransitionForm(request.POST, transition=transition, user=request.user)
        if not form.is_valid():
            return self.render_form(issue, transition, form, status=400)
        try:
            services.issue_transition(
                actor=request.user,
                issue=issue,
                action=action,
                expected_version=form.cleaned_data["version"],
                **form.service_values(),
            )
        except DomainError as exc:
            generic.apply_errors(form, exc)
            return self.render_form(issue, transition, form, status=exc.status, error=exc.message)
        messages.success(request, _("%(action)s: done.") % {"action": transition.label})
        return HttpResponseRedirect(reverse("issues:issue_detail", args=[issue.pk]))


class EvidenceAdd(IssueViewMixin, View):
    model = Issue
    http_method_names = ["post"]

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        issue = selectors.issue_get(request.user, pk)
        form = forms.EvidenceForm(request.POST, request.FILES)
        detail = reverse("issues:issue_detail", args=[issue.pk])
        if not form.is_valid():
            for field, errors in form.errors.items():
                label = form.fields[field].label if field in form.fields else ""
                messages.error(request, f"{label}: {' '.join(str(e) for e in errors)}")
            return HttpResponseRedirect(detail)
        try:
            evidence = services.evidence_add(actor=request.user, issue=issue, **form.cleaned_data)
        except DomainError as exc:
            messages.error(request, _clauses(m for msgs in exc.fields.values() for m in msgs) or exc.message)
            return HttpResponseRedirect(detail)
        text = _("Added %(name)s.") % {"name": evidence.original_name}
        if evidence.flags:
            text += " " + _("Note: %(flags)s.") % {"flags": _clauses(evidence.flags)}
            messages.warning(request, text)
        else:
            messages.success(request, text)
        return HttpResponseRedirect(detail)


class EvidenceFile(IssueViewMixin, View):
    """The file of a piece of evidence, served only to those who may see its issue."""

    model = Evidence

    def get(self, request: HttpRequest, pk: int) -> HttpResponseBase:
        evidence = selectors.evidence_get(request.user, pk)
        try:
            handle = evidence.file.open("rb")
        except (FileNotFoundError, OSError) as exc:
            raise Http404 from exc
        response = FileResponse(handle, content_type=evidence.content_type or "application/octet-stream")
        disposition = "inline" if evidence.is_photo else "attachment"
        response["Content-Disposition"] = f"{disposition}; filename*=UTF-8''{_quote(evidence.original_name)}"
        response["Cache-Control"] = "private, max-age=3600"
        return response


class EvidenceVoid(IssueViewMixin, View):
    model = Evidence
    http_method_names = ["post"]

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        evidence = selectors.evidence_get(request.user, pk)
        detail = reverse("issues:issue_detail", args=[evidence.issue_id])
        reason = request.POST.get("reason", "").strip()
        try:
            services.evidence_void(actor=request.user, evidence=evidence, reason=reason)
        except DomainError as exc:
            messages.error(request, _clauses(m for msgs in exc.fields.values() for m in msgs) or exc.message)
        else:
            messages.success(request, _("Withdrawn: %(name)s.") % {"name": evidence.original_name})
        return HttpResponseRedirect(detail)


def _clauses(parts: Iterable[str]) -> str:
    """Messages one after another: "a; b" in English, "a；b" in Chinese."""
    return pgettext("clause separator", "; ").join(parts)


def _quote(name: str) -> str:
    from urllib.parse import quote

    return quote(name, safe="")


class IssueMap(View):
    def get(self, request: HttpRequest) -> HttpResponse:
        filterset = filtersets.IssueFilterSet(request.GET or None, queryset=Issue.objects.none(), request=request)
        return render(
            request,
            "issues/issue_map.html",
            {
                "title": _("Map of issues"),
                "filterset": filterset,
                "points_url": reverse("issues:issue_map_points")
                + (f"?{request.GET.urlencode()}" if request.GET else ""),
                "map_settings": map_settings(),
            },
        )


class IssueMapPoints(View):
    def get(self, request: HttpRequest) -> HttpResponse:
        qs = selectors.issue_list(request.user)
        filterset = filtersets.IssueFilterSet(request.GET or None, queryset=qs, request=request)
        if filterset.is_bound and filterset.is_valid():
            qs = filterset.qs
        points = selectors.map_points(request.user, qs)
        return JsonResponse({"points": points, "count": len(points)}, json_dumps_params={"ensure_ascii": False})


class UnitOptions(View):
    """Units the user may filter the ledger by, matching what they typed (name, pinyin, initials or code), for the
    list's unit filter. At most 50, in the district's order; an empty query lists the first 50."""

    limit = 50

    def get(self, request: HttpRequest) -> HttpResponse:
        from taizhang.core.filtersets import scoped_units
        from taizhang.core.search import normalise_query

        units = scoped_units(request)
        text = normalise_query(request.GET.get("q", ""))
        if text:
            units = units.filter(search_text__contains=text)
        rows = units.order_by("sort_order", "code").values_list("pk", "name")[: self.limit]
        options = [{"value": str(pk), "text": name} for pk, name in rows]
        return JsonResponse({"options": options}, json_dumps_params={"ensure_ascii": False})


BY_CHOICES = (
    ("unit", gettext_lazy("By unit")),
    ("category", gettext_lazy("By category")),
    ("area", gettext_lazy("By area")),
    ("source", gettext_lazy("By source")),
    ("week", gettext_lazy("By week")),
)


# The table of a grouping is paged and the chart shows its first rows: a district has 10,000 areas.
STATISTICS_PAGE = 100
CHART_ROWS = 30
# By area, the places that need attention first; units come in the district's order, the rest by name.
DEFAULT_ORDER = {"area": "overdue"}


def ranked(rows: list[dict[str, Any]], order: str) -> list[dict[str, Any]]:
    """The statistics rows in the chosen order: a figure largest first, the rate lowest first (rows with nothing
    due last); ties keep the grouping's own order (the sort is stable)."""
    if order == "name":
        return rows
    if order == "rate":
        return sorted(rows, key=lambda r: (r["rate"] is None, r["rate"] or 0))
    return sorted(rows, key=lambda r: -r[order])


class Statistics(View):
    def get(self, request: HttpRequest) -> HttpResponse:
        today = timezone.localdate()
        # The month by default: units are ranked month by month (月通报); the quarter and year are one click away.
        default_start = today.replace(day=1)
        by = request.GET.get("by", "unit")
        if by not in dict(BY_CHOICES):
            by = "unit"
        data = request.GET.copy()
        data.setdefault("start", default_start.isoformat())
        data.setdefault("end", today.isoformat())
        data.setdefault("sort", DEFAULT_ORDER.get(by, "name"))  # the order chooser shows the order the table has
        form = forms.StatisticsForm(data, user=request.user)
        form.is_valid()  # what is wrong is said on the page; the rest of the choice holds
        chosen = form.cleaned_data
        start, end = default_start, today
        if "start" in chosen and "end" in chosen and not form.non_field_errors():
            start, end = chosen["start"], chosen["end"]
        order = chosen.get("sort") or DEFAULT_ORDER.get(by, "name")
        unit = chosen.get("unit")
        period = selectors.Period.of_dates(start, end)
        rows = selectors.statistics(request.user, period, by, area_unit=unit if by == "area" else None)
        total = selectors.totals(rows)  # of every row, not only the page's
        if by == "week":  # a few dozen weeks, in their order
            shown, chart_rows, page = rows, rows, None
        else:
            rows = ranked(rows, order)
            page = Paginator(rows, STATISTICS_PAGE).get_page(request.GET.get("page"))
            shown, chart_rows = list(page.object_list), rows[:CHART_ROWS]
        for row in [*shown, total]:
            row["rate_display"] = format_value(row["rate"], "percent")
        chart = {
            "names": [r["name"] for r in chart_rows],
            "received": [r["received"] for r in chart_rows],
            "closed": [r["closed"] for r in chart_rows],
            "overdue": [r["overdue"] for r in chart_rows],
            "rate": [float(r["rate"]) * 100 if r["rate"] is not None else None for r in chart_rows],
            "kind": "line" if by == "week" else "bar",
        }
        # what every link of the page keeps: the period, the grouping, the order and the unit
        kept = {"by": by, "start": start.isoformat(), "end": end.isoformat()}
        if by != "week":
            kept["sort"] = order
        if by == "area" and unit is not None:
            kept["unit"] = str(unit.pk)
        return render(
            request,
            "issues/statistics.html",
            {
                "title": _("Issue statistics"),
                "form": form,
                "by": by,
                "by_choices": BY_CHOICES,
                "rows": shown,
                "page": page,
                "row_count": len(rows),
                "first_row": (page.start_index() if page else 1),
                "total": total,
                "chart": chart,
                "chart_cut": len(chart_rows) < len(rows),
                "start": start,
                "end": end,
                "querystring": urlencode(kept),
                "keep_but_period": urlencode({k: v for k, v in kept.items() if k not in ("start", "end")}),
                "lights": selectors.light_counts(request.user),
                "periods": [
                    # a context: admin's date filter says 今年 for "This year", beside 本月 and 本季度
                    (pgettext("period", "This month"), today.replace(day=1)),
                    (pgettext("period", "This quarter"), today.replace(month=(today.month - 1) // 3 * 3 + 1, day=1)),
                    (pgettext("period", "This year"), today.replace(month=1, day=1)),
                ],
                "today": today,
                "light_choices": Light.choices,
            },
        )
