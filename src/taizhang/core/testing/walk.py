"""The scoping walk: every registered page and API endpoint, visited as each persona, looking for leaks.

It enumerates the URL configuration, so a new page or endpoint is walked without anyone writing a test.

1. **Non-interference.** Every URL without an object in it (lists, summaries, maps, dashboards, schema) is
   fetched as ``reporter_a`` and ``outsider`` before and after records owned by unit B are added. The
   responses must be identical: any difference (a row, a count, a total, a chart point) is a leak.
2. **Objects out of scope.** Every URL that addresses an object is built with unit B's record and requested
   (GET, and POST/PATCH/PUT/DELETE where the view accepts them) as ``reporter_a`` and ``outsider``: the
   answer must be 404 (or 405), never 200 or 403, and the record must be unchanged afterwards.
3. **Reachability.** The same URLs as ``reporter_b`` (the owner), ``supervisor`` and ``leader`` must not be 404:
   the record is theirs to see, and otherwise the walk would prove nothing.
4. **Own records unchanged.** Before unit B's records exist, one record of every model is made for unit A too;
   each page and endpoint addressing such a record answers ``reporter_a`` the same before and after unit B's
   records are added (a detail page that lists "related" records of other units would leak there).

Every factory makes a NEW record carrying the marker (the world's own units and people are never returned), so
a list that leaks shows a difference. A URL with no object in it is walked with the query its view declares
(``walk_query``: a dict, or a function of the world returning one); an endpoint that answers 400 without it is
retried with the parameters its error names, filled from ``KNOWN_QUERY``, and is a finding if even that fails:
a page that only ever answers "bad request" proves nothing. A URL needing an argument the walk cannot fill, or
addressing a model with no world factory, is itself a finding: the walk never silently skips.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django.db.models import Model
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.resolvers import RegexPattern, RoutePattern

from taizhang.core.testing.personas import World
from taizhang.core.testing.world import factories

MARKER = "WALKB"
HOME_MARKER = "WALKA"  # records of unit A, made before the first visit: reporter_a's own
PROBES = ("reporter_a", "outsider")  # must not see unit B's records
REACHERS = ("reporter_b", "supervisor", "leader")  # must see them
# Views that act on the session rather than on records; visiting them would log the persona out.
SESSION_URL_NAMES = frozenset({"login", "logout", "set_language", "password_change", "api_token"})
OBJECT_KWARGS = frozenset({"pk", "object_id", "id"})
KNOWN_KWARGS: dict[str, str] = {"format": "json", "year": "2026", "period": "2026-05", "month": "2026-05"}
# Query parameters an endpoint may name in a 400 answer, and the values the walk then fills in. A callable
# receives the world: a unit parameter gets unit B, the unit a probe must not read.
KNOWN_QUERY: dict[str, Any] = {
    "start": "2026-01-01",
    "end": "2026-12-31",
    "year": "2026",
    "month": "5",
    "period": "2026-05",
    "unit": lambda world: world.unit_b.pk,
}
OK_AWAY = (404, 405)
_CSRF = [
    re.compile(r'name="csrfmiddlewaretoken" value="[^"]*"'),
    re.compile(r"\b[A-Za-z0-9]{64}\b"),  # masked CSRF tokens, wherever a page embeds one
]


@dataclass(frozen=True)
class Finding:
    url: str
    persona: str
    problem: str

    def __str__(self) -> str:
        return f"{self.url} as {self.persona}: {self.problem}"


@dataclass
class Endpoint:
    name: str
    route: str
    callback: Any
    kwargs: tuple[str, ...]
    defaults: dict[str, Any] = field(default_factory=dict)

    @property
    def is_api(self) -> bool:
        return self.route.startswith("api/")

    @property
    def object_kwarg(self) -> str | None:
        return next((k for k in self.kwargs if k in OBJECT_KWARGS), None)

    def view_attr(self, name: str, default: Any = None) -> Any:
        for holder in (getattr(self.callback, "view_class", None), getattr(self.callback, "cls", None), self.callback):
            if holder is not None and hasattr(holder, name):
                return getattr(holder, name)
        return default

    @property
    def model(self) -> type[Model] | None:
        model = self.view_attr("walk_model") or self.view_attr("model")
        if model is None:
            queryset = self.view_attr("queryset")
            model = getattr(queryset, "model", None)
        return model if isinstance(model, type) and issubclass(model, Model) else None

    def methods(self) -> set[str]:
        cls = getattr(self.callback, "view_class", None) or getattr(self.callback, "cls", None)
        actions = getattr(self.callback, "actions", None)
        if actions:
            return {m.upper() for m in actions}
        if cls is not None:
            return {m.upper() for m in getattr(cls, "http_method_names", []) if hasattr(cls, m)} - {"OPTIONS"}
        return {"GET", "POST"}


def endpoints(urlconf: Any = None) -> list[Endpoint]:
    seen: set[tuple[str, tuple[str, ...]]] = set()
    found = []
    for ep in _walk_patterns(get_resolver(urlconf).url_patterns, "", ""):
        key = (ep.name, ep.kwargs)
        if key not in seen:
            seen.add(key)
            found.append(ep)
    return found


def _pattern_kwargs(pattern: Any) -> list[str]:
    if isinstance(pattern, RoutePattern):
        return list(pattern.converters)
    if isinstance(pattern, RegexPattern):
        return list(pattern.regex.groupindex)
    return []


def _walk_patterns(
    patterns: Iterable[Any], namespace: str, prefix: str, inherited: tuple[str, ...] = ()
) -> Iterator[Endpoint]:
    for p in patterns:
        kwargs = (*inherited, *_pattern_kwargs(p.pattern))
        route = prefix + str(p.pattern).lstrip("^").replace("\\", "").rstrip("$")
        if isinstance(p, URLResolver):
            ns = f"{namespace}{p.namespace}:" if p.namespace else namespace
            yield from _walk_patterns(p.url_patterns, ns, route, kwargs)
        elif isinstance(p, URLPattern):
            name = f"{namespace}{p.name}" if p.name else ""
            yield Endpoint(
                name=name, route=route, callback=p.callback, kwargs=tuple(kwargs), defaults=dict(p.default_args)
            )


class Walk:
    def __init__(self, world: World, urlconf: Any = None) -> None:
        self.world = world
        self.urlconf = urlconf
        self.findings: list[Finding] = []
        self.clients: dict[str, Client] = {}
        for persona in (*PROBES, *REACHERS):
            client = Client()
            client.force_login(world.users[persona])
            self.clients[persona] = client
        self.objects: dict[type[Model], Model] = {}
        self.visited = 0

    # --- helpers -----------------------------------------------------------------------------------------

    def find(self, url: str, persona: str, problem: str) -> None:
        self.findings.append(Finding(url, persona, problem))

    def build_url(self, ep: Endpoint, obj: Model | None) -> str | None:
        values: dict[str, Any] = {}
        declared = ep.view_attr("walk_kwargs", {}) or {}
        for name in ep.kwargs:
            if name in ep.defaults:
                continue
            if name in OBJECT_KWARGS:
                if obj is None:
                    return None
                values[name] = obj.pk
            elif name in declared:
                values[name] = declared[name](self.world) if callable(declared[name]) else declared[name]
            elif name in KNOWN_KWARGS:
                values[name] = KNOWN_KWARGS[name]
            else:
                self.find(ep.route, "-", f"cannot fill URL argument {name!r}; declare walk_kwargs on the view")
                return None
        try:
            url = reverse(ep.name, kwargs=values, urlconf=self.urlconf)
        except Exception as exc:
            self.find(ep.route, "-", f"cannot build URL: {exc}")
            return None
        query = ep.view_attr("walk_query")
        if callable(query):
            query = query(self.world)
        return f"{url}?{urlencode(query)}" if query else url

    def resolve_query(self, ep: Endpoint, url: str) -> str:
        """A URL answering 400 to a district-wide user gets the parameters its error names, if the walk knows them."""
        status, body = self.fetch("supervisor", url)
        if status != 400:
            return url
        try:
            named = set(json.loads(body).get("fields") or {})
        except (ValueError, AttributeError):
            named = set()
        fill = {name: KNOWN_QUERY[name] for name in named if name in KNOWN_QUERY}
        if fill and fill.keys() == named and "?" not in url:
            retried = url + "?" + urlencode({k: v(self.world) if callable(v) else v for k, v in fill.items()})
            if self.fetch("supervisor", retried)[0] != 400:
                return retried
        self.find(
            url,
            "supervisor",
            f"answers 400 ({', '.join(sorted(named)) or 'no field named'}): the walk proves nothing here; "
            "declare walk_query on the view",
        )
        return url

    def fetch(self, persona: str, url: str, method: str = "GET") -> tuple[int, str]:
        client = self.clients[persona]
        kwargs: dict[str, Any] = {}
        if method in ("PATCH", "PUT"):
            kwargs = {"data": "{}", "content_type": "application/json"}
        response = client.generic(method, url, **kwargs) if method != "GET" else client.get(url)
        self.visited += 1
        body = (
            b"".join(response.streaming_content)  # type: ignore[attr-defined]
            if getattr(response, "streaming", False)
            else response.content
        )
        text = _zip_text(body) if body.startswith(b"PK\x03\x04") else body.decode("utf-8", errors="replace")
        for pattern in _CSRF:
            text = pattern.sub("", text)
        return response.status_code, text

    def walkable(self, ep: Endpoint) -> bool:
        if ep.route.startswith("admin/"):
            return False  # the admin site is walked model by model in check_admin()
        if not ep.name:
            return not ep.route.startswith(("static/", "media/"))
        if ep.name.split(":")[-1] in SESSION_URL_NAMES:
            return False
        return not ep.view_attr("walk_skip", False)

    # --- the walk ----------------------------------------------------------------------------------------

    def run(self) -> list[Finding]:
        eps = [ep for ep in endpoints(self.urlconf) if self.walkable(ep)]
        for ep in eps:
            if not ep.name:
                self.find(ep.route, "-", "unnamed URL pattern: name it so the walk can build it")
        eps = [ep for ep in eps if ep.name]
        self.add_home_records()
        before: dict[str, dict[str, tuple[int, str]]] = {}
        for ep in eps:
            if ep.object_kwarg is None:
                before.update(self.plain_responses(ep))
        own_before = {url: {"reporter_a": answer} for url, answer in self.own_pages(eps).items()}
        self.add_unit_b_records(eps)
        self.compare(own_before, "its own record's page changed")
        self.compare(before, "response changed")
        for ep in eps:
            if ep.object_kwarg is not None:
                self.check_object_endpoint(ep)
        self.check_admin()
        return self.findings

    def plain_responses(self, ep: Endpoint) -> dict[str, dict[str, tuple[int, str]]]:
        """The probes' answers for a URL with no object in it (and for its spreadsheet downloads)."""
        url = self.build_url(ep, None)
        if url is None:
            return {}
        responses = {p: self.fetch(p, url) for p in PROBES}
        if any(status == 400 for status, _body in responses.values()) and not ep.view_attr("walk_query"):
            resolved = self.resolve_query(ep, url)
            if resolved != url:
                url, responses = resolved, {p: self.fetch(p, resolved) for p in PROBES}
        found = {url: responses}
        # A list page's downloads are the same records in another shape: walked alongside the page.
        for fmt in getattr(ep.view_attr("spreadsheet"), "export_formats", ()):
            download = f"{url}{'&' if '?' in url else '?'}export={fmt}"
            found[download] = {p: self.fetch(p, download) for p in PROBES}
        return found

    def compare(self, before: dict[str, dict[str, tuple[int, str]]], what: str) -> None:
        """Fetch again after unit B's records exist: any difference, or B's marker, is a leak."""
        for url, responses in before.items():
            for persona, (status, body) in responses.items():
                status2, body2 = self.fetch(persona, url)
                if status2 != status or body2 != body:
                    self.find(
                        url,
                        persona,
                        f"{what} when unit B's records were added ({status} -> {status2}): "
                        f"{_first_difference(body, body2)}",
                    )
                elif MARKER in body2:
                    self.find(url, persona, "shows a record of unit B")

    def check_admin(self) -> None:
        """The admin is for staff only: every persona (none is staff) is sent to the admin login."""
        from django.contrib import admin

        urls = [reverse("admin:index", urlconf=self.urlconf)]
        for model in admin.site._registry:
            base = f"admin:{model._meta.app_label}_{model._meta.model_name}"
            urls.append(reverse(f"{base}_changelist", urlconf=self.urlconf))
            urls.append(reverse(f"{base}_add", urlconf=self.urlconf))
            obj = self.objects.get(model)
            pk = obj.pk if obj is not None else 1
            for action in ("change", "history", "delete"):
                urls.append(reverse(f"{base}_{action}", args=[pk], urlconf=self.urlconf))
        for url in urls:
            for persona in (*PROBES, "supervisor", "reporter_b"):
                for method in ("GET", "POST"):
                    status, _body = self.fetch(persona, url, method)
                    if status != 302:
                        self.find(url, persona, f"admin page answered {method} with {status} to a non-staff user")

    def add_home_records(self) -> None:
        """One record of every registered model for unit A, before anything is fetched: reporter_a's own."""
        from taizhang.core.audit import Source, audit_context

        self.home: dict[type[Model], Model] = {}
        with audit_context(self.world.admin, Source.SYSTEM), _committing():
            for model, factory in factories().items():
                self.home[model] = factory(self.world, self.world.unit_a, HOME_MARKER)

    def own_pages(self, eps: list[Endpoint]) -> dict[str, tuple[int, str]]:
        """reporter_a's answers for the pages of its own records that it can read (GET and 200)."""
        pages: dict[str, tuple[int, str]] = {}
        for ep in eps:
            obj = self.home.get(ep.model) if ep.object_kwarg is not None and ep.model is not None else None
            if obj is None or "GET" not in ep.methods():
                continue
            url = self.build_url(ep, obj)
            if url is None or url in pages:
                continue
            status, body = self.fetch("reporter_a", url)
            if status == 200:
                pages[url] = (status, body)
        return pages

    def add_unit_b_records(self, eps: list[Endpoint]) -> None:
        from taizhang.core.audit import Source, audit_context

        registry = factories()
        needed = {ep.model for ep in eps if ep.object_kwarg is not None}
        for ep in eps:
            if ep.object_kwarg is not None and ep.model is None:
                self.find(ep.route, "-", "addresses an object but declares no model (set model or walk_model)")
        with audit_context(self.world.admin, Source.SYSTEM), _committing():
            for model in sorted((m for m in needed if m is not None), key=lambda m: m._meta.label):
                factory = registry.get(model)
                if factory is None:
                    self.find(model._meta.label, "-", "no world factory: register one in <app>/tests/world.py")
                    continue
                self.objects[model] = factory(self.world, self.world.unit_b, MARKER)
            # Records of every registered model, even those no URL addresses, feed the non-interference check.
            for model, factory in registry.items():
                if model not in self.objects:
                    self.objects[model] = factory(self.world, self.world.unit_b, MARKER)

    def check_object_endpoint(self, ep: Endpoint) -> None:
        obj = self.objects.get(ep.model) if ep.model else None
        if obj is None:
            return
        url = self.build_url(ep, obj)
        if url is None:
            return
        snapshot = _snapshot(obj)
        methods = ep.methods()
        for persona in PROBES:
            for method in ("GET", "POST", "PATCH", "PUT", "DELETE"):
                if method != "GET" and method not in methods:
                    continue
                status, _body = self.fetch(persona, url, method)
                if status not in OK_AWAY:
                    self.find(url, persona, f"{method} answered {status}; an object out of scope must be 404")
        if _snapshot(obj) != snapshot:
            self.find(url, "reporter_a/outsider", "the out-of-scope record changed")
        if "GET" in methods:
            for persona in REACHERS:
                status, _body = self.fetch(persona, url)
                if status == 404:
                    self.find(url, persona, "404 for a user who may see this record (its own unit or district-wide)")


# Members of an Office file that hold its creation time, not its content.
_ZIP_TIMESTAMPS = frozenset({"docProps/core.xml"})


def _zip_text(body: bytes) -> str:
    """A spreadsheet or document download as comparable text: its members' contents, without timestamps."""
    try:
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            return "\n".join(
                f"{name}:{archive.read(name).decode('utf-8', errors='replace')}"
                for name in sorted(archive.namelist())
                if name not in _ZIP_TIMESTAMPS
            )
    except zipfile.BadZipFile:
        return body.decode("utf-8", errors="replace")


def _committing() -> Any:
    """Run what the factories' services leave for after the commit (index rebuilds, notifications), as a
    real commit would: the test's transaction never commits, and a stale routing index would hide a leak."""
    from django.test import TestCase

    return TestCase.captureOnCommitCallbacks(execute=True)


def _snapshot(obj: Model) -> Any:
    return type(obj)._default_manager.filter(pk=obj.pk).values().first()


def _first_difference(a: str, b: str) -> str:
    for i, (x, y) in enumerate(zip(a, b, strict=False)):
        if x != y:
            return f"…{b[max(0, i - 60) : i + 80]!r}"
    return f"lengths {len(a)} vs {len(b)}"


def walk(world: World, urlconf: Any = None) -> list[Finding]:
    return Walk(world, urlconf).run()
