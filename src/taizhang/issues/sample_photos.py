"""Synthetic evidence photos with EXIF time and GPS, for the demo district and the tests."""

from __future__ import annotations

import datetime as dt
import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image, ImageDraw

_EXIF_DATETIME = 0x0132
_EXIF_IFD = 0x8769
_DATETIME_ORIGINAL = 0x9003
_GPS_IFD = 0x8825


def _dms(value: float) -> tuple[float, float, float]:
    value = abs(value)
    degrees = int(value)
    minutes_full = (value - degrees) * 60
    minutes = int(minutes_full)
    return float(degrees), float(minutes), round((minutes_full - minutes) * 60, 4)


def photo(
    name: str = "photo.jpg",
    *,
    taken_at: dt.datetime | None = None,
    longitude: float | None = None,
    latitude: float | None = None,
    colour: str = "#8a9bb0",
    size: tuple[int, int] = (320, 240),
) -> SimpleUploadedFile:
    """A small JPEG as a phone would upload it: EXIF time (local, no zone) and GPS when given."""
    image = Image.new("RGB", size, colour)
    draw = ImageDraw.Draw(image)
    draw.rectangle((size[0] // 4, size[1] // 3, size[0] * 3 // 4, size[1] * 2 // 3), outline="white", width=4)
    exif = Image.Exif()
    if taken_at is not None:
        stamp = timezone.localtime(taken_at).strftime("%Y:%m:%d %H:%M:%S")
        exif[_EXIF_DATETIME] = stamp
        exif.get_ifd(_EXIF_IFD)[_DATETIME_ORIGINAL] = stamp
    if longitude is not None and latitude is not None:
        exif.get_ifd(_GPS_IFD).update(
            {1: "N" if latitude >= 0 else "S", 2: _dms(latitude), 3: "E" if longitude >= 0 else "W", 4: _dms(longitude)}
        )
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=70, exif=exif)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")
