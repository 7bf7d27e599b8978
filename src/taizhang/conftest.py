"""Fixtures shared by every app's tests."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.utils import translation

from taizhang.core.audit import Source, audit_context
from taizhang.core.testing.personas import World, make_world


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    """Assertions read messages in English (the msgids); tests of the Chinese UI switch explicitly."""
    with translation.override("en"):
        yield


@pytest.fixture
def world(db: Any) -> World:
    """Units A (with sub-unit A1), B, the supervision office; the five personas; an admin."""
    return make_world()


@pytest.fixture
def audit(world: World) -> Iterator[None]:
    """An open audit context for tests that call services directly."""
    with audit_context(world.admin, Source.SYSTEM):
        yield


def _client(world: World, persona: str) -> Client:
    client = Client()
    client.force_login(world.users[persona])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def as_reporter_a(world: World) -> Client:
    return _client(world, "reporter_a")


@pytest.fixture
def as_reporter_b(world: World) -> Client:
    return _client(world, "reporter_b")


@pytest.fixture
def as_supervisor(world: World) -> Client:
    return _client(world, "supervisor")


@pytest.fixture
def as_leader(world: World) -> Client:
    return _client(world, "leader")


@pytest.fixture
def as_outsider(world: World) -> Client:
    return _client(world, "outsider")


@pytest.fixture
def as_admin(world: World) -> Client:
    return _client(world, "admin")
