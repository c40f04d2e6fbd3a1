"""Whatever is stored or typed, reading it back never crashes: answers of any JSON shape render,
and any text given as a case reference is either a valid reference or ``None``."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from guichet.cases.reference import ALPHABET, check_symbol, format_reference, normalise_reference
from guichet.eforms.answers import answer_sections
from guichet.eforms.definition import demo_definition_paths, load_definition_file

_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=30),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=12,
)
_DEFINITIONS = [load_definition_file(path) for path in demo_definition_paths()]
_KEYS = sorted({field.key for definition in _DEFINITIONS for field in definition.fields()})


@given(st.sampled_from(_DEFINITIONS), st.dictionaries(st.sampled_from(_KEYS), _JSON, max_size=12))
def test_any_stored_answers_render_for_every_form(definition: Any, answers: dict[str, Any]) -> None:
    for language in ("de", "fr", "it", "en"):
        sections = answer_sections(definition, answers, language=language)
        assert len(sections) == len(definition.steps)
        assert all(isinstance(row.value, str) for section in sections for row in section.rows)


@given(st.text(max_size=40))
def test_any_text_is_a_valid_reference_or_none(text: str) -> None:
    reference = normalise_reference(text)
    assert reference is None or normalise_reference(reference) == reference


@given(st.text(alphabet=ALPHABET, min_size=7, max_size=7), st.integers(0, 6), st.sampled_from(ALPHABET))
def test_one_misheard_symbol_is_always_caught(symbols: str, position: int, other: str) -> None:
    reference = format_reference(2026, symbols + check_symbol(symbols))
    assert normalise_reference(reference) == reference
    if other != symbols[position]:
        typo = symbols[:position] + other + symbols[position + 1 :]
        assert normalise_reference(format_reference(2026, typo + check_symbol(symbols))) is None


@given(st.text(alphabet=ALPHABET, min_size=7, max_size=7), st.integers(0, 5))
def test_two_swapped_neighbours_are_always_caught(symbols: str, position: int) -> None:
    swapped = symbols[:position] + symbols[position + 1] + symbols[position] + symbols[position + 2 :]
    if swapped != symbols:
        assert normalise_reference(format_reference(2026, swapped + check_symbol(symbols))) is None
