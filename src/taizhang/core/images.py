"""Photos as evidence: check that an upload is a real image of acceptable size, and read its EXIF
time and GPS position (photos from phones carry both; they prove when and where a photo was taken)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import IO, Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from PIL import ExifTags, Image, UnidentifiedImageError

MAX_IMAGE_BYTES = 15 * 1024 * 1024
MAX_PIXELS = 60_000_000  # refuse decompression bombs well before Pillow's own limit
ALLOWED_FORMATS = {"JPEG", "PNG", "WEBP", "HEIF", "MPO"}


@dataclass(frozen=True)
class PhotoFacts:
    format: str
    width: int
    height: int
    taken_at: dt.datetime | None  # aware, in the configured time zone
    longitude: float | None
    latitude: float | None

    @property
    def has_exif_time(self) -> bool:
        return self.taken_at is not None

    @property
    def has_gps(self) -> bool:
        return self.longitude is not None and self.latitude is not None


def inspect_image(upload: IO[bytes], *, name: str = "", size: int | None = None) -> PhotoFacts:
    """Validate an uploaded image and read its facts. Raises ``ValidationError`` naming the file and why."""
    label = name or getattr(upload, "name", "") or _("the file")
    if size is None:
        size = getattr(upload, "size", None)
    if size is not None and size > MAX_IMAGE_BYTES:
        raise ValidationError(
            _("%(name)s is %(mb).1f MB; photos may be at most %(max)d MB.")
            % {"name": label, "mb": size / 1024 / 1024, "max": MAX_IMAGE_BYTES // 1024 // 1024},
            code="too_large",
        )
    try:
        upload.seek(0)
        with Image.open(upload) as image:
            fmt = image.format or ""
            width, height = image.size
            if width * height > MAX_PIXELS:
                raise ValidationError(
                    _("%(name)s has %(px)d pixels, more than a photo needs.") % {"name": label, "px": width * height},
                    code="too_many_pixels",
                )
            exif = image.getexif()
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError) as exc:
        raise ValidationError(
            _("%(name)s is not an image (JPEG, PNG or WebP).") % {"name": label}, code="not_an_image"
        ) from exc
    finally:
        upload.seek(0)
    if fmt not in ALLOWED_FORMATS:
        raise ValidationError(
            _("%(name)s is a %(fmt)s file; use JPEG, PNG or WebP.") % {"name": label, "fmt": fmt}, code="format"
        )
    longitude, latitude = _gps(exif)
    return PhotoFacts(fmt, width, height, _taken_at(exif), longitude, latitude)


def _taken_at(exif: Any) -> dt.datetime | None:
    sub = exif.get_ifd(ExifTags.IFD.Exif) if exif else {}
    raw = sub.get(ExifTags.Base.DateTimeOriginal) or exif.get(ExifTags.Base.DateTime) if exif else None
    if not raw:
        return None
    try:
        # Phones write local time without a zone; the district's time zone is the only sensible reading.
        return dt.datetime.strptime(str(raw).strip("\x00 "), "%Y:%m:%d %H:%M:%S").replace(
            tzinfo=ZoneInfo(settings.TIME_ZONE)
        )
    except ValueError:
        return None


def _gps(exif: Any) -> tuple[float | None, float | None]:
    if not exif:
        return None, None
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    try:
        lat = _degrees(gps[ExifTags.GPS.GPSLatitude], gps.get(ExifTags.GPS.GPSLatitudeRef, "N"))
        lon = _degrees(gps[ExifTags.GPS.GPSLongitude], gps.get(ExifTags.GPS.GPSLongitudeRef, "E"))
    except (KeyError, TypeError, ValueError, ZeroDivisionError):
        return None, None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None, None
    return lon, lat


def _degrees(value: Any, ref: Any) -> float:
    d, m, s = (float(v) for v in value)
    result = d + m / 60 + s / 3600
    return -result if str(ref).upper() in ("S", "W") else result
