"""Image decoding and re-encoding with Pillow, hardened for untrusted input.

Every image is opened with the one Pillow decoder its magic number names, measured from
its header before any pixel is decoded (decompression bombs), decoded in full (truncation),
turned upright from its EXIF orientation, and written again from pixels only, so no
metadata (EXIF with GPS, XMP, comments, ICC profiles) and no trailing payload survives.
"""

from __future__ import annotations

import io
import struct
import warnings
import zlib
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

from apps.media import limits
from apps.media.content import FileType, reject

_DECODERS = {FileType.JPEG: "JPEG", FileType.PNG: "PNG", FileType.WEBP: "WEBP"}
# MPO is how Pillow names a JPEG that carries extra pictures (phones add depth maps and
# previews); it is a JPEG, and only its first picture is used.
_FORMATS = {FileType.JPEG: {"JPEG", "MPO"}, FileType.PNG: {"PNG"}, FileType.WEBP: {"WEBP"}}
_ROTATED = {5, 6, 7, 8}  # EXIF orientations that swap width and height
_EXIF_ORIENTATION = 0x0112
# Errors Pillow raises on malformed input; each means "this is not a usable image".
_DECODE_ERRORS = (UnidentifiedImageError, OSError, SyntaxError, ValueError, struct.error, zlib.error, EOFError)
DAMAGED = "This picture seems damaged or incomplete. Try exporting it again."


@dataclass(frozen=True)
class ImageInfo:
    type: FileType
    width: int  # upright, after the EXIF orientation is applied
    height: int


@dataclass(frozen=True)
class CropBox:
    """A square (or nearly square) region of the upright image, in its pixels."""

    x: int
    y: int
    width: int
    height: int

    def as_dict(self) -> dict[str, int]:
        return {"x": self.x, "y": self.y, "width": self.width, "height": self.height}


@dataclass(frozen=True)
class RenderedPicture:
    original: bytes
    original_type: FileType
    width: int
    height: int
    squares: dict[int, bytes]  # side in px → WebP bytes


def _open(data: bytes, kind: FileType) -> Image.Image:
    """Open lazily (header only) with exactly one decoder, refusing bombs before decoding."""
    with warnings.catch_warnings():
        # Pillow only warns between its two bomb thresholds; for us both mean "refuse".
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data), formats=[_DECODERS[kind]])
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise reject(_too_many_pixels()) from exc
        except _DECODE_ERRORS as exc:
            raise reject(DAMAGED) from exc
    if image.format not in _FORMATS[kind]:
        raise reject(DAMAGED)
    width, height = image.size
    if width < 1 or height < 1:
        raise reject(DAMAGED)
    if width * height > limits.MAX_PIXELS:
        raise reject(_too_many_pixels())
    if kind != FileType.JPEG and getattr(image, "is_animated", False):
        raise reject("Animated pictures aren't accepted. Choose a still picture.")
    return image


def _too_many_pixels() -> str:
    return f"This picture has too many pixels (the limit is {limits.MAX_PIXELS // 1_000_000} megapixels)."


def _upright_size(image: Image.Image) -> tuple[int, int]:
    try:
        orientation = image.getexif().get(_EXIF_ORIENTATION)
    except _DECODE_ERRORS:
        orientation = None  # unreadable EXIF is dropped with the rest of the metadata
    width, height = image.size
    return (height, width) if orientation in _ROTATED else (width, height)


def image_inspect(data: bytes, kind: FileType) -> ImageInfo:
    """Header checks only: cheap enough for the request thread."""
    image = _open(data, kind)
    width, height = _upright_size(image)
    return ImageInfo(type=kind, width=width, height=height)


def check_picture_aspect(info: ImageInfo) -> None:
    long_side, short_side = max(info.width, info.height), min(info.width, info.height)
    if long_side > short_side * limits.MAX_PICTURE_ASPECT:
        raise reject("This picture is too long and narrow. Choose one no more than twice as wide as it is tall.")


def _decode_upright(data: bytes, kind: FileType) -> Image.Image:
    image = _open(data, kind)
    try:
        image.load()  # decodes every pixel: raises on truncated or corrupt data
        upright = ImageOps.exif_transpose(image)
    except _DECODE_ERRORS as exc:
        raise reject(DAMAGED) from exc
    has_alpha = upright.mode in {"RGBA", "LA", "PA"} or "transparency" in upright.info
    clean = upright.convert("RGBA" if has_alpha else "RGB")
    clean.info = {}  # nothing from the source file rides along into the new encoding
    return clean


def _encode(image: Image.Image, kind: FileType, *, quality: int) -> bytes:
    out = io.BytesIO()
    if kind == FileType.JPEG:
        image.convert("RGB").save(out, "JPEG", quality=quality, optimize=True)
    elif kind == FileType.PNG:
        image.save(out, "PNG", compress_level=6)
    else:
        image.save(out, "WEBP", quality=quality, method=4)
    return out.getvalue()


def crop_check(crop: CropBox | None, info: ImageInfo) -> CropBox:
    """The crop to apply: the client's box, clamped by a pixel for rounding, or the centered
    square when there is none."""
    if crop is None:
        side = min(info.width, info.height)
        return CropBox(x=(info.width - side) // 2, y=(info.height - side) // 2, width=side, height=side)
    tolerance = 1  # the browser rounds its box to whole pixels
    inside = min(crop.x, crop.y) >= -tolerance
    inside = inside and crop.x + crop.width <= info.width + tolerance
    inside = inside and crop.y + crop.height <= info.height + tolerance
    x, y = max(crop.x, 0), max(crop.y, 0)
    width, height = min(crop.width, info.width - x), min(crop.height, info.height - y)
    if not inside or min(width, height) < limits.MIN_CROP_SIDE:
        raise reject("The crop area must lie inside the picture. Adjust it and try again.")
    return CropBox(x=x, y=y, width=width, height=height)


def picture_render(data: bytes, kind: FileType, crop: CropBox | None) -> RenderedPicture:
    """The full processing of a profile picture: heavy, so it runs in a task."""
    image = _decode_upright(data, kind)
    info = ImageInfo(type=kind, width=image.width, height=image.height)
    check_picture_aspect(info)
    box = crop_check(crop, info)
    region = image.crop((box.x, box.y, box.x + box.width, box.y + box.height))
    side = max(limits.PICTURE_SQUARES)
    # fit() also squares a box the client sent slightly off-square, from its center.
    square = ImageOps.fit(region, (side, side), Image.Resampling.LANCZOS)
    squares = {
        size: _encode(
            square if size == side else square.resize((size, size), Image.Resampling.LANCZOS),
            FileType.WEBP,
            quality=limits.WEBP_QUALITY,
        )
        for size in limits.PICTURE_SQUARES
    }
    original = _encode(image, kind, quality=limits.JPEG_QUALITY)
    return RenderedPicture(original=original, original_type=kind, width=info.width, height=info.height, squares=squares)


def image_sanitize(data: bytes, kind: FileType) -> bytes:
    """A document photographed or scanned as JPG/PNG, re-encoded without its metadata."""
    return _encode(_decode_upright(data, kind), kind, quality=limits.JPEG_QUALITY)
