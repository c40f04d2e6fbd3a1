"""The receipt PDF and the submission export (``cases.documents``)."""

from __future__ import annotations

import datetime
import io
import json
import re

import pypdf
import pytest
from django.core.serializers.json import DjangoJSONEncoder
from django.test import Client
from django.urls import reverse

from guichet.accounts.models import User
from guichet.cases import documents, services
from guichet.cases.models import Case
from guichet.core.actor import citizen_actor, staff_actor
from guichet.core.files import blob_save
from guichet.core.models import Authority
from guichet.eforms.models import Submission, Upload
from tests.cases_support import RESIDENCE_ANSWERS, submitted_case
from tests.conftest import login

pytestmark = pytest.mark.django_db

SENT_AT = datetime.datetime(2025, 3, 1, 13, 45, tzinfo=datetime.UTC)  # 14:45 in Zurich (winter time)
PDF = b"%PDF-1.4\n%%EOF\n"


def pdf_text(content: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(content))
    return re.sub(r"\s+", " ", " ".join(page.extract_text() for page in reader.pages))


@pytest.fixture
def case(alice: User, authority: Authority) -> Case:
    case = submitted_case(alice, authority)
    Submission.objects.filter(pk=case.submission_id).update(submitted_at=SENT_AT)
    return Case.objects.select_related("submission__form_version", "service", "authority").get(pk=case.pk)


def test_receipt_download(client: Client, alice: User, case: Case) -> None:
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "de"
    response = login(client, alice).get(reverse("cases:receipt", args=[case.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="{case.reference}.pdf"'
    assert response["Cache-Control"] == "no-store"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response.content.startswith(b"%PDF-")
    text = pdf_text(response.content)
    assert case.reference in text
    assert "Wohnsitzbestätigung" in text  # umlauts survive
    assert "Stadt Demo" in text
    assert "14:45" in text  # Zurich local time
    for value in ("Alice", "Amrein", "Marktgasse 7", "3000 Bern", "Arbeitgeber", "A-Post"):
        assert value in text, value
    assert "version 1" in text or "Version 1" in text
    assert "CHF 42,50" in text  # 20 base fee + 2 copies at 10 + 2.50 priority mail


def test_receipt_lists_fee_lines_and_says_it_is_no_decision(case: Case) -> None:
    text = pdf_text(documents.submission_pdf(case=case, language="en", audience="citizen"))
    assert "Receipt" in text
    assert "Order a confirmation of residence, version 1" in text
    assert "Additional copies (2 \N{MULTIPLICATION SIGN} CHF 10.00)" in text
    assert "CHF 20.00" in text
    assert "Priority mail" in text
    assert f"CHF {case.submission.fee:.2f}" in text
    assert "It is not a decision" in text
    assert "(March 1, 2025, 2:45 p.m.)" in text
    # the clerk's view of the case is not on the citizen's receipt
    assert "Processing (internal)" not in text
    assert "Internal events" not in text


def test_receipt_in_french(case: Case) -> None:
    text = pdf_text(documents.submission_pdf(case=case, language="fr", audience="citizen"))
    assert "Attestation de domicile" in text  # the service's French title
    assert "Courrier A" in text  # option labels of the form, in French
    assert case.reference in text


def test_receipt_is_the_same_every_time(case: Case) -> None:
    assert documents.submission_pdf(case=case, language="de") == documents.submission_pdf(case=case, language="de")


def test_staff_copy_adds_profile_status_assignee_and_internal_events(case: Case, clara: User) -> None:
    staff = staff_actor(user=clara, membership=clara.memberships.get())
    services.case_add_note(actor=staff, case=case, text="Intern")
    services.case_assign(actor=staff, case=case, assignee=clara)
    services.case_set_status(actor=staff, case=case, status="in_progress")
    case.refresh_from_db()
    text = pdf_text(documents.submission_pdf(case=case, language="en", audience="staff"))
    assert "Processing (internal)" in text
    assert "Private person: Alice Amrein" in text
    assert "In progress" in text
    assert "Clara Clerk" in text
    assert "Internal events 2" in text  # the note and the assignment
    assert "Intern " not in text  # counted, not shown
    assert case.reference in text


def test_unknown_audience_is_refused(case: Case) -> None:
    with pytest.raises(ValueError, match="audience"):
        documents.submission_pdf(case=case, language="en", audience="press")  # type: ignore[arg-type]


def test_submission_json(case: Case, alice: User) -> None:
    upload = Upload(
        profile=case.profile,
        data_key_id=case.data_key_id,
        submission=case.submission,
        field_key="passport",
        name="Paß.pdf",
        content_type="application/pdf",
    )
    stored = blob_save(data_key_id=str(case.data_key_id), aad=upload.aad, chunks=[PDF])
    upload.size, upload.sha256, upload.storage_name = stored.size, stored.sha256, stored.storage_name
    upload.save()
    data = documents.submission_json(case=case)
    json.dumps(data, cls=DjangoJSONEncoder)  # serialisable as it is
    assert json.loads(json.dumps(data)) == data  # plain JSON values only
    assert data["reference"] == case.reference
    assert data["service"] == "wohnsitzbestaetigung"
    assert data["authority"] == "demo-stadt"
    assert data["submitted_at"] == SENT_AT.isoformat()
    assert data["form"] == {
        "slug": "residence-confirmation",
        "version": 1,
        "digest": case.submission.form_version.digest,
    }
    assert data["fee"] == {"currency": "CHF", "total": str(case.submission.fee)}
    assert data["status"] == "received"
    assert data["answers"] == RESIDENCE_ANSWERS
    assert data["uploads"] == [
        {
            "id": str(upload.pk),
            "field": "passport",
            "name": "Paß.pdf",
            "type": "application/pdf",
            "size": len(PDF),
            "sha256": stored.sha256,
        }
    ]
    assert data["attachments"] == []


def test_submission_json_lists_documents_added_later(case: Case, alice: User, clara: User) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    services.case_request_information(
        actor=staff_actor(user=clara, membership=clara.memberships.get()), case=case, message="Bitte Pass"
    )
    services.case_reply(
        actor=citizen_actor(user=alice, profile=alice.active_profile),
        case=case,
        text="",
        files=[(SimpleUploadedFile("pass.pdf", PDF), "application/pdf")],
    )
    (attachment,) = documents.submission_json(case=case)["attachments"]
    assert attachment["name"] == "pass.pdf"
    assert attachment["type"] == "application/pdf"
    assert attachment["size"] == len(PDF)
    assert len(attachment["sha256"]) == 64
