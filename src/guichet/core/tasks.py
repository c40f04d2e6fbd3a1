"""Core tasks: sending email, with retries and backoff.

The huey worker imports every installed app's ``tasks`` module; importing the schedule here is
what registers the periodic jobs in the consumer that runs them.
"""

from __future__ import annotations

import base64
import datetime
import logging
import smtplib

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.tasks import task
from django.utils import timezone

from guichet.core import schedule  # noqa: F401  (registers the periodic jobs with the worker)

logger = logging.getLogger("guichet.email")

RETRY_BASE_SECONDS = 60


def retry_delay(attempt: int) -> datetime.timedelta:
    """1, 2, 4, 8 ... minutes after the first, second, third ... failed attempt."""
    return datetime.timedelta(seconds=RETRY_BASE_SECONDS * 2 ** (attempt - 1))


@task
def send_email_task(*, payload: str, template: str = "", attempt: int = 1) -> str:
    """Send one rendered message (sealed by ``core.email.seal_payload``); on a transport error
    enqueue the next attempt later. Returns "sent", "retry" or "failed".

    Logs name the template, never the recipient: the address is personal data."""
    from guichet.core.crypto import DecryptionError
    from guichet.core.email import open_payload

    try:
        data = open_payload(payload)
    except DecryptionError:
        logger.error("email %r dropped: its payload cannot be decrypted (master key retired?)", template)
        return "failed"
    message = EmailMultiAlternatives(
        subject=data["subject"], body=data["text"], from_email=settings.DEFAULT_FROM_EMAIL, to=[data["to"]]
    )
    message.attach_alternative(data["html"], "text/html")
    for attachment in data.get("attachments") or []:  # e.g. an .ics invitation
        message.attach(attachment["name"], base64.b64decode(attachment["content"]), attachment["type"])
    try:
        message.send()
    except (smtplib.SMTPException, OSError) as exc:
        if attempt >= settings.GUICHET_EMAIL_MAX_ATTEMPTS:
            logger.error("email %r failed for good after %d attempts: %s", template, attempt, type(exc).__name__)
            return "failed"
        retry = send_email_task
        if retry.get_backend().supports_defer:
            retry = retry.using(run_after=timezone.now() + retry_delay(attempt))
        logger.warning("email %r attempt %d failed (%s); retrying", template, attempt, type(exc).__name__)
        retry.enqueue(payload=payload, template=template, attempt=attempt + 1)
        return "retry"
    logger.info("email %r sent on attempt %d", template, attempt)
    return "sent"
