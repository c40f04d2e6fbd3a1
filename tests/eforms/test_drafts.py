"""Drafts: start, step through, save, leave, resume, delete; scoped to the owner's active profile."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from guichet.accounts.models import User
from guichet.catalogue.models import Service
from guichet.catalogue.services import service_upsert
from guichet.core.actor import citizen_actor
from guichet.core.models import Authority
from guichet.eforms.models import Draft
from guichet.eforms.privacy import DRAFT_AGE, _untouched_drafts
from guichet.eforms.selectors import definition_get
from guichet.eforms.services import draft_start, to_json
from tests.conftest import login

pytestmark = pytest.mark.django_db


@pytest.fixture
def service(authority: Authority) -> Service:
    return service_upsert(
        slug="wohnsitzbestaetigung",
        authority=authority,
        title={"de": "Wohnsitzbestätigung", "en": "Confirmation of residence"},
        form_definition="residence-confirmation",
    )


@pytest.fixture
def alice_client(client: Client, alice: User) -> Client:
    return login(client, alice)


def _raw_answers(draft: Draft) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT answers FROM eforms_draft WHERE id = %s", [draft.pk.hex])
        row = cursor.fetchone()
    assert row is not None
    return str(row[0])


def _start(client: Client, service: Service) -> tuple[Draft, str]:
    response = client.get(reverse("eforms:draft_start", args=[service.slug]))
    assert response.status_code == 302
    draft = Draft.objects.get(service=service)
    return draft, response["Location"]


def test_definition_get_parses_once_and_refuses_unknown_slugs() -> None:
    first = definition_get(slug="dog-registration")
    assert first is definition_get(slug="dog-registration")
    assert first.slug == "dog-registration"
    for slug in ("nope", "../settings", ""):
        with pytest.raises(LookupError):
            definition_get(slug=slug)


def test_to_json_turns_dates_and_amounts_into_strings() -> None:
    from decimal import Decimal

    value = {"d": datetime.date(2024, 2, 29), "n": Decimal("2.50"), "l": [Decimal("1")], "b": True, "none": None}
    assert to_json(value) == {"d": "2024-02-29", "n": "2.50", "l": ["1"], "b": True, "none": None}


def test_service_page_links_to_the_online_form(client: Client, service: Service) -> None:
    response = client.get(reverse("catalogue:detail", args=[service.slug]))
    assert reverse("eforms:draft_start", args=[service.slug]) in response.content.decode()


def test_service_without_definition_has_no_link_and_no_apply(alice_client: Client, authority: Authority) -> None:
    plain = service_upsert(slug="heimatschein", authority=authority, title={"de": "Heimatschein"})
    page = alice_client.get(reverse("catalogue:detail", args=[plain.slug])).content.decode()
    assert "/apply/" not in page
    assert alice_client.get(reverse("eforms:draft_start", args=[plain.slug])).status_code == 404


def test_guest_goes_to_login(client: Client, service: Service) -> None:
    response = client.get(reverse("eforms:draft_start", args=[service.slug]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("auth:login"))


def test_the_whole_journey(alice_client: Client, alice: User, service: Service) -> None:
    draft, location = _start(alice_client, service)
    assert location == reverse("eforms:draft_step", args=[draft.pk, 1])
    assert draft.profile_id == alice.active_profile_id
    assert draft.data_key_id == alice.active_profile.data_key_id  # type: ignore[union-attr]
    assert (draft.definition_slug, draft.definition_version) == ("residence-confirmation", 1)

    # first visit: prefilled from the active profile, step indicator, back to the service page
    page = alice_client.get(location).content.decode()
    assert 'value="Alice"' in page
    assert 'value="Amrein"' in page
    assert 'aria-current="step"' in page
    assert reverse("catalogue:detail", args=[service.slug]) in page

    # errors keep what was typed
    response = alice_client.post(location, {"first_name": "Alicia", "last_name": "Amrein", "action": "continue"})
    assert response.status_code == 200
    page = response.content.decode()
    assert 'class="error-summary"' in page
    assert 'value="Alicia"' in page
    draft.refresh_from_db()
    assert draft.answers == {}

    # step 1 valid: saved, encrypted, on to step 2
    response = alice_client.post(
        location,
        {"first_name": "Alicia", "last_name": "Amrein", "date_of_birth": "1990-05-17", "action": "continue"},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("eforms:draft_step", args=[draft.pk, 2])
    draft.refresh_from_db()
    assert draft.current_step == 1
    assert draft.answers["first_name"] == "Alicia"
    assert draft.answers["date_of_birth"] == "1990-05-17"
    raw = _raw_answers(draft)
    assert raw.startswith("gx1:")
    assert "Alicia" not in raw

    # step 2 has a back link to step 1; skipping ahead to step 3 is not possible
    page = alice_client.get(reverse("eforms:draft_step", args=[draft.pk, 2])).content.decode()
    assert reverse("eforms:draft_step", args=[draft.pk, 1]) in page
    response = alice_client.get(reverse("eforms:draft_step", args=[draft.pk, 3]))
    assert response["Location"] == reverse("eforms:draft_step", args=[draft.pk, 2])

    # leave: the draft is listed, resuming lands on the saved step
    listing = alice_client.get(reverse("eforms:draft_list")).content.decode()
    assert "Confirmation of residence" in listing or "Wohnsitzbestätigung" in listing
    assert reverse("eforms:draft_step", args=[draft.pk, 2]) in listing
    assert reverse("eforms:draft_delete", args=[draft.pk]) in listing
    assert "Wohnsitzbest" in alice_client.get(reverse("account:dashboard")).content.decode()
    again, location = _start(alice_client, service)
    assert again.pk == draft.pk
    assert location == reverse("eforms:draft_step", args=[draft.pk, 2])
    assert Draft.objects.count() == 1

    # delete: confirmation page, then gone
    delete_url = reverse("eforms:draft_delete", args=[draft.pk])
    assert alice_client.get(delete_url).status_code == 200
    response = alice_client.post(delete_url)
    assert response["Location"] == reverse("eforms:draft_list")
    assert not Draft.objects.exists()


def test_save_and_continue_later_keeps_valid_answers(alice_client: Client, service: Service) -> None:
    draft, location = _start(alice_client, service)
    response = alice_client.post(location, {"first_name": "Alicia", "last_name": "", "action": "later"})
    assert response["Location"] == reverse("eforms:draft_list")
    draft.refresh_from_db()
    assert draft.answers["first_name"] == "Alicia"
    assert draft.current_step == 0  # the step is not finished yet


def _to_step_2(client: Client, service: Service) -> Draft:
    draft, location = _start(client, service)
    client.post(location, {"first_name": "A", "last_name": "B", "date_of_birth": "1990-05-17", "action": "continue"})
    return draft


def test_conditions_hide_fields(alice_client: Client, service: Service) -> None:
    draft = _to_step_2(alice_client, service)
    step_2 = reverse("eforms:draft_step", args=[draft.pk, 2])
    response = alice_client.post(
        step_2,
        {
            "purpose": "employer",
            "purpose_other": "should be dropped",
            "delivery": "pdf",
            "delivery_address_0": "Bahnhofstrasse",
            "action": "continue",
        },
    )
    assert response.status_code == 302, response.content.decode()
    draft.refresh_from_db()
    assert draft.answers["purpose"] == "employer"
    assert "purpose_other" not in draft.answers
    assert "delivery_address" not in draft.answers

    # shown when the condition holds: then required
    response = alice_client.post(step_2, {"purpose": "other", "delivery": "pdf", "action": "continue"})
    assert response.status_code == 200
    assert 'id="id_purpose_other_error"' in response.content.decode()


def test_last_step_leads_to_checking_the_answers(alice_client: Client, service: Service) -> None:
    draft = _to_step_2(alice_client, service)
    alice_client.post(
        reverse("eforms:draft_step", args=[draft.pk, 2]), {"purpose": "employer", "delivery": "pdf", "action": "x"}
    )
    response = alice_client.post(reverse("eforms:draft_step", args=[draft.pk, 3]), {"truthful": "on"})
    assert response["Location"] == reverse("eforms:draft_review", args=[draft.pk])
    page = alice_client.get(response["Location"], headers={"accept-language": "en"}).content.decode()
    assert "Check your answers" in page
    assert "Employer" in page  # the chosen option's label, not its key
    assert 'name="confirm"' in page


@pytest.mark.parametrize("persona", ["bob", "clara", "dario", "olga"])
def test_someone_elses_draft_is_not_found(
    request: pytest.FixtureRequest, persona: str, alice: User, service: Service
) -> None:
    draft = draft_start(actor=citizen_actor(user=alice, profile=alice.active_profile), service=service)
    client = login(Client(), request.getfixturevalue(persona))
    for url in (
        reverse("eforms:draft_step", args=[draft.pk, 1]),
        reverse("eforms:draft_review", args=[draft.pk]),
        reverse("eforms:draft_delete", args=[draft.pk]),
    ):
        assert client.get(url).status_code == 404, url
    assert client.post(reverse("eforms:draft_delete", args=[draft.pk])).status_code == 404
    assert client.post(reverse("eforms:draft_step", args=[draft.pk, 1]), {"first_name": "X"}).status_code == 404
    assert (
        reverse("eforms:draft_step", args=[draft.pk, 1])
        not in client.get(reverse("eforms:draft_list")).content.decode()
    )
    draft.refresh_from_db()
    assert draft.answers == {}


def test_drafts_belong_to_the_active_profile(alice: User, service: Service) -> None:
    business = alice.profiles.get(kind="business")
    private = draft_start(actor=citizen_actor(user=alice, profile=alice.active_profile), service=service)
    other = draft_start(actor=citizen_actor(user=alice, profile=business), service=service)
    assert private.pk != other.pk
    assert other.data_key_id == business.data_key_id


def test_untouched_drafts_are_due_after_180_days(alice: User, service: Service) -> None:
    from django.utils import timezone

    draft = draft_start(actor=citizen_actor(user=alice, profile=alice.active_profile), service=service)
    now = timezone.now()
    assert not _untouched_drafts(now).exists()
    Draft.objects.filter(pk=draft.pk).update(updated_at=now - DRAFT_AGE - datetime.timedelta(days=1))
    assert list(_untouched_drafts(now)) == [draft]
