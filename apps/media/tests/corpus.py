"""Files for the tests, generated here: good pictures and documents, and a corpus of hostile
ones (wrong type, disguised, scripted, truncated, bombs, huge metadata, animated, empty, too big)."""

from __future__ import annotations

import io
import struct
import zlib

from PIL import Image

from apps.media import limits

MARKER = "SECRET-EXIF-MARKER"
QUADRANTS = {
    "top_left": (220, 30, 30),
    "top_right": (30, 160, 40),
    "bottom_left": (30, 60, 200),
    "bottom_right": (240, 200, 20),
}


def quadrant_image(width: int, height: int) -> Image.Image:
    """Four solid colored quadrants, so a crop and an orientation can be checked by color."""
    image = Image.new("RGB", (width, height))
    half_w, half_h = width // 2, height // 2
    image.paste(QUADRANTS["top_left"], (0, 0, half_w, half_h))
    image.paste(QUADRANTS["top_right"], (half_w, 0, width, half_h))
    image.paste(QUADRANTS["bottom_left"], (0, half_h, half_w, height))
    image.paste(QUADRANTS["bottom_right"], (half_w, half_h, width, height))
    return image


def encode(image: Image.Image, fmt: str, **params: object) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **params)
    return out.getvalue()


def png(width: int = 600, height: int = 400) -> bytes:
    return encode(quadrant_image(width, height), "PNG")


def webp(width: int = 600, height: int = 400) -> bytes:
    return encode(quadrant_image(width, height), "WEBP", lossless=True)


def exif_with_secrets(*, orientation: int | None = None, padding: int = 0) -> Image.Exif:
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x010E] = MARKER + " " + "x" * padding  # ImageDescription
    if orientation is not None:
        exif[0x0112] = orientation
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2] = "N", (40.0, 44.0, 54.36)  # latitude of Times Square
    gps[3], gps[4] = "W", (73.0, 59.0, 8.5)
    return exif


def jpeg(width: int = 600, height: int = 400, *, orientation: int | None = None, padding: int = 0) -> bytes:
    """A JPEG carrying EXIF with GPS and a marker string; stored in `width`×`height` pixels."""
    exif = exif_with_secrets(orientation=orientation, padding=padding)
    return encode(quadrant_image(width, height), "JPEG", quality=95, exif=exif.tobytes(), comment=MARKER.encode())


def huge_exif_png() -> bytes:
    """A PNG whose eXIf chunk is 2 MB: far beyond any camera's, still under the size cap."""
    return encode(quadrant_image(600, 400), "PNG", exif=exif_with_secrets(padding=2_000_000).tobytes())


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def png_declaring(width: int, height: int) -> bytes:
    """A tiny PNG whose header declares width×height pixels (a decompression bomb's shape)."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(b"\0" * 64))
        + _chunk(b"IEND", b"")
    )


def animated_webp() -> bytes:
    frames = [Image.new("RGB", (120, 120), color) for color in ("red", "blue", "green")]
    return encode(frames[0], "WEBP", save_all=True, append_images=frames[1:], duration=100, loop=0)


def animated_png() -> bytes:
    frames = [Image.new("RGB", (120, 120), color) for color in ("red", "blue")]
    return encode(frames[0], "PNG", save_all=True, append_images=frames[1:], duration=100)


def gif() -> bytes:
    return encode(Image.new("RGB", (100, 100), "red"), "GIF")


SVG = (
    b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="100" height="100">'
    b'<script>alert(document.cookie)</script><rect width="100" height="100"/></svg>'
)
HTML = b"<!DOCTYPE html><html><body><script>fetch('/api/v1/me').then(r=>r.text()).then(alert)</script></body></html>"
ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 200


def pdf(*, catalog_extra: str = "", extra_objects: tuple[bytes, ...] = (), eof: bool = True) -> bytes:
    """A small well-formed PDF: catalog, page tree, one empty page, plus any extra objects."""
    objects = [
        f"<< /Type /Catalog /Pages 2 0 R {catalog_extra}>>".encode(),
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>",
        *extra_objects,
    ]
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n".encode()
    if eof:
        out += b"%%EOF\n"
    return bytes(out)


def stream_object(content: bytes) -> bytes:
    packed = zlib.compress(content)
    return f"<< /Length {len(packed)} /Filter /FlateDecode >>\nstream\n".encode() + packed + b"\nendstream"


PDF_WITH_JS = pdf(
    catalog_extra="/Names << /JavaScript 4 0 R >> ", extra_objects=(b"<< /S /JavaScript /JS (app.alert(1)) >>",)
)
PDF_WITH_OPEN_ACTION = pdf(
    catalog_extra="/OpenAction 4 0 R ", extra_objects=(b"<< /S /URI /URI (https://evil.example) >>",)
)
# "#61" is "a": readers decode it, so must we.
PDF_WITH_ESCAPED_JS = pdf(
    catalog_extra="/Open#41ction 4 0 R ", extra_objects=(b"<< /S /J#61vaScript /J#53 (app.alert(1)) >>",)
)
# The script hides in a compressed object stream, invisible in the raw bytes.
PDF_WITH_COMPRESSED_JS = pdf(extra_objects=(stream_object(b"<< /S /JavaScript /JS (app.alert(1)) >>"),))
PDF_ENCRYPTED = pdf(extra_objects=(b"<< /Filter /Standard /V 1 /R 2 /O (x) /U (y) /P -4 >>",)).replace(
    b"/Root 1 0 R", b"/Root 1 0 R /Encrypt 4 0 R"
)
PDF_TRUNCATED = pdf()[:-200]


def truncated(data: bytes) -> bytes:
    """The first half: the header is intact, the pixel data stops midway."""
    return data[: len(data) // 2]


def too_big() -> bytes:
    """One byte over the limit, starting like a real PNG."""
    head = png(10, 10)
    return head + b"\0" * (limits.MAX_UPLOAD_BYTES + 1 - len(head))
