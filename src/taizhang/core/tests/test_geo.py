"""GCJ-02 ↔ WGS-84 against published point pairs (the eviltransform project's test vectors)."""

import pytest

from taizhang.core import geo

# (WGS-84 lat, lon, GCJ-02 lat, lon)
PAIRS = [
    (31.1774276, 121.5272106, 31.17530398364597, 121.531541859215),  # Shanghai
    (22.543847, 113.912316, 22.540796131694766, 113.9171764808363),  # Shenzhen
    (39.911954, 116.377817, 39.91334545536069, 116.38404722455657),  # Beijing
]


@pytest.mark.parametrize(("wgs_lat", "wgs_lon", "gcj_lat", "gcj_lon"), PAIRS)
def test_wgs84_to_gcj02_matches_the_known_pairs(wgs_lat, wgs_lon, gcj_lat, gcj_lon):
    lon, lat = geo.wgs84_to_gcj02(wgs_lon, wgs_lat)
    assert lon == pytest.approx(gcj_lon, abs=1e-9) and lat == pytest.approx(gcj_lat, abs=1e-9)


@pytest.mark.parametrize(("wgs_lat", "wgs_lon", "gcj_lat", "gcj_lon"), PAIRS)
def test_gcj02_to_wgs84_recovers_the_point_to_a_millimetre(wgs_lat, wgs_lon, gcj_lat, gcj_lon):
    lon, lat = geo.gcj02_to_wgs84(gcj_lon, gcj_lat)
    assert geo.distance_m(lon, lat, wgs_lon, wgs_lat) < 0.001


def test_the_shift_in_zhengzhou_is_hundreds_of_metres():
    lon, lat = geo.wgs84_to_gcj02(113.6400, 34.7200)
    assert 300 < geo.distance_m(113.6400, 34.7200, lon, lat) < 800


def test_points_outside_china_are_not_shifted():
    assert geo.gcj02_to_wgs84(2.35, 48.85) == (2.35, 48.85)
    assert geo.wgs84_to_gcj02(-74.0, 40.7) == (-74.0, 40.7)


def test_distance_on_the_ground():
    assert geo.distance_m(113.64, 34.72, 113.64, 34.73) == pytest.approx(1112, abs=2)
    assert geo.distance_m(113.64, 34.72, 113.64, 34.72) == 0
