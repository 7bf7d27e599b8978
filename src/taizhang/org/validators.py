"""Validators for organisation data: statistical division codes, phone numbers, GeoJSON geometry."""

from __future__ import annotations

import itertools
import re
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from taizhang.org.choices import DIVISION_TOWNSHIP_RANGES

# Province-level prefixes of GB/T 2260.
PROVINCE_PREFIXES = frozenset(
    {
        11,
        12,
        13,
        14,
        15,
        21,
        22,
        23,
        31,
        32,
        33,
        34,
        35,
        36,
        37,
        41,
        42,
        43,
        44,
        45,
        46,
        50,
        51,
        52,
        53,
        54,
        61,
        62,
        63,
        64,
        65,
        71,
        81,
        82,
    }
)
_DIVISION = re.compile(r"^\d{12}$")
_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_LANDLINE = re.compile(r"^0\d{2,3}-?\d{7,8}(-\d{1,6})?$")


def validate_division_code(code: str, kind: str | None = None) -> None:
    """A 12-digit statistical division code: province(2) city(2) county(2) township(3) village(3).

    Levels nest: a lower level may be non-zero only when every higher level is. When the unit's kind is a
    township-level kind, the township segment must fall in that kind's range (001-099 sub-district, ...).
    """
    if not _DIVISION.match(code):
        raise ValidationError(
            _("A division code has exactly 12 digits (got %(code)r).") % {"code": code}, code="format"
        )
    province, city, county = int(code[0:2]), int(code[2:4]), int(code[4:6])
    township, village = int(code[6:9]), int(code[9:12])
    if province not in PROVINCE_PREFIXES:
        raise ValidationError(
            _("%(prefix)s is not a province-level prefix of GB/T 2260.") % {"prefix": code[0:2]}, code="province"
        )
    levels = [city, county, township, village]
    for upper, lower in itertools.pairwise(levels):
        if upper == 0 and lower != 0:
            raise ValidationError(
                _("Levels of a division code nest: a lower level is set while a higher one is zero (%(code)s).")
                % {"code": code},
                code="nesting",
            )
    if kind in DIVISION_TOWNSHIP_RANGES and township:
        low, high = DIVISION_TOWNSHIP_RANGES[kind]
        if not low <= township <= high:
            raise ValidationError(
                _("For this kind of unit the township segment must lie in %(low)03d-%(high)03d (got %(seg)s).")
                % {"low": low, "high": high, "seg": code[6:9]},
                code="kind",
            )


def validate_phone(value: str) -> None:
    compact = value.replace(" ", "")
    if not (_MOBILE.match(compact) or _LANDLINE.match(compact)):
        raise ValidationError(
            _("Enter an 11-digit mobile number or a landline such as 0371-67180000 (got %(value)r).")
            % {"value": value},
            code="phone",
        )


def validate_geometry(
    value: Any, allowed: tuple[str, ...] = ("Polygon", "MultiPolygon", "LineString", "MultiLineString")
) -> None:
    """GeoJSON geometry in WGS-84 longitude/latitude: right type, valid coordinates, no self-intersection."""
    from shapely.geometry import shape
    from shapely.validation import explain_validity

    if not isinstance(value, dict) or "type" not in value or "coordinates" not in value:
        raise ValidationError(_("Geometry must be a GeoJSON object with 'type' and 'coordinates'."), code="geojson")
    if value["type"] not in allowed:
        raise ValidationError(
            _("Geometry type %(type)s is not allowed here; use one of %(allowed)s.")
            % {"type": value["type"], "allowed": ", ".join(allowed)},
            code="geojson_type",
        )
    try:
        geom = shape(value)
    except Exception as exc:  # shapely raises several types for malformed coordinates
        raise ValidationError(
            _("Geometry coordinates are malformed: %(error)s") % {"error": exc}, code="geojson"
        ) from exc
    if geom.is_empty:
        raise ValidationError(_("Geometry is empty."), code="geojson_empty")
    min_x, min_y, max_x, max_y = geom.bounds
    if not (-180 <= min_x <= max_x <= 180 and -90 <= min_y <= max_y <= 90):
        raise ValidationError(
            _("Coordinates must be longitude, latitude in degrees (WGS-84 / CGCS2000)."), code="geojson_range"
        )
    if not geom.is_valid:
        raise ValidationError(
            _("Geometry is not valid: %(reason)s") % {"reason": explain_validity(geom)},
            code="geojson_invalid",
        )
    if value["type"] in ("LineString", "MultiLineString") and not geom.is_simple:
        raise ValidationError(_("The line crosses itself."), code="geojson_self_intersection")
