"""Closed cases leave the account after the retention period, with everything that hangs on them
(timeline, documents, the encrypted files); open cases stay however old they are."""

from __future__ import annotations

import datetime

import pytest
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from guichet.accounts.models import User
from guichet.cases.models import Case, CaseAttachment, CaseEvent
from guichet.cases.services import case_reply, case_request_information, case_set_status
from guichet.core.actor import citizen_actor, staff_actor
from guichet.core.models import Authority, DeletionLogEntry
from guichet.eforms.models import Submission, Upload
from guichet.privacy.retention import retention_sweep
from tests.cases_support import submitted_case

pytestmark = pytest.mark.django_db(transaction=True)


def _closed_case_with_a_document(alice: User, clara: User, authority: Authority) -> Case:
    case = submitted_case(alice, authority)
    staff = staff_actor(user=clara, membership=clara.memberships.get())
    case_request_information(actor=staff, case=case, message="Bitte Ausweis.")
    document = SimpleUploadedFile("ausweis.pdf", b"%PDF-1.4 canary", content_type="application/pdf")
    case_reply(
        actor=citizen_actor(user=alice, profile=alice.active_profile),
        case=case,
        text="Anbei",
        files=[(document, "application/pdf")],
    )
    case_set_status(actor=staff, case=case, status="closed")
    case.refresh_from_db()
    return case


@pytest.mark.promise("P09")
def test_a_closed_case_is_deleted_after_the_retention_period_with_its_files(
    alice: User, clara: User, authority: Authority, settings: object
) -> None:
    case = _closed_case_with_a_document(alice, clara, authority)
    open_case = submitted_case(alice, authority)
    Case.objects.filter(pk=open_case.pk).update(opened_at=timezone.now() - datetime.timedelta(days=3000))
    storage_name = CaseAttachment.objects.get(case=case).storage_name
    assert storages["default"].exists(storage_name)
    period = datetime.timedelta(days=settings.GUICHET_CASE_RETENTION_DAYS)  # type: ignore[attr-defined]

    retention_sweep(now=case.closed_at + period - datetime.timedelta(days=1), only=["eforms.Submission"])
    assert Case.objects.filter(pk=case.pk).exists()  # the day before: kept

    results = retention_sweep(now=case.closed_at + period + datetime.timedelta(days=1), only=["eforms.Submission"])
    assert not Case.objects.filter(pk=case.pk).exists()
    assert not Submission.objects.filter(pk=case.submission_id).exists()
    assert not CaseEvent.objects.filter(case_id=case.pk).exists()
    assert not CaseAttachment.objects.filter(case_id=case.pk).exists()
    assert not storages["default"].exists(storage_name)  # the encrypted file went too
    assert Case.objects.filter(pk=open_case.pk).exists()  # open cases never expire
    assert any(result.rule == "closed_cases" and result.count == 1 for result in results)
    assert DeletionLogEntry.objects.filter(rule="closed_cases", count=1).exists()


def test_files_of_deleted_drafts_are_swept_after_a_day(alice: User, authority: Authority) -> None:
    from guichet.core.files import blob_save

    profile = alice.active_profile
    assert profile is not None
    upload = Upload(
        profile=profile, data_key_id=profile.data_key_id, field_key="x", name="a.pdf", content_type="application/pdf"
    )
    stored = blob_save(data_key_id=str(profile.data_key_id), aad=upload.aad, chunks=[b"%PDF-1.4"])
    upload.size, upload.sha256, upload.storage_name = stored.size, stored.sha256, stored.storage_name
    upload.save()
    retention_sweep(now=timezone.now() + datetime.timedelta(hours=23), only=["eforms.Upload"])
    assert Upload.objects.filter(pk=upload.pk).exists()
    retention_sweep(now=timezone.now() + datetime.timedelta(hours=25), only=["eforms.Upload"])
    assert not Upload.objects.filter(pk=upload.pk).exists()
    assert not storages["default"].exists(stored.storage_name)
