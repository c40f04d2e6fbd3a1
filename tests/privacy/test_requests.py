"""Privacy requests that need a person (P11): the account holder asks for a correction or objects,
the authority of the case (or the operator) answers from a queue sorted by the legal deadline
(30 days, extendable once with notice), and the person is told by short emails that carry nothing
of the request."""

from __future__ import annotations

import datetime
import html
import re
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from guichet.accounts.models import User
from guichet.cases.models import Case
from guichet.core.actor import Actor, citizen_actor, staff_actor
from guichet.core.models import AuditEvent, Authority
from guichet.privacy import requests
from guichet.privacy.erasure import account_erase
from guichet.privacy.models import PrivacyRequest
from tests.cases_support import submitted_case
from tests.conftest import login

pytestmark = pytest.mark.django_db
FAST = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

EN = {"accept-language": "en"}
CREATE = "/account/privacy/requests/new/"
QUEUE = "/backoffice/privacy-requests/"
#: what Alice writes: it must never travel by email nor appear in a queue
BODY = "Mein Geburtsdatum im Einwohnerregister ist falsch: richtig ist der 1. April 1990."
ANSWER = "Wir haben das Geburtsdatum im Register berichtigt."
REASON = "Die Abklärung beim Zivilstandsamt dauert länger."


def citizen(user: User) -> Actor:
    return citizen_actor(user=user, profile=user.active_profile)


def clerk(user: User) -> Actor:
    return staff_actor(user=user, membership=user.memberships.get())


def operator(user: User) -> Actor:
    actor = requests.operator_actor(user=user)
    assert actor is not None
    return actor


def create(user: User, *, case: Case | None = None, now: datetime.datetime | None = None, kind: str = "rectification"):
    with translation.override("en"):
        return requests.privacy_request_create(actor=citizen(user), kind=kind, body=BODY, case=case, now=now)


def bodies(message: Any) -> str:
    text = message.get_body(preferencelist=("plain",)).get_content()
    html_part = message.get_body(preferencelist=("html",)).get_content()
    return f"{message['Subject']}\n{text}\n{html_part}"


def en_date(value: datetime.datetime) -> str:
    with translation.override("en"):
        return date_format(timezone.localdate(value), "DATE_FORMAT")


def page(client: Client, url: str) -> str:
    response = client.get(url, headers=EN)
    assert response.status_code == 200, response.status_code
    return html.unescape(response.content.decode())


@pytest.fixture
def case(alice: User, authority: Authority) -> Case:
    return submitted_case(alice, authority)


def test_the_urls_are_stable() -> None:
    assert reverse("privacy_centre:request_create") == CREATE
    assert reverse("backoffice:privacy_request_queue") == QUEUE


# --- Filing a request -------------------------------------------------------------------------------


@pytest.mark.promise("P11")
def test_a_request_about_a_case_goes_to_its_authority_with_a_30_day_deadline(
    client: Client, alice: User, case: Case, smtp_server: Any, django_capture_on_commit_callbacks: Any
) -> None:
    login(client, alice)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(CREATE, {"kind": "rectification", "case": str(case.pk), "body": BODY}, headers=EN)
    request = PrivacyRequest.objects.get(user=alice)
    assert response.status_code == 302
    assert response["Location"] == reverse("privacy_centre:request_detail", args=[request.pk])
    assert request.authority_id == case.authority_id
    assert request.case_id == case.pk
    assert request.reference.startswith("P-")
    assert request.due_at == request.received_at + datetime.timedelta(days=30)
    with connection.cursor() as cursor:  # stored encrypted (P25)
        cursor.execute("SELECT body FROM privacy_privacyrequest WHERE id = %s", [request.pk.hex])
        (raw,) = cursor.fetchone()
    assert "Geburtsdatum" not in raw

    detail = page(client, response["Location"])
    assert request.reference in detail
    assert BODY in detail
    assert "Answer due by" in detail
    assert en_date(request.due_at) in detail
    assert case.authority.name in detail
    centre = page(client, "/account/privacy/")
    assert request.reference in centre
    assert en_date(request.due_at) in centre

    # The confirmation: reference, deadline, link; nothing of what she wrote.
    (message,) = smtp_server.messages
    assert message["To"] == "alice@example.ch"
    everything = bodies(message)
    assert request.reference in message["Subject"]
    assert en_date(request.due_at) in everything
    assert django_settings.SITE_URL + reverse("privacy_centre:request_detail", args=[request.pk]) in everything
    assert "Geburtsdatum" not in everything
    assert django_settings.GUICHET_PRIVACY_CONTACT in everything  # P13


@pytest.mark.promise("P11")
def test_a_general_request_goes_to_the_operator(
    client: Client, alice: User, clara: User, olga: User, authority: Authority
) -> None:
    request = create(alice, kind="objection")
    assert request.authority_id is None
    assert request.case_id is None

    login(client, olga)
    queue = page(client, QUEUE)
    assert request.reference in queue
    assert "Objection to processing" in queue
    assert page(client, reverse("backoffice:privacy_request_detail", args=[request.pk])).count(BODY) == 1
    client.logout()

    login(client, clara)
    assert request.reference not in page(client, QUEUE)
    assert client.get(reverse("backoffice:privacy_request_detail", args=[request.pk])).status_code == 404


@pytest.mark.promise("P11")
def test_someone_elses_case_is_refused(client: Client, alice: User, bob: User, case: Case) -> None:
    with pytest.raises(PermissionDenied):
        create(bob, case=case)
    assert not PrivacyRequest.objects.exists()

    login(client, bob)
    form = page(client, f"{CREATE}?kind=rectification&case={case.pk}")
    assert case.reference not in form  # not offered, not preselected
    response = client.post(CREATE, {"kind": "rectification", "case": str(case.pk), "body": BODY}, headers=EN)
    assert response.status_code == 400
    text = html.unescape(response.content.decode())
    assert "Choose one of your cases, or none." in text
    assert BODY in text  # nothing typed is lost
    assert not PrivacyRequest.objects.exists()


def test_the_link_from_a_case_prefills_the_form(client: Client, alice: User, case: Case) -> None:
    login(client, alice)
    form = page(client, f"{CREATE}?kind=objection&case={case.pk}")
    assert "Object to the processing of your data" in form
    assert "Art. 21 GDPR" in form
    assert re.search(r'value="objection"[^>]* checked', form)
    assert f'<option value="{case.pk}" selected>' in form
    rectification = page(client, f"{CREATE}?kind=rectification")
    assert "What you can change yourself, at once" in rectification
    assert reverse("account:profiles") in rectification


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"kind": "rectification", "body": "   "}, "Please describe your request."),
        ({"kind": "rectification", "body": "x" * 5001}, "The text is too long: at most 5000 characters (it has 5001)."),
        ({"kind": "whatever", "body": BODY}, "Choose what your request is about."),
        ({"body": BODY}, "Choose what your request is about."),
    ],
)
def test_bad_input_is_explained_and_kept(client: Client, alice: User, data: dict[str, str], message: str) -> None:
    login(client, alice)
    response = client.post(CREATE, data, headers=EN)
    assert response.status_code == 400
    text = html.unescape(response.content.decode())
    assert "There is a problem" in text
    assert message in text
    assert data["body"].strip()[:100] in text
    assert not PrivacyRequest.objects.exists()


def test_the_form_speaks_german_by_default(client: Client, alice: User) -> None:
    login(client, alice)
    response = client.post(CREATE, {"kind": "rectification", "body": ""}, headers={"accept-language": "de"})
    assert response.status_code == 400
    assert 'lang="de"' in response.content.decode()


# --- The queue ---------------------------------------------------------------------------------------


@pytest.mark.promise("P11")
def test_the_authoritys_clerk_sees_it_in_the_queue_and_other_authorities_do_not(
    client: Client, alice: User, clara: User, dario: User, case: Case
) -> None:
    request = create(alice, case=case)
    login(client, clara)
    queue = page(client, QUEUE)
    assert request.reference in queue
    assert case.reference in queue
    assert "Due in 30 days" in queue
    for private in ("Alice", "Amrein", "Geburtsdatum"):
        assert private not in queue, private  # references and dates, no names, no text
    index = page(client, reverse("backoffice:index"))
    assert "Privacy requests" in index
    assert "1 open" in index
    client.logout()

    login(client, dario)
    assert request.reference not in page(client, QUEUE)
    detail = reverse("backoffice:privacy_request_detail", args=[request.pk])
    assert client.get(detail).status_code == 404
    start = reverse("backoffice:privacy_request_start", args=[request.pk])
    assert client.post(start).status_code == 404
    request.refresh_from_db()
    assert request.status == PrivacyRequest.Status.OPEN


@pytest.mark.promise("P11")
def test_opening_a_request_is_audited_and_the_person_sees_it(
    client: Client, alice: User, clara: User, case: Case
) -> None:
    request = create(alice, case=case)
    login(client, clara)
    detail = page(client, reverse("backoffice:privacy_request_detail", args=[request.pk]))
    assert BODY in detail
    assert "Alice Amrein" in detail  # the handler must know whose data it is
    event = AuditEvent.objects.get(action=AuditEvent.Action.VIEW, object_ref=str(request.pk))
    assert event.subject_ref == str(alice.pk)
    assert event.authority_id == case.authority_id
    client.logout()

    login(client, alice)
    centre = page(client, "/account/privacy/")
    assert case.authority.name in centre
    assert "Looked at" in centre


@pytest.mark.promise("P11")
def test_an_overdue_request_is_flagged(client: Client, alice: User, clara: User, case: Case) -> None:
    received = timezone.now() - datetime.timedelta(days=40)
    late = create(alice, case=case, now=received)
    soon = create(alice, case=case, now=timezone.now() - datetime.timedelta(days=27))
    fresh = create(alice, case=case)
    counts = requests.queue_counts(actor=clerk(clara))
    assert (counts.open, counts.overdue, counts.due_soon) == (3, 1, 1)

    login(client, clara)
    queue = page(client, QUEUE)
    assert "Overdue by 10 days" in queue
    assert "1 request is overdue." in queue
    assert "Due in 3 days" in queue
    assert "Due in 30 days" in queue
    # The most urgent first.
    assert queue.index(late.reference) < queue.index(soon.reference) < queue.index(fresh.reference)
    index = page(client, reverse("backoffice:index"))
    assert "1 overdue" in index
    client.logout()

    login(client, alice)
    assert "Overdue" in page(client, reverse("privacy_centre:request_detail", args=[late.pk]))


# --- Extension, answer ------------------------------------------------------------------------------


@pytest.mark.promise("P11")
def test_the_deadline_is_extended_once_with_notice_to_the_person(
    client: Client,
    alice: User,
    clara: User,
    case: Case,
    smtp_server: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    request = create(alice, case=case)
    login(client, clara)
    url = reverse("backoffice:privacy_request_extend", args=[request.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"reason": REASON}, headers=EN)
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.due_at == request.received_at + datetime.timedelta(days=30 + 60)
    assert request.extended_at is not None
    assert request.extension_reason == REASON

    (message,) = smtp_server.messages
    assert message["To"] == "alice@example.ch"
    everything = bodies(message)
    assert request.reference in everything
    assert f"extended until {en_date(request.due_at)}" in everything
    assert django_settings.SITE_URL + reverse("privacy_centre:request_detail", args=[request.pk]) in everything
    assert "Zivilstandsamt" not in everything  # the reason is in the account, not in the email
    assert "Geburtsdatum" not in everything

    # A second extension is refused, with a clear error, and the reason typed is kept.
    response = client.post(url, {"reason": "Noch mehr Zeit."}, headers=EN)
    assert response.status_code == 400
    text = html.unescape(response.content.decode())
    assert "The law allows only one extension." in text
    assert "Noch mehr Zeit." in text
    with pytest.raises(ValidationError) as refused:
        requests.privacy_request_extend(actor=clerk(clara), request=request, reason="Noch mehr Zeit.")
    assert refused.value.code == "already_extended"
    assert len(smtp_server.messages) == 1
    client.logout()

    # The person reads the new date and the reason in the account.
    login(client, alice)
    detail = page(client, reverse("privacy_centre:request_detail", args=[request.pk]))
    assert REASON in detail
    assert en_date(request.due_at) in detail


def test_the_deadline_cannot_be_extended_once_it_has_passed(alice: User, clara: User, case: Case) -> None:
    request = create(alice, case=case, now=timezone.now() - datetime.timedelta(days=31))
    with pytest.raises(ValidationError) as refused:
        requests.privacy_request_extend(actor=clerk(clara), request=request, reason=REASON)
    assert refused.value.code == "too_late"
    request.refresh_from_db()
    assert request.extended_at is None


def test_an_extension_needs_a_reason(client: Client, alice: User, clara: User, case: Case) -> None:
    request = create(alice, case=case)
    login(client, clara)
    response = client.post(reverse("backoffice:privacy_request_extend", args=[request.pk]), {"reason": " "}, headers=EN)
    assert response.status_code == 400
    assert "Please give the reason for the extension" in html.unescape(response.content.decode())


@pytest.mark.promise("P11")
def test_the_answer_reaches_the_person_by_a_short_email(
    client: Client,
    alice: User,
    clara: User,
    case: Case,
    smtp_server: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    request = create(alice, case=case)
    login(client, clara)
    start = client.post(reverse("backoffice:privacy_request_start", args=[request.pk]), headers=EN)
    assert start.status_code == 302
    request.refresh_from_db()
    assert request.status == PrivacyRequest.Status.IN_PROGRESS
    assert smtp_server.messages == []  # taking it on sends nothing

    url = reverse("backoffice:privacy_request_answer", args=[request.pk])
    missing = client.post(url, {"status": "done", "answer": ""}, headers=EN)
    assert missing.status_code == 400
    assert "Please write the answer." in html.unescape(missing.content.decode())
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"status": "done", "answer": ANSWER}, headers=EN)
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.status == PrivacyRequest.Status.DONE
    assert request.answered_at is not None
    assert request.handled_by_id == clara.pk

    (message,) = smtp_server.messages
    assert message["To"] == "alice@example.ch"
    everything = bodies(message)
    assert request.reference in everything
    assert django_settings.SITE_URL + reverse("privacy_centre:request_detail", args=[request.pk]) in everything
    for private in ("Geburtsdatum", "berichtigt", "Register", "Amrein"):
        assert private not in everything, private

    # Answered: out of the open tab, in the answered one; no second answer.
    assert request.reference not in page(client, QUEUE)
    assert request.reference in page(client, QUEUE + "?state=answered")
    again = client.post(url, {"status": "refused", "answer": "Doch nicht."}, headers=EN)
    assert again.status_code == 400
    assert "This request has already been answered." in html.unescape(again.content.decode())
    client.logout()

    login(client, alice)
    centre = page(client, "/account/privacy/")
    assert ANSWER in centre
    assert "Answered" in centre


def test_a_request_needs_an_account_holder(clara: User, case: Case) -> None:
    with pytest.raises(PermissionDenied):
        requests.privacy_request_create(actor=clerk(clara), kind="objection", body=BODY)


# --- Export and erasure -----------------------------------------------------------------------------


@pytest.mark.promise("P11")
def test_the_export_lists_the_requests_and_erasure_removes_them(alice: User, bob: User, case: Case) -> None:
    from guichet.core.registry import registry

    mine = create(alice, case=case)
    create(bob, kind="objection")
    kind = registry.get("privacy.PrivacyRequest")
    assert kind is not None
    assert kind.export is not None
    items = list(kind.export(alice))
    assert [item["reference"] for item in items] == [mine.reference]
    assert items[0]["request"] == BODY
    assert items[0]["case"] == case.reference

    account_erase(actor=citizen(alice))
    assert not PrivacyRequest.objects.filter(pk=mine.pk).exists()
    assert PrivacyRequest.objects.count() == 1  # Bob's stays


ANY_TEXT = st.text(max_size=400) | st.sampled_from(["\x00", "a" * 10_000, "<script>", "%(x)s", " ", "\u202e"])


@FAST
@given(kind=ANY_TEXT | st.sampled_from(PrivacyRequest.Kind.values), case=ANY_TEXT, body=ANY_TEXT)
def test_the_form_never_fails_with_a_server_error(client: Client, alice: User, kind: str, case: str, body: str) -> None:
    client.force_login(alice)
    response = client.post(CREATE, {"kind": kind, "case": case, "body": body})
    assert response.status_code in (302, 400)
