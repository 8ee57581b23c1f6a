"""Small real files for the attachment tests, made in the test run: nothing binary is checked in."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib

from PIL import Image

MINIMAL_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)
WINDOWS_EXECUTABLE = (
    b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48 + b"PE\x00\x00"
)
HTML_PAGE = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"
SVG_IMAGE = (
    b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script>'
    b'<circle r="5"/></svg>'
)
SVG_WITHOUT_DECLARATION = b'  <svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"></svg>'
CSV_ROWS = "氏名,所属,内線\n山田 太郎,久留米市 市民課,1234\n髙橋 花子,裾野市 税務課,5678\n"


def image_bytes(
    image_format: str = "PNG", size: tuple[int, int] = (640, 480), mode: str = "RGB", exif: bool = False
) -> bytes:
    image = Image.new(mode, size, color=(200, 80, 40) if mode == "RGB" else None)
    output = io.BytesIO()
    options: dict[str, object] = {}
    if exif:
        metadata = Image.Exif()
        metadata[0x010F] = "KyosoCamera"  # Make
        metadata[0x8825] = {2: (33.0, 19.0, 0.0)}  # GPS latitude: where the photo was taken
        options["exif"] = metadata.tobytes()
    image.save(output, image_format, **options)
    return output.getvalue()


def office_open_xml(main_part: str, *, macro: bool = False) -> bytes:
    """A docx, xlsx or pptx as Office writes it, reduced to the parts the check looks at."""
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
            'content-types"/>',
        )
        archive.writestr("_rels/.rels", '<?xml version="1.0"?><Relationships/>')
        archive.writestr(main_part, '<?xml version="1.0"?><document>共創</document>')
        if macro:
            archive.writestr(main_part.split("/")[0] + "/vbaProject.bin", b"\x00VBA")
    return output.getvalue()


def plain_zip() -> bytes:
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w") as archive:
        archive.writestr("setup.exe", WINDOWS_EXECUTABLE)
    return output.getvalue()


def ole2(*streams: str) -> bytes:
    """An OLE2 compound file header followed by directory entries naming ``streams``."""
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504
    entries = b"".join((s + "\x00").encode("utf-16-le").ljust(128, b"\x00") for s in streams)
    return header + entries


def png_bomb(width: int = 100_000, height: int = 100_000) -> bytes:
    """A tiny PNG whose header claims ten billion pixels: decoding it would exhaust memory."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 1024))
        + chunk(b"IEND", b"")
    )
