"""Refuse PDFs that can act on their own when opened: scripts, automatic actions, launches,
embedded files, forms that submit, and encryption (which would hide any of those from us).

A PDF "name" such as /JavaScript may be spelled with #xx escapes (/J#61vaScript) and may sit
inside a compressed object stream, so names are decoded and Flate streams inflated (within a
budget, against zip bombs) before they are compared.
"""

from __future__ import annotations

import re
import zlib

from apps.media.content import reject

ACTIVE_NAMES = frozenset(
    {
        b"JS",
        b"JavaScript",
        b"OpenAction",
        b"AA",
        b"Launch",
        b"EmbeddedFile",
        b"EmbeddedFiles",
        b"RichMedia",
        b"XFA",
        b"SubmitForm",
        b"ImportData",
        b"GoToE",
    }
)
# A name runs from "/" to the next whitespace or delimiter (PDF 32000-1 §7.2.2).
_NAME = re.compile(rb"/([^\s/\[\]()<>{}%]+)")
_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")
# "(?<!end)" keeps the tail of one stream's "endstream" from opening a false match.
_STREAM = re.compile(rb"(?<!end)stream\r?\n(.*?)endstream", re.DOTALL)
MAX_INFLATED_BYTES = 64 * 1024 * 1024
TAIL_BYTES = 1024


def _names(blob: bytes) -> set[bytes]:
    return {_ESCAPE.sub(lambda m: bytes([int(m.group(1), 16)]), raw) for raw in _NAME.findall(blob)}


def _inflated_streams(data: bytes) -> list[bytes]:
    """Each stream that Flate-decodes, within one budget for the whole file."""
    budget = MAX_INFLATED_BYTES
    inflated = []
    for match in _STREAM.finditer(data):
        decoder = zlib.decompressobj()
        try:
            out = decoder.decompress(match.group(1), budget + 1)
        except zlib.error:
            continue  # not Flate (an image, or raw content): its raw bytes were scanned already
        budget -= len(out)
        if budget < 0:
            raise reject("This PDF is too complex to check. Save it again as a plain PDF.")
        inflated.append(out)
    return inflated


def pdf_check(data: bytes) -> None:
    """Raise ValidationFailed unless the PDF is complete and passive."""
    if b"%%EOF" not in data[-TAIL_BYTES:]:
        raise reject("This PDF seems incomplete. Download or export it again.")
    names = _names(data)
    for stream in _inflated_streams(data):
        names |= _names(stream)
    if b"Encrypt" in names:
        raise reject("This PDF is password-protected. Upload a copy without a password.")
    if names & ACTIVE_NAMES:
        raise reject(
            "This PDF contains scripts or automatic actions, which we don't accept. "
            "Print it to a new PDF and upload that."
        )
