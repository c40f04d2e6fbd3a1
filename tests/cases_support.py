"""Building submitted cases for tests: a real draft, submitted through the real service."""

from __future__ import annotations

from typing import Any

from guichet.accounts.models import User
from guichet.cases.models import Case
from guichet.catalogue.models import Service
from guichet.catalogue.services import service_upsert
from guichet.core.actor import citizen_actor
from guichet.core.models import Authority
from guichet.eforms.models import Draft
from guichet.eforms.selectors import definition_get
from guichet.eforms.services import submission_create

#: complete, valid answers to ``residence-confirmation`` (JSON values, as drafts store them)
RESIDENCE_ANSWERS: dict[str, Any] = {
    "first_name": "Alice",
    "last_name": "Amrein",
    "date_of_birth": "1990-04-01",
    "purpose": "employer",
    "copies": 2,
    "delivery": "a_post",
    "delivery_address": {
        "street": "Marktgasse",
        "house_number": "7",
        "postcode": "3000",
        "town": "Bern",
        "country": "CH",
    },
    "truthful": True,
}


def residence_service(authority: Authority, *, slug: str = "wohnsitzbestaetigung") -> Service:
    return service_upsert(
        slug=slug,
        authority=authority,
        title={"de": "Wohnsitzbestätigung", "fr": "Attestation de domicile"},
        form_definition="residence-confirmation",
    )


def filled_draft(user: User, service: Service, answers: dict[str, Any] | None = None) -> Draft:
    definition = definition_get(slug=service.form_definition)
    profile = user.active_profile
    assert profile is not None
    return Draft.objects.create(
        profile=profile,
        data_key_id=profile.data_key_id,
        service=service,
        definition_slug=definition.slug,
        definition_version=definition.version,
        current_step=len(definition.steps),
        answers=dict(RESIDENCE_ANSWERS if answers is None else answers),
    )


def submitted_case(user: User, authority: Authority, *, service: Service | None = None, language: str = "de") -> Case:
    """A case of ``user``'s active profile at ``authority`` (status "received")."""
    service = service or residence_service(authority)
    draft = filled_draft(user, service)
    actor = citizen_actor(user=user, profile=user.active_profile)
    submission = submission_create(actor=actor, draft_id=draft.pk, language=language)
    return Case.objects.get(submission=submission)
