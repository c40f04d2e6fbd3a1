"""Restriction of processing (P23): the applicant restricts a case or a whole profile in the
privacy centre; the case is kept and stays theirs, but the authority's staff can no longer open,
download or change it, no service or task processes it, and no email goes out about it.

Alice applies to Clara's authority; Dario works for another authority; Bob is another citizen."""

from __future__ import annotations

import datetime
import re
import zipfile
from io import BytesIO
from typing import Any

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from guichet.accounts.models import Profile, User
from guichet.cases import notifications, selectors, services
from guichet.cases.models import Case, CaseEvent
from guichet.cases.restriction import CaseRestricted
from guichet.core.actor import Actor, citizen_actor, staff_actor
from guichet.core.files import blob_save
from guichet.core.models import AuditEvent, Authority
from guichet.eforms.models import Upload
from guichet.privacy import restriction
from guichet.privacy.centre import accesses_to_my_data
from guichet.privacy.export import export_archive
from guichet.privacy.retention import retention_sweep
from tests.cases_support import submitted_case
from tests.conftest import login

pytestmark = [pytest.mark.django_db, pytest.mark.promise("P23")]

#: what the staff page of a restricted case says, and what it must never show
RESTRICTED_TEXT = "The applicant has restricted processing of this case"
SUBMISSION_CONTENT = ("Marktgasse", "Amrein", "1990", "ausweis.pdf", "plan.pdf", "Anbei")


def text(response: Any) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def alice_actor(alice: User, profile: Profile | None = None) -> Actor:
    return citizen_actor(user=alice, profile=profile or alice.active_profile)


def clerk(user: User) -> Actor:
    return staff_actor(user=user, membership=user.memberships.get())


def en(client: Client, user: User) -> Client:
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return login(client, user)


@pytest.fixture
def case(alice: User, clara: User, authority: Authority) -> Case:
    """Alice's case with a form upload and a document she added answering Clara's request."""
    case = submitted_case(alice, authority)
    upload = Upload(
        profile=case.profile,
        data_key_id=case.data_key_id,
        submission=case.submission,
        field_key="attachment",
        name="plan.pdf",
        content_type="application/pdf",
    )
    stored = blob_save(data_key_id=str(case.data_key_id), aad=upload.aad, chunks=[b"%PDF-1.4 plan"])
    upload.size, upload.sha256, upload.storage_name = stored.size, stored.sha256, stored.storage_name
    upload.save()
    services.case_request_information(actor=clerk(clara), case=case, message="Bitte Ausweis nachreichen.")
    document = SimpleUploadedFile("ausweis.pdf", b"%PDF-1.4 id", content_type="application/pdf")
    services.case_reply(actor=alice_actor(alice), case=case, text="Anbei.", files=[(document, "application/pdf")])
    case.refresh_from_db()
    return case


def staff_urls(case: Case) -> list[tuple[str, str, dict[str, Any]]]:
    """Every staff page, action and download of one case: (method, url, data)."""
    attachment = case.attachments.get()
    upload = case.submission.uploads.get()
    url = lambda name, *extra: reverse(f"backoffice:case_{name}", args=[case.pk, *extra])  # noqa: E731
    return [
        ("get", url("detail"), {}),
        ("get", url("pdf"), {}),
        ("get", url("json"), {}),
        ("get", url("attachment", attachment.pk), {}),
        ("get", url("upload", upload.pk), {}),
        ("post", url("status"), {"status": "in_progress", "note": ""}),
        ("post", url("request"), {"message": "Bitte noch die Rückseite."}),
        ("post", url("note"), {"text": "Vermerk"}),
        ("post", url("assign"), {"assignee": ""}),
    ]


def restrict_in_the_centre(client: Client, case: Case) -> Any:
    url = reverse("privacy_centre:restrict_case", args=[case.pk])
    assert "the authority may not open, use or change it" in text(client.get(url))  # the consequences first
    return client.post(url)


# --- The done-when: the owner restricts, the clerk can no longer open it --------------------------


def test_the_owner_restricts_a_case_and_staff_can_no_longer_open_download_or_change_it(
    client: Client, alice: User, clara: User, case: Case
) -> None:
    response = restrict_in_the_centre(en(client, alice), case)
    assert response.status_code == 302
    assert response["Location"] == reverse("privacy_centre:index") + "#restriction-title"
    case.refresh_from_db()
    assert case.restricted_at is not None
    before = (case.status, case.assignee_id, case.events.count())

    staff = en(Client(), clara)
    for method, url, data in staff_urls(case):
        response = getattr(staff, method)(url, data)
        assert response.status_code == 403, url
        page = text(response)
        assert RESTRICTED_TEXT in page, url
        assert case.reference in page
        for value in SUBMISSION_CONTENT:
            assert value not in page, (url, value)

    case.refresh_from_db()
    assert (case.status, case.assignee_id, case.events.count()) == before  # nothing changed
    # Nothing was looked at, so nothing is shown to Alice as an access by the authority.
    assert not AuditEvent.objects.filter(actor_ref=str(clara.pk), action=AuditEvent.Action.VIEW).exists()


def test_staff_of_another_authority_still_learn_nothing(client: Client, alice: User, dario: User, case: Case) -> None:
    restriction.case_restrict(actor=alice_actor(alice), case=case)
    staff = en(client, dario)
    for method, url, data in staff_urls(case):
        assert getattr(staff, method)(url, data).status_code == 404, url


def test_the_queue_lists_a_restricted_case_as_a_bare_row(
    client: Client, alice: User, bob: User, clara: User, authority: Authority, case: Case
) -> None:
    other = submitted_case(bob, authority)
    restriction.case_restrict(actor=alice_actor(alice), case=case)
    page = text(en(client, clara).get("/backoffice/cases/", {"state": "all"}))
    row = re.search(rf"<tr>(?:(?!</tr>).)*{case.reference}(?:(?!</tr>).)*</tr>", page)
    assert row is not None
    assert "Restricted by the applicant" in row.group(0)
    assert reverse("backoffice:case_detail", args=[case.pk]) not in page  # no way in
    assert "Waiting for the applicant" not in row.group(0)  # nor its status
    assert reverse("backoffice:case_detail", args=[other.pk]) in page  # the others as before


# --- Services and tasks refuse too ---------------------------------------------------------------


def test_services_and_selectors_refuse_a_restricted_case_even_from_a_stale_object(
    alice: User, clara: User, case: Case
) -> None:
    staff = clerk(clara)
    loaded = selectors.staff_case_get(actor=staff, case_id=case.pk)  # loaded before the restriction
    restriction.case_restrict(actor=alice_actor(alice), case=case)

    with pytest.raises(CaseRestricted):
        selectors.staff_case_get(actor=staff, case_id=case.pk)
    raw = Case.objects.get(pk=case.pk)
    refusals = [
        lambda: services.case_set_status(actor=staff, case=loaded, status="in_progress"),
        lambda: services.case_request_information(actor=staff, case=loaded, message="Noch etwas?"),
        lambda: services.case_add_note(actor=staff, case=loaded, text="Vermerk"),
        lambda: services.case_assign(actor=staff, case=loaded, assignee=clara),
        lambda: services.case_record_view(actor=staff, case=loaded),
        # Reads that take a case already fetched, as a task or a forgotten caller would fetch it:
        lambda: selectors.staff_case_events(actor=staff, case=raw),
        lambda: selectors.case_attachment_get(actor=staff, case=raw, attachment_id=case.attachments.get().pk),
        lambda: selectors.case_upload_get(actor=staff, case=raw, upload_id=case.submission.uploads.get().pk),
    ]
    for refusal in refusals:
        with pytest.raises(CaseRestricted):
            refusal()
    assert not CaseEvent.objects.filter(case=case, kind=CaseEvent.Kind.NOTE).exists()


def test_no_email_goes_out_about_a_restricted_case(
    alice: User,
    clara: User,
    authority: Authority,
    case: Case,
    smtp_server: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    private = alice.active_profile
    assert private is not None
    with django_capture_on_commit_callbacks(execute=True):
        restriction.profile_restrict(actor=alice_actor(alice), profile=private)
        case.refresh_from_db()
        notifications.notify_updated(case)  # as a task or a forgotten caller would
        later = submitted_case(alice, authority)  # sent while the profile is restricted
    assert smtp_server.messages == []
    later.refresh_from_db()
    with pytest.raises(CaseRestricted):  # the new case is restricted with its profile
        selectors.staff_case_get(actor=clerk(clara), case_id=later.pk)

    # Lifted: the authority works again and Alice hears about it as before.
    restriction.profile_lift_restriction(actor=alice_actor(alice), profile=private)
    with django_capture_on_commit_callbacks(execute=True):
        services.case_set_status(actor=clerk(clara), case=case, status="in_progress")
    (message,) = smtp_server.messages
    assert case.reference in message["Subject"]


def test_the_retention_sweep_still_deletes_a_restricted_case_at_the_end_of_its_period(
    alice: User, clara: User, authority: Authority
) -> None:
    """Restriction means "no processing", not "keep longer" (Art. 18 GDPR): P09 still holds."""
    case = submitted_case(alice, authority)
    services.case_set_status(actor=clerk(clara), case=case, status="closed")
    case.refresh_from_db()
    restriction.case_restrict(actor=alice_actor(alice), case=case)
    assert case.closed_at is not None
    period = datetime.timedelta(days=settings.GUICHET_CASE_RETENTION_DAYS)
    retention_sweep(now=case.closed_at + period - datetime.timedelta(days=1), only=["eforms.Submission"])
    assert Case.objects.filter(pk=case.pk).exists()
    retention_sweep(now=case.closed_at + period + datetime.timedelta(days=1), only=["eforms.Submission"])
    assert not Case.objects.filter(pk=case.pk).exists()


# --- Lifting, profiles, and the history ----------------------------------------------------------


def test_lifting_restores_processing_and_the_history_says_why_it_stopped(
    client: Client, alice: User, clara: User, case: Case
) -> None:
    citizen = en(client, alice)
    restrict_in_the_centre(citizen, case)
    response = citizen.post(reverse("privacy_centre:restrict_case_lift", args=[case.pk]))
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.restricted_at is None

    staff = en(Client(), clara)
    for method, url, data in staff_urls(case)[:5]:  # the pages and downloads
        assert getattr(staff, method)(url, data).status_code == 200, url
    page = text(staff.get(reverse("backoffice:case_detail", args=[case.pk])))
    assert "Processing restricted by the applicant" in page
    assert "Restriction lifted by the applicant" in page
    response = staff.post(reverse("backoffice:case_note", args=[case.pk]), {"text": "Weiter geht's"})
    assert response.status_code == 302

    kinds = [e.kind for e in selectors.case_timeline(actor=alice_actor(alice), case=case)]
    assert kinds[-2:] == [CaseEvent.Kind.RESTRICTED, CaseEvent.Kind.RESTRICTION_LIFTED]  # Alice sees it too
    # Her own actions are in the audit trail (why the case did not move), not among "who accessed".
    changes = AuditEvent.objects.filter(object_ref=str(case.pk), actor_ref=str(alice.pk), actor_kind="citizen")
    assert [e.detail for e in changes.order_by("at", "id")][-2:] == [{"restricted": True}, {"restricted": False}]
    assert not accesses_to_my_data(actor=alice_actor(alice)).filter(actor_ref=str(alice.pk)).exists()


def test_a_restricted_profile_restricts_all_its_cases_and_only_those(
    client: Client, alice: User, clara: User, authority: Authority
) -> None:
    private = alice.profiles.get(kind=Profile.Kind.PRIVATE)
    business = alice.profiles.get(kind=Profile.Kind.BUSINESS)
    first, second = submitted_case(alice, authority), submitted_case(alice, authority)
    alice.active_profile = business
    alice.save(update_fields=["active_profile"])
    of_business = submitted_case(alice, authority)
    now = timezone.now()

    # From the business profile's session, Alice restricts her private profile.
    citizen = en(client, alice)
    assert "2 cases" in text(citizen.get(reverse("privacy_centre:restrict_profile", args=[private.pk])))
    assert citizen.post(reverse("privacy_centre:restrict_profile", args=[private.pk])).status_code == 302
    private.refresh_from_db()
    assert private.restricted_at is not None

    staff = en(Client(), clara)
    for restricted in (first, second):
        assert staff.get(reverse("backoffice:case_detail", args=[restricted.pk])).status_code == 403
        assert restricted.events.filter(kind=CaseEvent.Kind.RESTRICTED).count() == 1
    assert staff.get(reverse("backoffice:case_detail", args=[of_business.pk])).status_code == 200

    # A case also restricted on its own stays restricted when the profile's restriction is lifted.
    restriction.case_restrict(actor=alice_actor(alice, private), case=first, now=now)
    first.refresh_from_db()
    assert first.restricted_at == now
    assert first.events.filter(kind=CaseEvent.Kind.RESTRICTED).count() == 1  # no second event
    assert citizen.post(reverse("privacy_centre:restrict_profile_lift", args=[private.pk])).status_code == 302
    assert staff.get(reverse("backoffice:case_detail", args=[first.pk])).status_code == 403
    assert staff.get(reverse("backoffice:case_detail", args=[second.pk])).status_code == 200
    assert second.events.filter(kind=CaseEvent.Kind.RESTRICTION_LIFTED).count() == 1
    assert not first.events.filter(kind=CaseEvent.Kind.RESTRICTION_LIFTED).exists()


def test_restricting_twice_changes_nothing(alice: User, case: Case) -> None:
    actor = alice_actor(alice)
    first = restriction.case_restrict(actor=actor, case=case).restricted_at
    assert restriction.case_restrict(actor=actor, case=case).restricted_at == first
    assert case.events.filter(kind=CaseEvent.Kind.RESTRICTED).count() == 1
    restriction.case_lift_restriction(actor=actor, case=case)
    restriction.case_lift_restriction(actor=actor, case=case)
    assert case.events.filter(kind=CaseEvent.Kind.RESTRICTION_LIFTED).count() == 1


# --- Only the owner ------------------------------------------------------------------------------


def test_nobody_else_can_restrict_or_lift(client: Client, alice: User, bob: User, clara: User, case: Case) -> None:
    private = alice.profiles.get(kind=Profile.Kind.PRIVATE)
    other = en(client, bob)
    for name, args in (
        ("privacy_centre:restrict_case", [case.pk]),
        ("privacy_centre:restrict_case_lift", [case.pk]),
        ("privacy_centre:restrict_profile", [private.pk]),
        ("privacy_centre:restrict_profile_lift", [private.pk]),
    ):
        assert other.post(reverse(name, args=args)).status_code == 404, name
    case.refresh_from_db()
    private.refresh_from_db()
    assert case.restricted_at is None
    assert private.restricted_at is None

    for actor in (citizen_actor(user=bob, profile=bob.active_profile), clerk(clara)):
        with pytest.raises(PermissionDenied):
            restriction.case_restrict(actor=actor, case=case)
        with pytest.raises(PermissionDenied):
            restriction.profile_restrict(actor=actor, profile=private)


# --- The applicant keeps everything --------------------------------------------------------------


def test_the_applicant_still_sees_and_exports_a_restricted_case(client: Client, alice: User, case: Case) -> None:
    restriction.case_restrict(actor=alice_actor(alice), case=case)
    citizen = en(client, alice)

    page = text(citizen.get(reverse("cases:detail", args=[case.pk])))
    assert "Processing restricted" in page
    assert "You have restricted processing of this case." in page
    assert "Marktgasse" in page  # her answers, as before
    assert "Processing restricted" in text(citizen.get(reverse("cases:list")))
    assert citizen.get(reverse("cases:attachment", args=[case.pk, case.attachments.get().pk])).status_code == 200

    archive = zipfile.ZipFile(BytesIO(b"".join(export_archive(actor=alice_actor(alice), language="en"))))
    assert case.reference in archive.read("data.json").decode()


def test_the_privacy_centre_lists_profiles_and_cases_with_their_state(
    client: Client, alice: User, authority: Authority, case: Case
) -> None:
    citizen = en(client, alice)
    page = text(citizen.get(reverse("privacy_centre:index")))
    assert "Restrict processing" in page
    assert case.reference in page
    assert "Amrein Bäckerei GmbH" in page  # every profile, not only the active one
    restrict = f'href="{reverse("privacy_centre:restrict_case", args=[case.pk])}"'
    assert restrict in page

    restriction.case_restrict(actor=alice_actor(alice), case=case)
    page = text(citizen.get(reverse("privacy_centre:index")))
    assert reverse("privacy_centre:restrict_case_lift", args=[case.pk]) in page
    assert restrict not in page

    profile = alice.profiles.get(kind=Profile.Kind.BUSINESS)
    citizen.post(reverse("privacy_centre:restrict_profile", args=[profile.pk]))
    assert "Processing restricted" in text(citizen.get(reverse("account:profiles")))
