"""Demo cases for ``manage.py load_demo``: a few applications in different states, submitted and
processed through the real services, so the citizen's timeline and the clerk's queue have content.
Idempotent: a profile that already has cases gets none."""

from __future__ import annotations

import datetime
from typing import Any

from guichet.accounts.models import User
from guichet.cases.services import case_add_note, case_request_information, case_set_status
from guichet.catalogue.models import Service
from guichet.core.actor import citizen_actor, staff_actor
from guichet.core.models import StaffMembership
from guichet.eforms.models import Draft, Submission
from guichet.eforms.selectors import definition_get
from guichet.eforms.services import submission_create


def _address(street: str, number: str, postcode: str, town: str) -> dict[str, str]:
    return {"street": street, "house_number": number, "postcode": postcode, "town": town, "country": "CH"}


def _residence(first_name: str, last_name: str, born: datetime.date) -> dict[str, Any]:
    return {
        "first_name": first_name,
        "last_name": last_name,
        "date_of_birth": born.isoformat(),
        "purpose": "employer",
        "delivery": "a_post",
        "delivery_address": _address("Bahnhofstrasse", "1", "4500", "Solothurn"),
        "truthful": True,
    }


DOG: dict[str, Any] = {
    "keeper_address": _address("Bahnhofstrasse", "1", "4500", "Solothurn"),
    "dog_count": 1,
    "dog_name": "Bello",
    "microchip": "756098100123456",
    "born_on": "2024-05-02",
    "listed_breed": "no",
    "liability_insurance": True,
    "truthful": True,
}


def _submit(user: User, service_slug: str, answers: dict[str, Any]) -> Submission:
    service = Service.objects.get(slug=service_slug)
    definition = definition_get(slug=service.form_definition)
    profile = user.active_profile
    assert profile is not None
    Draft.objects.filter(profile=profile, service=service).delete()
    draft = Draft.objects.create(
        profile=profile,
        data_key_id=profile.data_key_id,
        service=service,
        definition_slug=definition.slug,
        definition_version=definition.version,
        current_step=len(definition.steps),
        answers=answers,
    )
    actor = citizen_actor(user=user, profile=profile)
    return submission_create(actor=actor, draft_id=draft.pk, language="de")


def load_cases_demo(*, anna: User, ben: User, clerk: User, membership: StaffMembership) -> int:
    """Submit the demo applications once; returns how many cases were opened."""
    if Submission.objects.filter(profile__owner__in=[anna, ben]).exists():
        return 0
    staff = staff_actor(user=clerk, membership=membership)
    residence = _submit(anna, "wohnsitzbestaetigung", _residence("Anna", "Muster", datetime.date(1985, 3, 27)))
    case_set_status(
        actor=staff,
        case=residence.case,
        status="in_progress",
        note="Wir stellen die Bestätigung in den nächsten Tagen aus.",
    )
    dog = _submit(anna, "hundeanmeldung", DOG)
    case_add_note(actor=staff, case=dog.case, text="Chipnummer mit AMICUS abgleichen.")
    case_request_information(
        actor=staff, case=dog.case, message="Bitte laden Sie den Nachweis der Haftpflichtversicherung hoch."
    )
    _submit(ben, "wohnsitzbestaetigung", _residence("Ben", "Beispiel", datetime.date(1992, 11, 5)))
    return 3
