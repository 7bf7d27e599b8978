"""Headless Chromium for browser tests, driven by Playwright against Debian's /usr/bin/chromium.

Playwright's own browser download cannot work offline, so the tests launch the system Chromium. Every
request the page makes to a host other than the live test server is blocked and reported: the app must
never load anything from the internet.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlparse

CHROMIUM = os.environ.get("TAIZHANG_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


@contextmanager
def chromium_page(base_url: str, **context_options: Any) -> Iterator[Any]:
    """A fresh page; yields it, then fails if the page tried to reach any other host."""
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the ORM calls the tests make are still synchronous.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    allowed = urlparse(base_url).netloc
    external: list[str] = []

    def guard(route: Any) -> None:
        url = route.request.url
        scheme = urlparse(url).scheme
        if scheme in ("data", "blob", "about") or urlparse(url).netloc == allowed:
            route.continue_()
        else:
            external.append(url)
            route.abort()

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        options = {"locale": "zh-CN", "viewport": {"width": 1366, "height": 900}, **context_options}
        context = browser.new_context(base_url=base_url, **options)
        context.set_default_timeout(15_000)
        context.route("**/*", guard)
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        try:
            yield page
        finally:
            context.close()
            browser.close()
        assert not external, f"the page tried to load from other hosts: {external}"
        assert not errors, f"JavaScript errors on the page: {errors}"


def login(page: Any, username: str, password: str) -> None:
    page.goto("/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/login/" not in url)
