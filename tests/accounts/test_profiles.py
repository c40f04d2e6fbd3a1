"""Profiles under /account/profiles/: list, add, change, delete, switch (P29, P32)."""

from __future__ import annotations

import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test import Client
from django.urls import reverse

from guichet.accounts import services
from guichet.accounts.forms import normalise_uid, uid_check_digit
from guichet.accounts.models import Profile, User
from guichet.core.actor import citizen_actor
from guichet.core.models import AuditEvent
from tests.conftest import login

VALID_UID = "CHE-116.281.710"

pytestmark = pytest.mark.django_db


@pytest.fixture
def en(client: Client) -> Client:
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def business_of(user: User) -> Profile:
    return Profile.objects.get(owner=user, kind=Profile.Kind.BUSINESS)


def private_of(user: User) -> Profile:
    return Profile.objects.get(owner=user, kind=Profile.Kind.PRIVATE)


def business_data(**overrides: str) -> dict[str, str]:
    data = {
        "organisation_name": "Velo Kurier AG",
        "uid": VALID_UID,
        "street": "Gurzelngasse 3",
        "postal_code": "4500",
        "town": "Solothurn",
        "country": "CH",
        "email": "info@velokurier.example",
        "phone": "+41 32 600 11 22",
    }
    return data | overrides


def private_data(profile: Profile, **overrides: str) -> dict[str, str]:
    data = {
        "first_name": profile.first_name,
        "last_name": profile.last_name,
        "date_of_birth": "1980-02-29",
        "street": "Bahnhofstrasse 1",
        "postal_code": "4500",
        "town": "Solothurn",
        "country": "CH",
        "email": "",
        "phone": "",
    }
    return data | overrides


def text(response: object) -> str:
    return re.sub(r"\s+", " ", response.content.decode())  # type: ignore[attr-defined]


# --- the Swiss UID -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("CHE-116.281.710", "CHE-116.281.710"),
        ("che116281710", "CHE-116.281.710"),
        ("CHE 116 281 710", "CHE-116.281.710"),
        ("CHE-123.456.788", "CHE-123.456.788"),
    ],
)
def test_uid_is_normalised(typed: str, stored: str) -> None:
    assert normalise_uid(typed) == stored


@pytest.mark.parametrize("typed", ["CHE-123.456.789", "CHE-116.281.711", "123.456.788", "CHE-12.456.788", "CHE-"])
def test_invalid_uid_is_refused(typed: str) -> None:
    with pytest.raises(ValidationError):
        normalise_uid(typed)


def test_uid_whose_check_digit_would_be_ten_is_never_valid() -> None:
    # Find eight digits whose check digit would be 10: no last digit makes such a number valid.
    digits = next(f"{n:08d}" for n in range(10_000_000, 10_100_000) if uid_check_digit(f"{n:08d}") is None)
    for last in range(10):
        with pytest.raises(ValidationError):
            normalise_uid(f"CHE-{digits[:3]}.{digits[3:6]}.{digits[6:8]}{last}")


# --- list and switch -------------------------------------------------------------------------


def test_guest_is_sent_to_login(client: Client) -> None:
    response = client.get(reverse("account:profiles"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("auth:login"))


def test_list_shows_own_profiles_with_the_active_one_marked(en: Client, alice: User, bob: User) -> None:
    response = login(en, alice).get(reverse("account:profiles"))
    assert response.status_code == 200
    page = text(response)
    assert "Alice Amrein" in page
    assert "Amrein Bäckerei GmbH" in page
    assert "Bob Brunner" not in page.split("<main", 1)[1]
    assert page.count("Active profile") == 1
    # The active (private) profile's section carries the mark; the business one offers the switch.
    private_section = page.split(f'id="profile-{private_of(alice).pk}-title"')[1].split("</section>")[0]
    assert "Active profile" in private_section
    assert "Act as this profile" not in private_section
    business_section = page.split(f'id="profile-{business_of(alice).pk}-title"')[1].split("</section>")[0]
    assert "Act as this profile" in business_section
    assert "Delete" in business_section
    assert "Delete" not in private_section  # the private profile stays with the account


def test_switch_active_profile_with_one_click(en: Client, alice: User) -> None:
    business = business_of(alice)
    login(en, alice)
    response = en.post(reverse("account:profile_activate", args=[business.pk]), follow=True)
    assert response.status_code == 200
    alice.refresh_from_db()
    assert alice.active_profile_id == business.pk
    header = text(response).split("</header>")[0]
    assert "Amrein Bäckerei GmbH" in header  # the header shows who the account acts as
    assert "You now act as “Amrein Bäckerei GmbH”." in text(response)
    event = AuditEvent.objects.get(action=AuditEvent.Action.CHANGE, object_ref=str(business.pk))
    assert event.subject_ref == str(alice.pk)


def test_switch_needs_post_and_a_csrf_token(alice: User) -> None:
    business = business_of(alice)
    url = reverse("account:profile_activate", args=[business.pk])
    client = login(Client(enforce_csrf_checks=True), alice)
    assert client.get(url).status_code == 405
    assert client.post(url).status_code == 403
    alice.refresh_from_db()
    assert alice.active_profile_id == private_of(alice).pk


def test_someone_elses_profile_cannot_be_activated(client: Client, alice: User, bob: User) -> None:
    response = login(client, bob).post(reverse("account:profile_activate", args=[business_of(alice).pk]))
    assert response.status_code == 404
    bob.refresh_from_db()
    assert bob.active_profile_id == private_of(bob).pk


# --- create ------------------------------------------------------------------------------------


def test_create_business_profile(en: Client, alice: User) -> None:
    login(en, alice)
    page = en.get(reverse("account:profile_create", args=["business"]))
    assert page.status_code == 200
    assert 'autocomplete="organization"' in page.content.decode()
    response = en.post(
        reverse("account:profile_create", args=["business"]), business_data(uid="che 116 281 710"), follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("account:profiles")
    assert "The profile “Velo Kurier AG” was added." in text(response)
    profile = Profile.objects.get(owner=alice, kind=Profile.Kind.BUSINESS, uid=VALID_UID)
    assert profile.organisation_name == "Velo Kurier AG"
    assert profile.town == "Solothurn"
    assert profile.email == "info@velokurier.example"
    event = AuditEvent.objects.get(action=AuditEvent.Action.CREATE, object_ref=str(profile.pk))
    assert event.subject_ref == str(alice.pk)
    assert "Velo Kurier" not in str(event.detail)  # field names, never values


def test_create_organisation_profile_without_uid(en: Client, alice: User) -> None:
    login(en, alice)
    response = en.post(
        reverse("account:profile_create", args=["organisation"]),
        {"organisation_name": "Turnverein Solothurn", "country": "CH"},
    )
    assert response.status_code == 302
    assert Profile.objects.filter(owner=alice, kind=Profile.Kind.ORGANISATION).count() == 1


def test_invalid_business_profile_keeps_what_was_typed(en: Client, alice: User) -> None:
    login(en, alice)
    before = Profile.objects.count()
    response = en.post(
        reverse("account:profile_create", args=["business"]),
        business_data(uid="CHE-123.456.789", postal_code="45", phone="call me"),
    )
    assert response.status_code == 200
    page = text(response)
    assert "There is a problem" in page
    assert "This UID is not valid" in page
    assert "Enter a Swiss postcode of 4 digits." in page
    assert "Enter a phone number" in page
    assert 'value="Velo Kurier AG"' in page  # what was typed stays
    assert 'value="Gurzelngasse 3"' in page
    assert 'href="#id_uid"' in page  # the error summary links to the field
    assert Profile.objects.count() == before


def test_business_profile_needs_name_and_uid(en: Client, alice: User) -> None:
    login(en, alice)
    response = en.post(
        reverse("account:profile_create", args=["business"]), business_data(organisation_name="", uid="")
    )
    assert response.status_code == 200
    page = text(response)
    assert page.count("This field is required.") == 4  # twice each: the summary and the field
    assert Profile.objects.filter(owner=alice, kind=Profile.Kind.BUSINESS).count() == 1


def test_a_second_private_profile_cannot_be_created(client: Client, alice: User) -> None:
    login(client, alice)
    assert client.get(reverse("account:profile_create", args=["private"])).status_code == 404
    assert client.post(reverse("account:profile_create", args=["private"]), {}).status_code == 404


# --- edit (P29) ----------------------------------------------------------------------------


@pytest.mark.promise("P29")
def test_edit_private_profile(en: Client, alice: User) -> None:
    profile = private_of(alice)
    login(en, alice)
    page = en.get(reverse("account:profile_edit", args=[profile.pk]))
    assert 'value="Alice"' in page.content.decode()
    response = en.post(reverse("account:profile_edit", args=[profile.pk]), private_data(profile, last_name="Meier"))
    assert response.status_code == 302
    profile.refresh_from_db()
    assert profile.last_name == "Meier"
    assert profile.town == "Solothurn"
    assert str(profile.date_of_birth) == "1980-02-29"
    event = AuditEvent.objects.get(action=AuditEvent.Action.CHANGE, object_ref=str(profile.pk))
    assert event.subject_ref == str(alice.pk)
    assert set(event.detail["fields"]) >= {"last_name", "town"}


@pytest.mark.promise("P29")
def test_mandatory_fields_stay_complete(en: Client, alice: User) -> None:
    profile = private_of(alice)
    login(en, alice)
    response = en.post(
        reverse("account:profile_edit", args=[profile.pk]), private_data(profile, first_name="Alicia", last_name="")
    )
    assert response.status_code == 200
    page = text(response)
    assert "This field is required." in page
    assert 'value="Alicia"' in page  # what was typed stays
    profile.refresh_from_db()
    assert (profile.first_name, profile.last_name) == ("Alice", "Amrein")


@pytest.mark.promise("P29")
def test_mandatory_field_errors_are_translated(client: Client, alice: User) -> None:
    profile = private_of(alice)
    login(client, alice)
    response = client.post(
        reverse("account:profile_edit", args=[profile.pk]),
        private_data(profile, last_name=""),
        HTTP_ACCEPT_LANGUAGE="de",
    )
    assert "Dieses Feld ist zwingend erforderlich." in text(response)


@pytest.mark.promise("P29")
def test_services_refuse_an_incomplete_profile(alice: User) -> None:
    actor = citizen_actor(user=alice, profile=private_of(alice))
    profile = business_of(alice)
    with pytest.raises(ValidationError) as excinfo:
        services.profile_update(actor=actor, profile=profile, data={"organisation_name": "  "})
    assert "organisation_name" in excinfo.value.message_dict
    profile.refresh_from_db()
    assert profile.organisation_name == "Amrein Bäckerei GmbH"
    with pytest.raises(ValidationError):
        services.profile_create(actor=actor, kind=Profile.Kind.BUSINESS, data={"organisation_name": "X"})


def test_services_refuse_someone_elses_profile(alice: User, bob: User) -> None:
    bob_actor = citizen_actor(user=bob, profile=private_of(bob))
    business = business_of(alice)
    with pytest.raises(PermissionDenied):
        services.profile_update(actor=bob_actor, profile=business, data={"organisation_name": "Hijacked"})
    with pytest.raises(PermissionDenied):
        services.profile_delete(actor=bob_actor, profile=business)
    with pytest.raises(PermissionDenied):
        services.profile_activate(actor=bob_actor, profile=business)
    business.refresh_from_db()
    assert business.organisation_name == "Amrein Bäckerei GmbH"


def test_edit_business_profile_with_an_invalid_uid(en: Client, alice: User) -> None:
    business = business_of(alice)
    login(en, alice)
    response = en.post(reverse("account:profile_edit", args=[business.pk]), business_data(uid="CHE-116.281.719"))
    assert response.status_code == 200
    assert "This UID is not valid" in text(response)
    response = en.post(reverse("account:profile_edit", args=[business.pk]), business_data())
    assert response.status_code == 302
    business.refresh_from_db()
    assert (business.organisation_name, business.uid) == ("Velo Kurier AG", VALID_UID)


def test_someone_elses_profile_is_not_found(client: Client, alice: User, bob: User) -> None:
    business = business_of(alice)
    login(client, bob)
    for name in ("account:profile_edit", "account:profile_delete"):
        assert client.get(reverse(name, args=[business.pk])).status_code == 404
        assert client.post(reverse(name, args=[business.pk]), business_data()).status_code == 404
    business.refresh_from_db()
    assert business.organisation_name == "Amrein Bäckerei GmbH"


# --- delete ------------------------------------------------------------------------------------


def test_delete_business_profile_after_confirmation(en: Client, alice: User) -> None:
    business = business_of(alice)
    login(en, alice)
    page = en.get(reverse("account:profile_delete", args=[business.pk]))
    assert page.status_code == 200
    assert "Delete the profile “Amrein Bäckerei GmbH”?" in text(page)
    assert Profile.objects.filter(pk=business.pk).exists()  # nothing happens on GET
    response = en.post(reverse("account:profile_delete", args=[business.pk]), follow=True)
    assert "The profile “Amrein Bäckerei GmbH” was deleted." in text(response)
    assert not Profile.objects.filter(pk=business.pk).exists()
    event = AuditEvent.objects.get(action=AuditEvent.Action.DELETE)
    assert (event.object_ref, event.subject_ref) == (str(business.pk), str(alice.pk))


def test_deleting_the_active_profile_falls_back_to_the_private_one(client: Client, alice: User) -> None:
    business = business_of(alice)
    alice.active_profile = business
    alice.save(update_fields=["active_profile"])
    login(client, alice).post(reverse("account:profile_delete", args=[business.pk]))
    alice.refresh_from_db()
    assert alice.active_profile_id == private_of(alice).pk


def test_private_profile_cannot_be_deleted(client: Client, alice: User) -> None:
    profile = private_of(alice)
    login(client, alice)
    assert client.get(reverse("account:profile_delete", args=[profile.pk])).status_code == 404
    assert client.post(reverse("account:profile_delete", args=[profile.pk])).status_code == 404
    assert Profile.objects.filter(pk=profile.pk).exists()


# --- privacy --------------------------------------------------------------------------------


@pytest.mark.promise("P32")
def test_profile_pages_never_show_another_users_email(client: Client, alice: User, bob: User) -> None:
    login(client, bob)
    for url in (reverse("account:profiles"), reverse("account:dashboard")):
        assert "alice@example.ch" not in client.get(url).content.decode()


def test_contact_data_is_stored_encrypted(alice: User) -> None:
    actor = citizen_actor(user=alice, profile=private_of(alice))
    profile = services.profile_create(actor=actor, kind=Profile.Kind.BUSINESS, data=business_data())
    table = Profile._meta.db_table
    with connection.cursor() as cursor:
        query = f"SELECT organisation_name, street, phone FROM {table} WHERE id = %s"  # noqa: S608
        cursor.execute(query, [Profile._meta.pk.get_db_prep_value(profile.pk, connection)])
        raw = cursor.fetchone()
    assert raw is not None
    assert all(value.startswith("gx1:") for value in raw)
    assert "Velo" not in "".join(raw)
