"""The form engine's file fields accept a file for its content, not for its name or the browser's
word, and say plainly what is wrong."""

from __future__ import annotations

import io
import textwrap
from typing import Any

import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile, TemporaryUploadedFile
from django.utils import translation

from guichet.eforms.definition import parse_definition
from guichet.eforms.fieldtypes import form_field

pytestmark = pytest.mark.django_db

SPEC = "{key: permit, type: file, label: {de: Bewilligung}, accept: [pdf, jpg, png], max_size_mb: 0.5}"


def file_field(spec: str = SPEC) -> forms.Field:
    source = (
        textwrap.dedent("""\
        slug: t
        version: 1
        title: {de: T}
        steps:
          - title: {de: S}
            fields:
              - %s
        """)
        % spec
    )
    definition, errors = parse_definition(source)
    assert definition is not None, errors
    return form_field(next(definition.fields()), language="en")


def pdf() -> bytes:
    from fpdf import FPDF

    document = FPDF()
    document.add_page()
    document.set_font("helvetica", size=12)
    document.cell(text="Haltebewilligung Bello")
    return bytes(document.output())


def image(kind: str) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (16, 16), (30, 120, 200)).save(buffer, format=kind)
    return buffer.getvalue()


def upload(name: str, content: bytes, content_type: str = "application/pdf") -> SimpleUploadedFile:
    """The browser's content type is whatever the client says: here always the flattering one."""
    return SimpleUploadedFile(name, content, content_type=content_type)


def refusal(field: forms.Field, value: Any) -> tuple[set[str], str]:
    with translation.override("en"):  # the messages are lazy: render them in English too
        with pytest.raises(ValidationError) as info:
            field.clean(value)
        return {error.code for error in info.value.error_list if error.code}, " ".join(info.value.messages)


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("bewilligung.pdf", pdf(), "application/pdf"),
        ("foto.png", image("PNG"), "image/png"),
        ("foto.jpg", image("JPEG"), "image/jpeg"),
        ("Foto.JPEG", image("JPEG"), "image/jpeg"),
    ],
)
def test_real_files_are_accepted_by_content(name: str, content: bytes, expected: str) -> None:
    value = upload(name, content, content_type="application/octet-stream")
    cleaned = file_field().clean(value)
    assert cleaned is value
    assert cleaned.sniffed_type == expected
    assert cleaned.tell() == 0  # sniffing left the upload at its start for whoever stores it
    assert cleaned.read() == content


def test_a_file_on_disk_is_sniffed_and_rewound() -> None:
    content = pdf() + b"\n%" + b"x" * 20_000  # longer than the sniffed head
    value = TemporaryUploadedFile("scan.pdf", "application/pdf", len(content), None)
    value.write(content)
    value.seek(0)
    try:
        assert file_field().clean(value).sniffed_type == "application/pdf"
        assert value.tell() == 0
        assert value.read() == content
    finally:
        value.close()


def test_a_pdf_name_with_png_content_is_refused() -> None:
    codes, message = refusal(file_field(), upload("scan.pdf", image("PNG")))
    assert codes == {"file_content"}
    assert message == "The file “scan.pdf” is not in PDF format, although its name says so."


def test_a_program_named_pdf_is_refused() -> None:
    codes, message = refusal(file_field(), upload("rechnung.pdf", b"MZ\x90\x00\x03" + b"\x00" * 200))
    assert codes == {"file_content"}
    assert "“rechnung.pdf” is not in PDF format" in message


def test_a_type_that_is_not_allowed_is_refused() -> None:
    codes, message = refusal(file_field(), upload("virus.exe", b"MZ\x90\x00", "application/pdf"))
    assert codes == {"file_type"}
    assert message == "Files of this type are not accepted here. Allowed: .pdf, .jpg, .png."
    codes, _message = refusal(file_field(), upload("brief.docx", b"PK\x03\x04"))
    assert codes == {"file_type"}


def test_a_too_large_file_is_refused() -> None:
    content = pdf() + b"\n%" + b"x" * 600_000
    codes, message = refusal(file_field(), upload("scan.pdf", content))
    assert codes == {"file_size"}
    assert message == "The file is too large: at most 0.5 MB."


def test_a_too_large_file_of_the_wrong_kind_hears_both() -> None:
    codes, message = refusal(file_field(), upload("scan.pdf", b"\x00" * 600_000))
    assert codes == {"file_size", "file_content"}
    assert "0.5 MB" in message
    assert "not in PDF format" in message


def test_an_empty_file_is_refused() -> None:
    codes, _message = refusal(file_field(), upload("scan.pdf", b""))
    assert codes == {"empty"}


def test_the_messages_are_translated() -> None:
    """Lazy messages: rendered in the language of the page that shows them."""
    with pytest.raises(ValidationError) as info:
        file_field().clean(upload("virus.exe", b"MZ"))
    with translation.override("en"):
        english = " ".join(info.value.messages)
    with translation.override("de"):
        german = " ".join(info.value.messages)
    assert english == "Files of this type are not accepted here. Allowed: .pdf, .jpg, .png."
    assert ".pdf, .jpg, .png" in german


def test_the_widget_offers_the_accepted_types() -> None:
    assert file_field().widget.attrs["accept"] == ".pdf,.jpg,.png"


def test_office_and_text_types() -> None:
    field = file_field("{key: f, type: file, label: {de: F}, accept: [csv, odt]}")
    assert field.clean(upload("liste.csv", "Name;Ort\nMüller;Zürich\n".encode("cp1252"))).sniffed_type == "text/csv"
    codes, _message = refusal(field, upload("liste.csv", image("PNG")))
    assert codes == {"file_content"}
