import pytest
from django.core.exceptions import ValidationError

from taizhang.org.validators import validate_division_code, validate_geometry, validate_phone


@pytest.mark.parametrize("code", ["410103001000", "410103001002", "410103000000", "410100000000", "110000000000"])
def test_it_accepts_well_formed_division_codes(code):
    validate_division_code(code)


@pytest.mark.parametrize(
    ("code", "why"),
    [
        ("41010300100", "exactly 12 digits"),
        ("4101030010000", "exactly 12 digits"),
        ("41010300100A", "exactly 12 digits"),
        ("990103001000", "province-level prefix"),
        ("410003001000", "nest"),
        ("410100001000", "nest"),
    ],
)
def test_it_refuses_malformed_division_codes_and_says_why(code, why):
    with pytest.raises(ValidationError, match=why):
        validate_division_code(code)


@pytest.mark.parametrize(
    ("code", "kind", "ok"),
    [
        ("410103001000", "subdistrict", True),
        ("410103101000", "subdistrict", False),
        ("410103101000", "town", True),
        ("410103201000", "township", True),
        ("410103201000", "town", False),
        ("410103401000", "committee", True),
        ("410103001000", "department", True),  # departments have no township-level range
    ],
)
def test_the_township_segment_must_match_the_kind_of_unit(code, kind, ok):
    if ok:
        validate_division_code(code, kind)
    else:
        with pytest.raises(ValidationError, match="township segment"):
            validate_division_code(code, kind)


@pytest.mark.parametrize("phone", ["13812345678", "0371-67180000", "037167180000", "0371-6718000-123", "138 1234 5678"])
def test_it_accepts_mobile_and_landline_numbers(phone):
    validate_phone(phone)


@pytest.mark.parametrize("phone", ["12345", "23812345678", "1381234567a", "371-67180000"])
def test_it_refuses_other_phone_numbers(phone):
    with pytest.raises(ValidationError, match="mobile"):
        validate_phone(phone)


SQUARE = {
    "type": "Polygon",
    "coordinates": [[[113.6, 34.7], [113.61, 34.7], [113.61, 34.71], [113.6, 34.71], [113.6, 34.7]]],
}
BOWTIE = {
    "type": "Polygon",
    "coordinates": [[[113.6, 34.7], [113.61, 34.71], [113.61, 34.7], [113.6, 34.71], [113.6, 34.7]]],
}
LINE = {"type": "LineString", "coordinates": [[113.6, 34.7], [113.62, 34.7]]}
LOOP = {"type": "LineString", "coordinates": [[113.6, 34.7], [113.62, 34.72], [113.62, 34.70], [113.6, 34.72]]}


def test_it_accepts_valid_polygons_and_lines():
    validate_geometry(SQUARE)
    validate_geometry(LINE)


@pytest.mark.parametrize(
    ("geometry", "why"),
    [
        ("not json at all", "GeoJSON object"),
        ({"type": "Polygon"}, "GeoJSON object"),
        ({"type": "Point", "coordinates": [113.6, 34.7]}, "not allowed"),
        ({"type": "Polygon", "coordinates": [[[113.6, 34.7], [113.61]]]}, "malformed"),
        ({"type": "Polygon", "coordinates": []}, "empty"),
        (BOWTIE, "not valid: Self-intersection"),
        (LOOP, "crosses itself"),
        ({"type": "LineString", "coordinates": [[300, 34.7], [301, 34.8]]}, "longitude, latitude"),
    ],
)
def test_it_refuses_bad_geometry_and_says_why(geometry, why):
    with pytest.raises(ValidationError, match=why):
        validate_geometry(geometry)


def test_the_allowed_types_depend_on_the_caller():
    with pytest.raises(ValidationError, match="not allowed"):
        validate_geometry(LINE, ("Polygon",))
