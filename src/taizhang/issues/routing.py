"""Which unit an issue goes to: its point's responsibility area, refined by the routing rules (area × category).

1. The point is routed to its areas (``org.routing.route_point``: road segment, then grid cell, then community).
2. Among the active rules whose area is one of those areas (or any area) and whose category is the issue's
   category or one above it (or any category), the most specific wins: area and category, then area only,
   then category only; closer areas and categories before wider ones.
3. Without a rule, the most specific area's unit and chief are responsible.
4. Without an area (no point, or a point outside every area) the default unit receives the issue, and the
   issue is flagged so that the supervision office looks at it.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS
from django.utils.translation import gettext as _

from taizhang.issues.language import stored_text
from taizhang.issues.memo import Memo
from taizhang.org import routing as org_routing
from taizhang.org.models import Area, Person, Unit


@dataclass(frozen=True)
class RoutingDecision:
    unit: Unit | None
    chief: Person | None
    area: Area | None
    fallback: bool
    note: str
    rule: Any = None  # the RoutingRule that decided, if one did


def category_chain(category: Any) -> list[Any]:
    """The category and the categories above it, nearest first."""
    return [category, *category.ancestors()]


def _load_rules() -> list[Any]:
    from taizhang.issues.models import RoutingRule

    return list(
        RoutingRule.objects.live()
        .filter(is_active=True, unit__is_active=True, unit__voided_at__isnull=True)
        .select_related("unit", "chief", "area", "category")
    )


# The district's rules, read once per worker and again after a rule changes (or a minute has passed).
active_rules: Memo[list[Any]] = Memo("routing-rules", _load_rules)


class AreaCache:
    """The area a point was routed to, with its unit and chief, without reading the area from the database.

    The areas' routing index already holds each area's code, name, kind, unit and chief: the area is built from
    that hit (its other fields load on first use), its unit comes from the units kept per worker, its chief from
    the chiefs read so far. Everything is dropped when the routing index is rebuilt anywhere (an area changed) and
    after ``ttl`` seconds at the latest (a unit or chief changed elsewhere). The objects are shared between
    requests: read, never changed.
    """

    def __init__(self, ttl: float = 60.0) -> None:
        self.ttl = ttl
        self.lock = threading.Lock()
        self.units: dict[int, Unit] | None = None
        self.chiefs: dict[int, Person | None] = {}
        self.generation: Any = None
        self.expires = 0.0

    def _fresh(self) -> None:
        generation = cache.get(org_routing.GENERATION_KEY)
        with self.lock:
            if generation != self.generation or time.monotonic() >= self.expires:
                self.units, self.chiefs = None, {}
                self.generation, self.expires = generation, time.monotonic() + self.ttl

    def unit(self, unit_id: int) -> Unit | None:
        units = self.units
        if units is None:
            units = {u.pk: u for u in Unit.objects.all()}
            with self.lock:
                self.units = units
        return units.get(unit_id) or Unit.objects.filter(pk=unit_id).first()  # one made a moment ago

    def chief(self, person_id: int | None) -> Person | None:
        if person_id is None:
            return None
        if person_id not in self.chiefs:
            person = Person.objects.filter(pk=person_id).first()
            with self.lock:
                self.chiefs[person_id] = person
        return self.chiefs[person_id]

    def area_of(self, hit: org_routing.AreaHit) -> Area:
        self._fresh()
        fields = ["id", "code", "name", "kind", "responsible_unit_id", "chief_id"]
        area = Area.from_db(
            DEFAULT_DB_ALIAS, fields, [hit.area_id, hit.code, hit.name, hit.kind, hit.unit_id, hit.chief_id]
        )
        area.responsible_unit = self.unit(hit.unit_id)  # type: ignore[assignment]
        area.chief = self.chief(hit.chief_id)
        return area

    def invalidate(self) -> None:
        with self.lock:
            self.units, self.chiefs, self.expires = None, {}, 0.0


areas = AreaCache()


@stored_text()  # the note is kept on the issue and its registration event
def route_issue(category: Any, point: tuple[float, float] | None) -> RoutingDecision:
    hits: tuple[org_routing.AreaHit, ...] = ()
    if point is not None:
        hits = org_routing.route_point(*point).hits
    chain = category_chain(category)
    chain_ids = [c.pk for c in chain]
    area_ids = [h.area_id for h in hits]
    rules = [
        rule
        for rule in active_rules.get()
        if (rule.area_id is None or rule.area_id in area_ids)
        and (rule.category_id is None or rule.category_id in chain_ids)
    ]
    area = areas.area_of(hits[0]) if hits else None
    if rules:
        best = min(rules, key=lambda r: _specificity(r, area_ids, chain_ids))
        chief = best.chief
        if chief is None and area is not None and area.responsible_unit_id == best.unit_id:
            chief = area.chief
        where = area.name if area is not None else _("no area")
        label = f"{best}（{best.note}）" if best.note else str(best)
        return RoutingDecision(
            best.unit,
            chief,
            area,
            point is not None and area is None,
            _("Routing rule %(rule)s; point in %(where)s.") % {"rule": label, "where": where},
            best,
        )
    if area is not None:
        return RoutingDecision(
            area.responsible_unit,
            area.chief,
            area,
            False,
            _("Routed to %(area)s.") % {"area": area.name},
        )
    unit_id = org_routing.default_unit_id()
    unit = Unit.objects.filter(pk=unit_id).first() if unit_id is not None else None
    if point is None:
        note = _("No location given: the default unit received the issue.")
    else:
        note = _("The point lies outside every responsibility area; the default unit received the issue.")
    return RoutingDecision(unit, None, None, True, note)


def _specificity(rule: Any, area_ids: list[int], chain_ids: list[int]) -> tuple[int, int, int, int]:
    has_area, has_category = rule.area_id is not None, rule.category_id is not None
    tier = 0 if has_area and has_category else 1 if has_area else 2
    area_rank = area_ids.index(rule.area_id) if has_area else len(area_ids)
    category_rank = chain_ids.index(rule.category_id) if has_category else len(chain_ids)
    return tier, area_rank, category_rank, rule.pk
