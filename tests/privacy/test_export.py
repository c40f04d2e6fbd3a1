"""The data export of the privacy centre (P11 access, P23 portability): one ZIP with JSON, one
CSV per data kind and a readable HTML page, built from the registry; only the account's own
data, never a secret; a sensitive action (POST, recent re-authentication, audited)."""

from __future__ import annotations

import base64
import csv
import datetime
import io
import json
import time
import zipfile
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from guichet.accounts.login_flow import REAUTH_SESSION_KEY
from guichet.accounts.mfa import totp
from guichet.accounts.models import EmailToken, Passkey, Profile, RecoveryCode, TotpDevice, User
from guichet.appointments.models import AppointmentType, Booking
from guichet.appointments.services import booking_create
from guichet.cases.models import Case, CaseEvent
from guichet.core import crypto
from guichet.core.actor import GUEST, citizen_actor
from guichet.core.keys import data_key_material
from guichet.core.models import AuditEvent, Authority, DataKey
from guichet.core.registry import registry
from guichet.eforms.models import Draft
from guichet.privacy.export import export_archive, exported_kinds
from tests.appointments_support import at, counters, kind, location, next_weekday
from tests.cases_support import filled_draft, residence_service, submitted_case

pytestmark = pytest.mark.django_db

__all__ = ["counters", "kind", "location"]  # fixtures used by name

URL = "/account/privacy/export/"
INTERNAL_NOTE = "Internal: check the landlord quietly"


def fresh_login(client: Client, user: User) -> Client:
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    client.force_login(user)
    session = client.session
    session[REAUTH_SESSION_KEY] = int(time.time())
    session.save()
    return client


def archive_of(response: Any) -> tuple[bytes, zipfile.ZipFile]:
    data = b"".join(response.streaming_content)
    return data, zipfile.ZipFile(io.BytesIO(data))


def unpacked(archive: zipfile.ZipFile) -> bytes:
    return b"".join(archive.read(name) for name in archive.namelist())


def json_items(archive: zipfile.ZipFile) -> dict[str, list[dict[str, Any]]]:
    document = json.loads(archive.read("data.json"))
    assert document["format"] == "guichet-export"
    return {section["model"]: section["items"] for section in document["kinds"]}


def csv_rows(archive: zipfile.ZipFile, name: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(archive.read(name).decode("utf-8-sig"))))


@pytest.fixture
def alices_world(alice: User, bob: User, authority: Authority, kind: AppointmentType) -> dict[str, Any]:
    """Alice: two profiles, a case (with an internal note she must not see), a draft, a booking
    with her business profile, an authenticator app, recovery codes, a passkey, a pending email
    change. Bob: a case of his own."""
    case = submitted_case(alice, authority)
    CaseEvent.objects.create(
        case=case,
        data_key_id=case.data_key_id,
        kind=CaseEvent.Kind.NOTE,
        visible=False,
        text=INTERNAL_NOTE,
        author_kind=CaseEvent.Author.STAFF,
    )
    draft = filled_draft(alice, residence_service(authority, slug="zweiter-dienst"), {"first_name": "Draftina"})
    business = alice.profiles.get(kind=Profile.Kind.BUSINESS)
    booking, _token = booking_create(
        actor=citizen_actor(user=alice, profile=business),
        appointment_type=kind,
        starts_at=at(next_weekday(0), 9),
        name="Alice Amrein",
        email="alice.termin@example.ch",
        phone="031 555 12 34",
    )
    device = TotpDevice.objects.create(
        user=alice, data_key_id=alice.data_key_id, secret=totp.secret_generate(), confirmed_at=timezone.now()
    )
    RecoveryCode.objects.create(user=alice, code_hash="recovery-hash-0123456789abcdef")
    Passkey.objects.create(
        user=alice, data_key_id=alice.data_key_id, name="Alice's laptop", credential_id="cred-1", credential_data="{}"
    )
    token = EmailToken.objects.create(
        user=alice,
        purpose=EmailToken.Purpose.EMAIL_CHANGE,
        token_hash="f" * 64,
        expires_at=timezone.now() + datetime.timedelta(hours=1),
        data_key_id=alice.data_key_id,
        new_email="alice.neu@example.ch",
    )
    bobs_case = submitted_case(bob, authority)
    return {
        "case": case,
        "draft": draft,
        "booking": booking,
        "device": device,
        "token": token,
        "bobs_case": bobs_case,
    }


@pytest.fixture
def english() -> Iterator[None]:
    with translation.override("en"):
        yield


def test_the_url_is_stable() -> None:
    assert reverse("privacy_centre:export") == URL


def test_every_kind_linked_to_an_account_holder_in_these_apps_has_an_export() -> None:
    apps = ("accounts.", "eforms.", "cases.", "appointments.")
    missing = [
        kind.model
        for kind in registry
        if kind.model.startswith(apps) and kind.person_links and kind.export is None and kind.model != "accounts.User"
    ]
    assert missing == []
    assert registry.get("accounts.User") in exported_kinds()


@pytest.mark.promise("P23")
@pytest.mark.promise("P11")
def test_the_archive_holds_all_of_alices_data_with_purpose_basis_and_deletion_date(
    client: Client, alice: User, alices_world: dict[str, Any], english: None
) -> None:
    case: Case = alices_world["case"]
    draft: Draft = alices_world["draft"]
    booking: Booking = alices_world["booking"]
    fresh_login(client, alice)

    response = client.post(URL)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"] == f'attachment; filename="guichet-export-{timezone.localdate()}.zip"'
    assert "no-store" in response["Cache-Control"]
    _data, archive = archive_of(response)
    assert archive.testzip() is None
    names = set(archive.namelist())
    assert {"index.html", "data.json", "accounts.profile.csv", "cases.case.csv", "eforms.draft.csv"} <= names
    assert {f"{kind.model.lower()}.csv" for kind in exported_kinds()} <= names

    items = json_items(archive)
    for model, rows in items.items():
        kind = registry.get(model)
        assert kind is not None
        for row in rows:
            assert row["purpose"] == str(kind.purpose)
            assert row["legal_basis"] == str(kind.legal_basis)
            assert row["deleted_on"]
        assert len({tuple(row) for row in rows}) <= 1, f"{model}: every item has the same keys"

    assert items["accounts.User"][0]["email"] == "alice@example.ch"
    assert items["accounts.User"][0]["deleted_on"] == "while the account exists"
    profiles = {row["kind"]: row for row in items["accounts.Profile"]}
    assert profiles["Private person"]["first_name"] == "Alice"
    assert profiles["Business"]["organisation_name"] == "Amrein Bäckerei GmbH"
    assert [row["reference"] for row in items["cases.Case"]] == [case.reference]
    assert items["eforms.Submission"][0]["answers"]["delivery_address"]["street"] == "Marktgasse"
    assert items["eforms.Submission"][0]["case"] == case.reference
    drafts = [row for row in items["eforms.Draft"] if row["id"] == str(draft.pk)]
    assert drafts[0]["answers"] == {"first_name": "Draftina"}
    draft.refresh_from_db()
    expected = timezone.localtime(draft.updated_at + datetime.timedelta(days=180)).date().isoformat()
    assert drafts[0]["deleted_on"] == expected
    [booked] = items["appointments.Booking"]
    assert booked["email"] == "alice.termin@example.ch"
    assert booked["phone"] == "031 555 12 34"
    assert booked["profile"] == "Business: Amrein Bäckerei GmbH"
    expected = timezone.localtime(booking.blocks_until + datetime.timedelta(days=30)).date().isoformat()
    assert booked["deleted_on"] == expected
    assert [row["name"] for row in items["accounts.Passkey"]] == ["Alice's laptop"]
    assert items["accounts.EmailToken"][0]["new_email"] == "alice.neu@example.ch"
    events = items["cases.CaseEvent"]
    assert events
    assert all(row["case"] == case.reference for row in events)
    assert INTERNAL_NOTE.encode() not in unpacked(archive)

    rows = csv_rows(archive, "cases.case.csv")
    assert [row["reference"] for row in rows] == [case.reference]
    assert rows[0]["purpose"] == str(registry.kinds["cases.Case"].purpose)
    assert rows[0]["deleted_on"]
    assert {row["first_name"] for row in csv_rows(archive, "accounts.profile.csv")} == {"Alice", ""}
    [booking_row] = csv_rows(archive, "appointments.booking.csv")
    assert booking_row["email"] == "alice.termin@example.ch"
    assert "Marktgasse" in csv_rows(archive, "eforms.submission.csv")[0]["answers"]

    page = archive.read("index.html").decode()
    assert page.startswith("<!DOCTYPE html>")
    assert case.reference in page
    assert "Amrein Bäckerei GmbH" in page
    assert "alice.termin@example.ch" in page
    assert str(registry.kinds["appointments.Booking"].legal_basis) in page
    assert "<script" not in page
    assert "http://" not in page
    assert "https://" not in page

    event = AuditEvent.objects.get(action=AuditEvent.Action.EXPORT)
    assert event.subject_ref == str(alice.pk)
    assert event.actor_ref
    assert event.object_ref == str(alice.pk)


@pytest.mark.promise("P11")
def test_nothing_of_bob_and_no_secret_is_in_alices_archive(
    client: Client, alice: User, bob: User, alices_world: dict[str, Any]
) -> None:
    fresh_login(client, alice)
    data, archive = archive_of(client.post(URL))
    content = unpacked(archive)
    bobs_case: Case = alices_world["bobs_case"]
    for text in (bobs_case.reference, "bob@example.ch", "Brunner", str(bob.pk)):
        assert text.encode() not in content

    alice.refresh_from_db()
    device: TotpDevice = alices_world["device"]
    booking: Booking = alices_world["booking"]
    secrets = [
        alice.password,
        alice.password.split("$")[-1],
        device.secret,
        "f" * 64,  # the email token's hash
        "recovery-hash-0123456789abcdef",
        booking.manage_token_hash or "never empty",
        alice.email_index,
    ]
    crypto.data_key_cache.clear()
    for key in DataKey.objects.filter(wrapped__isnull=False):
        assert key.wrapped is not None
        wrapped = bytes(key.wrapped)
        material = data_key_material(str(key.pk))
        secrets += [
            wrapped.hex(),
            base64.b64encode(wrapped).decode(),
            material.hex(),
            base64.b64encode(material).decode(),
        ]
        for blob in (content, data):
            assert wrapped not in blob
            assert material not in blob
    for secret in secrets:
        assert secret
        assert secret.encode() not in content, secret


def test_bob_exports_only_his_own_data(client: Client, bob: User, alices_world: dict[str, Any]) -> None:
    fresh_login(client, bob)
    _data, archive = archive_of(client.post(URL))
    items = json_items(archive)
    assert [row["reference"] for row in items["cases.Case"]] == [alices_world["bobs_case"].reference]
    assert items["appointments.Booking"] == []
    assert items["eforms.Draft"] == []
    content = unpacked(archive)
    for text in ("alice@example.ch", "Amrein Bäckerei", alices_world["case"].reference, "alice.termin"):
        assert text.encode() not in content


def test_get_is_not_allowed(client: Client, alice: User) -> None:
    fresh_login(client, alice)
    assert client.get(URL).status_code == 405


def test_a_guest_goes_to_the_login(client: Client) -> None:
    response = client.post(URL)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT).exists()


def test_without_a_recent_reauthentication_it_asks_for_the_password_and_comes_back(client: Client, alice: User) -> None:
    client.force_login(alice)
    session = client.session
    session[REAUTH_SESSION_KEY] = int(time.time()) - 3600
    session.save()
    response = client.post(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("auth:reauthenticate") + "?next=")
    assert "%2Faccount%2Fprivacy%2F" in response["Location"]
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT).exists()


def test_the_centre_offers_the_download(client: Client, alice: User) -> None:
    client.force_login(alice)
    page = client.get(reverse("privacy_centre:index")).content.decode()
    assert f'action="{URL}"' in page
    assert 'method="post"' in page


def test_the_archive_is_streamed_in_small_chunks(alice: User, authority: Authority) -> None:
    submitted_case(alice, authority)
    chunks = list(export_archive(actor=citizen_actor(user=alice, profile=alice.active_profile)))
    assert len(chunks) > 3
    zipfile.ZipFile(io.BytesIO(b"".join(chunks))).testzip()
    with pytest.raises(PermissionError):
        next(export_archive(actor=GUEST))
