"""Per-model factories for the scoping walk: "make one record of this model owned by this unit".

Each app registers its models in ``<app>/tests/world.py``. The walk fails for any page or endpoint that
addresses a model with no factory, so a new ledger cannot slip past it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db.models import Model
from django.utils.module_loading import autodiscover_modules

from taizhang.core.testing.personas import World

Factory = Callable[[World, Any, str], Model]  # (world, owning unit, marker text) -> a saved record

_factories: dict[type[Model], Factory] = {}


def register(model: type[Model]) -> Callable[[Factory], Factory]:
    def decorate(factory: Factory) -> Factory:
        _factories[model] = factory
        return factory

    return decorate


def factories() -> dict[type[Model], Factory]:
    autodiscover_modules("tests.world")
    return dict(_factories)
