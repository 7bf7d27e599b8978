"""The shell: login, lockout, passwords, sessions, language, error pages, and no external hosts anywhere."""

import datetime as dt
import posixpath
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlparse

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.test import Client
from django.utils import timezone

from taizhang.core.testing.personas import PASSWORD
from taizhang.core.testing.walk import Walk, endpoints


def test_login_and_logout(client, world):
    response = client.post("/login/", {"username": "reporter_a", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get("/").status_code == 200
    assert client.post("/logout/").status_code == 302
    assert client.get("/").status_code == 302


def test_a_wrong_password_is_refused_with_a_message(client, world):
    response = client.post("/login/", {"username": "reporter_a", "password": "wrong"})
    assert response.status_code == 200
    assert 'data-testid="login-error"' in response.content.decode()


def test_repeated_failures_lock_the_account(client, world, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/login/", {"username": "reporter_b", "password": "wrong"})
    response = client.post("/login/", {"username": "reporter_b", "password": PASSWORD})
    assert response.status_code == 429
    assert 'data-testid="locked-out"' in response.content.decode()
    other = Client().post("/login/", {"username": "reporter_a", "password": PASSWORD})
    assert other.status_code == 302  # only that account is locked


def test_sessions_expire_and_passwords_are_validated():
    assert settings.SESSION_COOKIE_AGE <= 8 * 3600
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE and settings.SESSION_SAVE_EVERY_REQUEST
    names = {v["NAME"].rsplit(".", 1)[-1] for v in settings.AUTH_PASSWORD_VALIDATORS}
    assert {"MinimumLengthValidator", "CommonPasswordValidator", "NumericPasswordValidator"} <= names


def test_an_idle_session_expires_after_the_session_age(client, world, monkeypatch):
    """Each request renews the session; a session left idle longer than SESSION_COOKIE_AGE sends to sign-in."""
    real_now = timezone.now
    ahead = [dt.timedelta(0)]
    monkeypatch.setattr(timezone, "now", lambda: real_now() + ahead[0])
    assert client.post("/login/", {"username": "reporter_a", "password": PASSWORD}).status_code == 302
    age = dt.timedelta(seconds=settings.SESSION_COOKIE_AGE)
    ahead[0] += age - dt.timedelta(minutes=1)
    assert client.get("/org/units/").status_code == 200
    ahead[0] += age - dt.timedelta(minutes=1)  # twice the age since signing in, but never idle that long
    assert client.get("/org/units/").status_code == 200
    ahead[0] += age + dt.timedelta(seconds=1)
    response = client.get("/org/units/")
    assert response.status_code == 302
    assert response["Location"] == "/login/?next=/org/units/"
    assert client.get("/api/units/").status_code in (401, 403)


def test_changing_ones_password(as_reporter_a, world):
    page = as_reporter_a.get("/password/")
    assert page.status_code == 200
    weak = as_reporter_a.post(
        "/password/", {"old_password": PASSWORD, "new_password1": "1234567890", "new_password2": "1234567890"}
    )
    assert weak.status_code == 200
    assert "numeric" in weak.content.decode().lower() or "数字" in weak.content.decode()
    ok = as_reporter_a.post(
        "/password/",
        {"old_password": PASSWORD, "new_password1": "Sturdy-new-pass-26", "new_password2": "Sturdy-new-pass-26"},
    )
    assert ok.status_code == 302
    world.users["reporter_a"].refresh_from_db()
    assert world.users["reporter_a"].check_password("Sturdy-new-pass-26")
    assert world.users["reporter_a"].history.first().history_source == "web"


def test_the_default_language_is_chinese_whatever_the_browser_says(client, world):
    client.force_login(world.users["reporter_a"])
    page = client.get("/org/units/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert '<html lang="zh-hans">' in page
    assert "名称、拼音或首字母" in page  # the search box, translated


def test_list_filters_read_as_an_office_expects(client, world):
    """The filter button says 筛选 (not the admin's 过滤器) and a yes/no filter offers "any", not 未知."""
    client.force_login(world.users["supervisor"])
    page = client.get("/org/people/").content.decode()
    assert ">筛选</button>" in page and "过滤器" not in page
    leader = page.split('name="is_leader"', 1)[1].split("</select>", 1)[0]
    assert '<option value="unknown" selected>---------</option>' in leader and "未知" not in leader
    assert client.get("/org/people/", {"is_leader": "unknown"}).status_code == 200


def test_the_history_tab_reads_as_the_ledgers_do(client, world):
    """The tab says 修改记录 like the ledgers' buttons, not the admin's 历史."""
    client.force_login(world.users["supervisor"])
    page = client.get(f"/org/units/{world.unit_a.pk}/").content.decode()
    tab = page.split('data-testid="history-tab">', 1)[1].split("</a>", 1)[0]
    assert tab == "修改记录"


def test_the_language_switch_remembers_english(client, world):
    client.force_login(world.users["reporter_a"])
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/org/units/"})
    assert response.status_code == 302
    assert response["Location"] == "/org/units/"
    page = client.get("/org/units/").content.decode()
    assert '<html lang="en">' in page
    assert "Name, pinyin or initials" in page


def test_a_missing_page_is_a_friendly_404(as_reporter_a, settings):
    settings.DEBUG = False
    response = as_reporter_a.get("/no/such/page/")
    assert response.status_code == 404
    assert "empty-header" in response.content.decode()


class _Links(HTMLParser):
    ATTRS = {"src", "href", "action", "data", "poster", "formaction", "srcset", "content"}

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.css: list[str] = []
        self._style = False

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in self.ATTRS and value:
                self.urls.append(value)
            if name == "style" and value:
                self.css.append(value)
        self._style = tag == "style"

    def handle_data(self, data):
        if self._style:
            self.css.append(data)


CSS_URL = re.compile(r"""(?:url\(\s*['"]?|@import\s+['"])([^'")\s]+)""")
# XML namespace names (SVG, XLink, XHTML, XMLNS, XML, MathML): identifiers that are compared, never fetched.
# Only these exact names: any other www.w3.org address would be a request like any other.
ALLOWED_NAMESPACES = (
    "http://www.w3.org/2000/svg",
    "http://www.w3.org/1999/xlink",
    "http://www.w3.org/1999/xhtml",
    "http://www.w3.org/2000/xmlns/",
    "http://www.w3.org/XML/1998/namespace",
    "http://www.w3.org/1998/Math/MathML",
)
LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "testserver"})


def external(url: str) -> bool:
    parsed = urlparse(url.strip())
    if url.startswith(ALLOWED_NAMESPACES):
        return False
    return (bool(parsed.netloc) and parsed.hostname not in LOCAL_HOSTS) or url.startswith("//")


# Registered URLs that are not pages to look at, and why. (Views that accept no GET at all — workflow
# actions, voiding, uploads — are not pages either; they are recognised by their methods.)
NOT_PAGES = {
    "logout": "signs the user out: POST only",
    "set_language": "the language menu POSTs here; a GET only redirects back",
    "api_token": "exchanges a password for an API token: POST only",
    "admin:logout": "signs the user out: POST only",
    "admin:autocomplete": "answers the admin's autocomplete widgets (JSON) for a named field only",
    "admin:view_on_site": "redirects to a record's own page",
}
# Pages that answer a signed-in administrator with another status on purpose, and why.
OTHER_STATUS = {
    "open311:request": (404, "Open311 answers a request number it does not know (none in the test world) with 404"),
}
# Pages shown to a visitor who is not signed in.
ANONYMOUS = frozenset({"login", "admin:login"})


def page_urls(world):
    """(URL name, URL, who asks, status expected) for every registered page: the site's own, then the admin's.

    An admin page the admin itself declares unavailable (no adding of log rows, no deleting of ledger records)
    is expected to answer 403; everything else 200, unless OTHER_STATUS says why not.
    """
    from django.contrib import admin
    from django.test import RequestFactory
    from django.urls import reverse

    walk = Walk(world)
    walk.add_home_records()
    urls, unbuilt = [], []
    for ep in endpoints():
        name = ep.name
        if ep.route.startswith("admin/") or name in NOT_PAGES or "GET" not in ep.methods():
            continue
        obj = walk.home.get(ep.model) if ep.object_kwarg and ep.model else None
        url = walk.build_url(ep, obj) if (obj is not None or not ep.object_kwarg) else None
        if url is None:
            unbuilt.append((name or ep.route, ep.model))
            continue
        if not ep.object_kwarg and not ep.view_attr("walk_query"):
            url = walk.resolve_query(ep, url)  # parameters a page names as missing (statistics' dates)
        who = "anonymous" if name in ANONYMOUS else "admin"
        urls.append((name, url, who, OTHER_STATUS.get(name, (200, ""))[0]))
    for name in ("index", "login", "password_change", "password_change_done"):
        urls.append((f"admin:{name}", reverse(f"admin:{name}"), "anonymous" if name == "login" else "admin", 200))
    for label in sorted({model._meta.app_label for model in admin.site._registry}):
        urls.append(("admin:app_list", reverse("admin:app_list", args=[label]), "admin", 200))
    request = RequestFactory().get("/admin/")
    request.user = world.admin
    for model, model_admin in admin.site._registry.items():
        base = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        urls.append((base, reverse(f"{base}_changelist"), "admin", 200))
        urls.append((base, reverse(f"{base}_add"), "admin", 200 if model_admin.has_add_permission(request) else 403))
        obj = model._default_manager.order_by("pk").first()
        if obj is None:
            unbuilt.append((f"{base}_change", model))
            continue
        urls.append((base, reverse(f"{base}_change", args=[obj.pk]), "admin", 200))
        urls.append((base, reverse(f"{base}_history", args=[obj.pk]), "admin", 200))
        deletable = model_admin.has_delete_permission(request, obj)
        urls.append((base, reverse(f"{base}_delete", args=[obj.pk]), "admin", 200 if deletable else 403))
    return urls, unbuilt, walk.findings


def admin_objects(world):
    """One record of each admin model that the world does not make for itself."""
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog
    from django.contrib.auth.models import Group
    from rest_framework.authtoken.models import Token

    from taizhang.core import services as core_services
    from taizhang.issues import services as issue_services
    from taizhang.notifications import services as notification_services
    from taizhang.projects import services as project_services

    admin = world.admin
    Group.objects.create(name="查看组")
    Token.objects.get_or_create(user=world.users["supervisor"])
    where = {"ip_address": "127.0.0.1", "user_agent": "test", "username": "nobody", "path_info": "/login/"}
    AccessAttempt.objects.create(**where, get_data="", post_data="", failures_since_start=1)
    AccessFailureLog.objects.create(**where)
    AccessLog.objects.create(**where)
    core_services.workday_override_create(actor=admin, date=dt.date(2031, 1, 2), is_workday=False, name="调休")
    notification_services.robot_create(  # inactive: the world's issues must not post to it
        actor=admin, unit=world.unit_a, kind="wecom", name="甲街道群", url="http://127.0.0.1:9/send", is_active=False
    )
    reader = world.users["reporter_a"]
    reader.email = "reporter_a@example.gov.cn"
    notification_services.notify(actor=admin, recipients=[reader], title="通知")  # an e-mail delivery
    project_services.threshold_create(actor=admin, effective_from=dt.date(2026, 1, 1), yellow_above=5)
    project_services.template_create(actor=admin, name="开工模板", steps=[("开工", 0)])
    issue_services.routing_rule_create(actor=admin, category=world.data["categories"]["sr"], unit=world.unit_a)
    issue_services.open311_client_create(
        actor=admin, name="热线平台", user=world.users["supervisor"], source=world.data["sources"]["hotline"]
    )


# Admin models whose rows only a running system makes; their list and add pages are still checked.
NO_ADMIN_OBJECT = {
    "admin:django_tasks_database_dbtaskresult_change": "rows are written by the database job worker, not used in tests",
    "admin:notifications_periodicjob_change": "rows are written by the scheduler as it runs",
}


def test_no_page_refers_to_any_external_host(world, audit):
    """Every page the project registers — the site's own (as an administrator, who may see them all), the
    sign-in and password pages, the admin's — answers 200 and refers to no other host; nor does any
    stylesheet or script those pages load."""
    admin_objects(world)
    clients = {"admin": Client(), "anonymous": Client()}
    clients["admin"].force_login(world.admin)
    urls, unbuilt, findings = page_urls(world)
    unbuilt = [(name, model) for name, model in unbuilt if name not in NO_ADMIN_OBJECT]
    assert not unbuilt, f"pages the test cannot build (give the model a world factory): {unbuilt}"
    assert not findings, findings
    pages, assets, offenders, wrong = 0, set(), [], []
    for name, url, who, expected in urls:
        response = clients[who].get(url)
        if response.status_code != expected:
            wrong.append((name, url, who, response.status_code))
            continue
        if "html" not in response.get("Content-Type", "") or response.status_code != 200:
            continue
        pages += 1
        parser = _Links()
        parser.feed(response.content.decode())
        for link in parser.urls:
            if external(link):
                offenders.append((url, link))
            path = urlparse(link).path
            if path.startswith(settings.STATIC_URL) and path.endswith((".css", ".js")):
                assets.add(path[len(settings.STATIC_URL) :])
        for css in parser.css:
            offenders += [(url, u) for u in CSS_URL.findall(css) if external(u)]
    assert not wrong, f"pages that did not answer as expected (name, URL, as, status): {wrong}"
    assert pages >= 100, pages
    assert not offenders, offenders
    assert {"vendor/htmx/htmx.min.js", "vendor/leaflet/leaflet.js", "admin/js/core.js"} <= assets
    used: set[tuple[str, str]] = set()
    served = sorted(served_with_imports(assets))
    offenders = [(asset, host) for asset in served for host in foreign_hosts(asset, used)]
    assert not offenders, offenders
    stale = {(asset, host) for asset, hosts in NAMED_IN_CODE.items() for host in hosts} - used
    assert not stale, f"allowances no served asset needs any more: {stale}"


def served_with_imports(assets: set[str]) -> set[str]:
    """The assets and every stylesheet they import; each must be served by the app."""
    seen: set[str] = set()
    todo = list(assets)
    while todo:
        asset = todo.pop()
        if asset in seen:
            continue
        seen.add(asset)
        path = finders.find(asset)
        assert path, f"{asset} is referenced but not served"
        if asset.endswith(".css"):
            text = Path(path).read_text(encoding="utf-8", errors="replace")
            for ref in CSS_URL.findall(text):
                target = posixpath.normpath(posixpath.join(posixpath.dirname(asset), urlparse(ref).path))
                if not external(ref) and not ref.startswith("data:") and target.endswith(".css"):
                    todo.append(target)
    return seen


HOST_URL = re.compile(r"\bhttps?://([^/\s\"'`)<>\\:]+)")
SWAGGER = "drf_spectacular_sidecar/swagger-ui-dist/"
_LINKS_IN_MESSAGES = "a link in an error or deprecation message's text"
# Hosts named in the code (not the comments) of the assets pages load, and why each is never requested by the
# page. Anything not listed fails the test; an entry no asset needs any more fails it too. (The browser tests
# back this up: they block and report every request a page makes to another host.)
NAMED_IN_CODE: dict[str, dict[str, str]] = {
    "vendor/leaflet/leaflet.js": {"leafletjs.com": "the hyperlink in the map's attribution label"},
    "vendor/tabler/js/tabler.min.js": {"popper.js.org": _LINKS_IN_MESSAGES},
    # The API docs page (Swagger UI, served by the drf-spectacular sidecar).
    SWAGGER + "swagger-ui-bundle.js": {
        "datatracker.ietf.org": "RFC citations inside the ABNF grammars of its JSON Pointer and URI parsers",
        "www.rfc-editor.org": "RFC citations inside the ABNF grammars of its JSON Pointer and URI parsers",
        "json-schema.org": "JSON Schema dialect identifiers ($schema), compared as names",
        "spec.openapis.org": "OpenAPI dialect identifiers ($schema), compared as names",
        "github.com": "core-js's licence string and deprecation notices",
        "reactjs.org": _LINKS_IN_MESSAGES,
        "fb.me": _LINKS_IN_MESSAGES,
        "redux.js.org": _LINKS_IN_MESSAGES,
        "twitter.com": "link builders for #hashtags and @mentions in a description's text",
        "www.facebook.com": "link builders for #hashtags and @mentions in a description's text",
        "instagram.com": "link builders for #hashtags and @mentions in a description's text",
        "www.tiktok.com": "link builders for #hashtags and @mentions in a description's text",
        "soundcloud.com": "link builders for #hashtags and @mentions in a description's text",
        "spdx.org": "the link it makes from a spec's SPDX licence identifier",
        "example.com": "sample values it shows for the uri and uri-template formats",
        "실례.com": "the sample value it shows for the iri format",
        "vladimirgorej.com": "a dummy base for new URL() when it resolves relative server URLs",
    },
    SWAGGER + "swagger-ui-standalone-preset.js": {"github.com": "core-js's licence string"},
}


def foreign_hosts(asset: str, used: set[tuple[str, str]]) -> list[str]:
    """Hosts other than this one that ``asset`` names outside its comments and NAMED_IN_CODE.

    A URL in a comment (licence headers, "see https://..." notes) is never requested; an XML namespace name
    (http://www.w3.org/2000/svg, also inside inline SVG data: URIs in stylesheets) is an identifier. Any other
    URL in code could be, and must be accounted for in NAMED_IN_CODE.
    """
    text = Path(finders.find(asset)).read_text(encoding="utf-8", errors="replace")
    allowed = NAMED_IN_CODE.get(asset, {})
    hosts = set()
    for match in HOST_URL.finditer(text):
        host = match.group(1)
        at = match.start()
        if host in LOCAL_HOSTS or text.startswith(ALLOWED_NAMESPACES, at) or _in_comment(text, at, asset):
            continue
        if host in allowed:
            used.add((asset, host))
        else:
            hosts.add(host)
    return sorted(hosts)


def _in_comment(text: str, at: int, asset: str) -> bool:
    """Whether position ``at`` lies in a /* block */ comment (or, in a script, after a line-opening //)."""
    opened, closed = text.rfind("/*", 0, at), text.rfind("*/", 0, at)
    if opened > closed:
        return True
    line = text[text.rfind("\n", 0, at) + 1 : at].lstrip()
    return asset.endswith(".js") and line.startswith("//")


def test_the_asset_scan_tells_comments_from_code(monkeypatch, tmp_path):
    script = tmp_path / "a.js"
    script.write_text(
        "/*! licence: https://licence.example.org */\n"
        "// see https://notes.example.org\n"
        'var ns = "http://www.w3.org/2000/svg", other = "http://www.w3.org/TR/css";\n'
        'fetch("https://cdn.example.com/x.js"); var me = "http://localhost:8000/";\n'
        'var link = "https://leafletjs.com";\n',
        encoding="utf-8",
    )
    sheet = tmp_path / "a.css"
    sheet.write_text("#x{background:url(https://cdn.example.com/i.png)}\n// https://also.example.com\n")
    monkeypatch.setattr(finders, "find", lambda asset: str(tmp_path / asset))
    used: set[tuple[str, str]] = set()
    assert foreign_hosts("a.js", used) == ["cdn.example.com", "leafletjs.com", "www.w3.org"]
    assert foreign_hosts("a.css", used) == ["also.example.com", "cdn.example.com"]
    monkeypatch.setitem(NAMED_IN_CODE, "a.js", {"leafletjs.com": "a link"})
    assert foreign_hosts("a.js", used) == ["cdn.example.com", "www.w3.org"]
    assert used == {("a.js", "leafletjs.com")}


@pytest.mark.parametrize(
    "asset",
    [
        "vendor/htmx/htmx.min.js",
        "vendor/tabler/css/tabler.min.css",
        "vendor/echarts/echarts.min.js",
        "vendor/leaflet/leaflet.js",
        "vendor/leaflet.markercluster/leaflet.markercluster.js",
        "vendor/tabler-icons/tabler-icons.min.css",
    ],
)
def test_front_end_packages_are_served_by_the_app(client, asset):
    response = client.get(f"/static/{asset}")
    assert response.status_code == 200


def test_htmx_is_pinned_to_2x():
    import json
    from pathlib import Path

    package = json.loads((Path(settings.HOME) / "package.json").read_text())
    assert package["dependencies"]["htmx.org"].startswith("2.")
