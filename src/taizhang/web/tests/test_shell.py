"""The shell: login, lockout, passwords, sessions, language, error pages, and no external hosts anywhere."""

import re
from html.parser import HTMLParser
from urllib.parse import urlparse

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.test import Client

from taizhang.core.testing.personas import PASSWORD
from taizhang.core.testing.walk import SESSION_URL_NAMES, endpoints
from taizhang.org.tests.world import make_area


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
ALLOWED_NAMESPACES = ("http://www.w3.org/",)


def external(url: str) -> bool:
    parsed = urlparse(url.strip())
    if url.startswith(ALLOWED_NAMESPACES):
        return False
    return bool(parsed.netloc) or url.startswith("//")


def test_no_page_refers_to_any_external_host(world, audit):
    """Every page the project registers, as a district-wide user, and every stylesheet those pages load."""
    make_area(world, world.unit_a, "E")
    client = Client()
    client.force_login(world.users["supervisor"])
    from taizhang.core.testing.walk import KNOWN_KWARGS

    pages, stylesheets, offenders = 0, set(), []
    for ep in endpoints():
        if ep.name.split(":")[-1] in SESSION_URL_NAMES or ep.route.startswith("admin/") or not ep.name:
            continue
        values = {}
        for name in ep.kwargs:
            if name in ("pk", "id", "object_id"):
                instance = ep.model._default_manager.order_by("pk").first() if ep.model else None
                values[name] = instance.pk if instance is not None else 0
            else:
                values[name] = KNOWN_KWARGS.get(name, "1")
        from django.urls import reverse

        try:
            url = reverse(ep.name, kwargs=values)
        except Exception:  # noqa: S112  (patterns needing other argument shapes are covered by the walk)
            continue
        response = client.get(url)
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        pages += 1
        parser = _Links()
        parser.feed(response.content.decode())
        for link in parser.urls:
            if external(link):
                offenders.append((url, link))
            if link.endswith(".css") and link.startswith(settings.STATIC_URL):
                stylesheets.add(link)
        for css in parser.css:
            offenders += [(url, u) for u in CSS_URL.findall(css) if external(u)]
    for sheet in stylesheets:
        path = finders.find(sheet[len(settings.STATIC_URL) :])
        assert path, f"{sheet} is referenced but not served"
        with open(path, encoding="utf-8", errors="replace") as handle:
            offenders += [(sheet, u) for u in CSS_URL.findall(handle.read()) if external(u)]
    assert pages >= 15
    assert not offenders, offenders


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
