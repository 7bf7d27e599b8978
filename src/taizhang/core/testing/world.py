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
Setup = Callable[[World], None]  # adds district-wide reference data (categories, sources) every world has

_factories: dict[type[Model], Factory] = {}
_setups: dict[str, Setup] = {}


def register(model: type[Model]) -> Callable[[Factory], Factory]:
    def decorate(factory: Factory) -> Factory:
        _factories[model] = factory
        return factory

    return decorate


def register_setup(func: Setup) -> Setup:
    """Register reference data that exists in every world before the walk starts.

    District-wide configuration (an issue category, say) is visible to everyone; made by a record factory
    during the walk it would show up on every list as a false leak. A setup makes it part of the world.
    """
    _setups[f"{func.__module__}.{func.__qualname__}"] = func
    return func


def factories() -> dict[type[Model], Factory]:
    autodiscover_modules("tests.world")
    return dict(_factories)


def run_setups(world: World) -> None:
    autodiscover_modules("tests.world")
    for setup in _setups.values():
        setup(world)
