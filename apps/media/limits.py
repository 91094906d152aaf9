"""Every number of the media feature, in one place (PRODUCT.md §9)."""

from __future__ import annotations

from datetime import timedelta

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
# Pictures wider or taller than 2:1 crop badly into a square; reject them up front.
MAX_PICTURE_ASPECT = 2.0
# Decompression-bomb guard, checked from the header before any pixel is decoded. 50 MP
# admits a 48 MP phone photo (8064×6048) and refuses anything that would need gigabytes.
MAX_PIXELS = 50_000_000
MIN_CROP_SIDE = 16
PICTURE_SQUARES = (400, 200)
JPEG_QUALITY = 88
WEBP_QUALITY = 85
# PDF checks (apps/media/pdf.py): generous for a background-check report (a few pages,
# hundreds of objects), small enough that a hostile file can't make the check costly.
MAX_PDF_PAGES = 200
MAX_PDF_OBJECTS = 20_000
# Decoded object streams, all together (they hold objects, not page content or images).
MAX_PDF_DECODED_BYTES = 16 * 1024 * 1024
# The inspecting process's ceilings (its address space includes ≈55 MB of interpreter and
# pypdf); a real report is checked in well under a second.
PDF_CHECK_MEMORY_BYTES = 512 * 1024 * 1024
PDF_CHECK_SECONDS = 10

VIEW_URL_TTL = timedelta(hours=1)
UPLOAD_URL_TTL = timedelta(minutes=5)
# A cached view URL is reused for 45 minutes, so whoever receives one has ≥ 15 minutes left.
URL_CACHE_TTL = timedelta(minutes=45)
URL_MIN_REMAINING = VIEW_URL_TTL - URL_CACHE_TTL
PICTURE_UPLOAD_INTERVAL = timedelta(minutes=1)
# Old picture files outlive the swap by one view-URL lifetime, so pages rendered just
# before the swap keep working until their URLs expire anyway.
RETIRED_FILE_GRACE = VIEW_URL_TTL
# Files written before their database row exists are reserved for deletion; if the row never
# comes (a crash between the two), the sweep removes them after this long.
RESERVATION_TTL = timedelta(hours=6)
# An upload never finalized, or stuck processing (its task lost), is discarded after this.
ABANDONED_UPLOAD_AFTER = timedelta(hours=1)
UPLOAD_RESULT_TTL = timedelta(hours=1)

BACKGROUND_CHECK_VALIDITY = timedelta(days=365)
BACKGROUND_CHECK_REMINDER_BEFORE = timedelta(days=30)
REJECTION_REASON_MAX = 500
SWEEP_BATCH = 200
