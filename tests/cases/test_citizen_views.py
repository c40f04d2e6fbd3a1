"""The citizen's side of cases: the list, a case with its timeline, answering a request for
information, downloads, reusing the answers, and the dashboard section."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.template.loader import render_to_string
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from guichet.accounts.models import Profile, User
from guichet.cases import selectors, services, views
from guichet.cases.models import Case, CaseAttachment, CaseEvent
from guichet.core import crypto
from guichet.core.actor import Actor, citizen_actor, staff_actor
from guichet.core.files import blob_save
from guichet.core.models import Authority
from guichet.eforms.models import Draft, Upload
from tests.cases_support import residence_service, submitted_case
from tests.conftest import login

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def en(client: Client) -> Client:
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def text(response: Any) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def clerk(clara: User) -> Actor:
    return staff_actor(user=clara, membership=clara.memberships.get())


def ask(case: Case, clara: User, message: str = "Bitte senden Sie eine Kopie Ihres Passes.") -> Case:
    return services.case_request_information(actor=clerk(clara), case=case, message=message)


def pdf(name: str = "pass.pdf", content: bytes = PDF) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


# --- List --------------------------------------------------------------------------------------


def test_guest_goes_to_login(client: Client, alice: User, authority: Authority) -> None:
    case = submitted_case(alice, authority)
    for url in (reverse("cases:list"), reverse("cases:detail", args=[case.pk])):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(f"{reverse('auth:login')}?next=")


def test_empty_list_points_to_the_catalogue(en: Client, bob: User) -> None:
    page = text(login(en, bob).get(reverse("cases:list")))
    assert "You have no cases yet." in page
    assert f'href="{reverse("catalogue:list")}"' in page


def test_list_shows_the_active_profiles_cases(en: Client, alice: User, bob: User, authority: Authority) -> None:
    case = submitted_case(alice, authority)
    response = login(en, alice).get(reverse("cases:list"))
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    page = text(response)
    assert case.reference in page
    assert "Wohnsitzbestätigung" in page
    assert "Received" in page  # the status in the language of the page
    assert f'href="{reverse("cases:detail", args=[case.pk])}"' in page
    assert "Your answer is needed" not in page
    # another citizen, and the same account acting as its business, see nothing of it
    assert case.reference not in text(login(Client(), bob).get(reverse("cases:list")))
    alice.active_profile = Profile.objects.get(owner=alice, kind=Profile.Kind.BUSINESS)
    alice.save(update_fields=["active_profile"])
    assert case.reference not in text(en.get(reverse("cases:list")))


def test_list_flags_cases_waiting_for_an_answer(en: Client, alice: User, clara: User, authority: Authority) -> None:
    case = ask(submitted_case(alice, authority), clara)
    page = text(login(en, alice).get(reverse("cases:list")))
    assert "Your answer is needed" in page
    assert "Information needed" in page
    assert case.reference in page


def test_list_is_paginated(en: Client, alice: User, authority: Authority, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    service = residence_service(authority)
    cases = [submitted_case(alice, authority, service=service) for _ in range(3)]
    login(en, alice)
    first = text(en.get(reverse("cases:list")))
    second = text(en.get(reverse("cases:list"), {"page": 2}))
    assert "Page 1 of 2" in first
    assert 'rel="next"' in first
    assert sum(case.reference in first for case in cases) == 2
    assert sum(case.reference in second for case in cases) == 1


def _list_queries(client: Client) -> int:
    crypto.data_key_cache.clear()
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("cases:list")).status_code == 200
    return len(queries)


def test_list_queries_do_not_grow_with_cases(client: Client, alice: User, authority: Authority) -> None:
    service = residence_service(authority)
    submitted_case(alice, authority, service=service)
    login(client, alice)
    client.get(reverse("cases:list"))  # warm the session
    one = _list_queries(client)
    for _ in range(4):
        submitted_case(alice, authority, service=service)
    assert _list_queries(client) == one


# --- Detail ------------------------------------------------------------------------------------


def test_detail_shows_reference_answers_fee_and_receipt(en: Client, alice: User, authority: Authority) -> None:
    case = submitted_case(alice, authority)
    response = login(en, alice).get(reverse("cases:detail", args=[case.pk]))
    assert response.status_code == 200
    page = text(response)
    assert f'<strong class="reference">{case.reference}</strong>' in page
    assert "for example on the phone" in page
    assert "Stadt Demo" in page
    assert "Received" in page
    assert "Application sent" in page
    assert "<details" in page
    assert "Marktgasse 7" in page  # the answers as sent
    assert "Amrein" in page
    assert "Priority mail" in page  # choice labels in the language of the page
    assert "Total" in page
    assert f'href="{reverse("cases:receipt", args=[case.pk])}"' in page
    assert f'action="{reverse("cases:reuse", args=[case.pk])}"' in page
    assert 'id="reply"' not in page  # nobody asked anything


def test_timeline_shows_what_the_citizen_may_see_and_hides_internal_notes(
    en: Client, alice: User, clara: User, authority: Authority
) -> None:
    case = submitted_case(alice, authority)
    staff = clerk(clara)
    services.case_set_status(actor=staff, case=case, status="in_progress", note="Wir prüfen Ihren Antrag.")
    services.case_add_note(actor=staff, case=case, text="Geheime interne Notiz")
    services.case_assign(actor=staff, case=case, assignee=clara)
    case = ask(case, clara, "Bitte senden Sie eine Kopie Ihres Passes.")
    page = text(login(en, alice).get(reverse("cases:detail", args=[case.pk])))
    assert "New status: In progress" in page
    assert "Wir prüfen Ihren Antrag." in page
    assert "The authority asks you for information" in page
    assert "Bitte senden Sie eine Kopie Ihres Passes." in page
    assert "Geheime interne Notiz" not in page
    assert "Internal note" not in page
    assert "Assigned" not in page
    assert "Clara" not in page
    assert "Clerk" not in page
    # the reply form, and the request repeated above it
    assert 'id="reply"' in page
    assert f'action="{reverse("cases:reply", args=[case.pk])}"' in page
    assert 'enctype="multipart/form-data"' in page
    assert 'type="file" name="documents"' in page
    assert "multiple" in page
    assert "Your answer is needed" in page


@pytest.mark.parametrize("persona", ["bob", "clara", "dario", "olga"])
def test_nobody_else_reaches_any_case_url(
    persona: str, request: pytest.FixtureRequest, alice: User, clara: User, authority: Authority
) -> None:
    case = ask(submitted_case(alice, authority), clara)
    owner = citizen_actor(user=alice, profile=alice.active_profile)
    event = services.case_reply(actor=owner, case=case, text="Hier", files=[(pdf(), "application/pdf")])
    attachment = CaseAttachment.objects.get(event=event)
    upload = _upload(case)
    client = login(Client(), request.getfixturevalue(persona))
    gets = [
        reverse("cases:detail", args=[case.pk]),
        reverse("cases:receipt", args=[case.pk]),
        reverse("cases:reply", args=[case.pk]),
        reverse("cases:attachment", args=[case.pk, attachment.pk]),
        reverse("cases:upload", args=[case.pk, upload.pk]),
    ]
    for url in gets:
        assert client.get(url).status_code == 404, url
    for url in (reverse("cases:reply", args=[case.pk]), reverse("cases:reuse", args=[case.pk])):
        assert client.post(url, {"text": "x"}).status_code == 404, url
    assert not Draft.objects.exclude(profile=alice.active_profile).filter(service=case.service).exists()


def test_another_profile_of_the_same_account_does_not_see_the_case(
    client: Client, alice: User, authority: Authority
) -> None:
    case = submitted_case(alice, authority)
    login(client, alice)
    client.post(reverse("account:profile_activate", args=[Profile.objects.get(owner=alice, kind="business").pk]))
    assert client.get(reverse("cases:detail", args=[case.pk])).status_code == 404


def test_an_unknown_case_is_a_404(client: Client, alice: User) -> None:
    login(client, alice)
    assert client.get(reverse("cases:detail", args=["00000000-0000-0000-0000-000000000000"])).status_code == 404


# --- Answering a request for information ---------------------------------------------------------


def test_reply_with_a_pdf_attaches_it_and_returns_the_case(
    en: Client, alice: User, clara: User, authority: Authority
) -> None:
    case = submitted_case(alice, authority)
    services.case_set_status(actor=clerk(clara), case=case, status="in_progress")
    case = ask(case, clara)
    login(en, alice)
    response = en.post(
        reverse("cases:reply", args=[case.pk]), {"text": "Anbei mein Pass.", "documents": [pdf("Paß Müller.pdf")]}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("cases:detail", args=[case.pk]) + "#timeline"
    case.refresh_from_db()
    assert case.status == case.public_status == "in_progress"
    assert case.needs_attention
    reply = case.events.get(kind=CaseEvent.Kind.REPLY)
    assert reply.text == "Anbei mein Pass."
    (attachment,) = reply.attachments.all()
    assert attachment.name == "Paß Müller.pdf"
    assert attachment.content_type == "application/pdf"
    assert attachment.size == len(PDF)

    page = text(en.get(response["Location"]))
    assert "Your answer was sent to the authority." in page
    assert "Anbei mein Pass." in page
    assert 'id="reply"' not in page  # answered: no form any more
    url = reverse("cases:attachment", args=[case.pk, attachment.pk])
    assert f'href="{url}"' in page

    download = en.get(url)
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF
    assert download["Content-Type"] == "application/pdf"
    assert download["Content-Length"] == str(len(PDF))
    # ASCII name from the reference for old clients; the person's own name for the others
    assert download["Content-Disposition"] == (
        f'attachment; filename="{case.reference}-{str(attachment.pk)[:8]}.pdf"; '
        "filename*=UTF-8''Pa%C3%9F%20M%C3%BCller.pdf"
    )
    assert download["X-Content-Type-Options"] == "nosniff"
    assert download["Cache-Control"] == "no-store"


def test_reply_with_several_documents_and_no_text(
    client: Client, alice: User, clara: User, authority: Authority
) -> None:
    case = ask(submitted_case(alice, authority), clara)
    png = SimpleUploadedFile("foto.png", PNG, content_type="image/png")
    response = login(client, alice).post(reverse("cases:reply", args=[case.pk]), {"documents": [pdf(), png]})
    assert response.status_code == 302
    reply = case.events.get(kind=CaseEvent.Kind.REPLY)
    assert reply.text == ""
    assert sorted(a.content_type for a in reply.attachments.all()) == ["application/pdf", "image/png"]


def test_a_pdf_name_with_png_content_is_refused_and_the_text_kept(
    en: Client, alice: User, clara: User, authority: Authority
) -> None:
    case = ask(submitted_case(alice, authority), clara)
    response = login(en, alice).post(
        reverse("cases:reply", args=[case.pk]),
        {"text": "Mein Text <bleibt> erhalten", "documents": [pdf("scan.pdf", PNG)]},
    )
    assert response.status_code == 400
    page = text(response)
    assert "There is a problem" in page
    assert "The file “scan.pdf” is not in PDF format, although its name says so." in page
    assert "Mein Text &lt;bleibt&gt; erhalten</textarea>" in page
    assert '<a href="#id_documents">' in page
    assert "choose them again" in page
    assert not case.events.filter(kind=CaseEvent.Kind.REPLY).exists()
    assert not CaseAttachment.objects.exists()
    case.refresh_from_db()
    assert services.case_awaits_reply(case)


def test_reply_refuses_other_types_too_large_and_too_many_files(
    en: Client, alice: User, clara: User, authority: Authority
) -> None:
    case = ask(submitted_case(alice, authority), clara)
    login(en, alice)
    url = reverse("cases:reply", args=[case.pk])
    program = SimpleUploadedFile("tool.exe", b"MZ\x90\x00", content_type="application/octet-stream")
    page = text(en.post(url, {"text": "a", "documents": [program]}))
    assert "Files of this type are not accepted here. Allowed: .pdf, .jpg, .png." in page
    big = pdf("gross.pdf", PDF + b"0" * (10 * 1024 * 1024))
    page = text(en.post(url, {"text": "a", "documents": [big]}))
    assert "The file “gross.pdf” is too large: at most 10 MB." in page
    page = text(en.post(url, {"text": "a", "documents": [pdf(f"{n}.pdf") for n in range(11)]}))
    assert "Add at most 10 documents at once." in page
    response = en.post(url, {"text": "  "})
    assert response.status_code == 400
    assert "Write an answer or add a document." in text(response)
    assert not case.events.filter(kind=CaseEvent.Kind.REPLY).exists()


def test_reply_is_translated(client: Client, alice: User, clara: User, authority: Authority) -> None:
    case = ask(submitted_case(alice, authority), clara)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "de"
    response = login(client, alice).post(reverse("cases:reply", args=[case.pk]), {"text": ""})
    assert response.status_code == 400
    with translation.override("de"):
        assert translation.gettext("There is a problem") in text(response)


def test_reply_when_not_asked_is_refused_clearly(en: Client, alice: User, authority: Authority) -> None:
    case = submitted_case(alice, authority)
    response = login(en, alice).post(reverse("cases:reply", args=[case.pk]), {"text": "Eine Frage <zum> Antrag"})
    assert response.status_code == 409
    page = text(response)
    assert "Your answer was not sent" in page
    assert "Eine Frage &lt;zum&gt; Antrag" in page  # shown so it can be copied
    assert not case.events.filter(kind=CaseEvent.Kind.REPLY).exists()


def test_reply_by_get_goes_to_the_form(client: Client, alice: User, authority: Authority) -> None:
    case = submitted_case(alice, authority)
    response = login(client, alice).get(reverse("cases:reply", args=[case.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("cases:detail", args=[case.pk]) + "#reply"


def test_reply_to_a_closed_case_is_refused(en: Client, alice: User, clara: User, authority: Authority) -> None:
    case = ask(submitted_case(alice, authority), clara)
    services.case_set_status(actor=clerk(clara), case=case, status="closed")
    response = login(en, alice).post(reverse("cases:reply", args=[case.pk]), {"text": "Zu spät"})
    assert response.status_code == 409
    assert "Your answer was not sent" in text(response)


# --- Files given with the form -------------------------------------------------------------------


def _upload(case: Case, name: str = "Ausweis Müller.pdf") -> Upload:
    upload = Upload(
        profile=case.profile,
        data_key_id=case.data_key_id,
        submission=case.submission,
        field_key="passport",
        name=name,
        content_type="application/pdf",
    )
    stored = blob_save(data_key_id=str(case.data_key_id), aad=upload.aad, chunks=[PDF])
    upload.size, upload.sha256, upload.storage_name = stored.size, stored.sha256, stored.storage_name
    upload.save()
    return upload


def test_owner_downloads_a_file_given_with_the_form(client: Client, alice: User, authority: Authority) -> None:
    case = submitted_case(alice, authority)
    upload = _upload(case)
    response = login(client, alice).get(reverse("cases:upload", args=[case.pk, upload.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Disposition"].startswith("attachment; ")
    assert "filename*=UTF-8''Ausweis%20M%C3%BCller.pdf" in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "no-store"
    # an upload of another case, even of the same person, is not reachable through this case
    other = submitted_case(alice, authority, service=case.service)
    assert client.get(reverse("cases:upload", args=[other.pk, upload.pk])).status_code == 404


# --- Reuse ---------------------------------------------------------------------------------------


def test_reuse_starts_a_draft_with_the_old_answers(en: Client, alice: User, authority: Authority) -> None:
    case = submitted_case(alice, authority)
    login(en, alice)
    assert en.get(reverse("cases:reuse", args=[case.pk])).status_code == 405
    response = en.post(reverse("cases:reuse", args=[case.pk]))
    draft = Draft.objects.get(profile=alice.active_profile, service=case.service)
    assert response.status_code == 302
    assert response["Location"] == reverse("eforms:draft_step", args=[draft.pk, 1])
    assert draft.answers["last_name"] == "Amrein"
    assert draft.answers["delivery_address"]["street"] == "Marktgasse"
    assert "truthful" not in draft.answers  # declarations are confirmed anew
    assert draft.current_step == 0
    page = text(en.get(response["Location"]))
    assert "A new application was started with your earlier answers." in page


def test_reuse_keeps_a_draft_already_begun(en: Client, alice: User, authority: Authority) -> None:
    case = submitted_case(alice, authority)
    begun = Draft.objects.create(
        profile=alice.active_profile,
        data_key_id=alice.data_key_id,
        service=case.service,
        definition_slug="residence-confirmation",
        definition_version=1,
        answers={"first_name": "Neu"},
    )
    login(en, alice)
    response = en.post(reverse("cases:reuse", args=[case.pk]))
    assert response["Location"] == reverse("eforms:draft_step", args=[begun.pk, 1])
    begun.refresh_from_db()
    assert begun.answers == {"first_name": "Neu"}
    assert "It was kept, so nothing you typed is lost." in text(en.get(response["Location"]))


# --- Dashboard -----------------------------------------------------------------------------------


def test_dashboard_section_lists_the_latest_cases(alice: User, clara: User, authority: Authority) -> None:
    service = residence_service(authority)
    cases = [submitted_case(alice, authority, service=service) for _ in range(6)]
    ask(cases[0], clara)
    actor = citizen_actor(user=alice, profile=alice.active_profile)
    with translation.override("en"):
        items = selectors.dashboard_cases(actor=actor, language="en")
        html = render_to_string(
            "accounts/dashboard/cases.html", {"items": items}, request=RequestFactory().get("/account/")
        )
    assert len(items) == 5
    assert items[0].case == cases[0]  # latest change first
    assert items[0].awaits_reply
    page = re.sub(r"\s+", " ", html)
    assert cases[0].reference in page
    assert "Information needed" in page
    assert "Your answer is needed" in page
    assert f'href="{reverse("cases:detail", args=[cases[0].pk])}"' in page
    assert f'href="{reverse("cases:list")}"' in page
    assert f'href="{reverse("account:notifications")}"' in page


def test_dashboard_cases_take_one_query_whatever_their_number(alice: User, authority: Authority) -> None:
    service = residence_service(authority)
    actor = citizen_actor(user=alice, profile=alice.active_profile)
    submitted_case(alice, authority, service=service)
    with CaptureQueriesContext(connection) as one:
        selectors.dashboard_cases(actor=actor, language="de")
    for _ in range(6):
        submitted_case(alice, authority, service=service)
    crypto.data_key_cache.clear()
    with CaptureQueriesContext(connection) as many:
        assert len(selectors.dashboard_cases(actor=actor, language="de")) == 5
    assert len(one) == len(many) == 1


def test_dashboard_shows_the_cases_section(en: Client, alice: User, authority: Authority) -> None:
    page = text(login(en, alice).get(reverse("account:dashboard")))
    assert f'href="{reverse("cases:list")}"' in page
    assert f'href="{reverse("account:notifications")}"' in page
