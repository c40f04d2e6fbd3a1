"""The staff backoffice for cases: queue, case page, actions and downloads.

Clara is staff of the authority Alice applied to; Dario works for another authority and must see
nothing of it; Alice and Bob are citizens and have no business in the backoffice."""

from __future__ import annotations

import json
import re
import uuid
from typing import Any

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from guichet.accounts.models import User
from guichet.backoffice import case_views
from guichet.cases import selectors, services
from guichet.cases.models import Case, CaseAttachment
from guichet.cases.services import MAX_TEXT
from guichet.core import crypto
from guichet.core.actor import Actor, citizen_actor, staff_actor
from guichet.core.files import blob_save
from guichet.core.models import AuditEvent, Authority, StaffMembership
from guichet.eforms.models import Submission, Upload
from tests.cases_support import residence_service, submitted_case
from tests.conftest import login, make_citizen

pytestmark = pytest.mark.django_db

QUEUE = "/backoffice/cases/"
#: Django 6.1 deprecates ``EMAIL_BACKEND`` for ``MAILERS``: the same in-memory backend, configured the new way.
LOCMEM_MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
PDF_BYTES = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


@pytest.fixture
def en(client: Client) -> Client:
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture
def case(alice: User, authority: Authority) -> Case:
    return submitted_case(alice, authority)


@pytest.fixture
def clara_client(en: Client, clara: User) -> Client:
    return login(en, clara)


def text(response: Any) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def staff_of(user: User) -> Actor:
    return staff_actor(user=user, membership=StaffMembership.objects.get(user=user))


def alice_actor(alice: User) -> Actor:
    return citizen_actor(user=alice, profile=alice.active_profile)


def detail_url(case: Case) -> str:
    return reverse("backoffice:case_detail", args=[case.pk])


def action_url(name: str, case: Case) -> str:
    return reverse(f"backoffice:case_{name}", args=[case.pk])


def textarea(page: str, field_id: str) -> str:
    match = re.search(rf'<textarea[^>]*id="{field_id}"[^>]*>(.*?)</textarea>', page, re.DOTALL)
    assert match is not None, f"no textarea #{field_id}"
    return match.group(1).strip()


def file_of(case: Case, alice: User, *, name: str = "Beleg.pdf") -> CaseAttachment:
    """A document Alice adds to her case in answer to Clara's request."""
    services.case_request_information(actor=staff_of_case(case), case=case, message="Bitte Beleg senden.")
    upload = SimpleUploadedFile(name, PDF_BYTES, content_type="application/pdf")
    services.case_reply(
        actor=alice_actor(alice), case=case, text="Hier der Beleg.", files=[(upload, "application/pdf")]
    )
    return CaseAttachment.objects.get(case=case)


def staff_of_case(case: Case) -> Actor:
    membership = StaffMembership.objects.filter(authority=case.authority).select_related("user").first()
    assert membership is not None
    return staff_actor(user=membership.user, membership=membership)


# --- URLs and who may use them -------------------------------------------------------------------


def test_urls_are_stable(case: Case) -> None:
    some = uuid.uuid4()
    assert reverse("backoffice:case_queue") == QUEUE
    assert reverse("backoffice:case_detail", args=[case.pk]) == f"{QUEUE}{case.pk}/"
    for name in ("status", "request", "note", "assign"):
        assert reverse(f"backoffice:case_{name}", args=[case.pk]) == f"{QUEUE}{case.pk}/{name}/"
    assert reverse("backoffice:case_pdf", args=[case.pk]) == f"{QUEUE}{case.pk}/submission.pdf"
    assert reverse("backoffice:case_json", args=[case.pk]) == f"{QUEUE}{case.pk}/submission.json"
    assert reverse("backoffice:case_attachment", args=[case.pk, some]) == f"{QUEUE}{case.pk}/documents/{some}/"
    assert reverse("backoffice:case_upload", args=[case.pk, some]) == f"{QUEUE}{case.pk}/uploads/{some}/"


def test_the_backoffice_home_links_to_the_queue(clara_client: Client) -> None:
    assert f'href="{QUEUE}"' in clara_client.get("/backoffice/").content.decode()


def every_case_url(case: Case, attachment: CaseAttachment) -> list[tuple[str, str, dict[str, str]]]:
    upload_id = uuid.uuid4()
    return [
        ("get", detail_url(case), {}),
        ("post", action_url("status", case), {"status": "in_progress", "note": "x"}),
        ("post", action_url("request", case), {"message": "x"}),
        ("post", action_url("note", case), {"text": "x"}),
        ("post", action_url("assign", case), {"assignee": ""}),
        ("get", action_url("pdf", case), {}),
        ("get", action_url("json", case), {}),
        ("get", reverse("backoffice:case_attachment", args=[case.pk, attachment.pk]), {}),
        ("get", reverse("backoffice:case_upload", args=[case.pk, upload_id]), {}),
    ]


@pytest.mark.promise("P32")
def test_staff_of_another_authority_and_citizens_get_not_found_everywhere(
    client: Client, case: Case, alice: User, bob: User, clara: User, dario: User, olga: User
) -> None:
    attachment = file_of(case, alice)
    events_before = case.events.count()
    audits_before = AuditEvent.objects.count()
    for user in (dario, alice, bob, olga):
        login(client, user)
        for method, url, data in every_case_url(case, attachment):
            response = getattr(client, method)(url, data)
            assert response.status_code == 404, (user, method, url)
    # Nothing changed, and no access was recorded for those who were refused.
    assert case.events.count() == events_before
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.VIEW).exists()
    assert AuditEvent.objects.count() == audits_before
    case.refresh_from_db()
    assert case.status == "received"


def test_guests_are_sent_to_login(client: Client, case: Case, alice: User, clara: User) -> None:
    attachment = file_of(case, alice)
    for method, url, data in [("get", QUEUE, {}), *every_case_url(case, attachment)]:
        response = getattr(client, method)(url, data)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("auth:login") + "?next="), url


def test_methods_are_restricted(clara_client: Client, case: Case) -> None:
    assert clara_client.post(QUEUE).status_code == 405
    assert clara_client.post(detail_url(case)).status_code == 405
    assert clara_client.post(action_url("pdf", case)).status_code == 405
    for name in ("status", "request", "note", "assign"):
        assert clara_client.get(action_url(name, case)).status_code == 405


def test_actions_need_the_csrf_token(clara: User, case: Case) -> None:
    client = login(Client(enforce_csrf_checks=True), clara)
    assert client.post(action_url("note", case), {"text": "Notiz"}).status_code == 403
    assert not case.events.filter(kind="note").exists()


def test_unknown_case_is_not_found(clara_client: Client, case: Case) -> None:
    assert clara_client.get(reverse("backoffice:case_detail", args=[uuid.uuid4()])).status_code == 404
    assert clara_client.get(reverse("backoffice:case_attachment", args=[case.pk, uuid.uuid4()])).status_code == 404


# --- The queue ---------------------------------------------------------------------------------


@pytest.mark.promise("P32")
def test_queue_shows_the_authority_cases_by_reference_without_names(
    clara_client: Client, case: Case, bob: User, other_authority: Authority, dario: User
) -> None:
    elsewhere = submitted_case(bob, other_authority, service=residence_service(other_authority, slug="anderswo"))
    response = clara_client.get(QUEUE)
    assert response.status_code == 200
    page = text(response)
    assert case.reference in page
    assert f'href="{detail_url(case)}"' in page
    assert "Wohnsitzbestätigung" in page
    assert "Received" in page
    assert "Needs attention" in page
    assert elsewhere.reference not in page
    # Data minimisation: the queue names no applicant.
    for name in ("Alice", "Amrein", "Bob", "Brunner", "alice@example.ch"):
        assert name not in page
    # Dario sees his own authority's case, and not Clara's.
    dario_page = text(login(Client(HTTP_ACCEPT_LANGUAGE="en"), dario).get(QUEUE))
    assert elsewhere.reference in dario_page
    assert case.reference not in dario_page


def references(response: Any) -> set[str]:
    """The references in the queue's table."""
    return set(re.findall(r'<th scope="row"><a href="[^"]+">([^<]+)</a></th>', response.content.decode()))


def test_queue_filters_by_state_with_counts(
    clara_client: Client, alice: User, clara: User, authority: Authority
) -> None:
    actor = staff_of(clara)
    fresh = submitted_case(alice, authority)
    working = submitted_case(alice, authority)
    services.case_set_status(actor=actor, case=working, status="in_progress")
    waiting = submitted_case(alice, authority)
    services.case_request_information(actor=actor, case=waiting, message="Bitte Ausweis nachreichen.")
    closed = submitted_case(alice, authority)
    services.case_set_status(actor=actor, case=closed, status="closed")

    assert references(clara_client.get(QUEUE)) == {fresh.reference, working.reference, waiting.reference}
    assert references(clara_client.get(QUEUE, {"state": "attention"})) == {fresh.reference}
    assert references(clara_client.get(QUEUE, {"state": "waiting"})) == {waiting.reference}
    assert references(clara_client.get(QUEUE, {"state": "closed"})) == {closed.reference}
    assert len(references(clara_client.get(QUEUE, {"state": "all"}))) == 4
    # An unknown state falls back to the open cases instead of failing.
    assert clara_client.get(QUEUE, {"state": "bogus", "service": "x", "assignee": "?"}).status_code == 200

    page = text(clara_client.get(QUEUE, {"state": "waiting"}))
    assert re.search(r'aria-current="page">Waiting for the applicant \(1\)</a>', page)
    for label, count in (("Open", 3), ("Needs attention", 1), ("Closed", 1), ("All", 4)):
        assert f">{label} ({count})</a>" in page


def test_queue_filters_by_service_and_assignee(
    clara_client: Client, alice: User, clara: User, authority: Authority
) -> None:
    colleague = make_citizen(email="sven@stadt-demo.ch", first_name="Sven", last_name="Sachbearbeiter")
    StaffMembership.objects.create(user=colleague, authority=authority, role=StaffMembership.Role.CLERK)
    actor = staff_of(clara)
    mine = submitted_case(alice, authority)
    services.case_assign(actor=actor, case=mine, assignee=clara)
    svens = submitted_case(alice, authority)
    services.case_assign(actor=actor, case=svens, assignee=colleague)
    other_service = residence_service(authority, slug="wohnsitz-zweitwohnung")
    nobodys = submitted_case(alice, authority, service=other_service)

    assert references(clara_client.get(QUEUE, {"assignee": "me"})) == {mine.reference}
    assert references(clara_client.get(QUEUE, {"assignee": "nobody"})) == {nobodys.reference}
    assert references(clara_client.get(QUEUE, {"service": other_service.pk})) == {nobodys.reference}
    page = text(clara_client.get(QUEUE))
    assert "Sven Sachbearbeiter" in page  # the assignee is named (staff, not the applicant)
    assert re.search(r"Clara Clerk <span class=\"tag\">you</span>", page)


def test_queue_search_by_reference_is_tolerant(clara_client: Client, alice: User, authority: Authority) -> None:
    wanted = submitted_case(alice, authority)
    other = submitted_case(alice, authority)
    sloppy = wanted.reference.lower().replace("-", " ")
    found = clara_client.get(QUEUE, {"q": f"  {sloppy} "})
    assert references(found) == {wanted.reference}
    assert references(clara_client.get(QUEUE, {"q": wanted.reference[-4:].lower()})) == {wanted.reference}
    assert other.reference not in text(found)
    nothing = clara_client.get(QUEUE, {"q": "2020-AAAA-AAAA"})
    assert references(nothing) == set()
    assert "No case matches these filters." in text(nothing)
    assert clara_client.get(QUEUE, {"q": "\x00" + "a" * 500}).status_code == 200


def test_queue_is_paginated(
    clara_client: Client, alice: User, authority: Authority, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(case_views, "QUEUE_PAGE_SIZE", 2)
    cases = [submitted_case(alice, authority) for _ in range(3)]
    first = clara_client.get(QUEUE, {"state": "all"})
    page = text(first)
    assert "Page 1 of 2" in page
    assert 'href="?state=all&amp;page=2" rel="next"' in page
    second = clara_client.get(QUEUE, {"state": "all", "page": "2"})
    assert references(first) | references(second) == {c.reference for c in cases}
    assert len(references(second)) == 1
    assert clara_client.get(QUEUE, {"page": "999"}).status_code == 200
    assert clara_client.get(QUEUE, {"page": "nope"}).status_code == 200


def queue_queries(client: Client, django_assert_max_num_queries: Any, limit: int) -> None:
    crypto.data_key_cache.clear()  # as in a fresh process: nothing unwrapped yet
    with django_assert_max_num_queries(limit):
        response = client.get(QUEUE, {"state": "all"})
    assert response.status_code == 200


def count_queries(client: Client) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    crypto.data_key_cache.clear()
    with CaptureQueriesContext(connection) as captured:
        assert client.get(QUEUE, {"state": "all"}).status_code == 200
    return len(captured)


def test_queue_queries_do_not_grow_with_the_cases(
    clara_client: Client, clara: User, authority: Authority, django_assert_max_num_queries: Any
) -> None:
    """Many applicants (one data key each), several assignees: still the same number of queries."""
    actor = staff_of(clara)
    colleague = make_citizen(email="sven@stadt-demo.ch", first_name="Sven", last_name="Sachbearbeiter")
    StaffMembership.objects.create(user=colleague, authority=authority, role=StaffMembership.Role.CLERK)
    service = residence_service(authority)

    def add_cases(count: int, start: int) -> None:
        for number in range(start, start + count):
            citizen = make_citizen(email=f"person{number}@example.ch", first_name="Vorname", last_name=f"N{number}")
            created = submitted_case(citizen, authority, service=service)
            if number % 3 == 1:
                services.case_assign(actor=actor, case=created, assignee=clara if number % 2 else colleague)

    add_cases(5, 0)
    with_five = count_queries(clara_client)
    add_cases(25, 5)
    queue_queries(clara_client, django_assert_max_num_queries, with_five)
    assert len(references(clara_client.get(QUEUE, {"state": "all"}))) == 30


# --- The case page -------------------------------------------------------------------------------


def test_case_page_shows_the_submission_and_is_audited(clara_client: Client, case: Case, clara: User) -> None:
    response = clara_client.get(detail_url(case))
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    page = text(response)
    assert f"<h1>Case {case.reference}</h1>" in page
    # The answers, with the wording of the form version that was answered.
    assert "<dt>First name</dt> <dd>Alice</dd>" in page
    assert "<dt>What do you need it for?</dt> <dd>Employer</dd>" in page
    assert "Marktgasse 7<br>3000 Bern<br>Switzerland" in page
    # The applicant, the fee and the form version.
    assert "<dt>Applicant</dt><dd>Private person: Alice Amrein</dd>" in page
    assert "<dt>Fee</dt><dd>CHF 42.50</dd>" in page  # 20 + 2 copies at 10 + priority mail 2.50
    assert "Order a confirmation of residence, version 1" in page
    assert "Submitted" in page
    # The applicant's email is never shown (P32).
    assert "alice@example.ch" not in page
    # The access is recorded for the citizen's access log.
    view = AuditEvent.objects.get(action=AuditEvent.Action.VIEW)
    assert view.object_ref == str(case.pk)
    assert view.actor_ref == str(clara.pk)
    assert view.detail == {"what": "submission"}
    assert view.subject_ref == str(case.profile.owner_id)


def test_status_select_offers_neither_the_current_nor_the_asking_status(clara_client: Client, case: Case) -> None:
    page = clara_client.get(detail_url(case)).content.decode()
    select = re.search(r'<select name="status"[^>]*>(.*?)</select>', page, re.DOTALL)
    assert select is not None
    values = re.findall(r'<option value="([^"]*)"', select.group(1))
    assert values == ["", "in_progress", "decided", "closed"]
    assert "Closed (closes the case)" in select.group(1)
    assert 'for="status-note"' in page
    assert "the applicant reads this note" in page


@pytest.mark.promise("P27")
def test_status_change_with_note_reaches_the_applicant_by_a_short_email(
    clara_client: Client, case: Case, alice: User, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.MAILERS = LOCMEM_MAILERS
    mail.outbox.clear()
    note = "Wir prüfen Ihre Angaben bis Freitag."
    with django_capture_on_commit_callbacks(execute=True):
        response = clara_client.post(action_url("status", case), {"status": "in_progress", "note": note})
    assert response.status_code == 302
    assert response["Location"] == detail_url(case)
    case.refresh_from_db()
    assert case.status == "in_progress"
    timeline = selectors.case_timeline(actor=alice_actor(alice), case=case)
    assert [(event.kind, event.status, event.text) for event in timeline][-1] == ("status", "in_progress", note)
    # One short email: the reference and a link, never the note or an answer (P26, P27).
    (message,) = mail.outbox
    body = message.body + "".join(str(content) for content, _type in getattr(message, "alternatives", []))
    assert case.reference in body
    assert note not in body
    for answer in ("Marktgasse", "Amrein", "1990", "Bern"):
        assert answer not in body
        assert answer not in message.subject
    # The clerk sees the outcome on the page they come back to.
    page = text(clara_client.get(detail_url(case)))
    assert "The status is now “In progress”." in page
    assert note in page


@pytest.mark.promise("P27")
def test_internal_note_is_never_shown_to_the_applicant_nor_mailed(
    clara_client: Client, case: Case, alice: User, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.MAILERS = LOCMEM_MAILERS
    mail.outbox.clear()
    note = "Rückfrage beim Einwohneramt läuft."
    with django_capture_on_commit_callbacks(execute=True):
        response = clara_client.post(action_url("note", case), {"text": note})
    assert response.status_code == 302
    assert mail.outbox == []
    assert note not in [event.text for event in selectors.case_timeline(actor=alice_actor(alice), case=case)]
    page = text(clara_client.get(detail_url(case)))
    assert "The internal note was saved." in page
    entry = page[page.index("Timeline") :]
    assert note in entry
    assert re.search(r"Internal note</h3> <p><strong class=\"tag\">Internal: the applicant does not see this", entry)


def test_request_information_puts_the_case_in_waiting(
    clara_client: Client, case: Case, alice: User, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.MAILERS = LOCMEM_MAILERS
    mail.outbox.clear()
    message = "Bitte senden Sie uns eine Kopie Ihres Mietvertrags."
    with django_capture_on_commit_callbacks(execute=True):
        response = clara_client.post(action_url("request", case), {"message": message})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == "information_needed"
    assert case.resume_status == "received"
    assert selectors.case_timeline(actor=alice_actor(alice), case=case)[-1].text == message
    assert len(mail.outbox) == 1
    assert message not in mail.outbox[0].body
    page = text(clara_client.get(detail_url(case)))
    assert "Waiting for the applicant" in page
    assert "The case waits for the answer." in page


def test_bad_input_is_refused_with_the_text_kept(clara_client: Client, case: Case) -> None:
    empty = clara_client.post(action_url("request", case), {"message": "   "})
    assert empty.status_code == 400
    page = text(empty)
    assert "There is a problem" in page
    assert '<a href="#request-message">Your question to the applicant: Please write a message.</a>' in page
    assert page.startswith("<!doctype html>") or "<title>Error:" in page

    nothing = clara_client.post(action_url("note", case), {"text": ""})
    assert nothing.status_code == 400
    assert "Please write a message." in nothing.content.decode()

    note = "Status passt nicht, aber dieser Text bleibt."
    unknown = clara_client.post(action_url("status", case), {"status": "approved_by_magic", "note": note})
    assert unknown.status_code == 400
    page = unknown.content.decode()
    assert "Choose one of the statuses offered." in page
    assert textarea(page, "status-note") == note

    long_text = "x" * (MAX_TEXT + 1)
    too_long = clara_client.post(action_url("note", case), {"text": long_text})
    assert too_long.status_code == 400
    page = too_long.content.decode()
    assert f"at most {MAX_TEXT} characters" in page
    assert textarea(page, "note-text") == long_text

    too_long = clara_client.post(action_url("status", case), {"status": "in_progress", "note": long_text})
    assert too_long.status_code == 400
    assert textarea(too_long.content.decode(), "status-note") == long_text

    assert clara_client.post(action_url("note", case), {"text": "\x00"}).status_code == 400
    case.refresh_from_db()
    assert case.status == "received"
    assert not case.events.exclude(kind="submitted").exists()


def test_closing_a_case_stops_changes_with_a_clear_message(clara_client: Client, case: Case) -> None:
    response = clara_client.post(action_url("status", case), {"status": "closed", "note": "Bestätigung versandt."})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.is_closed
    page = text(clara_client.get(detail_url(case)))
    assert "The case is closed with the status “Closed”." in page
    assert action_url("status", case) not in page
    assert action_url("request", case) not in page
    assert action_url("assign", case) not in page
    assert "This case is closed" in page

    question = "Noch eine Frage an die Person."
    refused = clara_client.post(action_url("request", case), {"message": question})
    assert refused.status_code == 400
    page = refused.content.decode()
    assert "This case is closed and can no longer be changed." in page
    assert textarea(page, "unsaved-text") == question  # to copy elsewhere
    refused = clara_client.post(action_url("status", case), {"status": "in_progress"})
    assert refused.status_code == 400
    assert "This case is closed and can no longer be changed." in refused.content.decode()
    case.refresh_from_db()
    assert case.status == "closed"


def test_assign_to_a_colleague_to_me_and_to_nobody(
    clara_client: Client, case: Case, clara: User, dario: User, authority: Authority
) -> None:
    colleague = make_citizen(email="sven@stadt-demo.ch", first_name="Sven", last_name="Sachbearbeiter")
    StaffMembership.objects.create(user=colleague, authority=authority, role=StaffMembership.Role.CLERK)
    page = clara_client.get(detail_url(case)).content.decode()
    assert "Assign to me" in page
    assert f'<option value="{colleague.pk}">Sven Sachbearbeiter</option>' in page

    assert clara_client.post(action_url("assign", case), {"assignee": str(colleague.pk)}).status_code == 302
    case.refresh_from_db()
    assert case.assignee == colleague
    assert "The case is now assigned to Sven Sachbearbeiter." in text(clara_client.get(detail_url(case)))

    assert clara_client.post(action_url("assign", case), {"assignee": str(clara.pk)}).status_code == 302
    case.refresh_from_db()
    assert case.assignee == clara
    page = text(clara_client.get(detail_url(case)))
    assert "The case is now assigned to you." in page
    assert "Assign to me" not in page

    refused = clara_client.post(action_url("assign", case), {"assignee": str(dario.pk)})
    assert refused.status_code == 400
    assert "Choose a member of this authority" in refused.content.decode()

    assert clara_client.post(action_url("assign", case), {"assignee": ""}).status_code == 302
    case.refresh_from_db()
    assert case.assignee is None
    # Assignments are internal events.
    assert not [
        e for e in selectors.case_timeline(actor=alice_actor(case.profile.owner), case=case) if e.kind == "assigned"
    ]


# --- Downloads -----------------------------------------------------------------------------------


def assert_download_headers(response: Any, *, filename: str) -> None:
    disposition = response["Content-Disposition"]
    assert disposition.startswith(f'attachment; filename="{filename}"')
    assert disposition.isascii()
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "no-store"


def test_pdf_download(clara_client: Client, case: Case) -> None:
    response = clara_client.get(action_url("pdf", case))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert_download_headers(response, filename=f"{case.reference}.pdf")
    assert AuditEvent.objects.get(action=AuditEvent.Action.VIEW).detail == {"what": "pdf"}


def test_json_download(clara_client: Client, case: Case) -> None:
    response = clara_client.get(action_url("json", case))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert_download_headers(response, filename=f"{case.reference}.json")
    data = json.loads(response.content)
    assert data["reference"] == case.reference
    assert data["answers"]["last_name"] == "Amrein"
    assert data["answers"]["delivery_address"]["town"] == "Bern"
    assert AuditEvent.objects.get(action=AuditEvent.Action.VIEW).detail == {"what": "json"}


def test_document_download_streams_the_file_under_a_safe_name(clara_client: Client, case: Case, alice: User) -> None:
    # A name with a right-to-left override ("fdp.exe" shown as "exe.pdf") and a folder in it.
    attachment = file_of(case, alice, name="..\\Miet\u202evertrag Zürich.pdf")
    url = reverse("backoffice:case_attachment", args=[case.pk, attachment.pk])
    assert url in clara_client.get(detail_url(case)).content.decode()
    views_before = AuditEvent.objects.filter(action=AuditEvent.Action.VIEW).count()
    response = clara_client.get(url)
    assert response.status_code == 200
    assert response.streaming
    assert b"".join(response.streaming_content) == PDF_BYTES
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Length"] == str(len(PDF_BYTES))
    assert_download_headers(response, filename=f"{case.reference}-{str(attachment.pk)[:8]}.pdf")
    assert response["Content-Disposition"].endswith("; filename*=UTF-8''Mietvertrag%20Z%C3%BCrich.pdf")
    latest = AuditEvent.objects.filter(action=AuditEvent.Action.VIEW).order_by("-pk").first()
    assert AuditEvent.objects.filter(action=AuditEvent.Action.VIEW).count() == views_before + 1
    assert latest is not None
    assert latest.detail == {"what": "document"}


def test_form_upload_download(clara_client: Client, case: Case) -> None:
    upload = Upload(
        profile=case.profile,
        data_key_id=case.data_key_id,
        submission=case.submission,
        field_key="permit",
        name="Bewilligung.pdf",
        content_type="application/pdf",
    )
    stored = blob_save(data_key_id=str(case.data_key_id), aad=upload.aad, chunks=[PDF_BYTES])
    upload.size, upload.sha256, upload.storage_name = stored.size, stored.sha256, stored.storage_name
    upload.save()
    response = clara_client.get(reverse("backoffice:case_upload", args=[case.pk, upload.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF_BYTES
    assert_download_headers(response, filename=f"{case.reference}-{str(upload.pk)[:8]}.pdf")
    assert AuditEvent.objects.get(action=AuditEvent.Action.VIEW).detail == {"what": "document"}


def test_a_file_of_another_case_is_not_found(
    clara_client: Client, case: Case, alice: User, authority: Authority
) -> None:
    attachment = file_of(case, alice)
    other = submitted_case(alice, authority)
    url = reverse("backoffice:case_attachment", args=[other.pk, attachment.pk])
    assert clara_client.get(url).status_code == 404


def test_answers_from_a_verified_source_are_marked_for_the_clerk(
    client: Client, alice: User, clara: User, authority: Authority
) -> None:
    case = submitted_case(alice, authority)
    Submission.objects.filter(pk=case.submission_id).update(verified_keys=["first_name"])
    login(client, clara)
    page = client.get(reverse("backoffice:case_detail", args=[case.pk]), headers={"accept-language": "en"})
    text = page.content.decode()
    assert text.count("✓ verified") == 1
