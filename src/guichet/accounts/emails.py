"""The account emails (confirmation, reset, notices), sent through the portal's email task.

Each email is three templates ``templates/email/accounts/<name>.subject.txt``, ``.txt`` and
``.html`` extending ``email/base.*``. They carry no names or other personal data: only what the
recipient needs (a link, a short notice). Rendering happens now, sending after the commit.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils import translation

from guichet.core.email import send_templated_email

CONFIRM = "accounts/confirm"
ALREADY_REGISTERED = "accounts/already_registered"
RESET = "accounts/password_reset"
PASSWORD_CHANGED = "accounts/password_changed"  # noqa: S105  (a template name)
EMAIL_CHANGE = "accounts/email_change"
EMAIL_CHANGE_TAKEN = "accounts/email_change_taken"
EMAIL_CHANGED = "accounts/email_changed"


def absolute_url(viewname: str, **kwargs: Any) -> str:
    return settings.SITE_URL + reverse(viewname, kwargs=kwargs or None)


def account_email_send(*, to: str, template: str, context: dict[str, Any] | None = None) -> None:
    """Send one account email in the visitor's current language, without blocking the request."""
    send_templated_email(to=to, template=template, context=context or {}, language=translation.get_language())
