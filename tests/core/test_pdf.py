# ruff: noqa: RUF001  (the point of these tests is typographic and look-alike characters)
"""The PDF renderer: text survives extraction, any Unicode is safe, pages break well, bytes are reproducible."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

import pypdf
import pytest
from pypdf.generic import DictionaryObject

from guichet.core.pdf import PdfDocument, PdfRow, PdfSection, render_pdf, to_winansi

CREATED = datetime(2025, 3, 1, 13, 45, tzinfo=UTC)


def receipt(**changes: object) -> PdfDocument:
    document = PdfDocument(
        title="Quittung",
        issuer="Gemeinde Zürich – Einwohnerkontrolle",
        language="de",
        meta=(
            PdfRow("Referenz", "GU-2025-000123"),
            PdfRow("Eingereicht am", "1. März 2025, 14:45"),
            PdfRow("Gebühr", "CHF 30.00 (€ 31.–)"),
        ),
        sections=(
            PdfSection(
                "Ihre Angaben",
                rows=(
                    PdfRow("Name", "Müller-Lüdenscheidt"),
                    PdfRow("Adresse", "Bahnhofstrasse 1\n8001 Zürich"),
                    PdfRow("Bemerkung", "Citation « entre guillemets » – l’été — “quoted” … naïve façade"),
                    PdfRow("Osservazioni", "Perché è così? Però sì."),
                ),
            ),
            PdfSection("Hinweise", paragraphs=("Bewahren Sie diese Quittung auf.",)),
        ),
        footer="Guichet · Seite {page} von {pages}",
        subject="Umzug melden",
        created_at=CREATED,
    )
    return replace(document, **changes)  # type: ignore[arg-type]


def read(data: bytes) -> pypdf.PdfReader:
    assert data.startswith(b"%PDF-")
    assert data.rstrip().endswith(b"%%EOF")
    return pypdf.PdfReader(io.BytesIO(data), strict=True)


def page_texts(data: bytes) -> list[str]:
    return [page.extract_text() for page in read(data).pages]


def test_title_reference_labels_and_values_are_in_the_text() -> None:
    document = receipt()
    text = "\n".join(page_texts(render_pdf(document)))

    assert "Quittung" in text
    assert "GU-2025-000123" in text
    assert "Gemeinde Zürich – Einwohnerkontrolle" in text
    for row in (*document.meta, *(row for section in document.sections for row in section.rows)):
        assert row.label in text
        for line in row.value.splitlines():
            assert line in text
    for section in document.sections:
        assert section.heading in text
        for paragraph in section.paragraphs:
            assert paragraph in text


def test_accents_guillemets_and_typography_survive_extraction() -> None:
    text = page_texts(render_pdf(receipt()))[0]

    for fragment in ("Müller-Lüdenscheidt", "« entre guillemets »", "l’été", "—", "“quoted”", "…", "€", "naïve"):
        assert fragment in text


@pytest.mark.parametrize(
    "answer",
    [
        "Super 👍🏽 danke 🙏",
        "Familie 👨‍👩‍👧 aus 🇨🇭",
        "東京都 / 北京 / 서울",
        "Ελληνικά, русский, עברית, العربية",
        "\x00\x07control\x1b characters\ufeff and \u200b zero width",
        "x" * 5000,  # one unbreakable word
        "",
    ],
)
def test_any_unicode_answer_renders_a_valid_pdf(answer: str) -> None:
    document = receipt(
        sections=(PdfSection(f"Antwort {answer[:20]}", rows=(PdfRow(f"Frage {answer[:30]}", answer),)),),
        title=f"Quittung {answer[:10]}",
        issuer=f"Gemeinde {answer[:10]}",
    )
    texts = page_texts(render_pdf(document))

    assert "GU-2025-000123" in texts[0]
    assert "Frage" in texts[0]


def test_unrepresentable_characters_become_visible_question_marks() -> None:
    text = page_texts(render_pdf(receipt(sections=(PdfSection("A", rows=(PdfRow("Stadt", "東京 ok 👍"),)),))))[0]

    assert "?? ok ?" in text


def test_long_values_wrap_inside_the_page() -> None:
    words = [f"Wort{i}" for i in range(600)]
    data = render_pdf(receipt(sections=(PdfSection("Lang", rows=(PdfRow("Begründung", " ".join(words)),)),)))
    reader = read(data)
    text = "\n".join(page.extract_text() for page in reader.pages)

    assert len(reader.pages) >= 2
    for word in words:
        assert word in text


def test_three_hundred_rows_break_pages_with_numbered_footers() -> None:
    rows = tuple(PdfRow(f"Feld {i}", f"Antwort {i}") for i in range(300))
    texts = page_texts(render_pdf(receipt(sections=(PdfSection("Export", rows=rows),))))
    pages = len(texts)

    assert pages >= 4
    for number, text in enumerate(texts, start=1):
        assert f"Guichet · Seite {number} von {pages}" in text
    lines = {line.strip() for text in texts for line in text.splitlines()}
    assert {f"Feld {i} Antwort {i}" for i in range(300)} <= lines


@pytest.mark.parametrize("filler", range(0, 60, 3))
def test_a_heading_is_never_left_alone_at_the_bottom(filler: int) -> None:
    # Shifting the content by a few rows lands the second heading at every height of the page once.
    rows = tuple(PdfRow(f"Vorher {i}", "x\n" * (i % 3) + "y") for i in range(filler))
    sections = (
        PdfSection("Erster Abschnitt", rows=rows),
        PdfSection("Zweiter Abschnitt", rows=(PdfRow("Erste Frage", "Zeile\n" * 6 + "Ende"), PdfRow("Zweite", "z"))),
        PdfSection("Dritter Abschnitt", paragraphs=("Ein Absatz, der umbricht. " * 20,)),
    )
    for text in page_texts(render_pdf(receipt(sections=sections))):
        if "Zweiter Abschnitt" in text:
            assert "Erste Frage" in text
        if "Dritter Abschnitt" in text:
            assert "Ein Absatz" in text


def test_a_value_longer_than_a_page_continues_on_the_next() -> None:
    lines = [f"Zeile {i}" for i in range(150)]
    texts = page_texts(render_pdf(receipt(sections=(PdfSection("Riesig", rows=(PdfRow("Text", "\n".join(lines)),)),))))

    assert len(texts) >= 3
    everything = "\n".join(texts)
    for line in lines:
        assert line in everything


def test_same_input_gives_identical_bytes() -> None:
    assert render_pdf(receipt()) == render_pdf(receipt())
    # The same instant in another time zone, or naive (read as UTC), is the same document.
    zurich = CREATED.astimezone(timezone(timedelta(hours=1)))
    assert render_pdf(receipt(created_at=zurich)) == render_pdf(receipt())
    assert render_pdf(receipt(created_at=CREATED.replace(tzinfo=None))) == render_pdf(receipt())
    assert render_pdf(receipt(created_at=CREATED + timedelta(seconds=1))) != render_pdf(receipt())


def test_metadata_language_and_outline() -> None:
    reader = read(render_pdf(receipt(language="fr")))
    metadata = reader.metadata
    assert metadata is not None

    assert metadata.title == "Quittung"
    assert metadata.author == "Gemeinde Zürich – Einwohnerkontrolle"
    assert metadata.subject == "Umzug melden"
    assert metadata.creator == "Guichet"
    assert metadata.creation_date == CREATED
    catalog = reader.root_object
    assert catalog["/Lang"] == "fr"
    preferences = catalog["/ViewerPreferences"].get_object()
    assert isinstance(preferences, DictionaryObject)
    assert bool(preferences["/DisplayDocTitle"])
    assert [item.title for item in reader.outline] == ["Ihre Angaben", "Hinweise"]  # type: ignore[union-attr]


def test_metadata_keeps_unicode_that_the_page_font_cannot_draw() -> None:
    metadata = read(render_pdf(receipt(title="Quittung 東京 👍", issuer="Ville de Genève\nService"))).metadata
    assert metadata is not None

    assert metadata.title == "Quittung 東京 👍"
    assert metadata.author == "Ville de Genève Service"


def test_page_placeholders_in_answers_stay_literal() -> None:
    text = page_texts(render_pdf(receipt(sections=(PdfSection("A", rows=(PdfRow("B", "{page} {pages} {nb}"),)),))))[0]

    assert "{page} {pages} {nb}" in text


def test_bad_accent_falls_back_and_bad_language_is_refused() -> None:
    assert read(render_pdf(receipt(accent="not a colour")))
    assert read(render_pdf(receipt(accent="#abc")))
    with pytest.raises(ValueError, match="language"):
        render_pdf(receipt(language="deutsch, bitte"))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Grüezi «Ça» – € … ’ “ ” —", "Grüezi «Ça» – € … ’ “ ” —"),
        ("Dvořák, Łódź, Kraków, Ørsted, Şişli", "Dvorák, Lódz, Kraków, Ørsted, Sisli"),
        ("e\u0301te\u0301", "été"),  # decomposed accents are composed first
        ("10\u202f%", "10\u00a0%"),  # narrow no-break space stays non-breaking
        ("a ≤ b → c − d", "a <= b -> c - d"),
        ("ﬁ ＡＢＣ ½ ²", "fi ABC ½ ²"),
        ("👨‍👩‍👧 🇨🇭 👍🏽", "? ? ?"),
        ("東京", "??"),
        ("a\r\nb\rc\td\x00e", "a\nb\nc de"),
    ],
)
def test_to_winansi(text: str, expected: str) -> None:
    assert to_winansi(text) == expected
    to_winansi(text).encode("windows-1252")  # always drawable


def test_to_winansi_single_line() -> None:
    assert to_winansi("a\nb", multiline=False) == "a b"
