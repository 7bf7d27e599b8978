"""Coordinates as phones report them: GCJ-02 ("Mars coordinates") to WGS-84, and distances on the ground.

Map apps in China (Amap, Tencent Maps, WeChat's location picker) report positions in GCJ-02, a datum that
shifts WGS-84 by a few hundred metres with a published-by-reverse-engineering formula. The responsibility
areas are stored in WGS-84 (CGCS2000 is within centimetres of it), so a GCJ-02 point must be converted before
it is routed, or it lands in the neighbouring grid cell.

The forward formula (WGS-84 → GCJ-02) is the well-known one on the Krasovsky ellipsoid. It has no closed-form
inverse; :func:`gcj02_to_wgs84` inverts it by fixed-point iteration, which converges to well under a
centimetre in a handful of steps. Points outside China are not shifted by GCJ-02 and pass through unchanged.
"""

from __future__ import annotations

import math

_A = 6378245.0  # Krasovsky 1940 semi-major axis, as the GCJ-02 formula uses it
_EE = 0.00669342162296594323  # its first eccentricity squared
_EARTH_RADIUS_M = 6371008.8  # mean Earth radius, for distances
_TOLERANCE_DEG = 1e-9  # ~0.1 mm: the iteration stops when a step moves the point less than this
_MAX_STEPS = 30


def out_of_china(longitude: float, latitude: float) -> bool:
    """GCJ-02 only applies inside this rectangle; everything outside is left as WGS-84."""
    return not (72.004 <= longitude <= 137.8347 and 0.8293 <= latitude <= 55.8271)


def _shift(longitude: float, latitude: float) -> tuple[float, float]:
    """The GCJ-02 offset (Δlongitude, Δlatitude) in degrees at a WGS-84 point."""
    x, y = longitude - 105.0, latitude - 35.0
    common = 20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)
    d_lat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
    d_lat += common * 2.0 / 3.0
    d_lat += (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
    d_lat += (160.0 * math.sin(y / 12.0 * math.pi) + 320.0 * math.sin(y * math.pi / 30.0)) * 2.0 / 3.0
    d_lon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
    d_lon += common * 2.0 / 3.0
    d_lon += (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
    d_lon += (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2.0 / 3.0
    rad_lat = latitude / 180.0 * math.pi
    magic = 1 - _EE * math.sin(rad_lat) ** 2
    sqrt_magic = math.sqrt(magic)
    d_lat = (d_lat * 180.0) / ((_A * (1 - _EE)) / (magic * sqrt_magic) * math.pi)
    d_lon = (d_lon * 180.0) / (_A / sqrt_magic * math.cos(rad_lat) * math.pi)
    return d_lon, d_lat


def wgs84_to_gcj02(longitude: float, latitude: float) -> tuple[float, float]:
    """Where a map app would show a WGS-84 point (longitude, latitude)."""
    if out_of_china(longitude, latitude):
        return longitude, latitude
    d_lon, d_lat = _shift(longitude, latitude)
    return longitude + d_lon, latitude + d_lat


def gcj02_to_wgs84(longitude: float, latitude: float) -> tuple[float, float]:
    """The WGS-84 point (longitude, latitude) that a map app shows at this GCJ-02 position."""
    if out_of_china(longitude, latitude):
        return longitude, latitude
    lon, lat = longitude, latitude
    for _step in range(_MAX_STEPS):
        shifted_lon, shifted_lat = wgs84_to_gcj02(lon, lat)
        err_lon, err_lat = shifted_lon - longitude, shifted_lat - latitude
        lon, lat = lon - err_lon, lat - err_lat
        if abs(err_lon) < _TOLERANCE_DEG and abs(err_lat) < _TOLERANCE_DEG:
            break
    return lon, lat


def distance_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle distance in metres between two WGS-84 points (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * _EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))
