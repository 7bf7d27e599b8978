"""Open311 GeoReport v2 (https://wiki.open311.org/GeoReport_v2/), so citizen apps and hotline systems can feed
the ledger.

* ``GET services.json`` — the categories offered to Open311 clients (``service_code`` = category code).
* ``POST requests.json`` — report an issue; it is registered as the client's account, from the client's source.
* ``GET requests.json`` — requests (filters: ``service_request_id``, ``service_code``, ``start_date``,
  ``end_date``, ``status``; 90 days and 1,000 requests at most).
* ``GET requests/<service_request_id>.json`` — one request.

As the specification says, only POST needs an ``api_key``. The GET methods answer anyone: without a key they
show what the public may see — the requests that came in through Open311 (the ledger's own inspection findings
are not published), with public status notes (a voided request says how, not the staff's reason); the caller's
contact and photo link, given at POST, stay on the issue's timeline for staff. With a key, a client reads the
requests it posted, with the ledger's notes. Statuses map to ``open`` and ``closed``, with the ledger's state in
``status_notes``. Errors are Open311's list of ``{"code", "description"}`` with the same HTTP status; a request
with any error stores nothing.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.csrf import csrf_exempt

from taizhang.core.errors import DomainError
from taizhang.issues import selectors, services
from taizhang.issues.choices import Status
from taizhang.issues.language import stored_text
from taizhang.issues.memo import Memo
from taizhang.issues.models import Issue, IssueCategory, Open311Client

MAX_RESULTS = 1000
DEFAULT_WINDOW = dt.timedelta(days=90)
MAX_DESCRIPTION = 4000


class Open311Error(Exception):
    def __init__(self, status: int, *descriptions: str) -> None:
        self.status = status
        self.descriptions = descriptions
        super().__init__("; ".join(descriptions))


def error_response(status: int, *descriptions: str) -> JsonResponse:
    return JsonResponse(
        [{"code": status, "description": d} for d in descriptions],
        status=status,
        safe=False,
        json_dumps_params={"ensure_ascii": False},
    )


def _load_clients() -> dict[str, Open311Client]:
    rows = Open311Client.objects.live().filter(is_active=True).select_related("user", "source")
    return {client.key_hash: client for client in rows}


def _load_services() -> dict[str, IssueCategory]:
    rows = IssueCategory.objects.live().filter(is_active=True, open311=True).select_related("parent__parent")
    return {category.code: category for category in rows}


# Read on every request, changed rarely: kept per worker, re-read when a service changes them (or each minute).
clients: Memo[dict[str, Open311Client]] = Memo("open311-clients", _load_clients)
service_codes: Memo[dict[str, IssueCategory]] = Memo("open311-services", _load_services)


def authenticate(key: str | None) -> Open311Client:
    if not key:
        raise Open311Error(403, _("api_key is required."))
    # Looked up by the key's SHA-256: nothing about the stored keys can be learnt from the time it takes.
    client = clients.get().get(services.hash_key(key))
    if client is None:
        raise Open311Error(403, _("api_key is not valid."))
    if not client.user.is_active:
        raise Open311Error(403, _("The account behind this api_key is disabled."))
    return client


def reader(request: HttpRequest) -> Open311Client | None:
    """The client whose ``api_key`` came with a GET, or ``None`` for the public; a key that is wrong is refused."""
    key = request.GET.get("api_key")
    return authenticate(key) if key else None


def status_of(issue: Issue, public: bool = False) -> tuple[str, str]:
    """Open311 status and the note that says where the issue stands in the ledger (the public note of a voided
    request says how it was closed, not the staff's reason)."""
    if issue.is_void:
        if public:
            return "closed", _("Closed without action: %(kind)s.") % {"kind": issue.get_void_kind_display()}
        return "closed", _("Voided: %(reason)s") % {"reason": issue.void_reason}
    if issue.status == Status.CLOSED:
        return "closed", _("Rectified and verified.")
    if issue.status == Status.SHELVED:
        return "open", _("Shelved until %(date)s.") % {"date": issue.shelve_review_date}
    return "open", str(issue.get_status_display())


def iso(value: dt.datetime | None) -> str | None:
    return timezone.localtime(value).isoformat(timespec="seconds") if value else None


def as_request(issue: Issue, public: bool = False) -> dict[str, Any]:
    status, notes = status_of(issue, public)
    return {
        "service_request_id": issue.number,
        "status": status,
        "status_notes": notes,
        "service_name": issue.category.name,
        "service_code": issue.category.code,
        "description": issue.description,
        "agency_responsible": issue.responsible_unit.name if issue.status != Status.REGISTERED else "",
        "service_notice": "",
        "requested_datetime": iso(issue.registered_at),
        "updated_datetime": iso(issue.updated_at),
        "expected_datetime": iso(issue.deadline),
        "address": issue.address,
        "address_id": "",
        "zipcode": "",
        "lat": float(issue.reported_latitude) if issue.reported_latitude is not None else None,
        "long": float(issue.reported_longitude) if issue.reported_longitude is not None else None,
        "media_url": "",
    }


class Open311View(View):
    walk_skip = False

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        try:
            return super().dispatch(request, *args, **kwargs)
        except Open311Error as exc:
            return error_response(exc.status, *exc.descriptions)

    def http_method_not_allowed(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return error_response(405, _("Method %(method)s is not allowed here.") % {"method": request.method})


class ServiceList(Open311View):
    def get(self, request: HttpRequest) -> HttpResponse:
        reader(request)
        categories = (
            IssueCategory.objects.live()
            .filter(is_active=True, open311=True)
            .select_related("parent")
            .order_by("sort_order", "code")
        )
        services_ = [
            {
                "service_code": c.code,
                "service_name": c.name,
                "description": c.description,
                "metadata": False,
                "type": "realtime",
                "keywords": "",
                "group": c.parent.name if c.parent else "",
            }
            for c in categories
        ]
        return JsonResponse(services_, safe=False, json_dumps_params={"ensure_ascii": False})


@method_decorator(csrf_exempt, name="dispatch")
class RequestList(Open311View):
    def get(self, request: HttpRequest) -> HttpResponse:
        client = reader(request)
        qs = selectors.open311_requests(client)
        ids = [i.strip() for i in request.GET.get("service_request_id", "").split(",") if i.strip()]
        if ids:
            qs = qs.filter(number__in=ids[:MAX_RESULTS])
        else:
            start = _date_param(request, "start_date")
            end = _date_param(request, "end_date")
            if start and end and start > end:
                raise Open311Error(400, _("start_date is after end_date."))
            end = end or timezone.now()
            start = start or end - DEFAULT_WINDOW
            qs = qs.filter(registered_at__gte=start, registered_at__lte=end)
        if codes := [c.strip() for c in request.GET.get("service_code", "").split(",") if c.strip()]:
            qs = qs.filter(category__code__in=codes)
        statuses = {s.strip() for s in request.GET.get("status", "").split(",") if s.strip()}
        if statuses - {"open", "closed"}:
            raise Open311Error(400, _("status must be open, closed or both."))
        if statuses == {"open"}:
            qs = qs.filter(voided_at__isnull=True).exclude(status=Status.CLOSED)
        elif statuses == {"closed"}:
            qs = qs.filter(_closed())
        rows = [as_request(issue, client is None) for issue in qs.order_by("-registered_at", "-id")[:MAX_RESULTS]]
        return JsonResponse(rows, safe=False, json_dumps_params={"ensure_ascii": False})

    def post(self, request: HttpRequest) -> HttpResponse:
        client = authenticate(request.POST.get("api_key"))
        values = _parse_report(request, client)
        try:
            issue = services.issue_register(actor=client.user, source=client.source, open311_client=client, **values)
        except DomainError as exc:
            descriptions = [f"{field}: {' '.join(msgs)}" for field, msgs in exc.fields.items()] or [exc.message]
            raise Open311Error(400, *descriptions) from exc
        notice = _("Registered as %(number)s; the supervision office reviews and dispatches it.") % {
            "number": issue.number
        }
        body = [{"service_request_id": issue.number, "service_notice": notice, "account_id": None}]
        return JsonResponse(body, status=201, safe=False, json_dumps_params={"ensure_ascii": False})


class RequestDetail(Open311View):
    walk_kwargs = {"service_request_id": "2026-000001"}

    def get(self, request: HttpRequest, service_request_id: str) -> HttpResponse:
        client = reader(request)
        issue = selectors.open311_requests(client).filter(number=service_request_id).first()
        if issue is None:
            raise Open311Error(404, _("No request %(id)s.") % {"id": service_request_id})
        return JsonResponse([as_request(issue, client is None)], safe=False, json_dumps_params={"ensure_ascii": False})


def _closed() -> Any:
    from django.db.models import Q

    return Q(status=Status.CLOSED) | Q(voided_at__isnull=False)


def _date_param(request: HttpRequest, name: str) -> dt.datetime | None:
    raw = request.GET.get(name, "").strip()
    if not raw:
        return None
    try:
        value = parse_datetime(raw.replace(" ", "+"))
    except ValueError:
        value = None
    if value is None:
        raise Open311Error(
            400, _("%(name)s must be a W3C date-time such as 2026-10-09T08:30:00+08:00.") % {"name": name}
        )
    return value if timezone.is_aware(value) else timezone.make_aware(value)


def _parse_report(request: HttpRequest, client: Open311Client) -> dict[str, Any]:
    data = request.POST
    problems: list[str] = []
    code = data.get("service_code", "").strip()
    category = None
    if not code:
        problems.append(_("service_code is required."))
    else:
        category = service_codes.get().get(code)
        if category is None:
            problems.append(_("service_code %(code)s is not a service of this endpoint.") % {"code": code[:40]})
    lat, lon = data.get("lat", "").strip(), data.get("long", "").strip()
    address = data.get("address_string", "").strip() or data.get("address_id", "").strip()
    if not (lat or lon) and not address:
        problems.append(_("A location is required: lat and long, or address_string."))
    if bool(lat) != bool(lon):
        problems.append(_("Give both lat and long."))
    elif lat and lon:
        problems.extend(_coordinate_problems(lat, lon))
    description = data.get("description", "").strip()
    if len(description) > MAX_DESCRIPTION:
        problems.append(_("description is longer than %(n)d characters.") % {"n": MAX_DESCRIPTION})
    if not description:
        problems.append(_("description is required."))
    media = data.get("media_url", "").strip()
    if media and not media.startswith(("http://", "https://")):
        problems.append(_("media_url must be an http(s) URL."))
    if problems:
        raise Open311Error(400, *problems)
    contact = " ".join(
        part
        for part in (
            f"{data.get('last_name', '').strip()}{data.get('first_name', '').strip()}",
            data.get("phone", "").strip(),
            data.get("email", "").strip(),
        )
        if part
    )
    return {
        "category": category,
        "description": description,
        "note": _caller_note(contact, media),
        "address": address[:200],
        "longitude": lon or None,
        "latitude": lat or None,
        "coordinate_system": client.coordinate_system,
    }


@stored_text()
def _caller_note(contact: str, media: str) -> str:
    """The caller's contact and photo link, for the registration's timeline entry (kept: the site's language)."""
    extra = []
    if contact:
        extra.append(_("Contact: %(contact)s") % {"contact": contact[:200]})
    if media:
        extra.append(_("Photo: %(url)s") % {"url": media[:500]})
    return "\n".join(extra)


def _coordinate_problems(lat: str, lon: str) -> list[str]:
    try:
        lat_f, lon_f = float(lat), float(lon)
    except ValueError:
        return [_("lat and long must be decimal degrees.")]
    if not (math.isfinite(lat_f) and math.isfinite(lon_f)) or not (-90 <= lat_f <= 90 and -180 <= lon_f <= 180):
        return [_("lat must lie within ±90 and long within ±180 degrees.")]
    return []
