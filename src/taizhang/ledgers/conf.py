"""Limits of the spreadsheet engine, read from ``settings.TAIZHANG`` (environment variables in settings.py)."""

from __future__ import annotations

import os

from django.conf import settings

DEFAULTS = {
    # Uploads larger than this are refused before they are read.
    "IMPORT_MAX_MB": 20.0,
    # An .xlsx whose parts would expand beyond this is refused unread (a "zip bomb").
    "IMPORT_MAX_UNCOMPRESSED_MB": 400.0,
    # Above this size an .xlsx is streamed row by row (openpyxl read-only) instead of loaded whole (calamine).
    "IMPORT_STREAM_ABOVE_MB": 16.0,
    # Files above this size are analysed and committed by a background job with a progress bar.
    "IMPORT_BACKGROUND_ABOVE_KB": 256.0,
    # Rows handled per step: progress is reported and cancellation checked after each chunk.
    "IMPORT_CHUNK_ROWS": 500,
    # Imports of more rows than this write through the adapter's bulk path, when it has one (see docs/ledgers.md).
    "IMPORT_BULK_ABOVE_ROWS": 2000,
}


def get(name: str) -> float:
    configured = getattr(settings, "TAIZHANG", {})
    if name in configured:
        return float(configured[name])
    return float(os.environ.get(f"TAIZHANG_{name}", DEFAULTS[name]))


def max_upload_bytes() -> int:
    return int(get("IMPORT_MAX_MB") * 1024 * 1024)


def max_uncompressed_bytes() -> int:
    return int(get("IMPORT_MAX_UNCOMPRESSED_MB") * 1024 * 1024)


def stream_above_bytes() -> int:
    return int(get("IMPORT_STREAM_ABOVE_MB") * 1024 * 1024)


def background_above_bytes() -> int:
    return int(get("IMPORT_BACKGROUND_ABOVE_KB") * 1024)


def chunk_rows() -> int:
    return max(1, int(get("IMPORT_CHUNK_ROWS")))


def bulk_above_rows() -> int:
    return max(0, int(get("IMPORT_BULK_ABOVE_ROWS")))
