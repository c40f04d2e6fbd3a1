"""The disclosure register (P34): the operator records every disclosure of a person's data to an
authority (on a court order); the person sees it in the privacy centre and the data export,
unless a legal bar applies, and only once it has ended. Only operators reach the register."""

from __future__ import annotations

import datetime
import html
import json
import time
import zipfile
from io import BytesIO
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from guichet.accounts.login_flow import REAUTH_SESSION_KEY
from guichet.accounts.models import User
from guichet.core.actor import Actor, citizen_actor
from guichet.core.models import AuditEvent, DeletionLogEntry
from guichet.privacy import disclosures
from guichet.privacy.disclosures import DisclosureInput
from guichet.privacy.erasure import account_erase
from guichet.privacy.models import Disclosure
from guichet.privacy.requests import operator_actor
from guichet.privacy.retention import retention_sweep
from tests.conftest import login

pytestmark = pytest.mark.django_db

EN = {"accept-language": "en"}
REGISTER = "/backoffice/disclosures/"
CREATE = "/backoffice/disclosures/new/"
FORM = {
    "email": "Alice@Example.ch",
    "recipient": "Staatsanwaltschaft des Demo-Kantons",
    "legal_basis": "Art. 265 StPO (Herausgabepflicht)",
    "court_order_reference": "ST.2026.4711",
    "data_disclosed": "E-Mail-Adresse und Anmeldezeiten des Kontos",
    "disclosed_on": "2026-03-02",
}


def operator(olga: User) -> Actor:
    actor = operator_actor(user=olga)
    assert actor is not None
    return actor


def record(olga: User, person: User, **changes: Any) -> Disclosure:
    data = DisclosureInput(
        recipient=FORM["recipient"],
        legal_basis=FORM["legal_basis"],
        court_order_reference=changes.pop("court_order_reference", FORM["court_order_reference"]),
        data_disclosed=FORM["data_disclosed"],
        disclosed_on=changes.pop("disclosed_on", datetime.date(2026, 3, 2)),
        **changes,
    )
    return disclosures.disclosure_record(actor=operator(olga), person=person, data=data)


def page(client: Client, url: str) -> str:
    response = client.get(url, headers=EN)
    assert response.status_code == 200, response.status_code
    return html.unescape(response.content.decode())


def today() -> datetime.date:
    return timezone.localdate()


def test_the_urls_are_stable() -> None:
    assert reverse("backoffice:disclosure_register") == REGISTER
    assert reverse("backoffice:disclosure_create") == CREATE


@pytest.mark.promise("P34")
def test_the_operator_records_a_disclosure_and_the_person_sees_it(
    client: Client, alice: User, bob: User, olga: User
) -> None:
    login(client, olga)
    assert "Record a disclosure" in page(client, CREATE)
    response = client.post(CREATE, FORM, headers=EN)
    assert response.status_code == 302
    assert response["Location"] == REGISTER
    disclosure = Disclosure.objects.get()
    assert disclosure.user_id == alice.pk  # found through the blind index, whatever the case of the letters
    assert disclosure.recorded_by_id == olga.pk
    assert timezone.localdate(disclosure.disclosed_at) == datetime.date(2026, 3, 2)

    register = page(client, REGISTER)
    for value in ("Alice Amrein", FORM["recipient"], FORM["court_order_reference"], FORM["legal_basis"]):
        assert value in register
    assert "None: the person sees it" in register

    # Recording is an audit event; it names no subject, so no access list can give away a barred one.
    created = AuditEvent.objects.get(action=AuditEvent.Action.CREATE, object_ref=str(disclosure.pk))
    assert created.actor_ref == str(olga.pk)
    assert created.subject_ref == ""
    assert AuditEvent.objects.filter(action=AuditEvent.Action.VIEW, object_type="privacy.disclosure").exists()
    client.logout()

    login(client, alice)
    centre = page(client, "/account/privacy/")
    assert "Your data passed on to other authorities" in centre
    for value in (FORM["recipient"], FORM["legal_basis"], FORM["court_order_reference"], FORM["data_disclosed"]):
        assert value in centre
    client.logout()

    login(client, bob)
    centre = page(client, "/account/privacy/")
    assert FORM["recipient"] not in centre
    assert "There is no disclosure to show." in centre


@pytest.mark.promise("P34")
def test_a_legal_bar_hides_the_disclosure_until_its_end(client: Client, alice: User, olga: User) -> None:
    until = today() + datetime.timedelta(days=10)
    disclosure = record(olga, alice, legal_bar_reason="Untersuchungsgeheimnis (Art. 73 StPO)", legal_bar_until=until)
    person = citizen_actor(user=alice, profile=alice.active_profile)
    on = lambda day: timezone.make_aware(datetime.datetime.combine(day, datetime.time(12)))  # noqa: E731

    assert list(disclosures.disclosures_for(actor=person, now=on(today()))) == []
    assert list(disclosures.disclosures_for(actor=person, now=on(until))) == []  # the last day of the bar
    assert list(disclosures.disclosures_for(actor=person, now=on(until + datetime.timedelta(days=1)))) == [disclosure]

    login(client, alice)
    centre = page(client, "/account/privacy/")
    assert FORM["recipient"] not in centre
    assert FORM["court_order_reference"] not in centre
    # Not even through the access log: nothing recorded about it names her.
    assert not AuditEvent.objects.filter(subject_ref=str(alice.pk), object_type="privacy.disclosure").exists()
    client.logout()

    login(client, olga)
    register = page(client, REGISTER)
    assert "Hidden until" in register
    # The operator lifts the bar: the person sees it at once.
    response = client.post(reverse("backoffice:disclosure_bar", args=[disclosure.pk]), {}, headers=EN)
    assert response.status_code == 302
    client.logout()
    login(client, alice)
    assert FORM["recipient"] in page(client, "/account/privacy/")


@pytest.mark.promise("P34")
def test_a_bar_without_an_end_date_applies_until_it_is_lifted(alice: User, olga: User) -> None:
    # The form asks for both, but a bar recorded without an end (e.g. through the admin) holds.
    disclosure = record(olga, alice)
    Disclosure.objects.filter(pk=disclosure.pk).update(legal_bar_reason="Geheimhaltung angeordnet")
    person = citizen_actor(user=alice, profile=alice.active_profile)
    far = timezone.now() + datetime.timedelta(days=3650)
    assert list(disclosures.disclosures_for(actor=person, now=far)) == []


@pytest.mark.promise("P34")
def test_the_export_includes_visible_disclosures_only(client: Client, alice: User, olga: User) -> None:
    visible = record(olga, alice, court_order_reference="ST.2026.0001")
    record(
        olga,
        alice,
        court_order_reference="ST.2026.0002-GEHEIM",
        legal_bar_reason="Untersuchungsgeheimnis",
        legal_bar_until=today() + datetime.timedelta(days=30),
    )
    login(client, alice)
    session = client.session
    session[REAUTH_SESSION_KEY] = int(time.time())
    session.save()
    response = client.post("/account/privacy/export/", headers=EN)
    assert response.status_code == 200
    archive = zipfile.ZipFile(BytesIO(b"".join(response.streaming_content)))
    kinds = {section["model"]: section["items"] for section in json.loads(archive.read("data.json"))["kinds"]}
    items = kinds["privacy.Disclosure"]
    assert [item["court_order_reference"] for item in items] == [visible.court_order_reference]
    assert items[0]["recipient"] == FORM["recipient"]
    assert items[0]["disclosed_on"] == "2026-03-02"
    everything = b"".join(archive.read(name) for name in archive.namelist()).decode("utf-8", "replace")
    assert "GEHEIM" not in everything


@pytest.mark.promise("P34")
@pytest.mark.parametrize("who", ["alice", "clara", "dario"])
def test_staff_of_authorities_and_citizens_cannot_reach_the_register(
    client: Client, alice: User, clara: User, dario: User, olga: User, who: str
) -> None:
    disclosure = record(olga, alice)
    login(client, {"alice": alice, "clara": clara, "dario": dario}[who])
    assert client.get(REGISTER).status_code == 404
    assert client.get(CREATE).status_code == 404
    assert client.post(CREATE, FORM).status_code == 404
    bar = reverse("backoffice:disclosure_bar", args=[disclosure.pk])
    assert client.get(bar).status_code == 404
    assert client.post(bar, {"legal_bar_reason": "x", "legal_bar_until": "2099-01-01"}).status_code == 404
    assert Disclosure.objects.count() == 1
    disclosure.refresh_from_db()
    assert disclosure.legal_bar_reason == ""


def test_guests_log_in_first(client: Client) -> None:
    response = client.get(REGISTER)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("auth:login"))


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"email": "nobody@example.ch"}, "No account uses this email address."),
        ({"email": "not-an-address"}, "Enter an email address, for example name@example.ch."),
        ({"court_order_reference": ""}, "This is needed for the register."),
        ({"disclosed_on": "2099-01-01"}, "The date of the disclosure cannot be in the future."),
        ({"disclosed_on": "31.02.2026"}, "Enter a real date"),
        ({"legal_bar_reason": "Untersuchungsgeheimnis"}, "Give the date until which the legal bar applies."),
        ({"legal_bar_until": "2099-01-01"}, "Give the reason for the legal bar"),
        (
            {"legal_bar_reason": "Untersuchungsgeheimnis", "legal_bar_until": "2020-01-01"},
            "The legal bar must end after today",
        ),
        ({"recipient": "x" * 201}, "At most 200 characters (it has 201)."),
    ],
)
def test_bad_input_is_explained_and_kept(
    client: Client, alice: User, olga: User, changes: dict[str, str], message: str
) -> None:
    login(client, olga)
    data = {**FORM, **changes}
    response = client.post(CREATE, data, headers=EN)
    assert response.status_code == 400
    text = html.unescape(response.content.decode())
    assert "There is a problem" in text
    assert message in text
    assert FORM["data_disclosed"] in text  # nothing typed is lost
    assert not Disclosure.objects.exists()


@pytest.mark.promise("P34")
def test_the_register_outlives_the_account_without_the_person(client: Client, alice: User, olga: User) -> None:
    disclosure = record(olga, alice)
    account_erase(actor=citizen_actor(user=alice, profile=alice.active_profile))
    disclosure.refresh_from_db()
    assert disclosure.user_id is None
    assert disclosure.court_order_reference == FORM["court_order_reference"]
    assert DeletionLogEntry.objects.filter(data_kind="privacy.Disclosure", trigger="account_erasure").exists()
    login(client, olga)
    assert "(account deleted)" in page(client, REGISTER)


@pytest.mark.promise("P09")
def test_the_retention_sweep_deletes_old_entries(alice: User, olga: User) -> None:
    old = record(olga, alice, disclosed_on=today() - disclosures.RETENTION - datetime.timedelta(days=2))
    recent = record(olga, alice)
    results = {result.rule: result.count for result in retention_sweep(only=["privacy.Disclosure"])}
    assert results == {"disclosure_register": 1}
    assert not Disclosure.objects.filter(pk=old.pk).exists()
    assert Disclosure.objects.filter(pk=recent.pk, user=alice).exists()


ANY_TEXT = st.text(max_size=300) | st.sampled_from(["\x00", "a" * 10_000, "<script>", "%(x)s", " ", "2026-02-30"])
FIELDS = ("email", "recipient", "legal_basis", "court_order_reference", "data_disclosed", "disclosed_on")


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    values=st.fixed_dictionaries({}, optional=dict.fromkeys((*FIELDS, "legal_bar_reason", "legal_bar_until"), ANY_TEXT))
)
def test_the_register_form_never_fails_with_a_server_error(
    client: Client, alice: User, olga: User, values: dict[str, str]
) -> None:
    client.force_login(olga)
    assert client.post(CREATE, {**FORM, **values}).status_code in (302, 400)
