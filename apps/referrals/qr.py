"""The share link as a QR code, drawn on the server (the `qrcode` library) as SVG: crisp at
any size, no image library involved, nothing for the browser to fetch from elsewhere."""

from __future__ import annotations

import qrcode  # type: ignore[import-untyped]  # no stubs published with it
import qrcode.image.svg  # type: ignore[import-untyped]


def qr_svg(text: str) -> bytes:
    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, border=2)
    svg: bytes = image.to_string(encoding="unicode").encode()
    return svg
