"""Pages: the imports list, upload, the check's preview with its problems and progress, import and cancel,
the annotated copy, blank templates, and bulletins."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase, HttpResponseRedirect
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from taizhang.core import views as generic
from taizhang.core.errors import DomainError
from taizhang.core.tables import Column
from taizhang.ledgers import annotate, bulletins, export, forms, importing, registry, selectors, services, workflow
from taizhang.ledgers.filtersets import ImportBatchFilterSet
from taizhang.ledgers.models import ImportBatch, ImportStatus, Outcome
from taizhang.ledgers.reading import FileRefused

PROBLEMS_SHOWN = 500
ROWS_PER_PAGE = 100


class ImportBatchList(generic.ListPage):
    model = ImportBatch
    title = gettext_lazy("Imports")
    selector = selectors.import_batch_list
    filterset_class = ImportBatchFilterSet
    add_perm = "ledgers.add_importbatch"
    default_sort = "-created_at"
    search_placeholder = gettext_lazy("File name")
    extra_actions = ((gettext_lazy("Bulletins"), "ledgers:bulletins"),)
    columns = (
        Column("created_at", gettext_lazy("uploaded"), kind="datetime", link=True),
        Column("filename", gettext_lazy("file name"), link=True),
        Column("kind_label", gettext_lazy("ledger"), sort="kind"),
        Column("status", gettext_lazy("status")),
        Column("rows_read", gettext_lazy("rows read"), kind="number"),
        Column("created", gettext_lazy("new"), kind="number"),
        Column("updated", gettext_lazy("changed"), kind="number"),
        Column("errors", gettext_lazy("errors"), kind="number"),
        Column("created_by", gettext_lazy("uploaded by"), sort="created_by__username"),
        Column("unit.name", gettext_lazy("unit"), sort="unit__name", default=False),
    )


class BatchView(generic.LedgerView):
    """A page about one batch the user may see (404 otherwise)."""

    model = ImportBatch

    def get_batch(self) -> ImportBatch:
        return selectors.import_batch_get(self.request.user, int(self.kwargs["pk"]))


class ImportCreate(generic.LedgerView):
    model = ImportBatch
    template_name = "ledgers/import_form.html"

    def check(self) -> None:
        if not self.request.user.has_perm("ledgers.add_importbatch"):
            raise generic.PermissionDenied

    def render_form(self, form: forms.ImportForm, status: int = 200) -> HttpResponse:
        return render(
            self.request,
            self.template_name,
            {
                "title": _("Import a spreadsheet"),
                "form": form,
                "kinds": registry.importable_by(self.request.user),
                "cancel_url": reverse("ledgers:importbatch_list"),
            },
            status=status,
        )

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.check()
        initial = {"kind": request.GET.get("kind", "")}
        return self.render_form(forms.ImportForm(user=request.user, initial=initial))

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.check()
        form = forms.ImportForm(request.POST, request.FILES, user=request.user)
        if not form.is_valid():
            return self.render_form(form, status=400)
        data = form.cleaned_data
        try:
            batch = services.import_batch_create(
                actor=request.user,
                kind=data["kind"],
                upload=data["file"],
                sheet=data["sheet"],
                period=data["period"],
                unit=data.get("unit"),
            )
        except DomainError as exc:
            generic.apply_errors(form, exc)
            return self.render_form(form, status=400)
        return HttpResponseRedirect(reverse("ledgers:importbatch_detail", args=[batch.pk]))


class ImportDetail(BatchView, generic.DetailPage):
    template_name = "ledgers/import_detail.html"
    getter = selectors.import_batch_get

    def get_context(self, obj: Any) -> dict[str, Any]:
        context = super().get_context(obj)
        user = self.request.user
        outcome = self.request.GET.get("outcome", "")
        if outcome not in Outcome.values:
            outcome = ""
        problems = (
            importing.problems_of(obj)
            if obj.status in (ImportStatus.READY, ImportStatus.FAILED, ImportStatus.COMMITTED, ImportStatus.CANCELLED)
            else []
        )
        rows = selectors.import_rows(user, obj, outcome=outcome)
        page = Paginator(rows, ROWS_PER_PAGE).get_page(self.request.GET.get("page"))
        may_act = {
            "commit": user.has_perm("ledgers.commit_importbatch", obj) and not obj.errors,
            "cancel": user.has_perm("ledgers.cancel_importbatch", obj),
        }
        context.update(
            {
                "title": obj.filename,
                "batch": obj,
                "problems": problems[:PROBLEMS_SHOWN],
                "problems_hidden": max(len(problems) - PROBLEMS_SHOWN, 0),
                "rows_page": page,
                "outcome": outcome,
                "outcomes": Outcome.choices,
                "actions": [t for t in workflow.user_actions(obj.status) if may_act.get(t.action)],
                "can_annotate": obj.status in (ImportStatus.READY, ImportStatus.COMMITTED) and bool(problems),
                "progress": dict(zip(("done", "total", "percent"), importing.progress(obj), strict=True)),
                "page_rows": [(row, self.record_url(obj, row.object_id)) for row in page],
                "tab": "overview",
            }
        )
        return context

    @staticmethod
    def record_url(batch: ImportBatch, object_id: int | None) -> str | None:
        """The page of the record a row created or changed (its own page keeps it scoped)."""
        if object_id is None:
            return None
        try:
            model = registry.get(batch.kind).adapter.model
            return reverse(f"{model._meta.app_label}:{model._meta.model_name}_detail", args=[object_id])
        except (KeyError, NoReverseMatch):
            return None


class ImportProgress(BatchView):
    """The progress bar, polled by htmx while the batch runs; when it is done the page reloads itself."""

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        batch = self.get_batch()
        done, total, percent = importing.progress(batch)
        context = {"batch": batch, "done": done, "total": total, "percent": percent}
        response = render(request, "ledgers/_progress.html", context)
        if not batch.is_running:
            response["HX-Refresh"] = "true"
        return response


class ImportAct(BatchView):
    """Import or cancel a batch (POST), then back to its page."""

    action = ""
    http_method_names = ["post"]

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        batch = self.get_batch()
        try:
            if self.action == "commit":
                services.import_batch_commit(actor=request.user, batch=batch)
                messages.success(request, _("Importing started."))
            else:
                importing.request_cancel(batch.pk)  # reaches a running import before the database does
                services.import_batch_cancel(actor=request.user, batch=batch)
                messages.success(request, _("The import was cancelled; nothing was imported."))
        except DomainError as exc:
            messages.error(request, exc.message)
        return HttpResponseRedirect(reverse("ledgers:importbatch_detail", args=[batch.pk]))


class ImportCommit(ImportAct):
    action = "commit"


class ImportCancel(ImportAct):
    action = "cancel"


class ImportAnnotated(BatchView):
    """The uploaded sheet with a 问题 column: each row's problems, cells at fault tinted."""

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        batch = self.get_batch()
        if batch.status not in (ImportStatus.READY, ImportStatus.COMMITTED):
            messages.error(request, _("There is no annotated copy: the file was not checked."))
            return HttpResponseRedirect(reverse("ledgers:importbatch_detail", args=[batch.pk]))
        try:
            content, filename, content_type = annotate.annotated_copy(batch)
        except FileRefused as refused:
            messages.error(request, refused.message)
            return HttpResponseRedirect(reverse("ledgers:importbatch_detail", args=[batch.pk]))
        response = HttpResponse(content, content_type=content_type)
        response["Content-Disposition"] = export._disposition(filename)
        return response


class ImportOriginal(BatchView):
    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        batch = self.get_batch()
        return FileResponse(batch.file.open("rb"), as_attachment=True, filename=batch.filename)


class ImportHistory(BatchView, generic.HistoryPage):
    getter = selectors.import_batch_get


class TemplateDownload(View):
    """A blank sheet of a ledger: title, header rows and nothing else, ready to fill in."""

    walk_kwargs = {"kind": "people"}

    def get(self, request: HttpRequest, kind: str) -> HttpResponseBase:
        try:
            ledger = registry.get(kind)
        except KeyError as exc:
            raise Http404 from exc
        title = export.export_title(ledger.sheet, request.user, None)
        handle = export.export_to_tempfile(ledger.sheet, [], title)
        return FileResponse(handle, as_attachment=True, filename=f"{ledger.sheet.title}-模板.xlsx")


class BulletinPage(View):
    """Choose a bulletin and a period; get the notice as a Word document."""

    template_name = "ledgers/bulletins.html"

    def render_form(self, form: forms.BulletinForm, status: int = 200) -> HttpResponse:
        return render(
            self.request,
            self.template_name,
            {"title": _("Bulletins"), "form": form, "kinds": bulletins.available_to(self.request.user)},
            status=status,
        )

    def get(self, request: HttpRequest) -> HttpResponse:
        return self.render_form(forms.BulletinForm(user=request.user))

    def post(self, request: HttpRequest) -> HttpResponse:
        form = forms.BulletinForm(request.POST, user=request.user)
        if not form.is_valid():
            return self.render_form(form, status=400)
        kind = bulletins.get(form.cleaned_data["kind"])
        year, month = (int(p) for p in form.cleaned_data["period"].split("-"))
        content = kind.build(request.user, year, month).to_bytes()
        response = HttpResponse(
            content, content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document"
        )
        response["Content-Disposition"] = export._disposition(kind.filename(year, month))
        return response
