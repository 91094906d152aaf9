"""Files for the tests, generated here: good pictures and documents, and a corpus of hostile
ones (wrong type, disguised, scripted, truncated, bombs, huge metadata, animated, empty, too big)."""

from __future__ import annotations

import base64
import io
import struct
import zlib
from collections.abc import Callable

from PIL import Image
from pypdf import PdfWriter
from pypdf.generic import ArrayObject, DecodedStreamObject, DictionaryObject, NameObject, RectangleObject

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


def _document(catalog_extra: str, page_extra: str, extra_objects: tuple[bytes, ...]) -> list[bytes]:
    """Objects 1, 2, 3: catalog, page tree, one empty page; extra objects are numbered from 4."""
    return [
        f"<< /Type /Catalog /Pages 2 0 R {catalog_extra}>>".encode(),
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] {page_extra}>>".encode(),
        *extra_objects,
    ]


def pdf(
    *, catalog_extra: str = "", page_extra: str = "", extra_objects: tuple[bytes, ...] = (), eof: bool = True
) -> bytes:
    """A small well-formed PDF with a classic cross-reference table."""
    objects = _document(catalog_extra, page_extra, extra_objects)
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


_ENCODERS: dict[str, Callable[[bytes], bytes]] = {
    "/FlateDecode": zlib.compress,
    "/ASCIIHexDecode": lambda data: data.hex().encode() + b">",
    "/ASCII85Decode": lambda data: base64.a85encode(data, wrapcol=72) + b"~>",
}


def pdf_with_object_streams(
    *,
    catalog_extra: str = "",
    page_extra: str = "",
    extra_objects: tuple[bytes, ...] = (),
    filters: tuple[str, ...] = ("/FlateDecode",),
    streams: int = 1,
    padding: int = 0,
) -> bytes:
    """A PDF 1.5+ file whose every object (numbered as in pdf()) sits inside an object stream
    encoded with `filters` (decoded first to last), listed only by a cross-reference stream:
    no object is readable in the raw bytes. Objects go round-robin into `streams` object
    streams, each with `padding` spaces after its objects (what a decompression bomb adds)."""
    numbered = list(enumerate(_document(catalog_extra, page_extra, extra_objects), start=1))
    first_stream = len(numbered) + 1
    entries = {0: (0, 0, 65535)}  # (type, field 2, field 3) of each cross-reference row
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    filter_entry = f"/Filter [{' '.join(filters)}] " if filters else ""
    for index in range(streams):
        number, pairs, bodies = first_stream + index, [], b""
        for position, (inner, body) in enumerate(numbered[index::streams]):
            pairs.append(f"{inner} {len(bodies)}")
            bodies += body + b"\n"
            entries[inner] = (2, number, position)
        head = " ".join(pairs).encode() + b"\n"
        data = head + bodies + b" " * padding
        for name in reversed(filters):
            data = _ENCODERS[name](data)
        entries[number] = (1, len(out), 0)
        count = len(pairs)
        out += f"{number} 0 obj\n<< /Type /ObjStm /N {count} /First {len(head)} /Length {len(data)} {filter_entry}>>\n".encode()
        out += b"stream\n" + data + b"\nendstream\nendobj\n"
    xref_number = first_stream + streams
    entries[xref_number] = (1, len(out), 0)
    rows = b"".join(struct.pack(">BIH", *entries[n]) for n in range(xref_number + 1))
    out += f"{xref_number} 0 obj\n<< /Type /XRef /Size {xref_number + 1} /W [1 4 2] /Root 1 0 R /Length {len(rows)} >>\n".encode()
    out += b"stream\n" + rows + b"\nendstream\nendobj\n"
    out += f"startxref\n{entries[xref_number][1]}\n%%EOF\n".encode()
    return bytes(out)


def _written(writer: PdfWriter) -> bytes:
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _text_page(writer: PdfWriter, text: str) -> None:
    page = writer.add_blank_page(612, 792)
    font = {"/Type": "/Font", "/Subtype": "/Type1", "/BaseFont": "/Helvetica"}
    page[NameObject("/Resources")] = DictionaryObject(
        {
            NameObject("/Font"): DictionaryObject(
                {NameObject("/F1"): DictionaryObject({NameObject(k): NameObject(v) for k, v in font.items()})}
            )
        }
    )
    content = DecodedStreamObject()
    content.set_data(f"BT /F1 14 Tf 72 720 Td ({text}) Tj ET".encode())
    page.replace_contents(ArrayObject([content]))


def benign_report(pages: int = 3) -> bytes:
    """What a background-check provider sends: several pages of compressed text, a link to
    the provider's site, bookmarks, document info, and the first page opened on start."""
    writer = PdfWriter()
    for number in range(1, pages + 1):
        _text_page(writer, f"Background check report - page {number} of {pages} - no records found")
        writer.add_outline_item(title=f"Page {number}", page_number=number - 1)
    writer.add_uri(0, "https://provider.example/verify/abc123", RectangleObject([72, 650, 300, 670]))
    writer.open_destination = writer.pages[0]
    writer.add_metadata({"/Title": "Background check", "/Producer": "Provider PDF engine"})
    for page in writer.pages:
        page.compress_content_streams()
    return _written(writer)


def blank_pages(count: int) -> bytes:
    writer = PdfWriter()
    for _ in range(count):
        writer.add_blank_page(612, 792)
    return _written(writer)


def with_attachment() -> bytes:
    writer = PdfWriter(clone_from=io.BytesIO(benign_report(1)))
    writer.add_attachment("invoice.pdf.exe", ELF)
    return _written(writer)


def encrypted(*, user_password: str) -> bytes:
    writer = PdfWriter(clone_from=io.BytesIO(benign_report(1)))
    writer.encrypt(user_password=user_password, owner_password="owner-secret", algorithm="AES-128")
    return _written(writer)


JS_ACTION = b"<< /S /JavaScript /JS (app.alert(1)) >>"
# Hidden in object streams, so that nothing telling is in the raw bytes:
PDF_HIDDEN_JS = {
    # the document's JavaScript name tree, ASCIIHex-encoded
    "names-tree-asciihex": pdf_with_object_streams(
        catalog_extra="/Names << /JavaScript 4 0 R >> ",
        extra_objects=(b"<< /Names [(init) 5 0 R] >>", JS_ACTION),
        filters=("/ASCIIHexDecode",),
    ),
    # a script that runs on opening, ASCII85 over Flate
    "open-action-ascii85-flate": pdf_with_object_streams(
        catalog_extra="/OpenAction 4 0 R ", extra_objects=(JS_ACTION,), filters=("/ASCII85Decode", "/FlateDecode")
    ),
    # a link annotation's action, with names spelled in #xx escapes
    "link-annotation-escaped-names": pdf_with_object_streams(
        page_extra="/Annots [4 0 R] ",
        extra_objects=(b"<< /Type /Annot /Subtype /Link /Rect [0 0 612 792] /A << /S /J#61vaScript /J#53 (x()) >> >>",),
        filters=("/ASCII85Decode", "/FlateDecode"),
    ),
    # a page's additional action: fires by itself when the page opens, whatever it does
    "page-additional-action": pdf_with_object_streams(
        page_extra="/AA << /O 4 0 R >> ",
        extra_objects=(b"<< /S /URI /URI (https://evil.example/opened) >>",),
        filters=("/ASCIIHexDecode", "/FlateDecode"),
    ),
}
PDF_WITH_LAUNCH = pdf_with_object_streams(
    page_extra="/Annots [4 0 R] ",
    # the action's type stored behind a reference, which viewers follow
    extra_objects=(b"<< /Type /Annot /Subtype /Link /Rect [0 0 612 792] /A << /S 5 0 R /F (cmd.exe) >> >>", b"/Launch"),
    filters=("/ASCIIHexDecode",),
)
PDF_WITH_JS = pdf(
    catalog_extra="/Names << /JavaScript 4 0 R >> ", extra_objects=(b"<< /Names [(init) 5 0 R] >>", JS_ACTION)
)
PDF_WITH_OPEN_ACTION = pdf(
    catalog_extra="/OpenAction 4 0 R ", extra_objects=(b"<< /S /URI /URI (https://evil.example) >>",)
)
PDF_WITH_XFA = pdf(
    catalog_extra="/AcroForm 4 0 R ",
    extra_objects=(b"<< /Fields [] /XFA 5 0 R >>", stream_object(b"<xdp:xdp xmlns:xdp='http://ns.adobe.com/xdp/'/>")),
)
PDF_TRUNCATED = pdf()[:-200]
PDF_NOT_A_PDF_AFTER_ITS_HEADER = b"%PDF-1.7\n" + ELF
PDF_BAD_HEX_OBJECT_STREAM = pdf_with_object_streams(filters=("/ASCIIHexDecode",)).replace(
    b">\nendstream", b"zz>\nendstream"
)
PDF_DEEP_NESTING = pdf(extra_objects=(b"[" * 50_000 + b"]" * 50_000,))
PDF_TOO_MANY_OBJECTS = pdf_with_object_streams(extra_objects=(b"null",) * limits.MAX_PDF_OBJECTS)
# One object stream that inflates past the whole budget, and two that are each under it
# but not together.
PDF_OBJECT_STREAM_BOMB = pdf_with_object_streams(padding=limits.MAX_PDF_DECODED_BYTES + 1)
PDF_OBJECT_STREAM_BOMBS = pdf_with_object_streams(streams=2, padding=limits.MAX_PDF_DECODED_BYTES // 2 + 1)
# Object streams and filter chains are ordinary in real files: alone they are no reason to refuse.
PDF_BENIGN_OBJECT_STREAMS = pdf_with_object_streams(
    catalog_extra="/OpenAction << /S /GoTo /D [3 0 R /Fit] >> ",
    page_extra="/Annots [4 0 R] ",
    extra_objects=(
        b"<< /Type /Annot /Subtype /Link /Rect [72 72 300 90] /A << /S /URI /URI (https://provider.example) >> >>",
    ),
    filters=("/ASCII85Decode", "/FlateDecode"),
)


def dense(rows: int) -> bytes:
    """A passive PDF holding `rows` × 90,000 numbers: cheap to send, slow to parse."""
    return pdf(extra_objects=(b"[" + (b"[" + b"0 " * 90_000 + b"]") * rows + b"]",))


def truncated(data: bytes) -> bytes:
    """The first half: the header is intact, the pixel data stops midway."""
    return data[: len(data) // 2]


def too_big() -> bytes:
    """One byte over the limit, starting like a real PNG."""
    head = png(10, 10)
    return head + b"\0" * (limits.MAX_UPLOAD_BYTES + 1 - len(head))
