"""The type of an attached file comes from its content; names are only cleaned for display."""

from __future__ import annotations

import io

import pytest

from kyoso.chat import filetypes
from kyoso.chat.errors import FileTypeNotAllowed, MacroNotAllowed
from kyoso.chat.tests import filesamples as samples


def detect(data: bytes, name: str = "file") -> filetypes.FileKind:
    return filetypes.detect(io.BytesIO(data), name)


@pytest.mark.parametrize(
    ("data", "content_type"),
    [
        (samples.MINIMAL_PDF, "application/pdf"),
        (samples.image_bytes("PNG"), "image/png"),
        (samples.image_bytes("JPEG"), "image/jpeg"),
        (samples.image_bytes("GIF"), "image/gif"),
        (samples.image_bytes("WEBP"), "image/webp"),
        (
            samples.office_open_xml("word/document.xml"),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        (
            samples.office_open_xml("xl/workbook.xml"),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
        (
            samples.office_open_xml("ppt/presentation.xml"),
            "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        ),
        (samples.ole2("Root Entry", "WordDocument"), "application/msword"),
        (samples.ole2("Root Entry", "Workbook"), "application/vnd.ms-excel"),
        (samples.ole2("Root Entry", "PowerPoint Document"), "application/vnd.ms-powerpoint"),
    ],
)
def test_allowed_types_are_recognised_from_content_whatever_the_name(data: bytes, content_type: str) -> None:
    assert detect(data, "名前に意味はない.bin").content_type == content_type


def test_csv_in_utf8_and_shift_jis_is_accepted_with_its_charset() -> None:
    assert detect(samples.CSV_ROWS.encode("utf-8"), "名簿.csv").content_type == "text/csv; charset=utf-8"
    assert detect(samples.CSV_ROWS.encode("utf-8-sig"), "名簿.csv").content_type == "text/csv; charset=utf-8"
    assert detect(samples.CSV_ROWS.encode("cp932"), "名簿.csv").content_type == "text/csv; charset=shift_jis"


def test_text_without_a_csv_name_is_plain_text() -> None:
    assert detect("議事メモ\n".encode(), "memo.bat").content_type == "text/plain; charset=utf-8"


@pytest.mark.parametrize(
    ("data", "name"),
    [
        (samples.WINDOWS_EXECUTABLE, "予算書.pdf"),
        (samples.HTML_PAGE, "案内.pdf"),
        (samples.HTML_PAGE, "page.html"),
        (samples.SVG_IMAGE, "logo.svg"),
        (samples.SVG_WITHOUT_DECLARATION, "logo.txt"),
        (samples.plain_zip(), "資料.docx"),
        (samples.ole2("Root Entry", "SummaryInformation"), "setup.doc"),
        (bytes(range(1, 256)) * 4, "data.csv"),
        ("名前,値\n".encode("utf-16"), "utf16.csv"),
    ],
)
def test_anything_outside_the_allow_list_is_refused(data: bytes, name: str) -> None:
    with pytest.raises(FileTypeNotAllowed):
        detect(data, name)


@pytest.mark.parametrize("main_part", ["word/document.xml", "xl/workbook.xml"])
def test_macro_enabled_office_documents_are_refused(main_part: str) -> None:
    with pytest.raises(MacroNotAllowed):
        detect(samples.office_open_xml(main_part, macro=True), "集計.xlsm")
    with pytest.raises(MacroNotAllowed):
        detect(samples.ole2("Root Entry", "WordDocument", "_VBA_PROJECT"), "old.doc")


def test_detection_leaves_the_file_at_its_start() -> None:
    upload = io.BytesIO(samples.office_open_xml("word/document.xml"))
    filetypes.detect(upload, "a.docx")
    assert upload.tell() == 0


@pytest.mark.parametrize(
    ("raw", "kind", "shown"),
    [
        ("令和7年度 予算.pdf", filetypes.PDF, "令和7年度 予算.pdf"),
        ("report.exe", filetypes.PDF, "report.exe.pdf"),
        ("C:\\Users\\yamada\\Desktop\\写真.JPG", filetypes.JPEG, "写真.JPG"),
        ("../../etc/passwd", filetypes.PDF, "passwd.pdf"),
        ("invoice\u202efdp.exe", filetypes.PDF, "invoicefdp.exe.pdf"),
        ('a<b>:"c"|?*.pdf', filetypes.PDF, "a_b___c____.pdf"),
        ("...", filetypes.PNG, "file.png"),
        ("", filetypes.DOCX, "file.docx"),
        (".pdf", filetypes.PDF, "pdf.pdf"),
    ],
)
def test_display_names_are_cleaned_and_end_in_the_detected_type(
    raw: str, kind: filetypes.FileKind, shown: str
) -> None:
    assert filetypes.display_name(raw, kind) == shown


def test_long_names_are_shortened_keeping_the_extension() -> None:
    shown = filetypes.display_name("長" * 500 + ".xlsx", filetypes.XLSX)
    assert len(shown) == filetypes.MAX_NAME_LENGTH
    assert shown.endswith("長.xlsx")
