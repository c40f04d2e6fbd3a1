from __future__ import annotations

import datetime
import logging
import re
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.core import mail
from django.utils import timezone

from guichet.core.email import open_payload, render_email, seal_payload, send_templated_email
from guichet.core.tasks import retry_delay, send_email_task
from tests.conftest import free_port

DUMMY_TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
EMAIL_DIR = Path(django_settings.BASE_DIR) / "templates" / "email"


def _notice(**extra: Any) -> dict[str, Any]:
    return {
        "subject": "Your case",
        "message": "Case 2025-0042 has a new status.",
        "link": "https://x.example/c/42",
    } | extra


@pytest.mark.promise("P13")
@pytest.mark.django_db
def test_email_arrives_over_real_smtp_with_text_and_html(
    smtp_server: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        send_templated_email(to="alice@example.ch", template="notice", context=_notice(), language="en")

    (message,) = smtp_server.messages
    assert message["To"] == "alice@example.ch"
    assert message["Subject"] == "Your case \N{EN DASH} Guichet"
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    assert "Case 2025-0042 has a new status." in text
    assert "Case 2025-0042 has a new status." in html
    assert "<p>" not in text  # the text part is plain text, not HTML
    for body in (text, html):
        assert django_settings.GUICHET_PRIVACY_CONTACT in body


@pytest.mark.django_db
def test_nothing_is_sent_before_the_transaction_commits(
    smtp_server: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        send_templated_email(to="alice@example.ch", template="notice", context=_notice())
    assert smtp_server.messages == []
    assert len(callbacks) == 1


def test_email_is_rendered_in_the_requested_language() -> None:
    _subject, _text, html = render_email(template="notice", context=_notice(), language="fr")
    assert '<html lang="fr">' in html


def test_text_part_is_not_html_escaped() -> None:
    _subject, text, _html = render_email(template="notice", context=_notice(message="Müller & Söhne <AG>"))
    assert "Müller & Söhne <AG>" in text


@pytest.mark.promise("P13")
@pytest.mark.parametrize(
    "template",
    sorted(
        str(p.relative_to(EMAIL_DIR)).removesuffix(".txt")
        for p in EMAIL_DIR.rglob("*.txt")
        if not p.name.endswith(".subject.txt") and p.name != "base.txt"
    ),
)
def test_every_email_names_the_privacy_contact(template: str, settings: Any) -> None:
    settings.GUICHET_PRIVACY_CONTACT = "dpo@kanton.example"
    # Plural blocks need numbers; everything else renders fine when missing.
    sources = "".join((EMAIL_DIR / f"{template}{suffix}").read_text() for suffix in (".txt", ".html"))
    context: dict[str, Any] = dict.fromkeys(re.findall(r"count \w+=([\w.]+)", sources), 2)
    subject, text, html = render_email(template=template, context=context)
    assert subject
    assert "dpo@kanton.example" in text
    assert 'href="mailto:dpo@kanton.example"' in html


@pytest.mark.django_db
def test_closed_smtp_port_enqueues_a_retry_with_backoff(settings: Any) -> None:
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": free_port(), "use_tls": False, "timeout": 2},
        }
    }
    settings.TASKS = DUMMY_TASKS
    before = timezone.now()

    payload = seal_payload({"to": "alice@example.ch", "subject": "S", "text": "T", "html": "<p>T</p>"})
    outcome = send_email_task.call(payload=payload, template="notice")

    assert outcome == "retry"
    (queued,) = send_email_task.get_backend().results  # type: ignore[attr-defined]
    assert queued.kwargs["attempt"] == 2
    assert queued.kwargs["payload"] == payload
    assert open_payload(queued.kwargs["payload"])["to"] == "alice@example.ch"
    assert queued.task.run_after is not None
    assert before + datetime.timedelta(seconds=59) <= queued.task.run_after <= timezone.now() + retry_delay(1)


def test_backoff_doubles() -> None:
    assert [retry_delay(n).total_seconds() for n in (1, 2, 3, 4)] == [60, 120, 240, 480]


@pytest.mark.django_db
def test_last_attempt_gives_up_and_logs_without_the_address(settings: Any, caplog: pytest.LogCaptureFixture) -> None:
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": free_port(), "use_tls": False, "timeout": 2},
        }
    }
    settings.TASKS = DUMMY_TASKS
    settings.GUICHET_EMAIL_MAX_ATTEMPTS = 3
    with caplog.at_level(logging.ERROR, logger="guichet.email"):
        payload = seal_payload({"to": "alice@example.ch", "subject": "S", "text": "T", "html": "T"})
        outcome = send_email_task.call(payload=payload, attempt=3)
    assert outcome == "failed"
    assert send_email_task.get_backend().results == []  # type: ignore[attr-defined]
    assert "failed for good after 3 attempts" in caplog.text
    assert "alice@example.ch" not in caplog.text


def test_successful_send_through_the_test_mailer() -> None:
    payload = seal_payload({"to": "bob@example.ch", "subject": "S", "text": "T", "html": "<p>T</p>"})
    assert send_email_task.call(payload=payload) == "sent"
    (message,) = mail.outbox
    assert message.alternatives[0].mimetype == "text/html"


@pytest.mark.promise("P25")
@pytest.mark.django_db
def test_the_task_queue_never_holds_the_address_or_the_text(
    settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.TASKS = DUMMY_TASKS
    with django_capture_on_commit_callbacks(execute=True):
        send_templated_email(to="alice@example.ch", template="notice", context=_notice())
    (queued,) = send_email_task.get_backend().results  # type: ignore[attr-defined]
    stored = repr(queued.args) + repr(queued.kwargs)
    assert "alice@example.ch" not in stored
    assert "2025-0042" not in stored
    assert queued.kwargs["template"] == "notice"


@pytest.mark.django_db
def test_a_payload_sealed_under_a_retired_master_key_is_dropped(
    settings: Any, caplog: pytest.LogCaptureFixture
) -> None:
    payload = seal_payload({"to": "alice@example.ch", "subject": "S", "text": "T", "html": "T"})
    settings.GUICHET_MASTER_KEYS = "k9:" + "A" * 43 + "="
    with caplog.at_level(logging.ERROR, logger="guichet.email"):
        assert send_email_task.call(payload=payload, template="notice") == "failed"
    assert "cannot be decrypted" in caplog.text
    assert mail.outbox == []
