# ruff: noqa: RUF002  (the docstring lists the typographic characters the renderer keeps)
"""PDF documents (receipts, submission exports) rendered from plain data with fpdf2.

Build a :class:`PdfDocument` and call :func:`render_pdf`; nothing here touches Django or the database, so
callers decide what goes in (and must leave out what a receipt may not show).

Why fpdf2: it is pure Python; WeasyPrint needs the system's Pango, which a fresh machine lacks.

Font decision: the built-in PDF font Helvetica, with WinAnsi (Windows-1252) encoding, and no embedded font.
  * No installed package ships a general-purpose TrueType font (fpdf2's wheel bundles none; DejaVu lives
    only in its test suite), we may not download one, and committing a 700 kB binary is not wanted. Using
    a font from ``/usr/share/fonts`` would make the bytes (and whether it works at all) depend on the machine.
  * Windows-1252 is a superset of Latin-1 that also holds what the four national languages need on top:
    € ’ ‘ “ ” „ ‹ › – — … • œ Œ ‰ ™. It is what the PDF's WinAnsiEncoding declares, so text extraction,
    search and copy-paste give back the exact characters.
  * Everything else goes through :func:`to_winansi`: typographic variants become their close equivalent
    (narrow no-break space, non-breaking hyphen, minus, ≤ ≥ →, ẞ ł …), other letters lose their accents
    (č → c, ő → o, ș → s), and whatever is left (CJK, emoji, other scripts) becomes a visible "?", one per
    character (one per emoji sequence). Nothing raises. The PDF is a copy for people; the submission
    itself keeps the original text.
  * Document metadata (title, author, subject) and bookmarks are PDF text strings, not drawn with the font,
    so they keep the full Unicode text.

Accessibility: done cheaply: /Lang (``language``), the document title shown in the viewer's title bar
instead of the file name (DisplayDocTitle), one bookmark per section, real text (no images of text), a
reading order that follows the drawing order, text colours with at least 7:1 contrast; the authority's
accent colour only draws a decorative rule. Not done: the document is not tagged (no structure tree; fpdf2
tags only images and styled ``start_section`` titles, and a half-tagged PDF is worse for screen readers
than an untagged one), and the core font is not embedded, so it is not PDF/UA (or PDF/A) conformant.

Deterministic: same :class:`PdfDocument` gives the same bytes. The creation date is ``created_at`` (or now,
when it is missing), and fpdf2 derives the file /ID from the content and that date.

Layout: A4; the issuer on top of every page (and the title on later pages); the title with the accent rule
under it; the meta rows, the first (the reference number) big and bold; then each section: its heading,
its paragraphs, then its rows: label in the left 35 %, value on the right, a thin rule between rows. Rows
are kept on one page unless they are long, and then split between lines; a heading always has the start
of its content on the same page.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import cast

from fpdf import FPDF
from fpdf.enums import MethodReturnValue
from fpdf.prefs import ViewerPreferences

__all__ = ["PdfDocument", "PdfRow", "PdfSection", "render_pdf", "to_winansi"]


@dataclass(frozen=True, slots=True)
class PdfRow:
    """A label and its value; the value may span several lines ("\\n")."""

    label: str
    value: str


@dataclass(frozen=True, slots=True)
class PdfSection:
    """A heading (also a bookmark), then its paragraphs, then its rows."""

    heading: str
    rows: tuple[PdfRow, ...] = ()
    paragraphs: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class PdfDocument:
    """Everything a rendered document shows.

    ``meta`` is the key facts block under the title; its first row is shown big and bold, so put the
    reference number first. ``footer`` is a format string: ``{page}`` and ``{pages}`` are replaced by
    the page number and the page count. ``language`` is a language tag ("de", "fr", "it", "en", "de-CH").
    ``accent`` is a hex colour ("#1f4e79" or "#17a"); an invalid one falls back to the default.
    ``created_at`` is the PDF's creation date (naive means UTC); set it for reproducible bytes.
    """

    title: str
    issuer: str
    language: str
    meta: tuple[PdfRow, ...]
    sections: tuple[PdfSection, ...]
    footer: str
    subject: str = ""
    accent: str = "#1f4e79"
    created_at: datetime | None = None


def render_pdf(document: PdfDocument) -> bytes:
    """Render ``document`` as PDF bytes. Any Unicode text is accepted (see the module docstring)."""
    return _Renderer(document).render()


# --- Text -----------------------------------------------------------------------------------------------

_ENCODING = "windows-1252"

# Close equivalents for characters outside Windows-1252 that NFKD decomposition does not handle.
_EQUIVALENTS: dict[str, str] = {
    "\u202f": "\u00a0",  # narrow no-break space (French « … ») stays non-breaking
    "\u2007": "\u00a0",  # figure space
    "\u2060": "",  # word joiner
    "\u2010": "-",
    "\u2011": "-",  # non-breaking hyphen
    "\u2012": "\u2013",  # figure dash
    "\u2015": "\u2014",  # horizontal bar
    "\u2212": "-",  # minus sign
    "\u2043": "-",  # hyphen bullet
    "\u201b": "\u2018",
    "\u201f": "\u201c",
    "\u2032": "'",  # prime
    "\u2033": '"',
    "\u2035": "'",
    "\u2023": "\u2022",  # triangular bullet
    "\u2219": "\u00b7",
    "\u25cf": "\u2022",
    "\u25aa": "\u2022",
    "\u2264": "<=",
    "\u2265": ">=",
    "\u2260": "!=",
    "\u2248": "~",
    "\u2192": "->",
    "\u2190": "<-",
    "\u2194": "<->",
    "\u21d2": "=>",
    "\u2713": "\u00d7",  # check marks, as a cross (the visible tick of a form)
    "\u2714": "\u00d7",
    "\u2717": "\u00d7",
    "\u2718": "\u00d7",
    "\u1e9e": "SS",  # capital sharp s
    "\u0131": "i",  # dotless i
    "\u0141": "L",
    "\u0142": "l",
    "\u0110": "D",
    "\u0111": "d",
    "\u0126": "H",
    "\u0127": "h",
    "\u0166": "T",
    "\u0167": "t",
}
_JOINERS = frozenset("\u200d")  # zero-width joiner: an emoji sequence becomes one "?"
_NEWLINES = re.compile(r"\r\n|[\r\x0b\x0c\x85\u2028\u2029]")
# C0/C1 controls except "\n"; they are invisible at best and also keep the page-count alias unforgeable.
_CONTROLS = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f]")
_EMOJI_MODIFIERS = range(0x1F3FB, 0x1F400)  # skin tones
_REGIONAL_INDICATORS = range(0x1F1E6, 0x1F200)  # a flag is a pair of these


@lru_cache(maxsize=4096)
def _char_to_winansi(char: str) -> str:
    """One character as text Helvetica/WinAnsi can draw: itself, an equivalent, nothing or "?"."""
    if char in _EQUIVALENTS:
        return _EQUIVALENTS[char]
    try:
        char.encode(_ENCODING)
    except UnicodeEncodeError:
        pass
    else:
        return char
    category = unicodedata.category(char)
    if category in ("Mn", "Me", "Cf") or ord(char) in _EMOJI_MODIFIERS:
        return ""  # combining marks, variation selectors, joiners, bidi marks: not drawable on their own
    if category == "Zs":
        return " "
    decomposed = "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c))
    if decomposed and decomposed != char:
        try:
            decomposed.encode(_ENCODING)
        except UnicodeEncodeError:
            pass
        else:
            return decomposed
    return "?"


def to_winansi(text: str, *, multiline: bool = True) -> str:
    """``text`` restricted to Windows-1252, the character set of the built-in PDF fonts.

    Never raises. Newlines are normalised to "\\n" (or become spaces unless ``multiline``), tabs become
    spaces, other control characters are dropped.
    """
    text = _NEWLINES.sub("\n", unicodedata.normalize("NFC", text)).replace("\t", " ")
    if not multiline:
        text = text.replace("\n", " ")
    text = _CONTROLS.sub("", text)
    try:
        text.encode(_ENCODING)
    except UnicodeEncodeError:
        pass
    else:
        return text  # the common case: nothing to map
    out: list[str] = []
    joined = False  # the previous character was a zero-width joiner
    pending_flag = False  # the previous character was the first half of a flag
    for char in text:
        if char in _JOINERS:
            joined = True
            continue
        if ord(char) in _REGIONAL_INDICATORS:
            if pending_flag:
                pending_flag = False
                continue
            pending_flag = True
            out.append("?")
            continue
        pending_flag = False
        mapped = _char_to_winansi(char)
        if joined and mapped == "?" and out and out[-1] == "?":
            mapped = ""
        joined = False
        if mapped:
            out.append(mapped)
    return "".join(out)


def _plain(text: str) -> str:
    """Single-line Unicode text for metadata and bookmarks (no font involved): only controls go."""
    return " ".join(_CONTROLS.sub(" ", _NEWLINES.sub(" ", text.replace("\n", " "))).split())


# --- Layout ---------------------------------------------------------------------------------------------

# Lengths in mm, font sizes in pt.
_MARGIN_X = 20.0
_MARGIN_TOP = 14.0
_MARGIN_BOTTOM = 20.0  # the footer sits inside it
_HEADER_HEIGHT = 12.0  # issuer line plus the space under it
_FOOTER_FROM_BOTTOM = 12.0
_LABEL_SHARE = 0.35
_GUTTER = 4.0
_ROW_PAD = 1.8
_SECTION_GAP = 7.0
_KEEP_TOGETHER = 0.4  # rows up to this share of a page's body move whole to the next page

_TEXT = (25, 25, 25)
_MUTED = (80, 80, 80)  # still 7.9:1 on white
_RULE = (200, 200, 200)
_DEFAULT_ACCENT = (0x1F, 0x4E, 0x79)

# Stands for the page count until fpdf2 knows it. Made of control characters, which to_winansi removes
# from all other text, so no answer can contain it.
_PAGES_ALIAS = "\x1dN\x1d"


@dataclass(frozen=True, slots=True)
class _Style:
    size: float
    line_height: float
    bold: bool = False
    color: tuple[int, int, int] = _TEXT


_ISSUER = _Style(size=9, line_height=5, bold=True, color=_TEXT)
_RUNNING_TITLE = _Style(size=8, line_height=5, color=_MUTED)
_TITLE = _Style(size=20, line_height=9, bold=True)
_HEADING = _Style(size=12.5, line_height=6.5, bold=True)
_LABEL = _Style(size=9, line_height=5, color=_MUTED)
_VALUE = _Style(size=10, line_height=5)
_REFERENCE = _Style(size=15, line_height=7.5, bold=True)
_PARAGRAPH = _Style(size=10, line_height=5)
_FOOTER = _Style(size=8, line_height=4, color=_MUTED)


def _parse_colour(value: str) -> tuple[int, int, int]:
    digits = value.strip().removeprefix("#")
    if len(digits) == 3:
        digits = "".join(d * 2 for d in digits)
    if len(digits) != 6 or any(d not in "0123456789abcdefABCDEF" for d in digits):
        return _DEFAULT_ACCENT  # a bad colour in an authority's settings must not stop its receipts
    return int(digits[0:2], 16), int(digits[2:4], 16), int(digits[4:6], 16)


_LANGUAGE_TAG = re.compile(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*")


@dataclass(frozen=True, slots=True)
class _MeasuredRow:
    label: list[str]
    value: list[str]
    value_style: _Style

    @property
    def step(self) -> float:
        """Line pitch when the row is split over pages (both columns advance together)."""
        return max(_LABEL.line_height, self.value_style.line_height)

    @property
    def label_offset(self) -> float:
        """Shift that centres the label on a taller first value line (the reference number)."""
        return max(0.0, (self.value_style.line_height - _LABEL.line_height) / 2)

    @property
    def height(self) -> float:
        return 2 * _ROW_PAD + max(len(self.label) * _LABEL.line_height, len(self.value) * self.value_style.line_height)


class _Renderer(FPDF):
    """One document. Page breaks are placed by hand (auto page break is off) to control orphans."""

    def __init__(self, document: PdfDocument) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        language = document.language.strip()
        if not _LANGUAGE_TAG.fullmatch(language):
            raise ValueError(f"not a language tag: {document.language!r}")
        self._doc = document
        self._accent = _parse_colour(document.accent)
        self._issuer = to_winansi(document.issuer, multiline=False)
        self._title = to_winansi(document.title, multiline=False)
        self._footer = to_winansi(document.footer, multiline=False)

        self.core_fonts_encoding = _ENCODING
        self.c_margin = 0  # text starts exactly at the column edge
        self.set_margins(left=_MARGIN_X, top=_MARGIN_TOP, right=_MARGIN_X)
        self.set_auto_page_break(auto=False, margin=_MARGIN_BOTTOM)
        self.alias_nb_pages(_PAGES_ALIAS)
        self._body_top = _MARGIN_TOP + _HEADER_HEIGHT
        self._bottom = self.h - _MARGIN_BOTTOM
        self._label_width = self.epw * _LABEL_SHARE
        self._value_x = self.l_margin + self._label_width + _GUTTER
        self._value_width = self.epw - self._label_width - _GUTTER

        self.set_title(_plain(document.title))
        if document.subject.strip():
            self.set_subject(_plain(document.subject))
        self.set_author(_plain(document.issuer))
        self.set_creator("Guichet")
        self.set_lang(language)
        created = document.created_at or datetime.now(UTC)
        # Same instant, same bytes, whatever time zone the caller's datetime carries.
        created = created.astimezone(UTC) if created.tzinfo else created.replace(tzinfo=UTC)
        self.set_creation_date(created.replace(microsecond=0))
        self.viewer_preferences = ViewerPreferences(display_doc_title=True)

    # fpdf2 hooks ------------------------------------------------------------------------------------

    def header(self) -> None:
        self._use(_ISSUER)
        y = _MARGIN_TOP
        if self.page_no() > 1:
            # Later pages repeat the title on the right, so a loose page still says what it belongs to.
            self._use(_RUNNING_TITLE)
            title = self._fit(self._title, self.epw * 0.45)
            title_width = self.get_string_width(title)
            self.set_xy(self.w - self.r_margin - title_width, y)
            self.cell(w=title_width, h=_ISSUER.line_height, text=title)
            issuer_width = self.epw - title_width - _GUTTER
        else:
            issuer_width = self.epw
        self._use(_ISSUER)
        self.set_xy(self.l_margin, y)
        self.cell(w=issuer_width, h=_ISSUER.line_height, text=self._fit(self._issuer, issuer_width))
        self.set_xy(self.l_margin, self._body_top)

    def footer(self) -> None:
        self._use(_FOOTER)
        text = self._footer.replace("{pages}", _PAGES_ALIAS).replace("{page}", str(self.page_no()))
        self.set_xy(self.l_margin, self.h - _FOOTER_FROM_BOTTOM)
        self.cell(w=self.epw, h=_FOOTER.line_height, text=text, align="C")

    # Document ---------------------------------------------------------------------------------------

    def render(self) -> bytes:
        self.add_page()
        self._lines(self._wrap(self._title, self.epw, _TITLE), _TITLE)
        self.y += 1.5
        self.set_draw_color(*self._accent)
        self.set_line_width(0.8)
        self.line(self.l_margin, self.y, self.w - self.r_margin, self.y)
        self.y += 5
        for index, meta in enumerate(self._doc.meta):
            style = _REFERENCE if index == 0 else _VALUE
            self._row(self._measure(meta, style), rule=False)
        for section in self._doc.sections:
            self._section(section)
        return bytes(self.output())

    def _section(self, section: PdfSection) -> None:
        heading = self._wrap(to_winansi(section.heading, multiline=False), self.epw, _HEADING)
        paragraphs = [self._wrap(to_winansi(p), self.epw, _PARAGRAPH) for p in section.paragraphs]
        first_row = self._measure(section.rows[0], _VALUE) if section.rows else None
        # Never leave a heading alone at the bottom: it needs the start of its content under it.
        if paragraphs:
            lead = min(len(paragraphs[0]), 2) * _PARAGRAPH.line_height
        elif first_row is not None:
            lead = first_row.height if self._keeps_together(first_row) else 2 * _ROW_PAD + 2 * first_row.step
        else:
            lead = 0.0
        heading_height = len(heading) * _HEADING.line_height + 1.5
        if not self._at_page_top():
            self.y += _SECTION_GAP
        if self.y + heading_height + lead > self._bottom:
            self.add_page()
        self.start_section(_plain(section.heading) or "-", level=0)
        self._lines(heading, _HEADING)
        self.y += 1.5
        for lines in paragraphs:
            self._paragraph(lines)
        for index, row in enumerate(section.rows):
            measured = first_row if index == 0 and first_row is not None else self._measure(row, _VALUE)
            self._row(measured, rule=index > 0)

    def _paragraph(self, lines: list[str]) -> None:
        if len(lines) > 1 and self.y + 2 * _PARAGRAPH.line_height > self._bottom:
            self.add_page()  # no single orphaned first line
        self._lines(lines, _PARAGRAPH)
        self.y += 2.5

    def _row(self, row: _MeasuredRow, *, rule: bool) -> None:
        if self.y + row.height > self._bottom and (
            self._keeps_together(row) or self.y + 2 * _ROW_PAD + 2 * row.step > self._bottom
        ):
            self.add_page()
        if rule and not self._at_page_top():
            self.set_draw_color(*_RULE)
            self.set_line_width(0.2)
            self.line(self.l_margin, self.y, self.w - self.r_margin, self.y)
        start = self.y
        top = start + _ROW_PAD
        if start + row.height <= self._bottom:
            self._column(row.label, _LABEL, x=self.l_margin, y=top + row.label_offset, width=self._label_width)
            self._column(row.value, row.value_style, x=self._value_x, y=top, width=self._value_width)
            self.y = start + row.height  # drawing moved the cursor; the row's box decides
            return
        # Too long for one page: both columns advance line by line and continue on the next pages.
        y = top
        for index in range(max(len(row.label), len(row.value))):
            if y + row.step > self._bottom:
                self.add_page()
                y = self.y + _ROW_PAD
            if index < len(row.label):
                self._column(
                    [row.label[index]], _LABEL, x=self.l_margin, y=y + row.label_offset, width=self._label_width
                )
            if index < len(row.value):
                self._column([row.value[index]], row.value_style, x=self._value_x, y=y, width=self._value_width)
            y += row.step
        self.y = y + _ROW_PAD

    # Helpers ----------------------------------------------------------------------------------------

    def _measure(self, row: PdfRow, value_style: _Style) -> _MeasuredRow:
        return _MeasuredRow(
            label=self._wrap(to_winansi(row.label), self._label_width, _LABEL),
            value=self._wrap(to_winansi(row.value), self._value_width, value_style),
            value_style=value_style,
        )

    def _keeps_together(self, row: _MeasuredRow) -> bool:
        return row.height <= _KEEP_TOGETHER * (self._bottom - self._body_top)

    def _at_page_top(self) -> bool:
        return abs(self.y - self._body_top) < 0.01

    def _use(self, style: _Style) -> None:
        self.set_font("helvetica", style="B" if style.bold else "", size=style.size)
        self.set_text_color(*style.color)

    def _wrap(self, text: str, width: float, style: _Style) -> list[str]:
        """``text`` (already WinAnsi) broken into lines that fit ``width``; fpdf2 breaks over-long words."""
        if not text.strip():
            return [""]
        self._use(style)
        if "\n" not in text and self.get_string_width(text) <= width:
            return [text]  # most labels and answers: skip fpdf2's line breaker, which costs ~10x more
        lines = cast(
            list[str],
            self.multi_cell(w=width, h=style.line_height, text=text, dry_run=True, output=MethodReturnValue.LINES),
        )
        # fpdf2 hands back its encoded form (Windows-1252 bytes as Latin-1 text); decode for drawing again.
        return [line.encode("latin-1").decode(_ENCODING) for line in lines] or [""]

    def _lines(self, lines: list[str], style: _Style) -> None:
        """Full-width lines from the cursor down, breaking pages between lines."""
        for line in lines:
            if self.y + style.line_height > self._bottom:
                self.add_page()
            self._column([line], style, x=self.l_margin, y=self.y, width=self.epw)
            self.y += style.line_height

    def _column(self, lines: list[str], style: _Style, *, x: float, y: float, width: float) -> None:
        self._use(style)
        for offset, line in enumerate(lines):
            if line:
                self.set_xy(x, y + offset * style.line_height)
                self.cell(w=width, h=style.line_height, text=line)

    def _fit(self, text: str, width: float) -> str:
        """``text`` cut with "…" to fit one line of ``width`` in the current font."""
        if self.get_string_width(text) <= width:
            return text
        low, high = 0, len(text)  # binary search: long issuer names must not cost quadratic time
        while low < high:
            middle = (low + high + 1) // 2
            if self.get_string_width(text[:middle].rstrip() + "…") <= width:
                low = middle
            else:
                high = middle - 1
        return text[:low].rstrip() + "…"
