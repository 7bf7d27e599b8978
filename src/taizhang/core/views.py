"""Generic pages that every ledger reuses by declaration: list, detail, create/edit, void, history.

A ledger declares its model, the selectors that read it for the acting user, its filterset, columns, form
and services; these classes do the rest. An object the user may not see is a 404 on every page.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any, ClassVar

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Model, QuerySet, Sum
from django.forms import BaseForm
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase, HttpResponseRedirect
from django.shortcuts import render
from django.urls import NoReverseMatch, path, reverse
from django.utils.functional import cached_property
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from taizhang.core import permissions, targets
from taizhang.core import selectors as core_selectors
from taizhang.core import services as core_services
from taizhang.core.errors import DomainError, NotFound, PermissionDenied, ValidationFailed
from taizhang.core.history import history_entries
from taizhang.core.search import normalise_query
from taizhang.core.tables import Column, format_value, resolve


def _pk(kwargs: dict[str, Any]) -> int:
    return int(kwargs["pk"])


class LedgerView(View):
    """Shared by the generic pages: the model, the app namespace and the names of sibling pages."""

    model: ClassVar[type[Model]]
    title: ClassVar[Any] = ""

    @classmethod
    def url_base(cls) -> str:
        return f"{cls.model._meta.app_label}:{cls.model._meta.model_name}"

    @classmethod
    def url_name(cls, action: str) -> str:
        return f"{cls.url_base()}_{action}"

    def url_or_none(self, action: str, *args: Any) -> str | None:
        try:
            return reverse(self.url_name(action), args=args)
        except NoReverseMatch:
            return None

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        try:
            return super().dispatch(request, *args, **kwargs)
        except NotFound as exc:
            raise Http404(exc.message) from exc
        except PermissionDenied:
            return render(request, "403.html", status=403)


class CappedPaginator(Paginator):
    """Counts at most ``cap`` rows: on a ledger of millions, "more than 10,000" is as useful as the exact number and
    costs a bounded scan instead of a full count. Pages beyond the cap are still reachable by number."""

    cap = 10_000

    @property
    def capped(self) -> bool:
        return self.count > self.cap

    @cached_property
    def count(self) -> int:
        rows: Any = self.object_list  # a queryset: ListPage passes one
        return len(rows.order_by().values_list("pk", flat=True)[: self.cap + 1])


class ListPage(LedgerView):
    """A filtered, searchable, sortable, paginated list with a totals row and a column chooser."""

    selector: ClassVar[Callable[..., QuerySet[Any]]]
    filterset_class: ClassVar[Any] = None
    columns: ClassVar[tuple[Column, ...]] = ()
    default_sort: ClassVar[str] = ""
    paginate_by: ClassVar[int] = 50
    template_name: ClassVar[str] = "core/list.html"
    add_perm: ClassVar[str | None] = None
    searchable: ClassVar[bool] = True
    search_placeholder: ClassVar[Any] = gettext_lazy("Name, pinyin or initials")
    extra_actions: ClassVar[tuple[tuple[Any, str], ...]] = ()  # (label, url name) shown beside "New"
    paginator_class: ClassVar[type[Paginator]] = Paginator  # CappedPaginator for ledgers of millions of rows
    # A spreadsheet spec (ledgers.columns.Sheet): the page then offers its filtered rows as .xlsx and .csv.
    spreadsheet: ClassVar[Any] = None

    @classmethod
    def preference_key(cls) -> str:
        return cls.url_name("list")

    def base_queryset(self) -> QuerySet[Any]:
        return type(self).selector(self.request.user)

    def filtered(self) -> tuple[QuerySet[Any], Any]:
        qs = self.base_queryset()
        filterset = None
        if self.filterset_class is not None:
            filterset = self.filterset_class(self.request.GET or None, queryset=qs, request=self.request)
            qs = filterset.qs if filterset.is_bound and filterset.is_valid() else qs
        query = self.request.GET.get("q", "").strip()
        if query and self.searchable and (filterset is None or "q" not in filterset.filters):
            qs = qs.filter(search_text__contains=normalise_query(query))
        return qs, filterset

    def visible_columns(self) -> list[Column]:
        chosen = core_selectors.chosen_columns(self.request.user, self.preference_key())
        if chosen:
            picked = [c for c in self.columns if c.key in chosen or c.link]
            if picked:
                return picked
        return [c for c in self.columns if c.default]

    def sort(self, qs: QuerySet[Any], columns: list[Column]) -> tuple[QuerySet[Any], str]:
        requested = self.request.GET.get("sort", "")
        allowed = {c.key: c.sort_expression for c in self.columns if c.sort_expression}
        key = requested.lstrip("-")
        if key in allowed:
            expression = allowed[key]
            assert expression is not None
            order = f"-{expression}" if requested.startswith("-") else expression
            return qs.order_by(order, "pk"), requested
        if self.default_sort:
            return qs.order_by(self.default_sort, "pk"), ""
        return qs, ""

    def totals(self, qs: QuerySet[Any], columns: list[Column]) -> dict[str, Any] | None:
        summed = {c.key: Sum(c.total) for c in columns if c.total}
        if not summed:
            return None
        values = qs.order_by().aggregate(**{f"t{i}": agg for i, agg in enumerate(summed.values())})
        return {key: values[f"t{i}"] or Decimal(0) for i, key in enumerate(summed)}

    def row_url(self, obj: Any) -> str | None:
        try:
            return reverse(self.url_name("detail"), args=[obj.pk])
        except NoReverseMatch:
            return None

    def rows(self, page_objects: list[Any], columns: list[Column]) -> list[dict[str, Any]]:
        rows = []
        for obj in page_objects:
            url = self.row_url(obj)
            cells = [
                {
                    "value": format_value(resolve(obj, c.key), c.kind),
                    "link": url if c.link else None,
                    "numeric": c.numeric,
                }
                for c in columns
            ]
            rows.append({"object": obj, "url": url, "cells": cells})
        return rows

    def get_context(self) -> dict[str, Any]:
        qs, filterset = self.filtered()
        columns = self.visible_columns()
        qs, current_sort = self.sort(qs, columns)
        paginator = self.paginator_class(qs, self.paginate_by)
        page = paginator.get_page(self.request.GET.get("page"))
        totals = self.totals(qs, columns)
        params = self.request.GET.copy()
        params.pop("page", None)
        sort_params = params.copy()
        sort_params.pop("sort", None)
        return {
            "view": self,
            "title": self.title or capfirst(self.model._meta.verbose_name_plural),
            "filterset": filterset,
            "columns": [
                {
                    "column": c,
                    "sort_key": c.key if c.sort_expression else None,
                    "sorted": current_sort.lstrip("-") == c.key,
                    "descending": current_sort.startswith("-"),
                }
                for c in columns
            ],
            "all_columns": self.columns,
            "visible_keys": {c.key for c in columns},
            "rows": self.rows(list(page.object_list), columns),
            "page": page,
            "paginator": paginator,
            "totals": [
                {
                    "value": format_value(totals[c.key], c.kind) if totals and c.key in totals else "",
                    "numeric": c.numeric,
                }
                for c in columns
            ]
            if totals
            else None,
            "query": self.request.GET.get("q", ""),
            "querystring": params.urlencode(),
            "sort_querystring": sort_params.urlencode(),
            "create_url": self.url_or_none("create") if self.can_add() else None,
            "extra_actions": [(label, reverse(name)) for label, name in self.extra_actions],
            "preference_key": self.preference_key(),
            "export_links": self.export_links(params),
        }

    def export_links(self, params: Any) -> list[tuple[str, str]]:
        """(format, URL) of each download of the current filtered list, when the page declares a spreadsheet."""
        if self.spreadsheet is None:
            return []
        base = params.urlencode()
        return [(fmt, f"?{base}&export={fmt}" if base else f"?export={fmt}") for fmt in self.spreadsheet.export_formats]

    def export(self, fmt: str) -> HttpResponseBase:
        qs, _filterset = self.filtered()
        qs, _sort = self.sort(qs, self.visible_columns())
        return self.spreadsheet.export_response(view=self, queryset=qs, fmt=fmt)

    def can_add(self) -> bool:
        return self.add_perm is not None and self.request.user.has_perm(self.add_perm)

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        fmt = request.GET.get("export", "")
        if fmt and self.spreadsheet is not None and fmt in self.spreadsheet.export_formats:
            return self.export(fmt)
        context = self.get_context()
        htmx = getattr(request, "htmx", None)
        template = "core/_table.html" if htmx and not htmx.boosted else self.template_name
        return render(request, template, context)

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        """Remember the chosen columns."""
        known = {c.key for c in self.columns}
        chosen = [key for key in request.POST.getlist("columns") if key in known]
        core_services.columns_choose(actor=request.user, key=self.preference_key(), columns=chosen)
        return HttpResponseRedirect(request.get_full_path())


class DetailPage(LedgerView):
    """One record: its fields, its tabs, links to edit, void and history, and its instructions (批示)."""

    getter: ClassVar[Callable[..., Any]]
    fields: ClassVar[tuple[str | tuple[Any, str], ...]] = ()
    template_name: ClassVar[str] = "core/detail.html"
    change_perm: ClassVar[str | None] = None
    void_perm: ClassVar[str | None] = None
    instructions: ClassVar[bool] = True  # leaders may instruct on this record

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "model" in cls.__dict__ and "getter" in cls.__dict__:
            targets.register(cls.model, cls.__dict__["getter"])

    def get_object(self) -> Any:
        return type(self).getter(self.request.user, _pk(self.kwargs))

    def field_rows(self, obj: Any) -> list[tuple[Any, Any]]:
        rows = []
        for spec in self.fields:
            if isinstance(spec, tuple):
                label, key = spec
            else:
                key = spec
                try:
                    label = obj._meta.get_field(key.split(".")[0]).verbose_name
                except Exception:
                    label = key
            rows.append((label, format_value(resolve(obj, key))))
        return rows

    def get_context(self, obj: Any) -> dict[str, Any]:
        user = self.request.user
        return {
            "view": self,
            "object": obj,
            "title": str(obj),
            "model_name": obj._meta.verbose_name,
            "field_rows": self.field_rows(obj),
            "list_url": self.url_or_none("list"),
            "edit_url": self.url_or_none("edit", obj.pk)
            if self.change_perm and user.has_perm(self.change_perm, obj)
            else None,
            "void_url": self.url_or_none("void", obj.pk)
            if self.void_perm and not getattr(obj, "is_void", False) and user.has_perm(self.void_perm, obj)
            else None,
            "history_url": self.url_or_none("history", obj.pk),
            "tab": "overview",
            **self.instruction_context(obj),
        }

    def instruction_context(self, obj: Any) -> dict[str, Any]:
        if not self.instructions or permissions.unit_id_of(obj) is None:
            return {}
        user = self.request.user
        threads = core_selectors.instructions_on(user, obj)
        return {
            "instruction_threads": threads,
            "can_instruct": user.has_perm("core.add_instruction"),
            "can_reply": bool(threads) and user.has_perm("core.reply_instruction", threads[0]),
            "instructions_enabled": True,
        }

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        obj = self.get_object()
        return render(request, self.template_name, self.get_context(obj))

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        """Instruct on this record, or reply to an instruction on it."""
        obj = self.get_object()
        if not self.instructions:
            return HttpResponse(status=405)
        text = request.POST.get("text", "")
        try:
            if request.POST.get("in_reply_to"):
                threads = {t.pk: t for t in core_selectors.instructions_on(request.user, obj)}
                instruction = threads.get(
                    int(request.POST["in_reply_to"]) if request.POST["in_reply_to"].isdigit() else -1
                )
                if instruction is None:
                    raise NotFound
                core_services.instruction_reply(actor=request.user, instruction=instruction, text=text)
            else:
                core_services.instruction_add(actor=request.user, target=obj, text=text)
        except ValidationFailed as exc:
            messages.error(request, "; ".join(m for msgs in exc.fields.values() for m in msgs) or exc.message)
        else:
            messages.success(
                request, _("Instruction recorded.") if not request.POST.get("in_reply_to") else _("Reply recorded.")
            )
        return HttpResponseRedirect(request.path + "#instructions")


class HistoryPage(DetailPage):
    """The History tab: every change, field by field, with who, when, from where and why."""

    template_name: ClassVar[str] = "core/history.html"

    def get_context(self, obj: Any) -> dict[str, Any]:
        context = super().get_context(obj)
        context["entries"] = history_entries(obj)
        context["tab"] = "history"
        return context


class FormPage(LedgerView):
    """Create (no ``pk``) or edit a record through its service; errors come back on the form."""

    form_class: ClassVar[type[BaseForm]]
    getter: ClassVar[Callable[..., Any] | None] = None
    create_service: ClassVar[Callable[..., Any] | None] = None
    update_service: ClassVar[Callable[..., Any] | None] = None
    update_arg: ClassVar[str] = ""
    perm: ClassVar[str]
    template_name: ClassVar[str] = "core/form.html"

    def get_object(self) -> Any:
        if "pk" not in self.kwargs:
            return None
        getter = type(self).getter
        assert getter is not None
        return getter(self.request.user, _pk(self.kwargs))

    def check_permission(self, obj: Any) -> None:
        if not self.request.user.has_perm(self.perm, obj):
            raise PermissionDenied

    def make_form(self, obj: Any, data: Any = None) -> BaseForm:
        kwargs: dict[str, Any] = {"data": data, "user": self.request.user}
        if obj is not None:
            kwargs["instance"] = obj
        return self.form_class(**kwargs)

    def render_form(self, obj: Any, form: BaseForm, status: int = 200) -> HttpResponse:
        title = (
            (_("Edit %(object)s") % {"object": obj})
            if obj is not None
            else (_("New %(model)s") % {"model": self.model._meta.verbose_name})
        )
        return render(
            self.request,
            self.template_name,
            {
                "view": self,
                "form": form,
                "object": obj,
                "title": title,
                "cancel_url": self.url_or_none("detail", obj.pk) if obj is not None else self.url_or_none("list"),
            },
            status=status,
        )

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        obj = self.get_object()
        self.check_permission(obj)
        return self.render_form(obj, self.make_form(obj))

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        obj = self.get_object()
        self.check_permission(obj)
        form = self.make_form(obj, request.POST)
        if not form.is_valid():
            return self.render_form(obj, form, status=400)
        try:
            saved = self.save(obj, form)
        except DomainError as exc:
            apply_errors(form, exc)
            return self.render_form(obj, form, status=409 if exc.status == 409 else 400)
        messages.success(request, _("Saved."))
        return HttpResponseRedirect(reverse(self.url_name("detail"), args=[saved.pk]))

    def save(self, obj: Any, form: BaseForm) -> Any:
        data = dict(form.cleaned_data)
        expected_version = data.pop("version", None)
        if obj is None:
            create = type(self).create_service
            assert create is not None
            return create(actor=self.request.user, **data)
        update = type(self).update_service
        assert update is not None
        return update(actor=self.request.user, **{self.update_arg: obj}, values=data, expected_version=expected_version)


def apply_errors(form: BaseForm, exc: DomainError) -> None:
    """Put a service's errors on the form: per field where the field is on the form, else at the top."""
    if not exc.fields:
        form.add_error(None, exc.message)
        return
    for field, msgs in exc.fields.items():
        target = field if field in form.fields else None
        for msg in msgs:
            form.add_error(target, msg if target else f"{field}: {msg}" if field != "__all__" else msg)


class VoidForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=200, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)


class VoidPage(LedgerView):
    """Void with a reason: the record leaves lists and counts but stays in the database and history."""

    getter: ClassVar[Callable[..., Any]]
    void_service: ClassVar[Callable[..., Any]]
    void_arg: ClassVar[str] = ""
    perm: ClassVar[str]
    template_name: ClassVar[str] = "core/void.html"

    def get_object(self) -> Any:
        obj = type(self).getter(self.request.user, _pk(self.kwargs))
        if not self.request.user.has_perm(self.perm, obj):
            raise PermissionDenied
        return obj

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        obj = self.get_object()
        return render(
            request,
            self.template_name,
            {"view": self, "object": obj, "form": VoidForm(), "cancel_url": self.url_or_none("detail", obj.pk)},
        )

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        obj = self.get_object()
        form = VoidForm(request.POST)
        if form.is_valid():
            try:
                type(self).void_service(actor=request.user, **{self.void_arg: obj}, reason=form.cleaned_data["reason"])
            except ValidationFailed as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, _("Voided: %(object)s") % {"object": obj})
                return HttpResponseRedirect(self.url_or_none("list") or "/")
        return render(
            request,
            self.template_name,
            {"view": self, "object": obj, "form": form, "cancel_url": self.url_or_none("detail", obj.pk)},
            status=400,
        )


def ledger_urls(
    *,
    list_view: type[ListPage] | None = None,
    detail_view: type[DetailPage] | None = None,
    create_view: type[FormPage] | None = None,
    edit_view: type[FormPage] | None = None,
    void_view: type[VoidPage] | None = None,
    history_view: type[HistoryPage] | None = None,
    prefix: str = "",
) -> list[Any]:
    """The standard URLs of a ledger model, named ``<app>:<model>_<action>``."""
    any_view = next(v for v in (list_view, detail_view, create_view, edit_view, void_view, history_view) if v)
    name = any_view.model._meta.model_name
    routes = [
        ("", list_view, "list"),
        ("new/", create_view, "create"),
        ("<int:pk>/", detail_view, "detail"),
        ("<int:pk>/edit/", edit_view, "edit"),
        ("<int:pk>/void/", void_view, "void"),
        ("<int:pk>/history/", history_view, "history"),
    ]
    return [
        path(f"{prefix}{route}", view.as_view(), name=f"{name}_{action}")
        for route, view, action in routes
        if view is not None
    ]
