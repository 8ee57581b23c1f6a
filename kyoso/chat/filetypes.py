"""What an attached file is, told from its content (magic bytes), never from its name.

An allow-list: PDF, images (PNG, JPEG, GIF, WebP), Office documents (the ZIP-based docx, xlsx and pptx,
and the legacy OLE2 doc, xls and ppt), and CSV or plain text in UTF-8 or Shift_JIS. Anything else is
refused: an executable renamed .pdf, HTML, SVG (it can carry script), macro-enabled documents.
A small table of our own is enough here: the Office checks look inside the container, which the
generic sniffing libraries do only partly.
"""

from __future__ import annotations

import unicodedata
import zipfile
from dataclasses import dataclass
from typing import IO

from kyoso.chat.errors import FileTypeNotAllowed, MacroNotAllowed


@dataclass(frozen=True)
class FileKind:
    content_type: str
    # The first extension is the one a stored or renamed file gets.
    extensions: tuple[str, ...]
    is_image: bool = False
    # The formats Pillow may report when it opens the image, so a signature alone is not enough.
    image_formats: tuple[str, ...] = ()


PDF = FileKind("application/pdf", ("pdf",))
PNG = FileKind("image/png", ("png",), is_image=True, image_formats=("PNG",))
# MPO: the multi-picture JPEG some cameras and phones write.
JPEG = FileKind("image/jpeg", ("jpg", "jpeg", "jpe"), is_image=True, image_formats=("JPEG", "MPO"))
GIF = FileKind("image/gif", ("gif",), is_image=True, image_formats=("GIF",))
WEBP = FileKind("image/webp", ("webp",), is_image=True, image_formats=("WEBP",))
DOCX = FileKind("application/vnd.openxmlformats-officedocument.wordprocessingml.document", ("docx",))
XLSX = FileKind("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ("xlsx",))
PPTX = FileKind("application/vnd.openxmlformats-officedocument.presentationml.presentation", ("pptx",))
DOC = FileKind("application/msword", ("doc",))
XLS = FileKind("application/vnd.ms-excel", ("xls",))
PPT = FileKind("application/vnd.ms-powerpoint", ("ppt",))

SIGNATURES: tuple[tuple[bytes, FileKind], ...] = (
    (b"%PDF-", PDF),
    (b"\x89PNG\r\n\x1a\n", PNG),
    (b"\xff\xd8\xff", JPEG),
    (b"GIF87a", GIF),
    (b"GIF89a", GIF),
)
ZIP_SIGNATURE = b"PK\x03\x04"
OLE2_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
HEAD_BYTES = 4096

# Office Open XML: the main part of each kind; [Content_Types].xml must be there as well.
OOXML_MAIN_PARTS: tuple[tuple[str, FileKind], ...] = (
    ("word/document.xml", DOCX),
    ("xl/workbook.xml", XLSX),
    ("ppt/presentation.xml", PPTX),
)
# OLE2 directory entries hold stream names in UTF-16LE, ending in a NUL: an installer (.msi) is OLE2
# too, but has none of these.
OLE2_STREAMS: tuple[tuple[str, FileKind], ...] = (
    ("WordDocument", DOC),
    ("Workbook", XLS),
    ("Book", XLS),
    ("PowerPoint Document", PPT),
)
OLE2_MACRO_STREAM = "_VBA_PROJECT"
SCAN_CHUNK = 1024 * 1024

# Text: control characters other than these mean binary data that happened to decode.
TEXT_CONTROLS_ALLOWED = frozenset("\t\n\r\x0c\x1a")
# Markup is refused even as text: a browser told to sniff could run it, and nobody needs it here.
MARKUP_MARKERS = ("<html", "<svg", "<script", "<!doctype", "<?xml", "<body", "<iframe", "<object")
MARKUP_SCAN_CHARS = 4096

# Characters Windows does not allow in a file name, replaced when a name is shown or downloaded.
UNSAFE_NAME_CHARACTERS = frozenset('<>:"/\\|?*')
MAX_NAME_LENGTH = 200
FALLBACK_STEM = "file"


def detect(file: IO[bytes], name: str) -> FileKind:
    """The kind of ``file`` from its bytes; ``name`` only chooses between CSV and plain text.

    Raises FileTypeNotAllowed (or MacroNotAllowed) for anything outside the allow-list. The caller has
    checked the size already, so reading a text file whole is bounded.
    """
    file.seek(0)
    head = file.read(HEAD_BYTES)
    file.seek(0)
    for signature, kind in SIGNATURES:
        if head.startswith(signature):
            return kind
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    if head.startswith(ZIP_SIGNATURE):
        return _office_open_xml(file)
    if head.startswith(OLE2_SIGNATURE):
        return _legacy_office(file)
    return _text(file, name)


def _office_open_xml(file: IO[bytes]) -> FileKind:
    try:
        # Only the central directory is read: nothing is decompressed, so a ZIP bomb costs nothing.
        with zipfile.ZipFile(file) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise FileTypeNotAllowed() from None
    finally:
        file.seek(0)
    if "[Content_Types].xml" not in names:
        raise FileTypeNotAllowed()
    if any(n.lower().endswith("vbaproject.bin") for n in names):
        raise MacroNotAllowed()
    for part, kind in OOXML_MAIN_PARTS:
        if part in names:
            return kind
    raise FileTypeNotAllowed()


def _contains(file: IO[bytes], needles: list[bytes]) -> set[bytes]:
    """Which of ``needles`` occur in ``file``, read in chunks that overlap by the longest needle."""
    overlap = max(len(n) for n in needles)
    found: set[bytes] = set()
    tail = b""
    file.seek(0)
    while chunk := file.read(SCAN_CHUNK):
        window = tail + chunk
        found.update(n for n in needles if n in window)
        tail = window[-overlap:]
    file.seek(0)
    return found


def _ole2_name(stream: str) -> bytes:
    return (stream + "\x00").encode("utf-16-le")


def _legacy_office(file: IO[bytes]) -> FileKind:
    needles = {_ole2_name(stream): kind for stream, kind in OLE2_STREAMS}
    macro = _ole2_name(OLE2_MACRO_STREAM)
    found = _contains(file, [*needles, macro])
    if macro in found:
        raise MacroNotAllowed()
    for needle, kind in needles.items():
        if needle in found:
            return kind
    raise FileTypeNotAllowed()


def _text(file: IO[bytes], name: str) -> FileKind:
    data = file.read()
    file.seek(0)
    if b"\x00" in data:
        raise FileTypeNotAllowed()
    try:
        text, charset = data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        try:
            # Japanese Excel and most municipal systems write Shift_JIS as Windows code page 932.
            text, charset = data.decode("cp932"), "shift_jis"
        except UnicodeDecodeError:
            raise FileTypeNotAllowed() from None
    if any(unicodedata.category(ch) == "Cc" and ch not in TEXT_CONTROLS_ALLOWED for ch in text):
        raise FileTypeNotAllowed()
    start = text.lstrip().lower()[:MARKUP_SCAN_CHARS]
    if start.startswith("<") or any(marker in start for marker in MARKUP_MARKERS):
        raise FileTypeNotAllowed()
    extension = _extension(name)
    if extension == "csv":
        return FileKind(f"text/csv; charset={charset}", ("csv",))
    if extension == "tsv":
        return FileKind(f"text/tab-separated-values; charset={charset}", ("tsv",))
    return FileKind(f"text/plain; charset={charset}", ("txt",))


def _extension(name: str) -> str:
    stem, dot, extension = name.rpartition(".")
    return extension.lower() if dot and stem else ""


def display_name(raw: str, kind: FileKind) -> str:
    """A safe name to show and to offer on download, e.g. 「令和7年度 予算.xlsx」.

    Only the last path segment is kept (some browsers send a full Windows path). Control and format
    characters go (a right-to-left override can make 「exe.pdf」 read as a PDF), so do characters
    Windows refuses. If the extension does not match the content, the right one is added:
    a PDF sent as 「report.exe」 downloads as 「report.exe.pdf」.
    """
    name = unicodedata.normalize("NFC", raw or "")
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(
        "_" if ch in UNSAFE_NAME_CHARACTERS else ch for ch in name if unicodedata.category(ch)[0] != "C"
    )
    name = name.strip().strip(".").strip()
    stem, dot, extension = name.rpartition(".")
    if not dot or not stem:
        stem, extension = name, ""
    if extension.lower() not in kind.extensions:
        stem, extension = name, kind.extensions[0]
    stem = stem.strip()[: MAX_NAME_LENGTH - len(extension) - 1].strip() or FALLBACK_STEM
    return f"{stem}.{extension}"
