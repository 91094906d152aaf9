"""The content checks on their own: type from bytes, Pillow hardening, what a PDF can do."""

from __future__ import annotations

import io
import sys
import time
from typing import cast

import pytest
from PIL import Image
from pypdf import PdfReader
from pypdf.generic import DictionaryObject

from apps.core.errors import ValidationFailed
from apps.media import limits
from apps.media.content import DOCUMENT_HINT, DOCUMENT_TYPES, PICTURE_HINT, PICTURE_TYPES, FileType, detect, sniff
from apps.media.images import CropBox, crop_check, image_inspect, image_sanitize, picture_render
from apps.media.pdf import pdf_check, pdf_inspect
from apps.media.pdf_inspect import PdfProblem, pdf_problem
from apps.media.services.documents import display_filename
from apps.media.tests import corpus

WRONG_TYPE = "This file type isn't accepted. "
DAMAGED = "This picture seems damaged or incomplete. Try exporting it again."
TOO_MANY_PIXELS = "This picture has too many pixels (the limit is 50 megapixels)."


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


@pytest.mark.parametrize("name", [*corpus.PDF_HIDDEN_JS, "launch"])
def test_hidden_actions_are_found_inside_object_streams(name: str) -> None:
    """Nothing in the raw bytes gives these files away: every object, the script included,
    is inside an encoded object stream, and pypdf reads it from there."""
    data = corpus.PDF_WITH_LAUNCH if name == "launch" else corpus.PDF_HIDDEN_JS[name]
    for telling in (b"JavaScript", b"Launch", b"OpenAction", b"Annots", b"Names"):
        assert telling not in data
    reader = PdfReader(io.BytesIO(data))
    assert {1, 2, 3, 4} <= set(reader.xref_objStm)
    assert {str(cast(DictionaryObject, reader.get_object(number))["/Type"]) for number in reader.xref[0]} == {
        "/ObjStm",
        "/XRef",
    }
    assert pdf_problem(data) == PdfProblem.ACTIVE


@pytest.mark.parametrize(
    ("open_action", "problem"),
    [
        ("[3 0 R /Fit]", None),  # a destination: the viewer scrolls there
        ("<< /S /GoTo /D [3 0 R /Fit] >>", None),
        ("<< /S /GoTo /D [3 0 R /Fit] /Next 4 0 R >>", PdfProblem.ACTIVE),  # …and then something else
        ("4 0 R", PdfProblem.ACTIVE),
    ],
)
def test_a_pdf_may_open_on_a_page_and_do_nothing_else(open_action: str, problem: PdfProblem | None) -> None:
    data = corpus.pdf(
        catalog_extra=f"/OpenAction {open_action} ", extra_objects=(b"<< /S /URI /URI (https://evil.example) >>",)
    )
    assert pdf_problem(data) == problem


@pytest.mark.parametrize(
    ("uri", "problem"),
    [
        ("https://provider.example/verify", None),
        ("mailto:support@provider.example", None),
        ("javascript:alert(document.cookie)", PdfProblem.ACTIVE),
        (" JavaScript:alert(1)", PdfProblem.ACTIVE),
        ("file:///etc/passwd", PdfProblem.ACTIVE),
        ("\\\\attacker.example\\share", PdfProblem.ACTIVE),  # Windows sends its credentials there
    ],
)
def test_links_may_lead_only_to_the_web_or_email(uri: str, problem: PdfProblem | None) -> None:
    link = f"<< /Type /Annot /Subtype /Link /Rect [0 0 100 20] /A << /S /URI /URI ({uri}) >> >>"
    data = corpus.pdf(page_extra="/Annots [4 0 R] ", extra_objects=(link.encode(),))
    assert pdf_problem(data) == problem


def test_page_limit() -> None:
    assert pdf_problem(corpus.blank_pages(limits.MAX_PDF_PAGES)) is None
    assert pdf_problem(corpus.blank_pages(limits.MAX_PDF_PAGES + 1)) == PdfProblem.TOO_COMPLEX


def test_decoding_budget_is_for_all_object_streams_together() -> None:
    half = limits.MAX_PDF_DECODED_BYTES // 2 + 1
    assert pdf_problem(corpus.pdf_with_object_streams(streams=1, padding=half)) is None
    assert pdf_problem(corpus.PDF_OBJECT_STREAM_BOMBS) == PdfProblem.TOO_COMPLEX


def test_a_pdf_that_takes_too_long_to_read_is_refused_in_time(monkeypatch: pytest.MonkeyPatch) -> None:
    """pypdf is pure Python: a file of dense objects under every other limit can still take
    seconds. The inspecting process is stopped at the time limit and the file refused."""
    assert pdf_problem(corpus.dense(rows=1)) is None  # passive: only its size is the problem
    monkeypatch.setattr(limits, "PDF_CHECK_SECONDS", 1)
    started = time.monotonic()
    assert pdf_inspect(corpus.dense(rows=40)) == PdfProblem.TOO_COMPLEX  # ≈ 8 s of parsing here
    assert time.monotonic() - started < 4


@pytest.mark.parametrize(
    ("program", "outcome"),
    [
        ("import os; os.kill(os.getpid(), 9)", PdfProblem.TOO_COMPLEX),  # what the kernel does at a limit
        ("import sys; sys.exit(3)", RuntimeError),
        ("print('looks fine')", RuntimeError),
    ],
    ids=["killed", "crashed", "unknown-verdict"],
)
def test_the_inspector_process_fails_closed(
    program: str, outcome: PdfProblem | type[Exception], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The one seam: a stand-in inspector, since the kernel's kill at the memory limit and a
    broken installation can't be produced on demand. A killed inspector means the file was
    too much; anything else is our fault and must fail loudly, never pass the file."""
    monkeypatch.setattr("apps.media.pdf._INSPECTOR", (sys.executable, "-c", program))
    if isinstance(outcome, PdfProblem):
        assert pdf_inspect(corpus.pdf()) == outcome
    else:
        with pytest.raises(outcome, match="PDF inspector failed"):
            pdf_inspect(corpus.pdf())


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
