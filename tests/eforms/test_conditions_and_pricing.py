"""show_if on the server, pruning of hidden answers, and the fee."""

from __future__ import annotations

from decimal import Decimal

import pytest

from guichet.eforms.conditions import All, AnyOf, Equals, In, Not, evaluate, prune, visibility
from guichet.eforms.definition import FormDefinition
from guichet.eforms.pricing import calculate_fee


@pytest.mark.parametrize(
    ("condition", "answers", "expected"),
    [
        (None, {}, True),
        (Equals("a", "x"), {"a": "x"}, True),
        (Equals("a", "x"), {"a": " x "}, True),
        (Equals("a", "x"), {"a": "y"}, False),
        (Equals("a", "x"), {}, False),
        (Equals("a", 2), {"a": 2}, True),
        (Equals("a", 2), {"a": Decimal("2.00")}, True),
        (Equals("a", "2"), {"a": 2}, True),
        (Equals("a", True), {"a": True}, True),
        (Equals("a", True), {"a": False}, False),
        (Equals("a", "x"), {"a": ["y", "x"]}, True),  # checkbox: ticked
        (In("a", ("x", "y")), {"a": "y"}, True),
        (In("a", ("x", "y")), {"a": "z"}, False),
        (In("a", ("x", "y")), {"a": ["z", "y"]}, True),
        (In("a", ("x",)), {"a": None}, False),
        (Not(Equals("a", "x")), {"a": "y"}, True),
        (Not(Equals("a", "x")), {}, True),
        (All((Equals("a", "x"), Equals("b", 1))), {"a": "x", "b": 1}, True),
        (All((Equals("a", "x"), Equals("b", 1))), {"a": "x", "b": 2}, False),
        (AnyOf((Equals("a", "x"), Equals("b", 1))), {"a": "q", "b": 1}, True),
        (AnyOf((Equals("a", "x"), Equals("b", 1))), {"a": object()}, False),
    ],
)
def test_evaluate(condition: object, answers: dict[str, object], expected: bool) -> None:
    assert evaluate(condition, answers) is expected  # type: ignore[arg-type]


def test_hidden_answers_are_dropped(demos: dict[str, FormDefinition]) -> None:
    form = demos["residence-confirmation"]
    answers = {"purpose": "employer", "purpose_other": "leftover", "delivery": "pdf", "delivery_address": {"x": 1}}
    assert prune(form, answers) == {"purpose": "employer", "delivery": "pdf"}
    answers |= {"purpose": "other", "delivery": "a_post", "unknown": 1}
    assert prune(form, answers) == {
        "purpose": "other",
        "purpose_other": "leftover",
        "delivery": "a_post",
        "delivery_address": {"x": 1},
    }


def test_visibility_chains_through_hidden_fields(demos: dict[str, FormDefinition]) -> None:
    shown = visibility(demos["dog-registration"], {"listed_breed": "yes"})
    assert shown["breed_permit"] is True
    assert visibility(demos["dog-registration"], {"listed_breed": "no"})["breed_permit"] is False


def test_dog_tax_per_dog_and_listed_breed(demos: dict[str, FormDefinition]) -> None:
    fee = calculate_fee(demos["dog-registration"], {"dog_count": 3, "listed_breed": "yes"})
    assert fee.total == Decimal("410.00")
    assert [(line.field, line.quantity, line.unit_price, line.amount) for line in fee.lines] == [
        ("dog_count", 3, Decimal("120"), Decimal("360.00")),
        ("listed_breed", 1, Decimal("50"), Decimal("50.00")),
    ]
    assert calculate_fee(demos["dog-registration"], {"dog_count": 1, "listed_breed": "no"}).total == Decimal("120.00")


def test_residence_confirmation_base_fee_delivery_and_copies(demos: dict[str, FormDefinition]) -> None:
    form = demos["residence-confirmation"]
    assert calculate_fee(form, {"delivery": "pdf"}).total == Decimal("20.00")
    fee = calculate_fee(form, {"delivery": "registered", "copies": 2})
    assert fee.total == Decimal("47.50")
    assert fee.lines[0].field == ""
    assert fee.lines[0].label["de"] == "Wohnsitzbestätigung bestellen"


def test_parking_permit_price_by_duration(demos: dict[str, FormDefinition]) -> None:
    assert calculate_fee(demos["parking-permit"], {"duration": "year"}).total == Decimal("360.00")
    assert calculate_fee(demos["parking-permit"], {}).total == Decimal("0.00")


@pytest.mark.parametrize("quantity", [-2, 0, "x", None, True, 1.5, "NaN", float("inf")])
def test_nonsense_quantities_cost_nothing(demos: dict[str, FormDefinition], quantity: object) -> None:
    assert calculate_fee(demos["dog-registration"], {"dog_count": quantity}).total == Decimal("0.00")
