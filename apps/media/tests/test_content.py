"""The content checks on their own: type from bytes, Pillow hardening, PDF activity."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from apps.core.errors import ValidationFailed
from apps.media.content import DOCUMENT_HINT, DOCUMENT_TYPES, PICTURE_HINT, PICTURE_TYPES, FileType, detect, sniff
from apps.media.images import CropBox, crop_check, image_inspect, image_sanitize, picture_render
from apps.media.pdf import pdf_check
from apps.media.services.documents import display_filename
from apps.media.tests import corpus

WRONG_TYPE = "This file type isn't accepted. "
DAMAGED = "This picture seems damaged or incomplete. Try exporting it again."
TOO_MANY_PIXELS = "This picture has too many pixels (the limit is 50 megapixels)."
PDF_ACTIVE = (
    "This PDF contains scripts or automatic actions, which we don't accept. Print it to a new PDF and upload that."
)


def _refusal(call: object, *args: object) -> str:
    with pytest.raises(ValidationFailed) as caught:
        call(*args)  # type: ignore[operator]
    assert caught.value.fields == {"file": [caught.value.message]}
    return caught.value.message


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (corpus.png(10, 10), FileType.PNG),
        (corpus.jpeg(10, 10), FileType.JPEG),
        (corpus.webp(10, 10), FileType.WEBP),
        (corpus.pdf(), FileType.PDF),
        (corpus.gif(), None),
        (corpus.SVG, None),
        (corpus.HTML, None),
        (corpus.ELF, None),
        (b"", None),
        (b" %PDF-1.7", None),  # junk before the header: a polyglot's trick
    ],
)
def test_sniff_names_the_type_from_the_leading_bytes(data: bytes, expected: FileType | None) -> None:
    assert sniff(data[:16]) == expected


@pytest.mark.parametrize("data", [corpus.gif(), corpus.SVG, corpus.HTML, corpus.ELF, corpus.pdf()])
def test_pictures_accept_only_jpeg_png_webp(data: bytes) -> None:
    assert _refusal(lambda: detect(data, allowed=PICTURE_TYPES, hint=PICTURE_HINT)) == WRONG_TYPE + PICTURE_HINT


@pytest.mark.parametrize("data", [corpus.webp(10, 10), corpus.gif(), corpus.SVG])
def test_documents_accept_only_pdf_jpg_png(data: bytes) -> None:
    assert _refusal(lambda: detect(data, allowed=DOCUMENT_TYPES, hint=DOCUMENT_HINT)) == WRONG_TYPE + DOCUMENT_HINT


def test_empty_file_is_refused() -> None:
    assert (
        _refusal(lambda: detect(b"", allowed=PICTURE_TYPES, hint=PICTURE_HINT)) == "The file is empty. " + PICTURE_HINT
    )


def test_bomb_is_refused_from_its_header_without_decoding() -> None:
    bomb = corpus.png_declaring(50_000, 50_000)
    assert len(bomb) < 100
    assert _refusal(image_inspect, bomb, FileType.PNG) == TOO_MANY_PIXELS


def test_pixel_limit_is_exact() -> None:
    # 10,000 × 5,000 is exactly 50 MP: allowed; one more row is not.
    assert image_inspect(corpus.png_declaring(10_000, 5_000), FileType.PNG).width == 10_000
    assert _refusal(image_inspect, corpus.png_declaring(10_000, 5_001), FileType.PNG) == TOO_MANY_PIXELS


def test_html_behind_a_png_signature_is_damaged() -> None:
    disguised = b"\x89PNG\r\n\x1a\n" + corpus.HTML
    assert _refusal(image_inspect, disguised, FileType.PNG) == DAMAGED


@pytest.mark.parametrize("data", [corpus.animated_webp(), corpus.animated_png()])
def test_animated_pictures_are_refused(data: bytes) -> None:
    kind = sniff(data[:16])
    assert kind is not None
    assert _refusal(image_inspect, data, kind) == "Animated pictures aren't accepted. Choose a still picture."


@pytest.mark.parametrize(
    ("data", "kind"), [(corpus.jpeg(600, 400), FileType.JPEG), (corpus.png(600, 400), FileType.PNG)]
)
def test_truncated_pictures_fail_when_decoded(data: bytes, kind: FileType) -> None:
    truncated = data[: len(data) // 2]
    assert _refusal(picture_render, truncated, kind, None) == DAMAGED


def test_render_applies_orientation_strips_metadata_and_makes_squares() -> None:
    # Stored 600×400 with orientation 6 ("rotate 90° clockwise to display"): upright it is 400×600.
    rendered = picture_render(corpus.jpeg(600, 400, orientation=6), FileType.JPEG, None)
    assert (rendered.width, rendered.height, rendered.original_type) == (400, 600, FileType.JPEG)
    original = Image.open(io.BytesIO(rendered.original))
    assert (original.format, original.size) == ("JPEG", (400, 600))
    assert dict(original.getexif()) == {}
    assert corpus.MARKER.encode() not in rendered.original
    # Rotating clockwise puts the stored bottom-left quadrant at the upright top-left.
    assert _close(original.getpixel((20, 20)), corpus.QUADRANTS["bottom_left"])
    for side, data in rendered.squares.items():
        square = Image.open(io.BytesIO(data))
        assert (square.format, square.size, dict(square.getexif())) == ("WEBP", (side, side), {})
        assert corpus.MARKER.encode() not in data


def test_render_crops_the_box_it_is_given() -> None:
    # The top-right quadrant of a 600×400 picture, exactly.
    rendered = picture_render(corpus.png(600, 400), FileType.PNG, CropBox(x=300, y=0, width=200, height=200))
    square = Image.open(io.BytesIO(rendered.squares[200])).convert("RGB")
    for point in [(5, 5), (100, 100), (194, 194)]:
        assert _close(square.getpixel(point), corpus.QUADRANTS["top_right"])


def test_huge_exif_is_stripped_not_kept() -> None:
    data = corpus.huge_exif_png()
    assert len(data) > 2_000_000
    rendered = picture_render(data, FileType.PNG, None)
    assert len(rendered.original) < 10_000
    assert corpus.MARKER.encode() not in rendered.original
    assert dict(Image.open(io.BytesIO(rendered.original)).getexif()) == {}


def test_polyglot_tail_after_a_real_jpeg_is_dropped() -> None:
    polyglot = corpus.jpeg(200, 200) + corpus.HTML
    rendered = picture_render(polyglot, FileType.JPEG, None)
    assert b"<script>" not in rendered.original
    assert all(b"<script>" not in data for data in rendered.squares.values())


def test_aspect_over_two_to_one_is_refused() -> None:
    message = "This picture is too long and narrow. Choose one no more than twice as wide as it is tall."
    assert _refusal(picture_render, corpus.png(801, 400), FileType.PNG, None) == message
    assert picture_render(corpus.png(800, 400), FileType.PNG, None).width == 800


@pytest.mark.parametrize(
    ("box", "expected"),
    [
        (None, CropBox(x=100, y=0, width=400, height=400)),  # centered square
        (CropBox(x=-1, y=0, width=400, height=401), CropBox(x=0, y=0, width=400, height=400)),  # rounding clamped
        (CropBox(x=200, y=0, width=400, height=400), CropBox(x=200, y=0, width=400, height=400)),
    ],
)
def test_crop_box_is_checked_against_the_upright_picture(box: CropBox | None, expected: CropBox) -> None:
    info = image_inspect(corpus.png(600, 400), FileType.PNG)
    assert crop_check(box, info) == expected


@pytest.mark.parametrize(
    "box",
    [
        CropBox(x=300, y=0, width=400, height=400),
        CropBox(x=0, y=-5, width=100, height=100),
        CropBox(x=0, y=0, width=10, height=10),
    ],
)
def test_crop_box_outside_the_picture_is_refused(box: CropBox) -> None:
    info = image_inspect(corpus.png(600, 400), FileType.PNG)
    assert _refusal(crop_check, box, info) == "The crop area must lie inside the picture. Adjust it and try again."


def test_document_images_lose_their_metadata() -> None:
    clean = image_sanitize(corpus.jpeg(300, 200), FileType.JPEG)
    assert corpus.MARKER.encode() not in clean
    assert dict(Image.open(io.BytesIO(clean)).getexif()) == {}


def test_plain_pdf_passes() -> None:
    pdf_check(corpus.pdf())


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (corpus.PDF_WITH_JS, PDF_ACTIVE),
        (corpus.PDF_WITH_OPEN_ACTION, PDF_ACTIVE),
        (corpus.PDF_WITH_ESCAPED_JS, PDF_ACTIVE),
        (corpus.PDF_WITH_COMPRESSED_JS, PDF_ACTIVE),
        (corpus.PDF_ENCRYPTED, "This PDF is password-protected. Upload a copy without a password."),
        (corpus.PDF_TRUNCATED, "This PDF seems incomplete. Download or export it again."),
    ],
    ids=["js", "open-action", "escaped-names", "compressed-js", "encrypted", "truncated"],
)
def test_active_or_broken_pdfs_are_refused(data: bytes, message: str) -> None:
    assert _refusal(pdf_check, data) == message


def test_compressed_js_is_invisible_in_the_raw_bytes() -> None:
    assert b"JavaScript" not in corpus.PDF_WITH_COMPRESSED_JS


@pytest.mark.parametrize(
    ("name", "kind", "expected"),
    [
        ("Checkr report 2026.pdf", FileType.PDF, "Checkr report 2026.pdf"),
        ("../../etc/passwd", FileType.PDF, "passwd.pdf"),
        ('<img src=x onerror="alert(1)">.png', FileType.PNG, "img src x onerror alert(1).png"),
        ("scan.exe", FileType.JPEG, "scan.jpg"),
        ("", FileType.PDF, "background-check.pdf"),
    ],
)
def test_display_filename_is_harmless_and_names_the_real_type(name: str, kind: FileType, expected: str) -> None:
    assert display_filename(name, kind) == expected


def _close(pixel: object, expected: tuple[int, int, int], tolerance: int = 12) -> bool:
    assert isinstance(pixel, tuple)
    return all(abs(a - b) <= tolerance for a, b in zip(pixel[:3], expected, strict=True))
