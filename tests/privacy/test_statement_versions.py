"""Versions of the privacy statement (P35): a change is announced on the portal and by email,
objections are recorded until it takes effect, and it applies to everyone who did not object."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from guichet.accounts.models import User
from guichet.core.actor import SYSTEM, citizen_actor
from guichet.core.models import AuditEvent
from guichet.privacy import statement_versions
from guichet.privacy.models import StatementObjection, StatementVersion
from guichet.privacy.statement_versions import (
    current_version,
    statement_notify,
    statement_object,
    statement_publish,
    statement_withdraw_objection,
    version_for,
)
from tests.conftest import login, make_citizen

pytestmark = pytest.mark.django_db

EN = {"accept-language": "en"}
FR = {"accept-language": "fr"}
DAY = datetime.timedelta(days=1)
FOUR_WEEKS = datetime.timedelta(days=28)
SUMMARY = {
    "de": "Neu: Termindaten werden nach 30 Tagen gelöscht.",
    "fr": "Nouveau : les données des rendez-vous sont effacées après 30 jours.",
    "it": "Novità: i dati degli appuntamenti vengono cancellati dopo 30 giorni.",
    "en": "New: appointment data is deleted after 30 days.",
}


@pytest.fixture(autouse=True)
def _english_emails(settings: Any) -> None:
    """Accounts store no language: emails use the portal's default, English here."""
    settings.LANGUAGE_CODE = "en"


def citizen(user: User) -> Any:
    return citizen_actor(user=user, profile=user.active_profile)


def publish(
    version: int = 2, *, now: datetime.datetime | None = None, summary: dict[str, str] | None = None
) -> StatementVersion:
    return statement_publish(actor=SYSTEM, version=version, summary=summary or SUMMARY, now=now)


def bodies(message: Any) -> str:
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    return f"{message['Subject']}\n{text}\n{html}"


# --- Publishing --------------------------------------------------------------------------------


@pytest.mark.promise("P35")
def test_publishing_emails_every_account_once_with_the_summary(
    alice: User, bob: User, olga: User, smtp_server: Any, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    unconfirmed = User.objects.create_user("unconfirmed@example.ch", "x" * 20)
    with django_capture_on_commit_callbacks(execute=True):
        version = publish()
    assert version.effective_at == version.published_at + FOUR_WEEKS

    recipients = sorted(message["To"] for message in smtp_server.messages)
    assert recipients == sorted(["alice@example.ch", "bob@example.ch", "olga@guichet.example"])
    assert unconfirmed.email not in recipients  # an unconfirmed address may not be theirs
    message = next(message for message in smtp_server.messages if message["To"] == "alice@example.ch")
    everything = bodies(message)
    assert "Changes to our privacy statement" in message["Subject"]
    assert "Version 2 takes effect on" in everything
    for text in SUMMARY.values():  # in the email's language, and in the others below it
        assert text in everything
    assert settings.SITE_URL + reverse("privacy:statement") in everything
    assert settings.SITE_URL + reverse("privacy_centre:index") in everything
    assert "you can object in your privacy centre" in everything
    assert settings.GUICHET_PRIVACY_CONTACT in everything  # P13
    assert "Alice" not in everything
    assert "Amrein" not in everything

    version.refresh_from_db()
    assert version.notified_at is not None
    assert version.notified_count == 3
    assert version.notify_cursor == ""

    # Running the notification again (the periodic task, or by hand) sends nothing new.
    with django_capture_on_commit_callbacks(execute=True):
        assert statement_notify(version=version) == 0
        statement_versions.statement_notify_pending()
    assert len(smtp_server.messages) == 3


@pytest.mark.promise("P35")
def test_a_run_that_stopped_half_way_resumes_without_emailing_anyone_twice(
    smtp_server: Any, django_capture_on_commit_callbacks: Any
) -> None:
    for number in range(5):
        make_citizen(email=f"person{number}@example.ch", first_name="Person", last_name=str(number))
    version = StatementVersion.objects.create(
        version=2, summary=SUMMARY, published_at=timezone.now(), effective_at=timezone.now() + FOUR_WEEKS
    )
    # One batch went out, then the worker died: the cursor stands after the first two accounts.
    with django_capture_on_commit_callbacks(execute=True):
        first = list(User.objects.order_by("pk")[:2])
        StatementVersion.objects.filter(pk=version.pk).update(notify_cursor=str(first[-1].pk), notified_count=2)
        assert statement_notify(version=version, batch_size=2) == 3
    assert sorted(message["To"] for message in smtp_server.messages) == sorted(
        user.email for user in User.objects.order_by("pk")[2:]
    )
    version.refresh_from_db()
    assert version.notified_count == 5
    assert version.notified_at is not None


@pytest.mark.promise("P35")
def test_accounts_registered_after_the_announcement_are_not_emailed(
    alice: User, smtp_server: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        publish(now=timezone.now() - DAY)
    assert [message["To"] for message in smtp_server.messages] == []  # Alice joined after it


def test_only_operators_publish(alice: User, olga: User) -> None:
    with pytest.raises(PermissionDenied):
        statement_publish(actor=citizen(alice), version=2, summary=SUMMARY)
    operator = citizen_actor(user=olga, profile=None)  # an operator account, e.g. in the admin
    assert statement_publish(actor=operator, version=2, summary=SUMMARY).version == 2
    assert AuditEvent.objects.filter(action=AuditEvent.Action.CREATE, object_type="privacy.statementversion").exists()


def test_the_summary_is_required_in_every_language_and_versions_only_go_up(db: None) -> None:
    with pytest.raises(ValidationError) as missing:
        publish(summary={"de": "Neu", "fr": " ", "it": "", "en": "New"})
    assert "missing in: Français, Italiano" in missing.value.message_dict["summary"][0]

    now = timezone.now()
    publish(3, now=now - 60 * DAY)
    with pytest.raises(ValidationError) as lower:
        publish(3, now=now)
    assert "higher than that of the latest published version, 3" in lower.value.message_dict["version"][0]

    publish(4, now=now)
    with pytest.raises(ValidationError) as pending:
        publish(5, now=now + DAY)
    assert "Version 4 takes effect on" in pending.value.message_dict["version"][0]
    assert publish(5, now=now + FOUR_WEEKS).version == 5


def test_the_command_publishes_or_says_what_is_wrong(db: None, capsys: Any) -> None:
    with pytest.raises(CommandError, match="missing in: Italiano"):
        call_command(
            "statement_publish", "--version", "2", "--summary-de", "a", "--summary-fr", "b", "--summary-en", "d"
        )
    assert not StatementVersion.objects.exists()
    args = [f"--summary-{code}={text}" for code, text in SUMMARY.items()]
    call_command("statement_publish", "--version", "2", *args)
    assert "Version 2 published. It takes effect on" in capsys.readouterr().out
    assert StatementVersion.objects.get().summary == SUMMARY


# --- Objections --------------------------------------------------------------------------------


@pytest.mark.promise("P35")
def test_an_objection_counts_until_the_version_takes_effect_and_not_after(alice: User, bob: User) -> None:
    now = timezone.now()
    version = publish(now=now)
    objection = statement_object(actor=citizen(alice), version=version, now=now + FOUR_WEEKS - DAY)
    assert objection.at == now + FOUR_WEEKS - DAY
    again = statement_object(actor=citizen(alice), version=version, now=now + FOUR_WEEKS - DAY)
    assert again.pk == objection.pk  # idempotent
    with pytest.raises(ValidationError, match="took effect on"):
        statement_object(actor=citizen(bob), version=version, now=now + FOUR_WEEKS)
    with pytest.raises(ValidationError, match="took effect on"):
        statement_withdraw_objection(actor=citizen(alice), version=version, now=now + FOUR_WEEKS)
    assert StatementObjection.objects.filter(version=version).count() == 1


@pytest.mark.promise("P35")
def test_a_version_applies_to_everyone_who_did_not_object(alice: User, bob: User) -> None:
    now = timezone.now()
    first = publish(1, now=now - 100 * DAY)
    second = publish(2, now=now - 10 * DAY)
    statement_object(actor=citizen(alice), version=second, now=now - 5 * DAY)

    assert current_version(now) == first  # the second is still pending
    assert version_for(user=alice, now=now) == first
    later = now + 20 * DAY
    assert current_version(later) == second
    assert version_for(user=bob, now=later) == second
    assert version_for(user=alice, now=later) == first  # she objected: the previous one stays

    # Withdrawing in time makes it apply to her as well.
    assert statement_withdraw_objection(actor=citizen(alice), version=second, now=now)
    assert version_for(user=alice, now=later) == second


# --- What people see ----------------------------------------------------------------------------


@pytest.mark.promise("P35")
def test_the_statement_page_shows_the_version_the_announcement_and_earlier_versions(client: Client) -> None:
    now = timezone.now()
    publish(1, now=now - 100 * DAY, summary={**SUMMARY, "en": "First published version."})
    publish(2, now=now - 50 * DAY, summary={**SUMMARY, "en": "Cookies listed one by one."})
    publish(3, now=now - DAY)
    page = client.get(reverse("privacy:statement"), headers=EN).content.decode()
    assert "Changes to this statement" in page
    assert "Version 2, in force since" in page
    assert "Cookies listed one by one." in page
    assert "Announced: version 3" in page
    assert SUMMARY["en"] in page
    assert "takes effect on" in page
    assert "Version 1, took effect on" in page
    assert "First published version." in page
    assert "A change takes effect 28 days after it is announced" in page

    french = client.get(reverse("privacy:statement"), headers=FR).content.decode()
    assert SUMMARY["fr"] in french  # the summary in the reader's language


@pytest.mark.promise("P35")
def test_the_privacy_centre_announces_the_change_and_records_an_objection(client: Client, alice: User) -> None:
    now = timezone.now()
    publish(1, now=now - 60 * DAY)
    version = publish(2, now=now)
    login(client, alice)
    centre = reverse("privacy_centre:index")
    page = client.get(centre, headers=EN).content.decode()
    assert "Changes to the privacy statement: version 2" in page
    assert SUMMARY["en"] in page
    assert "The version that applies to you: version 1" in page
    object_url = reverse("privacy_centre:statement_object", args=[2])
    assert f'action="{object_url}"' in page
    assert "I object to version 2" in page

    response = client.post(object_url, headers=EN)
    assert response.status_code == 302
    assert response["Location"] == centre + "#statement-title"
    assert StatementObjection.objects.filter(version=version, user=alice).exists()
    page = client.get(centre, headers=EN).content.decode()
    assert "Your objection to version 2 was recorded on" in page
    assert "You objected on" in page
    assert "The previous version continues to apply to you." in page
    assert "I object to version 2" not in page
    assert "Withdraw my objection" in page

    client.post(reverse("privacy_centre:statement_withdraw", args=[2]), headers=EN)
    assert not StatementObjection.objects.filter(version=version, user=alice).exists()
    page = client.get(centre, headers=EN).content.decode()
    assert "Your objection to version 2 was withdrawn." in page


@pytest.mark.promise("P35")
def test_after_the_effective_date_the_centre_says_the_objection_period_is_over(client: Client, alice: User) -> None:
    now = timezone.now()
    publish(2, now=now - FOUR_WEEKS - DAY)
    login(client, alice)
    response = client.post(reverse("privacy_centre:statement_object", args=[2]), headers=EN, follow=True)
    page = response.content.decode()
    assert "Version 2 took effect on" in page
    assert "Objections were possible until then." in page
    assert not StatementObjection.objects.exists()
    assert "The version that applies to you: version 2" in page


def test_an_unknown_version_is_not_found(client: Client, alice: User) -> None:
    login(client, alice)
    assert client.post(reverse("privacy_centre:statement_object", args=[99])).status_code == 404
    assert client.post(reverse("privacy_centre:statement_withdraw", args=[99])).status_code == 404


def test_the_objection_is_in_the_export_and_goes_with_the_account(alice: User) -> None:
    from guichet.privacy.registry_lifecycle import _export_objections

    version = publish()
    statement_object(actor=citizen(alice), version=version)
    (item,) = list(_export_objections(alice))
    assert item["statement_version"] == 2
    alice.delete()
    assert not StatementObjection.objects.exists()


def test_operators_see_versions_with_objection_counts_and_opening_an_objection_is_audited(
    client: Client, alice: User, olga: User
) -> None:
    version = publish()
    objection = statement_object(actor=citizen(alice), version=version)
    login(client, olga)
    listing = client.get(reverse("admin:privacy_statementversion_changelist")).content.decode()
    assert '<td class="field-objection_count">1</td>' in listing
    detail = client.get(reverse("admin:privacy_statementobjection_change", args=[objection.pk]))
    assert detail.status_code == 200
    assert "alice@example.ch" in detail.content.decode()  # to contact her
    assert AuditEvent.objects.filter(action=AuditEvent.Action.VIEW, subject_ref=str(alice.pk)).exists()
    assert client.get(reverse("admin:privacy_inactivitynotice_changelist")).status_code == 200
