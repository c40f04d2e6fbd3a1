"""Self-service account deletion (P30): after re-authentication, the account and every data kind
of the registry that hangs on it are erased, the data keys destroyed, bookings stripped, and a
receipt without personal data goes to the address. Staff must have their access removed first."""

from __future__ import annotations

import time
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.files.storage import storages
from django.test import Client
from django.urls import reverse

from guichet.accounts.login_flow import REAUTH_SESSION_KEY
from guichet.accounts.models import EmailToken, Profile, RecoveryCode, TotpDevice, User
from guichet.appointments.models import AppointmentType, Booking
from guichet.appointments.services import booking_create
from guichet.cases.models import Case, CaseAttachment, CaseEvent
from guichet.core.actor import citizen_actor
from guichet.core.files import blob_save
from guichet.core.models import AuditEvent, Authority, DataKey, DeletionLogEntry
from guichet.eforms.models import Draft, Submission, Upload
from guichet.privacy import erasure
from tests.appointments_support import at, counters, kind, location, next_weekday
from tests.cases_support import filled_draft, residence_service, submitted_case
from tests.conftest import PASSWORD, login

__all__ = ["counters", "kind", "location"]  # fixtures

pytestmark = pytest.mark.django_db

URL = "/account/privacy/delete/"
DONE = "/account/privacy/deleted/"
EN = {"accept-language": "en"}

#: Alice's data that must not survive anywhere: not in the receipt, not in a stripped booking.
ALICE_DATA = ("Alice", "Amrein", "Bäckerei", "CHE-123", "Marktgasse", "1990", "ausweis", "mietvertrag", "079 555")


@pytest.fixture
def alice_everything(alice: User, authority: Authority, kind: AppointmentType) -> dict[str, Any]:
    """Alice with two profiles (fixture), a submitted case with a document, a draft with an upload,
    a future booking, an authenticator app, recovery codes and a pending email change."""
    case = submitted_case(alice, authority)
    attachment = CaseAttachment(case=case, data_key_id=case.data_key_id, name="ausweis.pdf")
    stored = blob_save(data_key_id=str(case.data_key_id), aad=attachment.aad, chunks=[b"%PDF-1.4 ausweis"])
    attachment.content_type, attachment.size = "application/pdf", stored.size
    attachment.sha256, attachment.storage_name = stored.sha256, stored.storage_name
    attachment.save()

    draft = filled_draft(alice, residence_service(authority, slug="zweite-bestaetigung"))
    upload = Upload(profile_id=draft.profile_id, data_key_id=draft.data_key_id, draft=draft, field_key="doc")
    upload.name = "mietvertrag.pdf"
    blob = blob_save(data_key_id=str(draft.data_key_id), aad=upload.aad, chunks=[b"%PDF-1.4 mietvertrag"])
    upload.content_type, upload.size, upload.sha256, upload.storage_name = (
        "application/pdf",
        blob.size,
        blob.sha256,
        blob.storage_name,
    )
    upload.save()

    booking, _token = booking_create(
        actor=citizen_actor(user=alice, profile=alice.active_profile),
        appointment_type=kind,
        starts_at=at(next_weekday(1), 9),
        name="Alice Amrein",
        email="alice@example.ch",
        phone="079 555 12 34",
    )
    TotpDevice.objects.create(user=alice, data_key_id=alice.data_key_id, secret="JBSWY3DPEHPK3PXP", confirmed_at=None)
    RecoveryCode.objects.create(user=alice, code_hash="x" * 64)
    return {
        "case": case,
        "draft": draft,
        "files": [attachment.storage_name, upload.storage_name],
        "booking": booking,
        "key_ids": {alice.data_key_id, booking.data_key_id, *alice.profiles.values_list("data_key_id", flat=True)},
    }


def fresh(client: Client, user: User) -> Client:
    """Logged in, with the password asked a moment ago."""
    login(client, user)
    session = client.session
    session[REAUTH_SESSION_KEY] = int(time.time())
    session.save()
    return client


def stale(client: Client, user: User) -> Client:
    login(client, user)
    session = client.session
    session[REAUTH_SESSION_KEY] = int(time.time()) - 24 * 3600
    session.save()
    return client


def bodies(message: Any) -> str:
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    return f"{message['Subject']}\n{text}\n{html}"


def test_the_urls_are_stable() -> None:
    assert reverse("privacy_centre:delete") == URL
    assert reverse("privacy_centre:deleted") == DONE


@pytest.mark.promise("P30")
def test_deleting_the_account_erases_everything_of_it(
    client: Client,
    alice: User,
    bob: User,
    authority: Authority,
    alice_everything: dict[str, Any],
    smtp_server: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    bobs_case = submitted_case(bob, authority)
    storage = storages["default"]
    assert all(storage.exists(name) for name in alice_everything["files"])
    alice_id, profile_ids = alice.pk, list(alice.profiles.values_list("pk", flat=True))
    booking: Booking = alice_everything["booking"]

    stale(client, alice)
    page = client.get(URL, headers=EN)
    assert page.status_code == 200
    # Without a fresh password prompt, the ticked box leads to "confirm it is you" first.
    response = client.post(URL, {"understand": "on"}, headers=EN)
    assert response.status_code == 302
    assert response["Location"].startswith(f"{reverse('auth:reauthenticate')}?next=")
    assert User.objects.filter(pk=alice_id).exists()
    # Re-authenticating (the account has no confirmed second factor) brings her back to the page.
    back = client.post(reverse("auth:reauthenticate"), {"password": PASSWORD, "next": URL}, headers=EN)
    assert back["Location"] == URL

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(URL, {"understand": "on"}, headers=EN)
    assert response.status_code == 302
    assert response["Location"] == DONE
    done = client.get(DONE, headers=EN)
    assert done.status_code == 200
    assert "Your account was deleted" in done.content.decode()
    assert "_auth_user_id" not in client.session  # logged out

    # Nothing of hers is left, in any kind the registry knows.
    assert not User.objects.filter(pk=alice_id).exists()
    assert not Profile.objects.filter(pk__in=profile_ids).exists()
    for model in (Draft, Submission, Upload, Case):
        assert not model.objects.filter(profile_id__in=profile_ids).exists(), model
    assert not Case.objects.filter(pk=alice_everything["case"].pk).exists()
    assert not CaseEvent.objects.filter(case_id=alice_everything["case"].pk).exists()
    assert not CaseAttachment.objects.filter(case_id=alice_everything["case"].pk).exists()
    assert not Draft.objects.filter(pk=alice_everything["draft"].pk).exists()
    assert not TotpDevice.objects.filter(user_id=alice_id).exists()
    assert not RecoveryCode.objects.filter(user_id=alice_id).exists()
    assert not EmailToken.objects.filter(user_id=alice_id).exists()
    assert not any(storage.exists(name) for name in alice_everything["files"])
    # Crypto-shredding: every key that sealed her data is gone, so are copies in backups.
    keys = DataKey.objects.filter(pk__in=alice_everything["key_ids"])
    assert keys.count() == len(alice_everything["key_ids"])
    assert all(key.wrapped is None and key.destroyed_at is not None for key in keys)

    # The booking stays for statistics: cancelled (the seat is free) and without the person.
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CANCELLED
    assert booking.personal_data_erased_at is not None
    assert booking.profile_id is None
    assert booking.data_key_id is None
    assert booking.manage_token_hash is None
    raw = Booking.objects.filter(pk=booking.pk).values("name", "email", "phone", "email_index").get()
    assert raw == {"name": "", "email": "", "phone": "", "email_index": ""}

    # Bob's data is untouched.
    assert Case.objects.filter(pk=bobs_case.pk).exists()
    assert bob.profiles.count() == 1
    assert DataKey.objects.get(pk=bob.data_key_id).wrapped is not None

    # The deletion log counts kinds, the audit trail keeps one opaque event.
    log = {entry.data_kind: entry.count for entry in DeletionLogEntry.objects.filter(trigger="account_erasure")}
    assert log["accounts.User"] == 1
    assert log["accounts.Profile"] == 2
    assert log["eforms.Draft"] == 1
    assert log["eforms.Submission"] == 1
    assert log["eforms.Upload"] == 1
    assert log["cases.Case"] == 1
    assert log["cases.CaseAttachment"] == 1
    assert log["appointments.Booking"] == 1
    assert log["core.DataKey"] == len(alice_everything["key_ids"]) - 1  # the booking's: stripped with it
    event = AuditEvent.objects.filter(action=AuditEvent.Action.DELETE, object_type="accounts.user").get()
    assert event.subject_ref == str(alice_id)
    assert event.actor_ref == str(alice_id)

    # One receipt, to the address, naming nothing of her data.
    (message,) = smtp_server.messages
    assert message["To"] == "alice@example.ch"
    everything = bodies(message)
    assert "account and all its data were deleted" in everything
    for value in (*ALICE_DATA, alice_everything["case"].reference):
        assert value not in everything, value

    # She can no longer log in: the login form says the credentials are wrong.
    other = Client()
    refused = other.post(reverse("auth:login"), {"email": "alice@example.ch", "password": PASSWORD}, headers=EN)
    assert refused.status_code == 200
    assert "The email address or the password is not correct." in refused.content.decode()


def test_the_confirmation_page_lists_the_kinds_with_counts(
    client: Client, alice: User, alice_everything: dict[str, Any]
) -> None:
    login(client, alice)
    page = client.get(URL, headers=EN).content.decode()
    assert "What will be deleted" in page
    assert "Profiles: 2" in page
    assert "Submissions: 1" in page
    assert "Cases: 1" in page
    assert "Uploaded files: 1" in page
    assert "What stays, without reference to you" in page
    assert "Bookings (1): kept without reference to the person" in page
    assert "cannot be undone" in page
    assert 'name="understand"' in page
    centre = client.get(reverse("privacy_centre:index"), headers=EN).content.decode()
    assert f'href="{URL}"' in centre


def test_without_the_box_nothing_happens(client: Client, alice: User) -> None:
    fresh(client, alice)
    response = client.post(URL, {}, headers=EN)
    assert response.status_code == 400
    page = response.content.decode()
    assert "There is a problem" in page
    assert "Tick the box to confirm that you want to delete your account." in page
    assert User.objects.filter(pk=alice.pk).exists()


def test_staff_are_refused_until_their_access_is_removed(client: Client, clara: User) -> None:
    fresh(client, clara)
    page = client.get(URL, headers=EN).content.decode()
    assert "ask your authority&#x27;s administrator to remove your staff access first" in page
    assert 'name="understand"' not in page  # no button to press
    response = client.post(URL, {"understand": "on"}, headers=EN)
    assert response.status_code == 400
    assert "ask your authority&#x27;s administrator to remove your staff access first" in response.content.decode()
    assert User.objects.filter(pk=clara.pk).exists()
    assert clara.memberships.exists()
    with pytest.raises(ValidationError) as info:
        erasure.account_erase(actor=citizen_actor(user=clara, profile=clara.active_profile))
    assert info.value.code == "staff"


def test_operators_are_refused(client: Client, olga: User) -> None:
    fresh(client, olga)
    response = client.post(URL, {"understand": "on"}, headers=EN)
    assert response.status_code == 400
    assert "operator account" in response.content.decode()
    assert User.objects.filter(pk=olga.pk).exists()


def test_guests_log_in_first_but_see_the_goodbye_page(client: Client) -> None:
    for method in (client.get, client.post):
        response = method(URL)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("auth:login"))
    assert client.get(DONE, headers=EN).status_code == 200


def test_an_unverified_address_gets_no_receipt(
    alice: User, django_capture_on_commit_callbacks: Any, settings: Any
) -> None:
    """Nobody confirmed owning the address: a stranger must not learn that an account existed."""
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
    alice.email_verified_at = None
    alice.save(update_fields=["email_verified_at"])
    with django_capture_on_commit_callbacks(execute=True):
        receipt = erasure.account_erase(actor=citizen_actor(user=alice, profile=alice.active_profile))
    assert receipt.account_ref == str(alice.pk)
    assert {kind.model: kind.count for kind in receipt.kinds}["accounts.Profile"] == 2
    assert mail.outbox == []
    assert not User.objects.filter(pk=alice.pk).exists()
