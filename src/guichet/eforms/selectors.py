"""Every read of the form engine, scoped by the actor where data belongs to a person."""

from __future__ import annotations

import functools
import re
import uuid

from django.core.exceptions import ValidationError
from django.db.models import QuerySet

from guichet.core.access import scoped_get
from guichet.core.actor import Actor
from guichet.eforms.definition import DEFINITIONS_DIR, FormDefinition, load_definition_file
from guichet.eforms.models import Draft, Submission


@functools.cache
def _available() -> dict[str, str]:
    """Slug → file name of the shipped definitions; read once per process (they ship with the code)."""
    return {path.stem: path.name for path in DEFINITIONS_DIR.glob("*.yaml")}


@functools.cache
def definition_get(*, slug: str) -> FormDefinition:
    """The parsed definition ``slug`` (parsed once per process). ``LookupError`` if there is none;
    only files of the definitions directory can be named, never a path."""
    filename = _available().get(slug)
    if filename is None:
        raise LookupError(f"no form definition {slug!r}")
    definition = load_definition_file(DEFINITIONS_DIR / filename)
    if definition.slug != slug:
        raise LookupError(f"{filename} declares slug {definition.slug!r}")
    return definition


def definition_exists(*, slug: str) -> bool:
    return bool(slug) and slug in _available()


def draft_list(*, actor: Actor) -> QuerySet[Draft]:
    """The drafts of the profile the actor acts as, last saved first."""
    if not actor.is_citizen or actor.profile is None:
        return Draft.objects.none()
    return Draft.objects.filter(profile=actor.profile).select_related("service", "service__authority")


def draft_get(*, actor: Actor, draft_id: uuid.UUID | str) -> Draft:
    return scoped_get(draft_list(actor=actor), actor=actor, pk=draft_id)


def submission_for_draft(*, actor: Actor, draft_id: uuid.UUID | str) -> Submission | None:
    """The actor's submission made from draft ``draft_id`` (submitting is idempotent)."""
    if not actor.is_citizen or actor.profile is None:
        return None
    try:
        return Submission.objects.filter(draft_ref=draft_id, profile=actor.profile).select_related("case").first()
    except (ValueError, ValidationError):
        return None


def draft_for_service(*, actor: Actor, service_id: int) -> Draft | None:
    return draft_list(actor=actor).filter(service_id=service_id).first()


#: Form keys filled from the active profile on a step's first visit (same name, same meaning).
PREFILL_KEYS: tuple[str, ...] = (
    "first_name",
    "last_name",
    "email",
    "phone",
    "street",
    "postal_code",
    "town",
    "date_of_birth",
    "organisation_name",
    "uid",
)


def profile_prefill(*, actor: Actor) -> dict[str, str]:
    """Answers suggested from the actor's active profile (only non-empty values, as strings)."""
    profile = actor.profile
    if not actor.is_citizen or profile is None:
        return {}
    values: dict[str, str] = {}
    for key in PREFILL_KEYS:
        value = getattr(profile, key, None)
        if value in (None, ""):
            continue
        values[key] = value.isoformat() if hasattr(value, "isoformat") else str(value)
    values.update({key: value for key, value in verified_prefill(actor=actor).items() if key not in values})
    return values


_HOUSE_NUMBER = re.compile(r"^(?P<street>.*?\S)\s+(?P<number>\d+[a-zA-Z]?(?:[-/]\d+[a-zA-Z]?)?)$")


def profile_address(*, actor: Actor) -> dict[str, str] | None:
    """The active profile's address in the eCH-0010 shape of ``postal_address`` fields, or
    ``None`` when the profile has none. "Bahnhofstrasse 1a" is split into street and number."""
    profile = actor.profile
    if not actor.is_citizen or profile is None or not (profile.street and profile.town):
        return None
    street, number = profile.street.strip(), ""
    match = _HOUSE_NUMBER.match(street)
    if match is not None:
        street, number = match.group("street"), match.group("number")
    return {
        "street": street,
        "house_number": number,
        "postcode": profile.postal_code or "",
        "town": profile.town,
        "country": profile.country or "CH",
    }


def verified_prefill(*, actor: Actor) -> dict[str, str]:
    """Answers that come from a verified source. Today that is the account's email address,
    confirmed by link at sign-up; an eID login would add name and date of birth here."""
    user = actor.user
    if not actor.is_citizen or user is None or user.email_verified_at is None or not user.email:
        return {}
    return {"email": user.email}


def verified_answer_keys(*, actor: Actor, answers: dict[str, object]) -> list[str]:
    """The keys whose answer is still exactly the verified value (changed answers are not verified)."""
    return sorted(key for key, value in verified_prefill(actor=actor).items() if answers.get(key) == value)
