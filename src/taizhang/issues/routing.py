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

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

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
    area = Area.objects.filter(pk=hits[0].area_id).select_related("chief", "responsible_unit").first() if hits else None
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
