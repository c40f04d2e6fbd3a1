"""Check your answers and submit: the declaration, idempotency, the confirmation, versions."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from guichet.accounts.models import User
from guichet.cases.models import Case, CaseEvent
from guichet.cases.reference import normalise_reference
from guichet.catalogue.models import Service
from guichet.core.actor import citizen_actor
from guichet.core.models import Authority
from guichet.eforms.models import Draft, FormVersion, Submission
from guichet.eforms.selectors import definition_get
from guichet.eforms.services import SubmissionIncomplete, submission_create
from guichet.eforms.versions import definition_of
from tests.cases_support import RESIDENCE_ANSWERS, filled_draft, residence_service
from tests.conftest import login

pytestmark = pytest.mark.django_db


@pytest.fixture
def service(authority: Authority) -> Service:
    return residence_service(authority)


@pytest.fixture
def alice_client(client: Client, alice: User) -> Client:
    return login(client, alice)


def test_check_your_answers_lists_every_shown_answer_with_change_links_and_the_fee(
    alice_client: Client, alice: User, service: Service
) -> None:
    draft = filled_draft(alice, service)
    page = alice_client.get(reverse("eforms:draft_review", args=[draft.pk]), headers={"accept-language": "en"})
    text = page.content.decode()
    assert page.status_code == 200
    for expected in ("Alice", "Amrein", "Employer", "Priority mail", "Marktgasse 7", "3000 Bern", "Confirmed"):
        assert expected in text
    for step in (1, 2, 3):
        assert reverse("eforms:draft_step", args=[draft.pk, step]) in text
    # 20 base + 2 copies x 10 + A-Post 2.50
    assert "CHF 42.50" in text


def test_submitting_needs_the_declaration_and_keeps_the_draft_otherwise(
    alice_client: Client, alice: User, service: Service
) -> None:
    draft = filled_draft(alice, service)
    response = alice_client.post(reverse("eforms:draft_review", args=[draft.pk]), {}, headers={"accept-language": "en"})
    assert response.status_code == 400
    assert "Confirm your answers to send the application." in response.content.decode()
    assert Draft.objects.filter(pk=draft.pk).exists()
    assert not Submission.objects.exists()


def test_submit_opens_a_case_with_a_readable_reference_and_shows_the_confirmation(
    alice_client: Client, alice: User, service: Service
) -> None:
    draft = filled_draft(alice, service)
    response = alice_client.post(reverse("eforms:draft_review", args=[draft.pk]), {"confirm": "on"})
    case = Case.objects.get()
    assert response["Location"] == reverse("eforms:submission_confirmation", args=[case.pk])
    assert normalise_reference(case.reference.lower().replace("-", " ")) == case.reference
    assert case.status == case.public_status == "received"
    assert case.authority == service.authority
    assert case.submission.fee == Decimal("42.50")
    assert [event.kind for event in case.events.all()] == [CaseEvent.Kind.SUBMITTED]
    assert not Draft.objects.filter(pk=draft.pk).exists()
    page = alice_client.get(response["Location"], headers={"accept-language": "en"}).content.decode()
    assert case.reference in page
    assert reverse("cases:receipt", args=[case.pk]) in page


def test_double_submit_retry_and_back_button_never_make_two_applications(
    alice_client: Client, alice: User, service: Service
) -> None:
    draft = filled_draft(alice, service)
    url = reverse("eforms:draft_review", args=[draft.pk])
    first = alice_client.post(url, {"confirm": "on"})
    second = alice_client.post(url, {"confirm": "on"})  # double click / retry
    back = alice_client.get(url)  # back button to the check page
    assert first["Location"] == second["Location"] == back["Location"]
    assert Submission.objects.count() == Case.objects.count() == 1


def test_someone_else_cannot_submit_or_see_the_confirmation(
    client: Client, alice: User, bob: User, service: Service
) -> None:
    draft = filled_draft(alice, service)
    login(client, bob)
    assert client.post(reverse("eforms:draft_review", args=[draft.pk]), {"confirm": "on"}).status_code == 404
    assert not Submission.objects.exists()
    case = Case.objects.get(
        submission=submission_create(
            actor=citizen_actor(user=alice, profile=alice.active_profile), draft_id=draft.pk, language="de"
        )
    )
    assert client.get(reverse("eforms:submission_confirmation", args=[case.pk])).status_code == 404


def test_missing_required_answers_send_the_citizen_back_to_the_step(
    alice_client: Client, alice: User, service: Service
) -> None:
    answers = dict(RESIDENCE_ANSWERS)
    del answers["date_of_birth"]
    draft = filled_draft(alice, service, answers)
    response = alice_client.post(reverse("eforms:draft_review", args=[draft.pk]), {"confirm": "on"})
    assert response["Location"] == reverse("eforms:draft_step", args=[draft.pk, 1])
    assert not Submission.objects.exists()
    with pytest.raises(SubmissionIncomplete) as raised:
        submission_create(
            actor=citizen_actor(user=alice, profile=alice.active_profile), draft_id=draft.pk, language="de"
        )
    assert raised.value.steps == [1]


def test_hidden_answers_are_not_submitted(alice: User, service: Service) -> None:
    answers = {**RESIDENCE_ANSWERS, "delivery": "pdf", "purpose_other": "left over from an earlier choice"}
    draft = filled_draft(alice, service, answers)
    submission = submission_create(
        actor=citizen_actor(user=alice, profile=alice.active_profile), draft_id=draft.pk, language="de"
    )
    assert "delivery_address" not in submission.answers
    assert "purpose_other" not in submission.answers
    assert submission.fee == Decimal("40.00")


def test_a_submission_keeps_the_exact_form_version_it_answered(alice: User, service: Service) -> None:
    draft = filled_draft(alice, service)
    submission = submission_create(
        actor=citizen_actor(user=alice, profile=alice.active_profile), draft_id=draft.pk, language="de"
    )
    definition = definition_get(slug="residence-confirmation")
    version = submission.form_version
    assert (version.slug, version.version, version.digest) == (definition.slug, definition.version, definition.digest)
    assert definition_of(version) == definition
    # The stored source is the one answered, even if the shipped file changes later.
    FormVersion.objects.filter(pk=version.pk).update(source=version.source.replace("Wohnsitzbestätigung", "Altname"))
    version.refresh_from_db()
    assert definition_of(version).title_text("de").startswith("Altname")


def test_a_changed_definition_under_the_same_version_fails_the_system_check(alice: User, service: Service) -> None:
    from guichet.eforms.checks import check_form_versions

    submission_create(
        actor=citizen_actor(user=alice, profile=alice.active_profile),
        draft_id=filled_draft(alice, service).pk,
        language="de",
    )
    assert check_form_versions(None, databases=["default"]) == []
    FormVersion.objects.update(digest="0" * 64)
    assert [error.id for error in check_form_versions(None, databases=["default"])] == ["eforms.E001"]


def test_the_confirmed_email_is_marked_verified_when_prefilled_and_recorded_on_submit(
    alice_client: Client, alice: User, authority: Authority
) -> None:
    from guichet.catalogue.services import service_upsert

    service = service_upsert(
        slug="bauvoranfrage", authority=authority, title={"de": "Bauvoranfrage"}, form_definition="building-pre-enquiry"
    )
    alice_client.get(reverse("eforms:draft_start", args=[service.slug]))
    draft = Draft.objects.get()
    page = alice_client.get(reverse("eforms:draft_step", args=[draft.pk, 1]), headers={"accept-language": "en"})
    text = page.content.decode()
    assert "Verified: your confirmed email address" in text
    assert 'value="alice@example.ch"' in text
    assert "Filled in from your profile" in text  # the name: from the profile, not verified

    residence = residence_service(authority)
    answers = {**RESIDENCE_ANSWERS, "email": "alice@example.ch"}
    submission = submission_create(
        actor=citizen_actor(user=alice, profile=alice.active_profile),
        draft_id=filled_draft(alice, residence, answers).pk,
        language="de",
    )
    # residence-confirmation asks no email: nothing to mark there
    assert submission.verified_keys == []


@pytest.mark.django_db(transaction=True)
def test_concurrent_submits_of_one_draft_make_one_submission(alice: User, authority: Authority) -> None:
    """Four requests racing to submit the same draft: the row lock serialises them."""
    if connection.vendor != "postgresql":
        pytest.skip("the in-memory SQLite test database allows no concurrent connections; CI runs this on PostgreSQL")
    draft = filled_draft(alice, residence_service(authority))
    actor = citizen_actor(user=alice, profile=alice.active_profile)
    results: list[object] = []

    def submit() -> None:
        try:
            results.append(submission_create(actor=actor, draft_id=draft.pk, language="de").pk)
        except Exception as exc:  # collected and asserted below
            results.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 4
    assert all(not isinstance(result, Exception) for result in results), results
    assert len(set(results)) == 1
    assert Submission.objects.count() == Case.objects.count() == 1


def test_an_address_field_is_prefilled_from_the_profile(client: Client, alice: User, authority: Authority) -> None:
    from guichet.catalogue.services import service_upsert

    profile = alice.active_profile
    assert profile is not None
    profile.street, profile.postal_code, profile.town = "Bahnhofstrasse 12a", "4500", "Solothurn"
    profile.save()
    service = service_upsert(
        slug="hundeanmeldung", authority=authority, title={"de": "Hund"}, form_definition="dog-registration"
    )
    login(client, alice)
    client.get(reverse("eforms:draft_start", args=[service.slug]))
    draft = Draft.objects.get()
    page = client.get(reverse("eforms:draft_step", args=[draft.pk, 1]), headers={"accept-language": "en"})
    text = page.content.decode()
    for value in ('value="Bahnhofstrasse"', 'value="12a"', 'value="4500"', 'value="Solothurn"'):
        assert value in text
    assert "Filled in from your profile" in text
